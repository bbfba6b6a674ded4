/**
 * RTP payload for DTMF digits and telephony events, RFC 4733.
 *
 * §2.3 payload format:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |     event     |E|R| volume    |          duration             |
 *
 * Event codes of §3.2 (Table 7): 0-9 the digits, 10 '*', 11 '#', 12-15 'A'-'D', 16 flash.
 */
import { RTPError } from './errors.js';

export interface TelephoneEvent {
  /** Event code (§2.3.1); 0-16 for DTMF and flash, other codes from RFC 4734 pass through. */
  readonly event: number;
  /** E bit: this packet carries the end of the event (§2.3.2). */
  readonly end: boolean;
  /** Power level, 0..63 meaning 0 to -63 dBm0 (§2.3.4). */
  readonly volume: number;
  /** Duration so far in timestamp units (§2.3.5). */
  readonly duration: number;
}

/** Event code 16 of §3.2: a hook flash. */
export const EVENT_FLASH = 16;

const DIGITS = '0123456789*#ABCD';

/** §3.2: the event code of a DTMF character (case-insensitive) or '!' / 'flash' for flash. */
export function dtmfEvent(char: string): number {
  if (char === '!' || char.toLowerCase() === 'flash') return EVENT_FLASH;
  const i = char.length === 1 ? DIGITS.indexOf(char.toUpperCase()) : -1;
  if (i < 0) throw new RangeError(`'${char}' is not a DTMF character (0-9 * # A-D)`);
  return i;
}

/** The DTMF character of an event code: '0'-'9', '*', '#', 'A'-'D', '!' for flash; undefined otherwise. */
export function dtmfChar(event: number): string | undefined {
  if (event === EVENT_FLASH) return '!';
  return Number.isInteger(event) && event >= 0 && event < 16 ? DIGITS[event] : undefined;
}

/** Parse an RFC 4733 §2.3 payload. Throws `RTPError` ('short') for fewer than 4 octets. */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent {
  if (payload.length < 4) throw new RTPError('short', `telephone-event payload of ${payload.length} octets, need 4`);
  return {
    event: payload[0],
    end: (payload[1] & 0x80) !== 0,
    // R bit (0x40): "The receiver MUST ignore this bit" (§2.3.3).
    volume: payload[1] & 0x3f,
    duration: (payload[2] << 8) | payload[3],
  };
}

/** Build an RFC 4733 §2.3 payload (4 octets, R bit zero). */
export function buildTelephoneEvent(e: TelephoneEvent): Buffer {
  if (!Number.isInteger(e.event) || e.event < 0 || e.event > 255) throw new RangeError('event must be 0..255');
  if (!Number.isInteger(e.volume) || e.volume < 0 || e.volume > 63) throw new RangeError('volume must be 0..63');
  if (!Number.isInteger(e.duration) || e.duration < 0 || e.duration > 0xffff) throw new RangeError('duration must be 0..65535');
  return Buffer.from([e.event, (e.end ? 0x80 : 0) | e.volume, e.duration >> 8, e.duration & 0xff]);
}

// ---------------------------------------------------------------------------------------------
// Sender (RFC 4733 §2.5.1)

export interface DtmfSenderOptions {
  /** RTP clock rate of the telephone-event payload type (default 8000). */
  readonly clockRate?: number;
  /** Interval between updates (§2.5.1.2, default 20 ms, the audio packetization interval). */
  readonly intervalMs?: number;
  /** Tone duration (default 100 ms). */
  readonly durationMs?: number;
  /** Power level 0..63 (-dBm0, default 10). */
  readonly volume?: number;
}

/** One packet of a digit's schedule: the caller adds sequence number and SSRC and sends it at `atMs`. */
export interface DtmfPacket {
  /** Send time in ms relative to the first packet of the event. */
  readonly atMs: number;
  /** §2.5.1.2: set on the first packet of the event only. */
  readonly marker: boolean;
  /** The event's start timestamp, identical in every packet of the event (§2.5.1.2). */
  readonly timestamp: number;
  readonly event: TelephoneEvent;
  readonly payload: Buffer;
}

/**
 * The packets for one DTMF digit (RFC 4733 §2.5.1): the first with the marker bit, then an
 * update every interval with the duration so far (§2.5.1.2), and the final packet, with the
 * E bit and the full duration, sent three times at the update interval (§2.5.1.4). Every
 * packet carries the same timestamp, the time the event began. Durations longer than 65535
 * timestamp units (which would need §2.5.1.3 segments) are refused.
 */
export class DtmfSender {
  readonly clockRate: number;
  readonly intervalMs: number;
  readonly durationMs: number;
  readonly volume: number;

  constructor(options: DtmfSenderOptions = {}) {
    this.clockRate = options.clockRate ?? 8000;
    this.intervalMs = options.intervalMs ?? 20;
    this.durationMs = options.durationMs ?? 100;
    this.volume = options.volume ?? 10;
    if (!(this.intervalMs > 0) || !(this.durationMs >= this.intervalMs)) throw new RangeError('durationMs must be at least intervalMs > 0');
    if (Math.round((this.durationMs * this.clockRate) / 1000) > 0xffff) throw new RangeError('duration exceeds 65535 timestamp units (RFC 4733 §2.5.1.3)');
  }

  /** The schedule for `digit` (a DTMF character or event code) starting at RTP `timestamp`. */
  schedule(digit: string | number, timestamp: number, durationMs: number = this.durationMs): DtmfPacket[] {
    const event = typeof digit === 'number' ? digit : dtmfEvent(digit);
    const total = Math.round((durationMs * this.clockRate) / 1000);
    const step = Math.round((this.intervalMs * this.clockRate) / 1000);
    if (total > 0xffff) throw new RangeError('duration exceeds 65535 timestamp units (RFC 4733 §2.5.1.3)');
    if (total < step) throw new RangeError('duration shorter than one update interval');
    const ts = timestamp >>> 0;
    const packets: DtmfPacket[] = [];
    const push = (atMs: number, marker: boolean, duration: number, end: boolean): void => {
      const e: TelephoneEvent = { event, end, volume: this.volume, duration };
      packets.push({ atMs, marker, timestamp: ts, event: e, payload: buildTelephoneEvent(e) });
    };
    // Each update reports the duration up to the end of the interval it is sent after.
    let k = 0;
    for (let d = step; d < total; d += step, k++) push(k * this.intervalMs, k === 0, d, false);
    // §2.5.1.4: the final packet, three times, at the update interval.
    for (let r = 0; r < 3; r++, k++) push(k * this.intervalMs, k === 0, total, true);
    return packets;
  }
}

// ---------------------------------------------------------------------------------------------
// Receiver (RFC 4733 §2.5.2)

/** What the receiver needs of each RTP packet of the telephone-event payload type. */
export interface TelephoneEventPacket {
  readonly timestamp: number;
  readonly event: TelephoneEvent;
}

/** A digit (or other event) reported by `DtmfReceiver`. */
export interface ReceivedDtmf {
  /** The DTMF character ('!' for flash); undefined for events outside 0-16. */
  readonly digit: string | undefined;
  readonly event: number;
  /** RTP timestamp of the event's start, which identifies it (§2.5.2). */
  readonly timestamp: number;
  /** Longest duration seen, in timestamp units. */
  readonly duration: number;
  readonly volume: number;
  /** True when the end was seen; false when inferred from a newer event or `flush()`. */
  readonly ended: boolean;
}

interface PendingEvent {
  timestamp: number;
  event: number;
  duration: number;
  volume: number;
}

/**
 * Turns telephone-event packets into events, each reported exactly once (RFC 4733 §2.5.2):
 * events are identified by their timestamp, so retransmitted end packets (§2.5.1.4), repeated
 * updates and late packets of an already reported event are ignored. An event is reported
 * when its first end packet arrives (even if it arrives before its start, out of order), when
 * a newer event begins while it is still open (its end packets were all lost), on `flush()`
 * (for the caller's timeout), or at once when its first packet arrives after a newer event
 * began (it is over by then). Memory is bounded: the last `history` reported timestamps are
 * remembered, and packets older than the last one forgotten are ignored.
 */
export class DtmfReceiver {
  private current: PendingEvent | undefined;
  /** Timestamp of the newest event seen. */
  private newest: number | undefined;
  /** Recently reported timestamps, oldest first, at most `history`. */
  private readonly done: number[] = [];
  /** The newest timestamp dropped from `done`: anything at or before it is stale. */
  private floor: number | undefined;
  private readonly history: number;

  constructor(history = 16) {
    this.history = history;
  }

  private report(p: PendingEvent, ended: boolean): ReceivedDtmf {
    this.done.push(p.timestamp);
    if (this.done.length > this.history) {
      const dropped = this.done.shift() as number;
      if (this.floor === undefined || ((dropped - this.floor) | 0) > 0) this.floor = dropped;
    }
    return { digit: dtmfChar(p.event), event: p.event, timestamp: p.timestamp, duration: p.duration, volume: p.volume, ended };
  }

  /** Feed one packet; returns the events it completes (usually none or one). */
  receive(packet: TelephoneEventPacket): ReceivedDtmf[] {
    const ts = packet.timestamp >>> 0;
    const e = packet.event;
    if (this.done.includes(ts)) return []; // already reported: retransmission or late update
    if (this.floor !== undefined && ((ts - this.floor) | 0) <= 0) return []; // beyond memory
    const out: ReceivedDtmf[] = [];
    if (this.current && this.current.timestamp === ts) {
      const cur = this.current;
      cur.duration = Math.max(cur.duration, e.duration);
      if (e.end) {
        this.current = undefined;
        out.push(this.report(cur, true));
      }
      return out;
    }
    const pending: PendingEvent = { timestamp: ts, event: e.event, duration: e.duration, volume: e.volume };
    if (this.newest !== undefined && ((ts - this.newest) | 0) < 0) {
      // An older event first heard after a newer one began: it is over, report it now.
      out.push(this.report(pending, e.end));
      return out;
    }
    this.newest = ts;
    if (this.current) {
      // §2.5.2: a new event while the previous is open means the previous has ended.
      out.push(this.report(this.current, false));
      this.current = undefined;
    }
    if (e.end) out.push(this.report(pending, true));
    else this.current = pending;
    return out;
  }

  /** End the open event, if any (the caller's timeout for lost end packets). */
  flush(): ReceivedDtmf[] {
    if (!this.current) return [];
    const cur = this.current;
    this.current = undefined;
    return [this.report(cur, false)];
  }
}
