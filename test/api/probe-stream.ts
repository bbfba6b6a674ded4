/**
 * A stream type that carries no media, for signalling tests: it follows the stream contract
 * (Middleware API §4.3) to the letter and records every call the Session makes on it.
 */
import type { MediaDescription, SessionDescription } from '../../src/sdp/session-description.js';
import { mediaDirection } from '../../src/sdp/session-description.js';
import { answerDirection } from '../../src/sdp/offer-answer.js';
import type { MediaStream, MediaStreamHost, MediaStreamType, RemoteMedia, StreamDirection } from '../../src/streams/media-stream.js';

let nextPort = 40000;

export class ProbeStream implements MediaStream {
  static readonly type = 'probe';
  static readonly priority = 1;
  readonly type = 'audio';
  readonly priority = 1;
  readonly holdSupported = true;
  onHoldByLocal = false;
  onHoldByRemote = false;
  readonly actor = undefined;
  readonly calls: string[] = [];
  failInitialize = false;
  private port = 0;
  private offered: RemoteMedia | undefined;

  constructor(offered?: RemoteMedia) {
    this.offered = offered;
  }

  get onHold(): boolean {
    return this.onHoldByLocal || this.onHoldByRemote;
  }

  getLocalMedia(forOffer: boolean, remote?: RemoteMedia): MediaDescription {
    const wanted = this.onHoldByLocal ? 'sendonly' : 'sendrecv';
    const r = remote ?? this.offered;
    const direction = forOffer || !r ? wanted : answerDirection(mediaDirection(r.sdp, r.sdp.media[r.index]), wanted);
    return { type: 'audio', port: this.port, protocol: 'RTP/AVP', payloads: '0', rtp: [{ payload: 0, codec: 'PCMU', rate: 8000 }], fmtp: [], direction };
  }

  async initialize(_host: MediaStreamHost, direction: StreamDirection): Promise<void> {
    this.calls.push(`initialize ${direction}`);
    if (this.failInitialize) throw new Error('probe refuses to initialize');
    this.port = (nextPort += 2);
  }

  async start(_l: SessionDescription, remote: SessionDescription, i: number): Promise<void> {
    this.calls.push(`start ${i}`);
    this.remoteHold(remote, i);
  }

  validateUpdate(): boolean {
    return true;
  }

  update(_l: SessionDescription, remote: SessionDescription, i: number): void {
    this.calls.push(`update ${i}`);
    this.remoteHold(remote, i);
  }

  private remoteHold(remote: SessionDescription, i: number): void {
    const d = mediaDirection(remote, remote.media[i]);
    this.onHoldByRemote = d === 'sendonly' || d === 'inactive';
  }

  hold(): void {
    this.calls.push('hold');
    this.onHoldByLocal = true;
  }

  unhold(): void {
    this.calls.push('unhold');
    this.onHoldByLocal = false;
  }

  deactivate(): void {
    this.calls.push('deactivate');
  }

  async end(): Promise<void> {
    this.calls.push('end');
  }
}

export const ProbeStreamType: MediaStreamType<ProbeStream> = {
  type: 'audio',
  priority: 1,
  newFromSdp(sdp, index) {
    const m = sdp.media[index];
    return m.type === 'audio' && m.protocol === 'RTP/AVP' ? new ProbeStream({ sdp, index }) : undefined;
  },
  create: () => new ProbeStream(),
};
