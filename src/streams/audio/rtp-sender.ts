/**
 * The sending half of an RTP audio stream: one packet per 20 ms frame, audio or RFC 4733 events.
 *
 * - RFC 3550 §5.1: the initial sequence number and timestamp are random, and the SSRC too (§8);
 *   the timestamp advances by the frame's samples every frame, sent or not (it follows the
 *   sampling clock), the sequence number by one per packet sent.
 * - RFC 3551 §4.1: the marker bit is set on the first packet of a talkspurt — the first packet of
 *   the stream, and the first after a pause (hold).
 * - RFC 4733 §2.5.1: a DTMF digit replaces the audio of its frames: DtmfSender's packets (marker
 *   on the first, updates every 20 ms, the end packet three times) are sent one per frame, all
 *   with the event's start timestamp; a short pause of audio separates queued digits.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { buildRTP } from '../../rtp/packet.js';
import type { G711Codec } from '../../rtp/g711.js';
import { DtmfSender, type DtmfPacket } from '../../rtp/telephone-event.js';
import type { AudioSource } from '../../audio/port.js';

export interface SendParameters {
  readonly codec: G711Codec;
  /** The payload type the remote SDP gave the codec (RFC 3264 §6.1: the receiver's numbering). */
  readonly payloadType: number;
  /** The remote's telephone-event payload type, when negotiated (RFC 4733 §2.1). */
  readonly telephoneEventPayloadType: number | undefined;
}

/** Frames of audio between two queued digits. */
const INTER_DIGIT_FRAMES = 3;
/** Digits waiting to be sent, at most. */
export const MAX_QUEUED_DIGITS = 64;

export class RtpSender {
  readonly ssrc: number = randomBytes(4).readUInt32BE(0);
  private seq = randomInt(0, 0x10000);
  /** Timestamp of the next frame. */
  private ts = randomBytes(4).readUInt32BE(0);
  private marker = true;
  private params: SendParameters | undefined;
  private readonly frame: Int16Array;
  private readonly encoded: Buffer;
  private readonly dtmfSender = new DtmfSender();
  private readonly digits: string[] = [];
  private event: DtmfPacket[] = [];
  private eventIndex = 0;
  private pause = 0;
  /** When the last frame was due (performance.now()), and its timestamp: for RTCP SR (§6.4.1). */
  private lastTickAt = 0;
  private lastTickTs = 0;
  packetsSent = 0;
  /** Payload octets sent (RFC 3550 §6.4.1 sender's octet count). */
  octetsSent = 0;

  constructor(
    private readonly out: (packet: Buffer) => void,
    readonly samplesPerFrame = 160,
  ) {
    this.frame = new Int16Array(samplesPerFrame);
    this.encoded = Buffer.alloc(samplesPerFrame);
  }

  configure(params: SendParameters | undefined): void {
    this.params = params;
  }

  get parameters(): SendParameters | undefined {
    return this.params;
  }

  /** Queue a DTMF digit (validated by the caller); false when the queue is full. */
  queueDigit(digit: string): boolean {
    if (this.digits.length >= MAX_QUEUED_DIGITS) return false;
    this.digits.push(digit);
    return true;
  }

  /**
   * One frame time passed. When `active`, send this frame's packet: the next DTMF packet if a
   * digit is being sent, else the source's audio (silence without one). Returns the audio sent,
   * or undefined when nothing audible was sent (a pause or a digit). The frame is reused.
   */
  tick(active: boolean, source: AudioSource | undefined, now: number): Int16Array | undefined {
    this.lastTickAt = now;
    this.lastTickTs = this.ts;
    const p = this.params;
    let sent: Int16Array | undefined;
    if (!active || !p) {
      this.marker = true; // the next packet starts a talkspurt (RFC 3551 §4.1)
    } else if (this.nextDtmf(p)) {
      sent = undefined;
    } else {
      const frame = this.frame;
      if (!source || !source.read(frame)) frame.fill(0);
      this.send(p.payloadType, this.marker, this.ts, p.codec.encode(frame, this.encoded));
      this.marker = false;
      if (this.pause > 0) this.pause--;
      sent = frame;
    }
    this.ts = (this.ts + this.samplesPerFrame) >>> 0;
    return sent;
  }

  /** The RTP timestamp of the instant `now` (performance.now()), for an SR (RFC 3550 §6.4.1). */
  timestampAt(now: number, clockRate: number): number {
    return (this.lastTickTs + Math.round(((now - this.lastTickAt) * clockRate) / 1000)) >>> 0;
  }

  /** Send this frame's DTMF packet if a digit is in progress or may begin; false for audio. */
  private nextDtmf(p: SendParameters): boolean {
    if (p.telephoneEventPayloadType === undefined) {
      this.digits.length = 0;
      return false;
    }
    if (this.eventIndex >= this.event.length) {
      if (this.pause > 0 || this.digits.length === 0) return false;
      this.event = this.dtmfSender.schedule(this.digits.shift() as string, this.ts);
      this.eventIndex = 0;
    }
    const packet = this.event[this.eventIndex++];
    this.send(p.telephoneEventPayloadType, packet.marker, packet.timestamp, packet.payload);
    if (this.eventIndex >= this.event.length) this.pause = INTER_DIGIT_FRAMES;
    return true;
  }

  private send(payloadType: number, marker: boolean, timestamp: number, payload: Buffer): void {
    const packet = buildRTP({ marker, payloadType, sequenceNumber: this.seq, timestamp, ssrc: this.ssrc, payload });
    this.seq = (this.seq + 1) & 0xffff;
    this.packetsSent++;
    this.octetsSent += payload.length;
    this.out(packet);
  }
}
