/**
 * The receiving half of an RTP audio stream: validation, source selection, jitter buffer,
 * decoding to 20 ms frames, and RFC 4733 events.
 *
 * What is dropped (counted, never thrown): datagrams that do not parse as RTP (RFC 3550 §A.1
 * validity checks in parseRTP), RTCP sent to the RTP port, payload types not negotiated
 * (RFC 3264 §5.1: a receiver only gets the formats of its SDP), payloads larger than
 * MAX_PAYLOAD, and packets of a second SSRC while the current source is active.
 *
 * Sources (RFC 3550 §8.2): the stream plays one source. The first is the first packet from the
 * address and port of the remote SDP (symmetric RTP, RFC 4961), or else (a peer behind a NAT)
 * the first SSRC to send SOURCE_SWITCH_PACKETS packets with no other SSRC in between: a stray
 * sender that happens to be first cannot take the stream. Another SSRC replaces it (a peer that
 * restarted its sender, a media server taking over) only after SOURCE_SWITCH_PACKETS packets of
 * it in a row, with none of the current source in between, and the current one silent for
 * SOURCE_SWITCH_MS. Counting packets, not only time, keeps a stray source out even when the
 * event loop stalls and a burst of queued datagrams is read at once; the time keeps a flood out.
 *
 * Playout: packets go into a JitterBuffer by sequence number; each frame tick takes packets until
 * 160 samples are ready (10, 20 or 30 ms packets all fit), a gap (`lost`) is filled with
 * silence, and an empty buffer gives silence.
 */
import { SequenceTracker, parseRTP, type ReceptionStatistics } from '../../rtp/packet.js';
import { isRTCP } from '../../rtp/rtcp.js';
import type { G711Codec } from '../../rtp/g711.js';
import { JitterBuffer } from '../../rtp/jitter-buffer.js';
import { DtmfReceiver, parseTelephoneEvent } from '../../rtp/telephone-event.js';

export interface ReceiveParameters {
  readonly codec: G711Codec;
  /** Our payload type for the codec (the number in our SDP). */
  readonly payloadType: number;
  /** Our telephone-event payload type, when negotiated. */
  readonly telephoneEventPayloadType: number | undefined;
  /** Where the remote SDP says media comes from (its RTP address and port). */
  readonly remote?: { readonly address: string; readonly port: number };
}

/** Largest audio payload accepted: 160 ms of G.711. */
export const MAX_PAYLOAD = 1280;
/** Packets of a new SSRC in a row, and silence of the current one, before the new one is played. */
export const SOURCE_SWITCH_PACKETS = 5;
export const SOURCE_SWITCH_MS = 60;
/** An event whose end packets were all lost is reported after this long (RFC 4733 §2.5.2). */
const DTMF_END_TIMEOUT_MS = 1000;
/** Decoded samples kept for playout, at most (8 frames). */
const MAX_FIFO = 8 * 160;

export interface ReceiverCounters {
  readonly packetsReceived: number;
  readonly octetsReceived: number;
  /** Not RTP, RTCP on the RTP port, or a hostile size. */
  readonly malformed: number;
  /** A payload type we did not negotiate. */
  readonly unknownPayloadType: number;
  /** Packets of another SSRC while the current source was active. */
  readonly otherSource: number;
  readonly sourceChanges: number;
}

export class RtpReceiver {
  private params: ReceiveParameters | undefined;
  private ssrc: number | undefined;
  private lastFromSource = -Infinity;
  /** A new SSRC asking to be played, and its packets in a row so far. */
  private candidate: { ssrc: number; count: number } | undefined;
  private tracker = new SequenceTracker();
  private buffer = new JitterBuffer<Buffer>();
  private dtmf = new DtmfReceiver();
  private lastDtmfAt: number | undefined;
  private readonly fifo = new Int16Array(MAX_FIFO + MAX_PAYLOAD);
  private fifoLength = 0;
  private readonly decoded = new Int16Array(MAX_PAYLOAD);
  private c = { packetsReceived: 0, octetsReceived: 0, malformed: 0, unknownPayloadType: 0, otherSource: 0, sourceChanges: 0 };

  constructor(private readonly onDigit: (digit: string) => void) {}

  configure(params: ReceiveParameters | undefined): void {
    const old = this.params;
    this.params = params;
    // A new codec or payload numbering: what is buffered was coded the old way.
    if (old && params && (old.codec !== params.codec || old.payloadType !== params.payloadType)) this.resetPlayout();
  }

  get counters(): ReceiverCounters {
    return { ...this.c };
  }

  /** The SSRC being played, once a packet arrived. */
  get sourceSsrc(): number | undefined {
    return this.ssrc;
  }

  /**
   * Take one datagram that arrived on the RTP port at `now` (performance.now()). Returns true when
   * it was an RTP packet of the negotiated formats from the played source (it counts as media
   * for the RTP timeout and address latching); false when dropped.
   */
  receive(datagram: Buffer, now: number, from?: { readonly address: string; readonly port: number }): boolean {
    const p = this.params;
    if (!p) return false;
    if (isRTCP(datagram)) {
      this.c.malformed++;
      return false;
    }
    let packet;
    try {
      packet = parseRTP(datagram);
    } catch {
      this.c.malformed++;
      return false;
    }
    const isAudio = packet.payloadType === p.payloadType;
    const isEvent = p.telephoneEventPayloadType !== undefined && packet.payloadType === p.telephoneEventPayloadType;
    if (!isAudio && !isEvent) {
      this.c.unknownPayloadType++;
      return false;
    }
    if (packet.payload.length === 0 || packet.payload.length > MAX_PAYLOAD) {
      this.c.malformed++;
      return false;
    }
    if (packet.ssrc !== this.ssrc) {
      const expected = p.remote !== undefined && from !== undefined && from.address === p.remote.address && from.port === p.remote.port;
      if (this.ssrc !== undefined || !expected) {
        const c = this.candidate?.ssrc === packet.ssrc ? this.candidate : (this.candidate = { ssrc: packet.ssrc, count: 0 });
        c.count++;
        if (c.count < SOURCE_SWITCH_PACKETS || now - this.lastFromSource < SOURCE_SWITCH_MS) {
          this.c.otherSource++;
          return false;
        }
        if (this.ssrc !== undefined) this.c.sourceChanges++;
      }
      this.candidate = undefined;
      this.ssrc = packet.ssrc;
      this.tracker = new SequenceTracker();
      this.resetPlayout();
    }
    this.lastFromSource = now;
    this.candidate = undefined;
    this.c.packetsReceived++;
    this.c.octetsReceived += packet.payload.length;
    // RFC 3550 §A.8: arrival time in timestamp units for the jitter estimate.
    this.tracker.update(packet.sequenceNumber, packet.timestamp, Math.round((now * p.codec.clockRate) / 1000) >>> 0);
    if (isEvent) {
      let event;
      try {
        event = parseTelephoneEvent(packet.payload);
      } catch {
        this.c.malformed++;
        return true;
      }
      this.lastDtmfAt = now;
      for (const d of this.dtmf.receive({ timestamp: packet.timestamp, event })) if (d.digit !== undefined) this.onDigit(d.digit);
      return true;
    }
    // The payload is a view into the datagram; Node gives every datagram its own memory, sized to
    // it, so keeping the view is safe and holds no more than the packet.
    this.buffer.insert(packet.sequenceNumber, packet.payload);
    return true;
  }

  /** Fill `frame` with the next 20 ms; false when it is all silence (nothing was received). */
  playout(frame: Int16Array, now: number): boolean {
    this.expireDtmf(now);
    const p = this.params;
    let real = false;
    for (let pops = 0; p && this.fifoLength < frame.length && pops < 4; pops++) {
      const r = this.buffer.pop();
      if (r.kind === 'empty') break;
      if (r.kind === 'lost') {
        this.push(undefined, frame.length); // concealment: silence for one frame
        continue;
      }
      const pcm = p.codec.decode(r.item, this.decoded);
      this.push(pcm, pcm.length);
      real = true;
    }
    const n = Math.min(frame.length, this.fifoLength);
    frame.set(this.fifo.subarray(0, n));
    frame.fill(0, n);
    this.fifo.copyWithin(0, n, this.fifoLength);
    this.fifoLength -= n;
    return real || n > 0;
  }

  /** The figures of a report block about the played source (RFC 3550 §6.4.1), once one played. */
  report(): (ReceptionStatistics & { ssrc: number }) | undefined {
    if (this.ssrc === undefined || !this.tracker.valid) return undefined;
    return { ssrc: this.ssrc, ...this.tracker.report() };
  }

  /** Packets lost and interarrival jitter (timestamp units) of the played source (RFC 3550 A.3, A.8). */
  get quality(): { lost: number; jitter: number } {
    return { lost: Math.max(0, this.tracker.lost), jitter: this.tracker.jitter };
  }

  private push(pcm: Int16Array | undefined, n: number): void {
    // Keep the newest audio when a burst overfills the queue: latency matters more than a frame.
    const overflow = this.fifoLength + n - this.fifo.length;
    if (overflow > 0) {
      this.fifo.copyWithin(0, overflow, this.fifoLength);
      this.fifoLength -= overflow;
    }
    if (pcm) this.fifo.set(pcm.subarray(0, n), this.fifoLength);
    else this.fifo.fill(0, this.fifoLength, this.fifoLength + n);
    this.fifoLength += n;
  }

  private resetPlayout(): void {
    this.buffer = new JitterBuffer<Buffer>();
    this.fifoLength = 0;
  }

  private expireDtmf(now: number): void {
    if (this.lastDtmfAt === undefined || now - this.lastDtmfAt < DTMF_END_TIMEOUT_MS) return;
    this.lastDtmfAt = undefined;
    for (const d of this.dtmf.flush()) if (d.digit !== undefined) this.onDigit(d.digit);
  }
}
