/**
 * AudioStream (Middleware API §4.6): G.711 audio over RTP/AVP (RFC 3550, RFC 3551), with RFC 4733
 * DTMF, RTCP reports, hold, an RTP timeout and call recording.
 *
 * The life cycle is the generic media-stream machine (machines/media-stream.ts), run as this
 * stream's own actor (createActor, not spawnChild: a Session owns few streams but many Sessions
 * exist). Its placeholder actions are provided here; media itself never goes through the actor
 * or RxJS: a 20 ms FrameClock sends a packet and plays a frame, sockets feed the receiver.
 *
 * Offerer or answerer (RFC 3264): start() and update() get (localSdp, remoteSdp) and must know
 * which of the two was the offer. The rule: the side of the last getLocalMedia() call — a stream
 * that made an offer (forOffer = true) is the offerer of the negotiation that follows, one that
 * made an answer the answerer. Before any getLocalMedia() call, initialize()'s direction decides:
 * an "incoming" stream (created for a received offer) answers, an "outgoing" one offers. So the
 * Session must take every SDP it sends from getLocalMedia() (it does: §4.3 requires the hold
 * state to show in it).
 *
 * Hold (§4.3 hold/unhold, RFC 3264 §8.4): hold() stops sending and playing at once and is
 * reported as AudioStreamDidChangeHoldState { originator: 'local' }; the next getLocalMedia()
 * shows it (see ./local-media.ts). A remote hold is learnt from the negotiation in start() and
 * update() ({ originator: 'remote' }). Before start, hold() is remembered and the stream starts
 * held (R-MED-1); the `direction` option gives the initial direction (R-MED-1).
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Actor, createActor } from 'xstate';
import { inspectionHub } from '../../../actors/inspection.js';
import { type HoldChange, type MediaStreamEmitted, type MediaStreamState, mediaStream, mediaStreamState } from '../../../machines/media-stream.js';
import type { NotificationCenter } from '../../api/notification-center.js';
import { NARROWBAND_RATE, type AudioSink, type AudioSource } from '../../audio/port.js';
import { WaveRecorder } from '../../audio/wave-recorder.js';
import { DEFAULT_AUDIO_CODECS, type Codec, type NegotiatedStream, negotiate } from '../../sdp/offer-answer.js';
import type { Direction, MediaDescription, SessionDescription } from '../../sdp/session-description.js';
import {
  type MediaStream,
  MediaStreamError,
  type MediaStreamHost,
  type MediaStreamType,
  type RemoteMedia,
  type StreamDirection,
} from '../media-stream.js';
import { AudioMedia, type AudioStreamStatistics, g711Codec } from './audio-media.js';
import { acceptsAudio, answerMedia, offerDirection, offerMedia, wantedDirection } from './local-media.js';

export type { AudioStreamStatistics };

declare module '../../api/notification-center.js' {
  interface NotificationDataMap {
    /** §4.6: on_hold from the originator's point of view. */
    AudioStreamDidChangeHoldState: { originator: 'local' | 'remote'; on_hold: boolean };
    AudioStreamGotDTMF: { digit: string };
    /** §4.6: no RTP for the account's rtp.timeout seconds (no data fields). */
    AudioStreamDidTimeout: Record<string, never>;
    /** §4.6: codec, sample rate or remote RTP address/port changed (no data fields). */
    AudioStreamDidChangeRTPParameters: Record<string, never>;
    AudioStreamWillStartRecordingAudio: { filename: string };
    AudioStreamDidStartRecordingAudio: { filename: string };
    AudioStreamWillStopRecordingAudio: { filename: string };
    AudioStreamDidStopRecordingAudio: { filename: string };
  }
}

export interface AudioStreamOptions {
  /** The direction the stream wants (R-MED-1); default sendrecv. Hold reduces it (RFC 3264 §8.4). */
  readonly direction?: Direction;
  /**
   * The formats to offer and accept, in order of preference: a subset of DEFAULT_AUDIO_CODECS
   * (PCMU, PCMA, telephone-event), with at least one of PCMU and PCMA.
   */
  readonly codecs?: readonly Codec[];
  /** Where startRecording() without a file name records; default os.tmpdir(). */
  readonly recordingDirectory?: string;
  /** RTCP report interval in ms; default 5000, the minimum of RFC 3550 §6.2 (shorter only for tests). */
  readonly rtcpInterval?: number;
}

const DTMF_DIGIT = /^[0-9A-D*#]$/;
const DIRECTIONS: readonly Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

let streams = 0;

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller that ignores the promise (the API is non-blocking) must not crash the process with
  // an unhandled rejection; one that awaits it still sees the error.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function checkCodecs(codecs: readonly Codec[]): readonly Codec[] {
  for (const c of codecs) {
    const known = DEFAULT_AUDIO_CODECS.some((d) => d.name.toLowerCase() === c.name.toLowerCase() && d.clockRate === c.clockRate && (c.channels ?? 1) === 1);
    if (!known) throw new MediaStreamError(`codec ${c.name}/${c.clockRate} is not supported (PCMU, PCMA and telephone-event at 8000 Hz are)`);
  }
  if (!codecs.some((c) => g711Codec(c.name))) throw new MediaStreamError('an AudioStream needs PCMU or PCMA among its codecs');
  return codecs;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class AudioStream implements MediaStream {
  /** §4.3 class attributes. */
  static readonly type = 'audio';
  static readonly priority = 1;

  /**
   * §4.3 new_from_sdp: a stream for the offered m= line `streamIndex` when it is RTP/AVP audio with
   * PCMU or PCMA, else undefined. The stream keeps the offer for its answer (getLocalMedia(false)).
   */
  /** A fresh stream to offer in a 200 when the INVITE came without an offer (RFC 3264 §5). */
  static create(): AudioStream {
    return new AudioStream();
  }

  static newFromSdp(remoteSdp: SessionDescription, streamIndex: number): AudioStream | undefined {
    const m = remoteSdp.media?.[streamIndex];
    if (!m || m.port === 0 || !acceptsAudio(remoteSdp, streamIndex, DEFAULT_AUDIO_CODECS)) return undefined;
    const stream = new AudioStream();
    stream.remoteOffer = { sdp: remoteSdp, index: streamIndex };
    return stream;
  }

  readonly type = AudioStream.type;
  readonly priority = AudioStream.priority;
  readonly holdSupported = true;
  /** §4.6: no SRTP and no ICE in this version. */
  readonly srtpActive = false;
  readonly iceActive = false;
  readonly localRtpCandidateType: string | undefined = undefined;
  readonly remoteRtpCandidateType: string | undefined = undefined;
  /** For logs and the inspector (the actor's id). */
  readonly id = `audio-${++streams}`;

  private readonly direction: Direction;
  private readonly codecs: readonly Codec[];
  private readonly recordingDirectory: string;
  private readonly media: AudioMedia;

  private host: MediaStreamHost | undefined;
  private streamDirection: StreamDirection | undefined;
  private machine: Actor<typeof mediaStream> | undefined;
  private opening: Promise<void> | undefined;
  private failure: MediaStreamError | undefined;
  private pendingStart: { local: SessionDescription; remote: SessionDescription; index: number } | undefined;
  private pendingUpdate: NegotiatedStream | undefined;
  private role: 'offerer' | 'answerer' | undefined;
  private remoteOffer: RemoteMedia | undefined;
  private holdBeforeInitialize = false;
  private recording: { recorder: WaveRecorder; filename: string } | undefined;
  private initializing: Deferred | undefined;
  private starting: Deferred | undefined;
  private ending: Deferred | undefined;

  constructor(options: AudioStreamOptions = {}) {
    const direction = options.direction ?? 'sendrecv';
    if (!DIRECTIONS.includes(direction)) throw new MediaStreamError(`bad direction "${String(direction)}"`);
    this.direction = direction;
    this.codecs = checkCodecs(options.codecs ?? DEFAULT_AUDIO_CODECS);
    this.recordingDirectory = options.recordingDirectory ?? tmpdir();
    if (options.rtcpInterval !== undefined && !(options.rtcpInterval > 0)) throw new MediaStreamError('rtcpInterval must be > 0 ms');
    this.media = new AudioMedia(
      { digit: (d) => this.gotDigit(d), inactivity: () => this.sendEvent({ type: 'inactivity' }) },
      () => {
        const s = this.machine?.getSnapshot();
        return { started: s?.matches('started') ?? false, localHold: s?.context.localHold ?? false, remoteHold: s?.context.remoteHold ?? false };
      },
      options.rtcpInterval,
    );
  }

  // ---- attributes ---------------------------------------------------------------------------

  get actor(): Actor<typeof mediaStream> | undefined {
    return this.machine;
  }

  /** The life-cycle state ('idle' before initialize()). */
  get state(): MediaStreamState {
    if (!this.machine) return 'idle';
    return mediaStreamState(this.machine.getSnapshot());
  }

  /** §4.3 on_hold_by_local: hold() was called (and not undone), started or not. */
  get onHoldByLocal(): boolean {
    return this.machine ? this.machine.getSnapshot().context.localHold : this.holdBeforeInitialize;
  }

  /** §4.3 on_hold_by_remote: the last negotiation says the peer holds the stream (RFC 3264 §8.4). */
  get onHoldByRemote(): boolean {
    return this.machine?.getSnapshot().context.remoteHold ?? false;
  }

  get onHold(): boolean {
    return this.onHoldByLocal || this.onHoldByRemote;
  }

  /** §4.6 codec: the negotiated codec's name, once started. */
  get codec(): string | undefined {
    return this.media.negotiated?.codec?.name;
  }

  /** §4.6 sample_rate: the negotiated codec's rate, once started. */
  get sampleRate(): number | undefined {
    return this.media.negotiated?.codec?.clockRate;
  }

  /** §4.6 local_rtp_address. */
  get localRtpAddress(): string | undefined {
    return this.media.local?.address;
  }

  /** §4.6 local_rtp_port. */
  get localRtpPort(): number | undefined {
    return this.media.local?.rtpPort;
  }

  /** §4.6 remote_rtp_address_sdp. */
  get remoteRtpAddressSdp(): string | undefined {
    return this.media.negotiated?.remoteAddress;
  }

  /** §4.6 remote_rtp_port_sdp. */
  get remoteRtpPortSdp(): number | undefined {
    return this.media.negotiated?.remotePort;
  }

  /** §4.6 remote_rtp_address_received: where the first valid RTP packet came from. */
  get remoteRtpAddressReceived(): string | undefined {
    return this.media.receivedFrom?.address;
  }

  /** §4.6 remote_rtp_port_received. */
  get remoteRtpPortReceived(): number | undefined {
    return this.media.receivedFrom?.port;
  }

  /** §4.6 recording_filename: while recording. */
  get recordingFilename(): string | undefined {
    return this.recording?.filename;
  }

  /** RTP counters and the last RTCP reports (RFC 3550 §6.4). */
  get statistics(): AudioStreamStatistics {
    return this.media.statistics;
  }

  // ---- audio I/O ------------------------------------------------------------------------------

  /** What is sent: 20 ms frames at 8000 Hz (MediaStreamError otherwise); silence when undefined. */
  get source(): AudioSource | undefined {
    return this.media.source;
  }

  set source(source: AudioSource | undefined) {
    this.media.source = source;
  }

  /**
   * Receive the decoded audio: `sink.write` gets every 20 ms frame (8000 Hz) while the stream is
   * started and not held by us (silence where nothing arrived). Returns the remover.
   */
  addSink(sink: AudioSink): () => void {
    return this.media.addSink(sink);
  }

  // ---- §4.3 IMediaStream ----------------------------------------------------------------------

  getLocalMedia(forOffer: boolean, remote?: RemoteMedia): MediaDescription {
    const local = this.media.local;
    if (!local) throw new MediaStreamError('getLocalMedia() needs an initialized stream (its RTP port is bound by initialize())');
    const options = { address: local.address, port: local.rtpPort, rtcpPort: local.rtcpPort, codecs: this.codecs };
    try {
      if (forOffer) {
        const media = offerMedia(options, offerDirection(this.direction, this.onHoldByLocal, this.onHoldByRemote));
        this.role = 'offerer';
        return media;
      }
      const offer = remote ?? this.remoteOffer;
      if (!offer) throw new MediaStreamError('getLocalMedia(false) needs the remote offer');
      const media = answerMedia(options, offer, wantedDirection(this.direction, this.onHoldByLocal));
      this.role = 'answerer';
      this.remoteOffer = offer;
      return media;
    } catch (e) {
      throw e instanceof MediaStreamError ? e : new MediaStreamError(`cannot build the audio SDP: ${errorMessage(e)}`);
    }
  }

  initialize(session: MediaStreamHost, direction: StreamDirection): Promise<void> {
    if (this.machine) throw new MediaStreamError(`initialize() called twice (the stream is ${this.state})`);
    if (this.ending) throw new MediaStreamError('initialize() after end()');
    if (direction !== 'incoming' && direction !== 'outgoing') throw new MediaStreamError(`bad direction "${String(direction)}"`);
    if (!(session.rtp.timeout >= 0)) throw new MediaStreamError(`bad rtp.timeout ${session.rtp.timeout}`);
    this.host = session;
    this.streamDirection = direction;
    const logic = mediaStream.provide({
      actions: {
        initializeTransport: () => void (this.opening = this.openTransport()),
        startMedia: () => this.startMedia(),
        holdChanged: (_: unknown, change: HoldChange) => this.holdChanged(change),
        applyUpdate: () => this.applyUpdate(),
        timedOut: () => this.center?.post('AudioStreamDidTimeout', this, {}),
        stopMedia: () => this.media.stop(),
        closeTransport: () => void this.close(),
      },
    });
    this.initializing = deferred();
    const actor = createActor(logic, { id: this.id, input: { id: this.id, localHold: this.holdBeforeInitialize }, ...inspectionHub.options });
    inspectionHub.register(actor, { id: this.id, owner: session.id, kind: logic.id });
    this.machine = actor;
    actor.on('*', (e) => this.relay(e));
    actor.start();
    actor.send({ type: 'initialize', direction });
    return this.initializing.promise;
  }

  start(localSdp: SessionDescription, remoteSdp: SessionDescription, streamIndex: number): Promise<void> {
    const actor = this.machine;
    if (!actor || !actor.getSnapshot().can({ type: 'start' })) throw new MediaStreamError(`start() while the stream is ${this.state}`);
    this.pendingStart = { local: localSdp, remote: remoteSdp, index: streamIndex };
    this.starting = deferred();
    actor.send({ type: 'start' });
    return this.starting.promise;
  }

  validateUpdate(remoteSdp: SessionDescription, streamIndex: number): boolean {
    try {
      const m = remoteSdp.media?.[streamIndex];
      if (!m) return false;
      if (m.port === 0) return true; // the stream is being removed: always acceptable
      return acceptsAudio(remoteSdp, streamIndex, this.codecs);
    } catch {
      return false;
    }
  }

  update(localSdp: SessionDescription, remoteSdp: SessionDescription, streamIndex: number): void {
    const actor = this.machine;
    if (!actor) throw new MediaStreamError('update() before initialize()');
    if (this.state !== 'started') return; // a failed or ending stream takes no more updates
    let n: NegotiatedStream;
    try {
      n = this.negotiateWith(localSdp, remoteSdp, streamIndex);
    } catch (e) {
      actor.send({ type: 'fail', reason: errorMessage(e) });
      return;
    }
    this.pendingUpdate = n;
    actor.send({ type: 'update' });
    actor.send({ type: n.remoteHold ? 'remoteHold' : 'remoteUnhold' });
  }

  hold(): void {
    if (!this.machine) this.holdBeforeInitialize = true;
    else this.sendEvent({ type: 'hold' });
  }

  unhold(): void {
    if (!this.machine) this.holdBeforeInitialize = false;
    else this.sendEvent({ type: 'unhold' });
  }

  deactivate(): void {
    this.sendEvent({ type: 'deactivate' });
  }

  /** MediaStreamWillEnd, RTCP BYE, sockets closed, MediaStreamDidEnd. Idempotent; never rejects. */
  end(): Promise<void> {
    if (this.ending) return this.ending.promise;
    this.ending = deferred();
    const actor = this.machine;
    if (!actor || actor.getSnapshot().status !== 'active') this.ending.resolve();
    else actor.send({ type: 'end' });
    return this.ending.promise;
  }

  // ---- §4.6 AudioStream -----------------------------------------------------------------------

  /**
   * §4.6 send_dtmf: one digit (0-9, A-D, *, #) as RFC 4733 events, only while started (on hold,
   * digits wait until the stream sends again).
   */
  sendDtmf(digit: string): void {
    if (typeof digit !== 'string' || !DTMF_DIGIT.test(digit)) throw new MediaStreamError(`"${String(digit)}" is not a DTMF digit (0-9, A-D, * or #)`);
    if (this.state !== 'started') throw new MediaStreamError(`sendDtmf() while the stream is ${this.state}`);
    if (!this.media.canSendDtmf()) throw new MediaStreamError('the peer did not accept telephone-event (RFC 4733)');
    if (!this.media.queueDigit(digit)) throw new MediaStreamError('too many DTMF digits queued');
  }

  /**
   * §4.6 start_recording: record the call (what we receive mixed with what we send) to a 16-bit
   * mono 8 kHz WAV file; nothing is recorded while the stream is on hold. Without a name, a file
   * named after the time, the session and the stream, in `recordingDirectory`. Only while started.
   */
  async startRecording(filename?: string): Promise<void> {
    if (this.state !== 'started') throw new MediaStreamError(`startRecording() while the stream is ${this.state}`);
    if (this.recording) throw new MediaStreamError(`already recording to ${this.recording.filename}`);
    const file = filename ?? this.defaultRecordingName();
    const recorder = new WaveRecorder(file, { sampleRate: NARROWBAND_RATE });
    this.recording = { recorder, filename: file };
    this.center?.post('AudioStreamWillStartRecordingAudio', this, { filename: file });
    this.media.recording = recorder; // frames wait in the recorder while it opens the file
    try {
      await recorder.start();
    } catch (e) {
      if (this.recording?.recorder === recorder) {
        this.recording = undefined;
        this.media.recording = undefined;
      }
      throw new MediaStreamError(`cannot record to ${file}: ${errorMessage(e)}`);
    }
    if (this.recording?.recorder === recorder) this.center?.post('AudioStreamDidStartRecordingAudio', this, { filename: file });
  }

  /** §4.6 stop_recording: finalise the file. No-op when not recording. */
  async stopRecording(): Promise<void> {
    const r = this.recording;
    if (!r) return;
    this.recording = undefined;
    this.media.recording = undefined;
    this.center?.post('AudioStreamWillStopRecordingAudio', this, { filename: r.filename });
    await r.recorder.stop().catch(() => undefined);
    this.center?.post('AudioStreamDidStopRecordingAudio', this, { filename: r.filename });
  }

  // ---- the machine's actions ------------------------------------------------------------------

  /** initializeTransport: bind the sockets, answer initialized / initFailed. */
  private async openTransport(): Promise<void> {
    const host = this.host as MediaStreamHost;
    try {
      // RFC 7022: a random CNAME per stream, so reports identify no user.
      await this.media.open(host, `${randomBytes(12).toString('base64url')}@${host.localAddress}`);
      this.sendEvent({ type: 'initialized' });
    } catch (e) {
      this.failure = e instanceof MediaStreamError ? e : new MediaStreamError(errorMessage(e));
      this.sendEvent({ type: 'initFailed', reason: this.failure.message });
    }
  }

  /** startMedia: negotiate, configure, start; answer started / startFailed. */
  private startMedia(): void {
    const pending = this.pendingStart;
    this.pendingStart = undefined;
    try {
      if (!pending) throw new MediaStreamError('start() without SDP');
      const n = this.negotiateWith(pending.local, pending.remote, pending.index);
      this.media.configure(n);
      this.media.start();
      // Learnt before `started`, so the stream starts (and reports itself) held (R-MED-1).
      if (n.remoteHold) this.sendEvent({ type: 'remoteHold' });
      this.sendEvent({ type: 'started' });
    } catch (e) {
      this.failure = e instanceof MediaStreamError ? e : new MediaStreamError(errorMessage(e));
      this.sendEvent({ type: 'startFailed', reason: this.failure.message });
    }
  }

  private holdChanged(change: HoldChange): void {
    // The RTP timeout restarts: a peer resuming needs a moment before its first packet.
    this.media.restartTimeout();
    this.center?.post('AudioStreamDidChangeHoldState', this, { originator: change.originator, on_hold: change.onHold });
  }

  private applyUpdate(): void {
    const n = this.pendingUpdate;
    this.pendingUpdate = undefined;
    if (!n) return;
    let changed: boolean;
    try {
      changed = this.media.configure(n);
    } catch (e) {
      this.sendEvent({ type: 'fail', reason: errorMessage(e) });
      return;
    }
    if (changed) this.center?.post('AudioStreamDidChangeRTPParameters', this, {});
  }

  /** closeTransport: recording finalised, BYE out, sockets closed, then `ended`. Never throws. */
  private async close(): Promise<void> {
    // Continue after the step that ran this action, so MediaStreamWillEnd is posted first.
    await Promise.resolve();
    try {
      this.media.stop();
      await this.stopRecording();
      await this.opening; // end() during initialize: the sockets may still be binding
      await this.media.close();
    } catch {
      // end() must always end
    }
    this.sendEvent({ type: 'ended' });
  }

  // ---- negotiation ----------------------------------------------------------------------------

  /** RFC 3264: which SDP was the offer (see the module comment), then what this stream does. */
  private negotiateWith(local: SessionDescription, remote: SessionDescription, index: number): NegotiatedStream {
    const role = this.role ?? (this.streamDirection === 'incoming' ? 'answerer' : 'offerer');
    const [offer, answer] = role === 'offerer' ? [local, remote] : [remote, local];
    let n: NegotiatedStream | undefined;
    try {
      n = negotiate(offer, answer, role)[index];
    } catch (e) {
      throw new MediaStreamError(`the SDP offer and answer do not match: ${errorMessage(e)}`);
    }
    if (!n) throw new MediaStreamError(`no m= line ${index} in the SDP`);
    if (n.type !== 'audio') throw new MediaStreamError(`m= line ${index} is ${n.type}, not audio`);
    if (!n.accepted) throw new MediaStreamError(`the audio stream at m= line ${index} was rejected (port 0)`);
    if (!n.codec || !g711Codec(n.codec.name) || n.codec.clockRate !== NARROWBAND_RATE) {
      throw new MediaStreamError(`no common audio codec at m= line ${index} (we have ${this.codecs.map((c) => c.name).join(', ')})`);
    }
    if (!n.remoteAddress) throw new MediaStreamError(`no remote address for m= line ${index}`);
    return n;
  }

  // ---- notifications and plumbing -----------------------------------------------------------

  private gotDigit(digit: string): void {
    // Events other than DTMF digits (flash, RFC 4734 tones) are not AudioStreamGotDTMF; a stream
    // we hold receives nothing (§4.3 hold()).
    if (!DTMF_DIGIT.test(digit) || this.onHoldByLocal) return;
    this.center?.post('AudioStreamGotDTMF', this, { digit });
  }

  /** Where notifications go (the session's center), once initialize() gave it. */
  private get center(): NotificationCenter | undefined {
    return this.host?.center;
  }

  /** The machine's notifications, posted with this stream as sender; the promises settle after. */
  private relay(e: MediaStreamEmitted): void {
    const center = this.center;
    switch (e.type) {
      case 'MediaStreamDidInitialize':
        center?.post(e.type, this, {});
        this.initializing?.resolve();
        break;
      case 'MediaStreamDidStart':
        center?.post(e.type, this, {});
        this.starting?.resolve();
        break;
      case 'MediaStreamDidFail': {
        center?.post(e.type, this, { reason: e.reason });
        const error = this.failure ?? new MediaStreamError(e.reason);
        this.initializing?.reject(error);
        this.starting?.reject(error);
        break;
      }
      case 'MediaStreamWillEnd':
        center?.post(e.type, this, {});
        // An initialize() or start() still waiting will not complete now.
        this.initializing?.reject(new MediaStreamError('the stream was ended'));
        this.starting?.reject(new MediaStreamError('the stream was ended'));
        break;
      case 'MediaStreamDidEnd':
        center?.post(e.type, this, e.error !== undefined ? { error: e.error } : {});
        this.ending?.resolve();
        // No actor outlives its stream (design: owners stop what they own).
        queueMicrotask(() => {
          if (!this.machine) return;
          this.machine.stop();
          inspectionHub.unregister(this.machine);
        });
        break;
    }
  }

  /** Send to the actor while it runs (events to a stopped actor are dropped, never thrown). */
  private sendEvent(event: Parameters<Actor<typeof mediaStream>['send']>[0]): void {
    const actor = this.machine;
    if (actor && actor.getSnapshot().status === 'active') actor.send(event);
  }

  private defaultRecordingName(): string {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const session = (this.host?.id ?? 'session').replace(/[^A-Za-z0-9._@-]/g, '_').slice(0, 80);
    return join(this.recordingDirectory, `${stamp}-${session}-${this.id}.wav`);
  }
}

/** The class side, for `mediaStreamRegistry.add(AudioStreamType)` (§4.4). */
export const AudioStreamType: MediaStreamType<AudioStream> = AudioStream;
