/**
 * RTP data packets (RFC 3550 §5.1) and the receiver's per-source sequence state (RFC 3550
 * Appendix A.1 `update_seq`, A.3 loss figures, A.8 interarrival jitter).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * |                             ....                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { RTPError } from './errors.js';

export { RTPError };

/** The header extension of RFC 3550 §5.3.1: a 16-bit profile word and whole 32-bit words. */
export interface RTPExtensionHeader {
  /** "defined by profile" (0xBEDE for RFC 8285 one-byte headers). */
  readonly profile: number;
  /** The extension's words, without the 4-octet extension header (a view into the packet). */
  readonly data: Buffer;
}

export interface RTPPacket {
  readonly version: number;
  /** P bit: padding octets follow the payload (already removed from `payload`). */
  readonly padding: boolean;
  /** Number of padding octets (including the count octet itself); 0 when `padding` is false. */
  readonly paddingLength: number;
  /** X bit: a header extension follows the CSRC list. */
  readonly extension: boolean;
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  readonly extensionHeader?: RTPExtensionHeader;
  /** A view into the parsed buffer (no copy): copy it if the datagram buffer is reused. */
  readonly payload: Buffer;
}

const FIXED_HEADER = 12;

/**
 * Parse one RTP packet. Throws only `RTPError`. The payload and the extension data are
 * views into `buf` (O(1) allocations: the result object, the CSRC array and two views).
 */
export function parseRTP(buf: Buffer): RTPPacket {
  const len = buf.length;
  if (len < FIXED_HEADER) throw new RTPError('short', `RTP packet of ${len} octets is shorter than the 12-octet fixed header`);
  const b0 = buf[0];
  const version = b0 >> 6;
  // RFC 3550 §5.1: "This field identifies the version of RTP ... (2)".
  if (version !== 2) throw new RTPError('bad-version', `RTP version ${version}, expected 2`);
  const padding = (b0 & 0x20) !== 0;
  const extension = (b0 & 0x10) !== 0;
  const cc = b0 & 0x0f;
  const b1 = buf[1];
  let offset = FIXED_HEADER + 4 * cc;
  if (offset > len) throw new RTPError('csrc-overrun', `CSRC count ${cc} needs ${offset} octets, packet has ${len}`);
  const csrcs: number[] = new Array<number>(cc);
  for (let i = 0; i < cc; i++) csrcs[i] = buf.readUInt32BE(FIXED_HEADER + 4 * i);

  let extensionHeader: RTPExtensionHeader | undefined;
  if (extension) {
    // RFC 3550 §5.3.1: 16-bit profile field, 16-bit length in 32-bit words excluding the
    // four-octet extension header.
    if (offset + 4 > len) throw new RTPError('extension-overrun', 'X bit set but no room for the extension header');
    const profile = buf.readUInt16BE(offset);
    const words = buf.readUInt16BE(offset + 2);
    const start = offset + 4;
    const end = start + 4 * words;
    if (end > len) throw new RTPError('extension-overrun', `header extension of ${words} words runs past the end`);
    extensionHeader = { profile, data: buf.subarray(start, end) };
    offset = end;
  }

  let end = len;
  let paddingLength = 0;
  if (padding) {
    // RFC 3550 §5.1: "The last octet of the padding contains a count of how many padding
    // octets should be ignored, including itself."
    paddingLength = buf[len - 1];
    if (paddingLength === 0 || paddingLength > len - offset) {
      throw new RTPError('bad-padding', `padding count ${paddingLength} does not fit the ${len - offset} octets after the header`);
    }
    end = len - paddingLength;
  }

  const packet: RTPPacket = {
    version,
    padding,
    paddingLength,
    extension,
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrcs,
    payload: buf.subarray(offset, end),
  };
  if (extensionHeader) (packet as { extensionHeader?: RTPExtensionHeader }).extensionHeader = extensionHeader;
  return packet;
}

export interface RTPFields {
  readonly marker?: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs?: readonly number[];
  readonly extensionHeader?: RTPExtensionHeader;
  /** Padding octets to append (1-255, the last one holds the count); 0 or absent for none. */
  readonly paddingLength?: number;
  readonly payload: Uint8Array;
}

function checkInt(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${name} ${value} is not an integer in 0..${max}`);
}

/** Serialize an RTP packet (RFC 3550 §5.1). Throws RangeError for out-of-range fields. */
export function buildRTP(fields: RTPFields): Buffer {
  const csrcs = fields.csrcs ?? [];
  const ext = fields.extensionHeader;
  const pad = fields.paddingLength ?? 0;
  checkInt('payloadType', fields.payloadType, 0x7f);
  checkInt('sequenceNumber', fields.sequenceNumber, 0xffff);
  checkInt('timestamp', fields.timestamp, 0xffffffff);
  checkInt('ssrc', fields.ssrc, 0xffffffff);
  checkInt('paddingLength', pad, 0xff);
  if (csrcs.length > 15) throw new RangeError(`${csrcs.length} CSRCs, at most 15 fit the CC field`);
  for (const c of csrcs) checkInt('csrc', c, 0xffffffff);
  if (ext) {
    checkInt('extension profile', ext.profile, 0xffff);
    if (ext.data.length % 4 !== 0 || ext.data.length > 4 * 0xffff) throw new RangeError('extension data must be whole 32-bit words (RFC 3550 §5.3.1)');
  }
  const headerLength = FIXED_HEADER + 4 * csrcs.length + (ext ? 4 + ext.data.length : 0);
  const out = Buffer.allocUnsafe(headerLength + fields.payload.length + pad);
  out[0] = 0x80 | (pad > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  out[1] = (fields.marker ? 0x80 : 0) | fields.payloadType;
  out.writeUInt16BE(fields.sequenceNumber, 2);
  out.writeUInt32BE(fields.timestamp, 4);
  out.writeUInt32BE(fields.ssrc, 8);
  let offset = FIXED_HEADER;
  for (const c of csrcs) {
    out.writeUInt32BE(c, offset);
    offset += 4;
  }
  if (ext) {
    out.writeUInt16BE(ext.profile, offset);
    out.writeUInt16BE(ext.data.length / 4, offset + 2);
    out.set(ext.data, offset + 4);
    offset += 4 + ext.data.length;
  }
  out.set(fields.payload, offset);
  offset += fields.payload.length;
  if (pad > 0) {
    out.fill(0, offset, offset + pad - 1);
    out[offset + pad - 1] = pad;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// RFC 3550 Appendix A.1: per-source sequence number state.

const RTP_SEQ_MOD = 0x10000;

export interface SequenceTrackerOptions {
  /** Packets in sequence before a source is valid (A.1 MIN_SEQUENTIAL, default 2). */
  readonly minSequential?: number;
  /** Largest forward jump accepted as loss (A.1 MAX_DROPOUT, default 3000). */
  readonly maxDropout?: number;
  /** Largest backward step treated as reordering (A.1 MAX_MISORDER, default 100). */
  readonly maxMisorder?: number;
}

/** The figures of an RTCP report block (RFC 3550 §6.4.1) for one source. */
export interface ReceptionStatistics {
  /** Lost fraction since the previous report, as the 8-bit fixed-point number of §6.4.1. */
  readonly fractionLost: number;
  /** Cumulative lost (expected - received, A.3), clamped to the signed 24-bit field. */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received (cycles + max_seq, A.1). */
  readonly extendedHighestSeq: number;
  /** Interarrival jitter in timestamp units, truncated to an integer (A.8). */
  readonly jitter: number;
}

/**
 * RFC 3550 Appendix A.1 `update_seq` with the A.3 loss and A.8 jitter computations.
 * The first packet of a source starts probation (A.1: `init_seq`, `max_seq = seq - 1`,
 * `probation = MIN_SEQUENTIAL`, then `update_seq`). Unlike the C text, sequence comparisons
 * during probation are modulo 2^16 so a source starting at 65535 validates.
 */
export class SequenceTracker {
  private readonly minSequential: number;
  private readonly maxDropout: number;
  private readonly maxMisorder: number;

  private started = false;
  private maxSeq = 0;
  private cycles = 0; // shifted count of seq number cycles (multiples of 2^16)
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private probation = 0;
  private receivedCount = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit = 0;
  private hasTransit = false;
  private jitterValue = 0;

  constructor(options: SequenceTrackerOptions = {}) {
    this.minSequential = options.minSequential ?? 2;
    this.maxDropout = options.maxDropout ?? 3000;
    this.maxMisorder = options.maxMisorder ?? 100;
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1; // so seq == bad_seq is false
    this.cycles = 0;
    this.receivedCount = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  /**
   * Account for one received packet. `rtpTimestamp` and `arrival` (the arrival time already
   * converted to the same clock rate, A.8) feed the jitter estimate when both are given.
   * Returns true when the packet is valid for this source (A.1 `update_seq` returning 1).
   */
  update(seq: number, rtpTimestamp?: number, arrival?: number): boolean {
    seq &= 0xffff;
    if (!this.started) {
      this.started = true;
      this.initSeq(seq);
      this.maxSeq = (seq - 1) & 0xffff;
      this.probation = this.minSequential;
      if (this.probation === 0) {
        this.initSeq(seq);
        this.receivedCount++;
        this.updateJitter(rtpTimestamp, arrival);
        return true;
      }
    }
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (this.probation > 0) {
      // A.1: "packet is in sequence" during probation.
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSeq(seq);
          this.receivedCount++;
          this.updateJitter(rtpTimestamp, arrival);
          return true;
        }
      } else {
        this.probation = this.minSequential - 1;
        this.maxSeq = seq;
      }
      return false;
    } else if (udelta < this.maxDropout) {
      // A.1: in order, with permissible gap.
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD; // sequence number wrapped
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - this.maxMisorder) {
      // A.1: the sequence number made a very large jump.
      if (seq === this.badSeq) {
        // Two sequential packets: assume the other side restarted without telling us.
        this.initSeq(seq);
      } else {
        this.badSeq = (seq + 1) & 0xffff;
        return false;
      }
    }
    // else: duplicate or reordered packet (A.1), counted as received.
    this.receivedCount++;
    this.updateJitter(rtpTimestamp, arrival);
    return true;
  }

  /** A.8: J(i) = J(i-1) + (|D(i-1,i)| - J(i-1))/16, D from transit-time differences. */
  private updateJitter(rtpTimestamp: number | undefined, arrival: number | undefined): void {
    if (rtpTimestamp === undefined || arrival === undefined) return;
    const transit = (arrival - rtpTimestamp) >>> 0;
    if (this.hasTransit) {
      let d = (transit - this.transit) | 0; // signed 32-bit difference survives wrap-around
      if (d < 0) d = -d;
      this.jitterValue += (d - this.jitterValue) / 16;
    }
    this.transit = transit;
    this.hasTransit = true;
  }

  /** Whether the source has passed probation. */
  get valid(): boolean {
    return this.started && this.probation === 0;
  }

  get received(): number {
    return this.receivedCount;
  }

  /** A.1: extended highest sequence number received, `cycles + max_seq`. */
  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  /** A.3: `expected = extended_max - base_seq + 1`. */
  get expected(): number {
    return this.valid ? this.extendedHighestSeq - this.baseSeq + 1 : 0;
  }

  /** A.3: cumulative number of packets lost (may be negative with duplicates). */
  get lost(): number {
    return this.expected - this.receivedCount;
  }

  /** A.8 jitter estimate in timestamp units (not truncated). */
  get jitter(): number {
    return this.jitterValue;
  }

  /**
   * The figures for the next report block (RFC 3550 §6.4.1, A.3). Computing the fraction lost
   * starts a new reporting interval, so call this once per RTCP report sent.
   */
  report(): ReceptionStatistics {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.receivedCount - this.receivedPrior;
    this.receivedPrior = this.receivedCount;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    // §6.4.1: cumulative number of packets lost is a signed 24-bit field; A.3 clamps it.
    const cumulativeLost = Math.max(-0x800000, Math.min(0x7fffff, this.lost));
    return {
      fractionLost,
      cumulativeLost,
      extendedHighestSeq: this.extendedHighestSeq >>> 0,
      jitter: Math.floor(this.jitterValue) >>> 0,
    };
  }
}
