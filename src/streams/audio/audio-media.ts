/**
 * The media of one AudioStream, without its life cycle: the socket pair, the sender and the
 * receiver, RTCP, and the 20 ms frame clock that sends a packet, plays a frame to the sinks and
 * the recording, and watches for the RTP timeout. AudioStream (./audio-stream.ts) drives it from
 * its machine's actions; nothing here goes through an actor or RxJS.
 */
import type { RemoteInfo } from 'node:dgram';
import { FRAME_DURATION_MS, NARROWBAND_RATE, type AudioSink, type AudioSource, mixInto, samplesPerFrame } from '../../audio/port.js';
import { PCMA, PCMU, type G711Codec } from '../../rtp/g711.js';
import type { NegotiatedStream } from '../../sdp/offer-answer.js';
import { MediaStreamError, type MediaStreamHost } from '../media-stream.js';
import { FrameClock } from './frame-clock.js';
import { type RtcpStatistics, RtcpReporter } from './rtcp-reporter.js';
import { RtpReceiver } from './rtp-receiver.js';
import { RtpSender } from './rtp-sender.js';
import { RtpTransport } from './rtp-transport.js';

export interface AudioStreamStatistics {
  readonly rtp: {
    readonly packetsSent: number;
    readonly octetsSent: number;
    readonly packetsReceived: number;
    readonly octetsReceived: number;
    /** Datagrams on the RTP port that were not RTP, or of a hostile size. */
    readonly malformed: number;
    /** RTP packets of a payload type we did not negotiate. */
    readonly unknownPayloadType: number;
    /** RTP packets of a second SSRC while the played one was active. */
    readonly otherSource: number;
    /** Packets lost from the played source (RFC 3550 A.3). */
    readonly lost: number;
    /** Interarrival jitter of the played source in ms (RFC 3550 A.8). */
    readonly jitterMs: number;
  };
  readonly rtcp: RtcpStatistics;
}

/** What the stream's machine knows, read once per frame. */
export interface MediaGate {
  readonly started: boolean;
  readonly localHold: boolean;
  readonly remoteHold: boolean;
}

export interface AudioMediaEvents {
  /** An RFC 4733 event was received (each once). */
  digit(digit: string): void;
  /** No RTP for the host's rtp.timeout seconds while the peer should send. */
  inactivity(): void;
}

const G711: { readonly [name: string]: G711Codec } = { pcmu: PCMU, pcma: PCMA };
/** How long close() waits for the RTCP BYE to leave before closing the sockets. */
const BYE_WAIT_MS = 250;

/** The G.711 codec of a negotiated format name, if we have it. */
export function g711Codec(name: string): G711Codec | undefined {
  return G711[name.toLowerCase()];
}

export class AudioMedia {
  private transport: RtpTransport | undefined;
  private timeoutMs = 0;
  private readonly sender = new RtpSender((packet) => this.sendRtp(packet));
  private readonly receiver: RtpReceiver;
  private rtcp: RtcpReporter | undefined;
  private readonly clock = new FrameClock(FRAME_DURATION_MS, () => this.tick());
  private current: NegotiatedStream | undefined;
  private readonly sinks = new Set<AudioSink>();
  private audioSource: AudioSource | undefined;
  /** Where the recording's frames go (the call as heard), while recording. */
  recording: AudioSink | undefined;
  private firstFrom: { address: string; port: number } | undefined;
  private lastMediaAt = 0;
  private timedOut = false;
  private readonly playFrame = new Int16Array(samplesPerFrame(NARROWBAND_RATE));
  private readonly mixFrame = new Int16Array(samplesPerFrame(NARROWBAND_RATE));

  constructor(
    private readonly events: AudioMediaEvents,
    private readonly gate: () => MediaGate,
    private readonly rtcpInterval: number | undefined,
  ) {
    this.receiver = new RtpReceiver((digit) => events.digit(digit));
  }

  /**
   * Bind the socket pair from the host's range on its address.
   * @throws MediaStreamError when no port pair is free or the address cannot be bound.
   */
  async open(host: MediaStreamHost, cname: string): Promise<void> {
    this.timeoutMs = host.rtp.timeout * 1000;
    this.rtcp = new RtcpReporter({
      cname,
      sender: this.sender,
      receiver: this.receiver,
      clockRate: () => this.current?.codec?.clockRate ?? NARROWBAND_RATE,
      send: (packet) => void this.sendRtcp(packet),
      ...(this.rtcpInterval !== undefined ? { intervalMs: this.rtcpInterval } : {}),
    });
    this.transport = await RtpTransport.open(
      { address: host.localAddress, portRange: host.rtp.portRange },
      { rtp: (msg, from) => this.onRtp(msg, from), rtcp: (msg) => this.rtcp?.receive(msg) },
    );
  }

  /** The bound sockets (undefined before open() succeeded). */
  get local(): { readonly address: string; readonly rtpPort: number; readonly rtcpPort: number } | undefined {
    return this.transport;
  }

  /** The negotiation in force (undefined before start). */
  get negotiated(): NegotiatedStream | undefined {
    return this.current;
  }

  /** Where the first valid RTP packet came from (reset when the remote address changes). */
  get receivedFrom(): { readonly address: string; readonly port: number } | undefined {
    return this.firstFrom;
  }

  /**
   * Apply a negotiation (RFC 3264): send with the remote's payload type to its address, receive
   * ours. Returns whether the RTP parameters changed (codec, payload types, remote address/port).
   * @throws MediaStreamError when it has no G.711 codec or no remote address.
   */
  configure(n: NegotiatedStream): boolean {
    const c = n.codec;
    const codec = c && c.clockRate === NARROWBAND_RATE ? g711Codec(c.name) : undefined;
    if (!c || !codec) throw new MediaStreamError(`no common audio codec at m= line ${n.index}`);
    if (!n.remoteAddress) throw new MediaStreamError(`no remote address for m= line ${n.index}`);
    const old = this.current;
    const moved = !old || old.remoteAddress !== n.remoteAddress || old.remotePort !== n.remotePort;
    const changed =
      moved ||
      old.codec?.name !== c.name ||
      old.codec?.clockRate !== c.clockRate ||
      old.codec?.sendPayloadType !== c.sendPayloadType ||
      old.codec?.receivePayloadType !== c.receivePayloadType;
    if (old && moved) this.firstFrom = undefined;
    this.current = n;
    this.sender.configure({ codec, payloadType: c.sendPayloadType, telephoneEventPayloadType: n.telephoneEvent?.sendPayloadType });
    this.receiver.configure({
      codec,
      payloadType: c.receivePayloadType,
      telephoneEventPayloadType: n.telephoneEvent?.receivePayloadType,
      remote: { address: n.remoteAddress, port: n.remotePort },
    });
    this.restartTimeout();
    return changed;
  }

  /** Start the frame clock and RTCP. */
  start(): void {
    this.restartTimeout();
    this.clock.start();
    this.rtcp?.start();
  }

  /** Stop sending, playing and reporting (the sockets stay open). */
  stop(): void {
    this.clock.stop();
    this.rtcp?.stop();
  }

  /** The RTP timeout counts from now (a hold change, a new negotiation). */
  restartTimeout(): void {
    this.lastMediaAt = performance.now();
    this.timedOut = false;
  }

  /** Stop, send RTCP BYE if media ran (RFC 3550 §6.6), close the sockets. Never throws. */
  async close(): Promise<void> {
    this.stop();
    const t = this.transport;
    const n = this.current;
    try {
      if (t && n && this.rtcp) {
        // RFC 3550 §6.6: BYE when leaving, in a compound packet with a report (§6.1).
        const bye = this.sendRtcp(this.rtcp.report({ reason: 'stream ended' }));
        await Promise.race([bye, new Promise((r) => setTimeout(r, BYE_WAIT_MS))]);
      }
    } catch {
      // the BYE is a courtesy
    }
    await t?.close();
  }

  canSendDtmf(): boolean {
    return this.current?.telephoneEvent !== undefined;
  }

  /** Queue a digit (validated by the caller); false when the queue is full. */
  queueDigit(digit: string): boolean {
    return this.sender.queueDigit(digit);
  }

  get source(): AudioSource | undefined {
    return this.audioSource;
  }

  set source(source: AudioSource | undefined) {
    if (source && source.sampleRate !== NARROWBAND_RATE) {
      throw new MediaStreamError(`an AudioStream source must run at ${NARROWBAND_RATE} Hz, not ${source.sampleRate}`);
    }
    this.audioSource = source;
  }

  addSink(sink: AudioSink): () => void {
    if (sink.sampleRate !== NARROWBAND_RATE) throw new MediaStreamError(`an AudioStream sink must run at ${NARROWBAND_RATE} Hz, not ${sink.sampleRate}`);
    this.sinks.add(sink);
    return () => void this.sinks.delete(sink);
  }

  get statistics(): AudioStreamStatistics {
    const c = this.receiver.counters;
    const q = this.receiver.quality;
    const rate = this.current?.codec?.clockRate ?? NARROWBAND_RATE;
    return {
      rtp: {
        packetsSent: this.sender.packetsSent,
        octetsSent: this.sender.octetsSent,
        packetsReceived: c.packetsReceived,
        octetsReceived: c.octetsReceived,
        malformed: c.malformed,
        unknownPayloadType: c.unknownPayloadType,
        otherSource: c.otherSource,
        lost: q.lost,
        jitterMs: (q.jitter * 1000) / rate,
      },
      rtcp: this.rtcp?.statistics ?? {
        reportsSent: 0,
        reportsReceived: 0,
        malformed: 0,
        lastSenderReport: undefined,
        lastReportBlock: undefined,
        roundTripMs: undefined,
        remoteCname: undefined,
        byeReceived: false,
      },
    };
  }

  /** One 20 ms frame: send, play, record, and watch for the RTP timeout. */
  private tick(): void {
    const n = this.current;
    const g = this.gate();
    if (!n || !g.started) return;
    const now = performance.now();
    // §4.3 hold(): stop sending and receiving at once; a remote hold stops our sending too.
    const sent = this.sender.tick(n.sending && !g.localHold && !g.remoteHold, this.audioSource, now);
    const frame = this.playFrame;
    this.receiver.playout(frame, now);
    if (!g.localHold) {
      for (const sink of this.sinks) {
        try {
          sink.write(frame);
        } catch {
          // one faulty sink must not silence the others or stop the clock
        }
      }
    }
    const rec = this.recording;
    if (rec && !g.localHold && !g.remoteHold) {
      // The call as heard: what we receive plus what we send (§4.6 "records the audio").
      this.mixFrame.set(frame);
      if (sent) mixInto(this.mixFrame, sent);
      rec.write(this.mixFrame);
    }
    // §4.6 AudioStreamDidTimeout: no RTP for rtp.timeout seconds while the peer should send.
    if (this.timeoutMs > 0 && !this.timedOut && n.receiving && !g.localHold && !g.remoteHold && now - this.lastMediaAt >= this.timeoutMs) {
      this.timedOut = true;
      this.events.inactivity();
    }
  }

  private onRtp(datagram: Buffer, from: RemoteInfo): void {
    if (!this.current || !this.gate().started) return;
    const now = performance.now();
    if (!this.receiver.receive(datagram, now, from)) return;
    this.lastMediaAt = now;
    this.timedOut = false;
    this.firstFrom ??= { address: from.address, port: from.port };
  }

  private sendRtp(packet: Buffer): void {
    const n = this.current;
    if (n?.remoteAddress) this.transport?.sendRtp(packet, n.remotePort, n.remoteAddress);
  }

  private sendRtcp(packet: Buffer): Promise<void> {
    const n = this.current;
    const address = n?.remoteRtcpAddress ?? n?.remoteAddress;
    if (!n || !address || !this.transport) return Promise.resolve();
    return this.transport.sendRtcp(packet, n.remoteRtcpPort, address);
  }
}
