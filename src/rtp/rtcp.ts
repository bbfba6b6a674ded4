/**
 * RTCP compound packets (RFC 3550 §6.1, §6.4-§6.6): SR, RR, SDES and BYE are decoded; any
 * other packet type (APP, RFC 4585 feedback, XR ...) is kept as raw bytes so nothing is lost.
 *
 * Common header of every RTCP packet (RFC 3550 §6.4.1):
 *  0                   1                   2                   3
 * |V=2|P|    RC   |   PT=SR=200   |             length            |
 * `length` is the packet's length in 32-bit words minus one, including header and padding.
 */
import { RTCPError } from './errors.js';

export { RTCPError };

/** RTCP packet types (RFC 3550 §12.1). */
export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;

/** SDES item types (RFC 3550 §12.2). */
export const SDES_CNAME = 1;
export const SDES_NAME = 2;
export const SDES_EMAIL = 3;
export const SDES_PHONE = 4;
export const SDES_LOC = 5;
export const SDES_TOOL = 6;
export const SDES_NOTE = 7;
export const SDES_PRIV = 8;

/** One reception report block (RFC 3550 §6.4.1), 24 octets. */
export interface ReportBlock {
  readonly ssrc: number;
  /** 8-bit fixed point fraction (lost / expected * 256). */
  readonly fractionLost: number;
  /** Signed 24-bit cumulative number of packets lost. */
  readonly cumulativeLost: number;
  readonly extendedHighestSeq: number;
  readonly jitter: number;
  /** LSR: middle 32 bits of the NTP timestamp of the last SR received (0 if none). */
  readonly lastSR: number;
  /** DLSR: delay since that SR, in units of 1/65536 s. */
  readonly delaySinceLastSR: number;
}

/** Sender report (RFC 3550 §6.4.1). */
export interface SenderReport {
  readonly type: 'sr';
  readonly ssrc: number;
  /** NTP timestamp, integer seconds since 1900 (most significant word). */
  readonly ntpSeconds: number;
  /** NTP timestamp, fraction of a second in units of 2^-32 (least significant word). */
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly reports: readonly ReportBlock[];
  /** Profile-specific extension after the report blocks (§6.4.1), empty when absent. */
  readonly extension?: Buffer;
}

/** Receiver report (RFC 3550 §6.4.2). */
export interface ReceiverReport {
  readonly type: 'rr';
  readonly ssrc: number;
  readonly reports: readonly ReportBlock[];
  readonly extension?: Buffer;
}

export interface SDESItem {
  /** Item type (§12.2): 1 CNAME ... 8 PRIV. */
  readonly type: number;
  readonly text: string;
}

export interface SDESChunk {
  readonly ssrc: number;
  readonly items: readonly SDESItem[];
}

/** Source description (RFC 3550 §6.5). */
export interface SourceDescription {
  readonly type: 'sdes';
  readonly chunks: readonly SDESChunk[];
}

/** Goodbye (RFC 3550 §6.6). */
export interface Goodbye {
  readonly type: 'bye';
  readonly ssrcs: readonly number[];
  readonly reason?: string;
}

/** Any other RTCP packet, kept whole: `body` is everything after the 4-octet header, minus padding. */
export interface OtherRTCPPacket {
  readonly type: 'other';
  readonly packetType: number;
  /** The 5-bit count/subtype field of the common header. */
  readonly count: number;
  readonly body: Buffer;
}

export type RTCPPacket = SenderReport | ReceiverReport | SourceDescription | Goodbye | OtherRTCPPacket;

/**
 * RFC 5761 §4: on a multiplexed port, an RTCP packet has a second octet in 192..223
 * (payload types 64-95 with the marker bit), which RTP payload types avoid.
 */
export function isRTCP(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

function readReportBlocks(buf: Buffer, offset: number, count: number, end: number): ReportBlock[] {
  if (offset + 24 * count > end) throw new RTCPError('bad-count', `${count} report blocks do not fit the packet`);
  const reports: ReportBlock[] = [];
  for (let i = 0; i < count; i++, offset += 24) {
    reports.push({
      ssrc: buf.readUInt32BE(offset),
      fractionLost: buf[offset + 4],
      cumulativeLost: buf.readIntBE(offset + 5, 3),
      extendedHighestSeq: buf.readUInt32BE(offset + 8),
      jitter: buf.readUInt32BE(offset + 12),
      lastSR: buf.readUInt32BE(offset + 16),
      delaySinceLastSR: buf.readUInt32BE(offset + 20),
    });
  }
  return reports;
}

function parseSDES(buf: Buffer, offset: number, count: number, end: number): SourceDescription {
  const chunks: SDESChunk[] = [];
  for (let c = 0; c < count; c++) {
    // §6.5: each chunk is an SSRC/CSRC followed by items, ended by a null item and padded
    // with nulls to the next 32-bit boundary.
    if (offset + 4 > end) throw new RTCPError('bad-count', `SDES source count ${count} exceeds the packet`);
    const ssrc = buf.readUInt32BE(offset);
    offset += 4;
    const items: SDESItem[] = [];
    for (;;) {
      if (offset >= end) throw new RTCPError('bad-sdes', 'SDES chunk not terminated by a null item');
      const type = buf[offset];
      if (type === 0) {
        offset = (offset + 4) & ~3; // skip the terminator and the padding to the boundary
        break;
      }
      if (offset + 2 > end) throw new RTCPError('bad-sdes', 'SDES item header cut short');
      const length = buf[offset + 1];
      if (offset + 2 + length > end) throw new RTCPError('bad-sdes', `SDES item of ${length} octets runs past the packet`);
      items.push({ type, text: buf.toString('utf8', offset + 2, offset + 2 + length) });
      offset += 2 + length;
    }
    if (offset > end) throw new RTCPError('bad-sdes', 'SDES chunk padding runs past the packet');
    chunks.push({ ssrc, items });
  }
  return { type: 'sdes', chunks };
}

function parseBYE(buf: Buffer, offset: number, count: number, end: number): Goodbye {
  if (offset + 4 * count > end) throw new RTCPError('bad-count', `BYE source count ${count} exceeds the packet`);
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++, offset += 4) ssrcs.push(buf.readUInt32BE(offset));
  if (offset < end) {
    // §6.6: optional "length of reason for leaving" octet and text.
    const length = buf[offset];
    if (offset + 1 + length > end) throw new RTCPError('bad-count', 'BYE reason runs past the packet');
    return { type: 'bye', ssrcs, reason: buf.toString('utf8', offset + 1, offset + 1 + length) };
  }
  return { type: 'bye', ssrcs };
}

/**
 * Parse an RTCP compound packet (RFC 3550 §6.1). Throws only `RTCPError`. Checks of §A.2:
 * version 2 on every packet, lengths that tile the datagram exactly, padding only on the last.
 * The "first packet is SR or RR" rule is not enforced, so RFC 5506 reduced-size RTCP parses.
 */
export function parseRTCP(buf: Buffer): RTCPPacket[] {
  const packets: RTCPPacket[] = [];
  let offset = 0;
  if (buf.length < 4) throw new RTCPError('short', `RTCP datagram of ${buf.length} octets`);
  while (offset < buf.length) {
    if (offset + 4 > buf.length) throw new RTCPError('short', 'RTCP header cut short');
    const b0 = buf[offset];
    const version = b0 >> 6;
    if (version !== 2) throw new RTCPError('bad-version', `RTCP version ${version}, expected 2`);
    const padding = (b0 & 0x20) !== 0;
    const count = b0 & 0x1f;
    const packetType = buf[offset + 1];
    const packetEnd = offset + 4 * (buf.readUInt16BE(offset + 2) + 1);
    if (packetEnd > buf.length) throw new RTCPError('length-overrun', `RTCP packet length runs ${packetEnd - buf.length} octets past the datagram`);
    let end = packetEnd;
    if (padding) {
      // §6.4.1: "Padding ... is only required on the last individual packet".
      if (packetEnd !== buf.length) throw new RTCPError('bad-padding', 'padding on an RTCP packet that is not the last in the compound');
      const padLength = buf[packetEnd - 1];
      if (padLength === 0 || padLength > packetEnd - offset - 4) throw new RTCPError('bad-padding', `bad RTCP padding count ${padLength}`);
      end = packetEnd - padLength;
    }
    const body = offset + 4;
    switch (packetType) {
      case RTCP_SR: {
        if (body + 24 > end) throw new RTCPError('short', 'SR sender info cut short');
        const reports = readReportBlocks(buf, body + 24, count, end);
        const extStart = body + 24 + 24 * count;
        const sr: SenderReport = {
          type: 'sr',
          ssrc: buf.readUInt32BE(body),
          ntpSeconds: buf.readUInt32BE(body + 4),
          ntpFraction: buf.readUInt32BE(body + 8),
          rtpTimestamp: buf.readUInt32BE(body + 12),
          packetCount: buf.readUInt32BE(body + 16),
          octetCount: buf.readUInt32BE(body + 20),
          reports,
          ...(extStart < end ? { extension: buf.subarray(extStart, end) } : {}),
        };
        packets.push(sr);
        break;
      }
      case RTCP_RR: {
        if (body + 4 > end) throw new RTCPError('short', 'RR cut short');
        const reports = readReportBlocks(buf, body + 4, count, end);
        const extStart = body + 4 + 24 * count;
        packets.push({
          type: 'rr',
          ssrc: buf.readUInt32BE(body),
          reports,
          ...(extStart < end ? { extension: buf.subarray(extStart, end) } : {}),
        });
        break;
      }
      case RTCP_SDES:
        packets.push(parseSDES(buf, body, count, end));
        break;
      case RTCP_BYE:
        packets.push(parseBYE(buf, body, count, end));
        break;
      default:
        packets.push({ type: 'other', packetType, count, body: buf.subarray(body, end) });
    }
    offset = packetEnd;
  }
  return packets;
}

// ---------------------------------------------------------------------------------------------
// Building

function u32(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${name} ${v} is not a 32-bit unsigned integer`);
  return v;
}

function reportBlockBytes(blocks: readonly ReportBlock[]): Buffer {
  if (blocks.length > 31) throw new RangeError('at most 31 report blocks fit one SR/RR (RFC 3550 §6.4.1)');
  const out = Buffer.alloc(24 * blocks.length);
  blocks.forEach((r, i) => {
    const o = 24 * i;
    out.writeUInt32BE(u32('ssrc', r.ssrc), o);
    if (!Number.isInteger(r.fractionLost) || r.fractionLost < 0 || r.fractionLost > 255) throw new RangeError('fractionLost must be 0..255');
    out[o + 4] = r.fractionLost;
    if (!Number.isInteger(r.cumulativeLost) || r.cumulativeLost < -0x800000 || r.cumulativeLost > 0x7fffff) throw new RangeError('cumulativeLost must fit a signed 24-bit field');
    out.writeIntBE(r.cumulativeLost, o + 5, 3);
    out.writeUInt32BE(u32('extendedHighestSeq', r.extendedHighestSeq), o + 8);
    out.writeUInt32BE(u32('jitter', r.jitter), o + 12);
    out.writeUInt32BE(u32('lastSR', r.lastSR), o + 16);
    out.writeUInt32BE(u32('delaySinceLastSR', r.delaySinceLastSR), o + 20);
  });
  return out;
}

function wordPad(b: Buffer): Buffer {
  const rem = b.length % 4;
  return rem === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - rem)]);
}

function withHeader(count: number, packetType: number, body: Buffer): Buffer {
  if (body.length % 4 !== 0) throw new RangeError('RTCP packet body must be whole 32-bit words');
  const out = Buffer.alloc(4 + body.length);
  out[0] = 0x80 | count;
  out[1] = packetType;
  out.writeUInt16BE(body.length / 4, 2); // (4 + body)/4 - 1
  body.copy(out, 4);
  return out;
}

/** Serialize one RTCP packet (no padding). */
export function buildRTCPPacket(p: RTCPPacket): Buffer {
  switch (p.type) {
    case 'sr': {
      const info = Buffer.alloc(24);
      info.writeUInt32BE(u32('ssrc', p.ssrc), 0);
      info.writeUInt32BE(u32('ntpSeconds', p.ntpSeconds), 4);
      info.writeUInt32BE(u32('ntpFraction', p.ntpFraction), 8);
      info.writeUInt32BE(u32('rtpTimestamp', p.rtpTimestamp), 12);
      info.writeUInt32BE(u32('packetCount', p.packetCount), 16);
      info.writeUInt32BE(u32('octetCount', p.octetCount), 20);
      return withHeader(p.reports.length, RTCP_SR, Buffer.concat([info, reportBlockBytes(p.reports), p.extension ?? Buffer.alloc(0)]));
    }
    case 'rr': {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(u32('ssrc', p.ssrc), 0);
      return withHeader(p.reports.length, RTCP_RR, Buffer.concat([head, reportBlockBytes(p.reports), p.extension ?? Buffer.alloc(0)]));
    }
    case 'sdes': {
      if (p.chunks.length > 31) throw new RangeError('at most 31 SDES chunks per packet');
      const parts: Buffer[] = [];
      for (const chunk of p.chunks) {
        const bytes: Buffer[] = [Buffer.alloc(4)];
        bytes[0].writeUInt32BE(u32('ssrc', chunk.ssrc), 0);
        for (const item of chunk.items) {
          if (!Number.isInteger(item.type) || item.type < 1 || item.type > 255) throw new RangeError('SDES item type must be 1..255');
          const text = Buffer.from(item.text, 'utf8');
          if (text.length > 255) throw new RangeError('SDES item text longer than 255 octets');
          bytes.push(Buffer.from([item.type, text.length]), text);
        }
        // §6.5: a null octet ends the list, then nulls up to the 32-bit boundary (at least one).
        const raw = Buffer.concat(bytes);
        const padded = Buffer.alloc((raw.length + 4) & ~3);
        raw.copy(padded);
        parts.push(padded);
      }
      return withHeader(p.chunks.length, RTCP_SDES, Buffer.concat(parts));
    }
    case 'bye': {
      if (p.ssrcs.length > 31) throw new RangeError('at most 31 SSRCs per BYE');
      const ids = Buffer.alloc(4 * p.ssrcs.length);
      p.ssrcs.forEach((s, i) => ids.writeUInt32BE(u32('ssrc', s), 4 * i));
      let reason: Buffer = Buffer.alloc(0);
      if (p.reason !== undefined) {
        const text = Buffer.from(p.reason, 'utf8');
        if (text.length > 255) throw new RangeError('BYE reason longer than 255 octets');
        reason = wordPad(Buffer.concat([Buffer.from([text.length]), text]));
      }
      return withHeader(p.ssrcs.length, RTCP_BYE, Buffer.concat([ids, reason]));
    }
    case 'other':
      if (!Number.isInteger(p.count) || p.count < 0 || p.count > 31) throw new RangeError('count must be 0..31');
      return withHeader(p.count, p.packetType, p.body);
  }
}

/** Serialize a compound packet (RFC 3550 §6.1): the packets back to back, no padding. */
export function buildRTCP(packets: readonly RTCPPacket[]): Buffer {
  if (packets.length === 0) throw new RangeError('an RTCP compound packet needs at least one packet');
  return Buffer.concat(packets.map(buildRTCPPacket));
}

/** The CNAME of a source in an SDES packet (RFC 3550 §6.5.1), if present. */
export function cnameOf(sdes: SourceDescription, ssrc: number): string | undefined {
  return sdes.chunks.find((c) => c.ssrc === ssrc)?.items.find((i) => i.type === SDES_CNAME)?.text;
}

/**
 * Convert wall-clock milliseconds since the Unix epoch to an NTP timestamp (RFC 3550 §4:
 * seconds since 1 January 1900, with a 32-bit fraction).
 */
export function ntpFromUnixMs(ms: number): { ntpSeconds: number; ntpFraction: number } {
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms - seconds * 1000) / 1000) * 0x100000000);
  return { ntpSeconds: (seconds + 2208988800) >>> 0, ntpFraction: Math.min(fraction, 0xffffffff) >>> 0 };
}

/** §6.4.1 LSR: "the middle 32 bits out of 64 in the NTP timestamp". */
export function ntpMiddle32(ntpSeconds: number, ntpFraction: number): number {
  return (((ntpSeconds & 0xffff) << 16) | (ntpFraction >>> 16)) >>> 0;
}
