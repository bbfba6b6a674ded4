/**
 * The offer/answer state of one INVITE session (RFC 3264) over its streams: which stream owns
 * which m= line, the last SDP each side sent, and how a session SDP is made from the streams'
 * own m= sections (Middleware API §4.3 get_local_media).
 *
 * RFC 3264 rules this file keeps:
 * - §6: an answer has one m= line per offered line, in order; a line we do not take is answered
 *   with port 0 (`rejectedMedia`).
 * - §8: a new offer never has fewer m= lines than the previous SDP; a removed stream's line stays
 *   as port 0 and may be reused later (we append instead, which is always allowed); o= keeps its
 *   id and its version goes up by one when anything changed (`assembleSDP`).
 * - §8.4: hold is a direction (sendonly/inactive) the streams themselves put in their sections.
 */
import { StreamSlots } from './stream-slots.js';
import type { MediaStream, MediaStreamHost } from '../streams/media-stream.js';
import { assembleSDP, rejectedMedia } from '../sdp/offer-answer.js';
import { mediaConnection, mediaDirection, parseSDP, type SessionDescription } from '../sdp/session-description.js';

/** How a remote re-offer relates to the current session (decides who must answer it). */
export interface ReofferAnalysis {
  /** m= lines beyond the current ones with a non-zero port: the remote proposes new streams. */
  added: number[];
  /** Our streams whose m= line the re-offer sets to port 0: the remote removes them. */
  removed: MediaStream[];
  /** Every active line is sendonly/inactive (or c=0.0.0.0): the remote holds (RFC 3264 §8.4). */
  hold: boolean;
  /** A stream refused the change (validate_update returned false). */
  refused: boolean;
}

/** Streams whose `start()` was called (the rest get `start`, these get `update`); one WeakSet for all sessions. */
const started = new WeakSet<MediaStream>();

export class SessionMedia {
  /** Active streams by m= line index. */
  private readonly byIndex = new StreamSlots();
  /** The last SDP we sent (offer or answer) and the last we received. */
  local: SessionDescription | undefined;
  remote: SessionDescription | undefined;

  constructor(private readonly host: () => MediaStreamHost) {}

  get streams(): MediaStream[] {
    return this.byIndex.entries().map(([, s]) => s);
  }

  indexOf(stream: MediaStream): number | undefined {
    for (const [i, s] of this.byIndex) if (s === stream) return i;
    return undefined;
  }

  has(stream: MediaStream): boolean {
    return this.indexOf(stream) !== undefined;
  }

  /** The next free m= line (RFC 3264 §8.2: new streams are appended). */
  private nextIndex(): number {
    const used = Math.max(-1, ...this.byIndex.keys(), (this.local?.media.length ?? 0) - 1, (this.remote?.media.length ?? 0) - 1);
    return used + 1;
  }

  /** Give streams the next m= lines (ours: an offer of new streams). */
  place(streams: readonly MediaStream[]): void {
    for (const s of streams) if (!this.has(s)) this.byIndex.set(this.nextIndex(), s);
  }

  /** Streams made for a remote offer, at the offer's m= indexes. */
  placeAt(index: number, stream: MediaStream): void {
    this.byIndex.set(index, stream);
  }

  remove(stream: MediaStream): void {
    const i = this.indexOf(stream);
    if (i !== undefined) this.byIndex.delete(i);
    started.delete(stream);
  }

  private lineCount(extra?: SessionDescription): number {
    return Math.max(this.nextIndex(), extra?.media.length ?? 0);
  }

  /** Our offer (initial, re-offer, or the offer in a 200 to a re-INVITE without SDP). */
  offer(): SessionDescription {
    const host = this.host();
    const media = [];
    for (let i = 0; i < this.lineCount(); i++) {
      const s = this.byIndex.get(i);
      if (s) media.push(s.getLocalMedia(true));
      else {
        const old = this.local?.media[i] ?? this.remote?.media[i];
        media.push(old ? rejectedMedia(old) : { type: 'audio', port: 0, protocol: 'RTP/AVP', payloads: '0', rtp: [], fmtp: [] });
      }
    }
    const sdp = assembleSDP({ address: host.localAddress, media, previous: this.local });
    return sdp;
  }

  /** Our answer to `offer`: our streams answer their lines, the rest get port 0. */
  answer(offer: SessionDescription): SessionDescription {
    const host = this.host();
    const media = offer.media.map((m, i) => {
      const s = this.byIndex.get(i);
      return s ? s.getLocalMedia(false, { sdp: offer, index: i }) : rejectedMedia(m);
    });
    return assembleSDP({ address: host.localAddress, media, previous: this.local, offer });
  }

  /** A remote re-offer: what it adds, removes and holds. Changes nothing. */
  analyse(offer: SessionDescription): ReofferAnalysis {
    const removed: MediaStream[] = [];
    let refused = false;
    for (const [i, s] of this.byIndex) {
      const m = offer.media[i];
      if (!m || m.port === 0) removed.push(s);
      else if (!s.validateUpdate(offer, i)) refused = true;
    }
    const added: number[] = [];
    offer.media.forEach((m, i) => {
      if (m.port !== 0 && !this.byIndex.has(i)) added.push(i);
    });
    const active = offer.media.filter((m, i) => m.port !== 0 && this.byIndex.has(i));
    const hold =
      active.length > 0 &&
      active.every((m) => {
        const d = mediaDirection(offer, m);
        const ip = mediaConnection(offer, m)?.ip;
        return d === 'sendonly' || d === 'inactive' || ip === '0.0.0.0' || ip === '::';
      });
    return { added, removed, hold, refused };
  }

  /**
   * Apply a completed offer/answer exchange to the streams: `start` the new ones, `update` the
   * others (Middleware API §4.3). Returns the streams that failed to start.
   */
  async apply(): Promise<MediaStream[]> {
    const local = this.local;
    const remote = this.remote;
    if (!local || !remote) return [];
    const failed: MediaStream[] = [];
    await Promise.all(
      [...this.byIndex.entries()].map(async ([i, s]) => {
        if (!local.media[i] || !remote.media[i] || local.media[i].port === 0 || remote.media[i].port === 0) return;
        if (started.has(s)) {
          s.update(local, remote, i);
          return;
        }
        started.add(s);
        try {
          await s.start(local, remote, i);
        } catch {
          failed.push(s);
        }
      }),
    );
    return failed;
  }
}

/** The SDP of a message body, or an error saying why it is unusable (→ 400 / 488). */
export function sdpOf(body: Buffer, contentType: string | undefined): SessionDescription | undefined {
  if (body.length === 0) return undefined;
  if (contentType !== undefined && contentType.toLowerCase() !== 'application/sdp') return undefined;
  return parseSDP(body.toString('utf8'));
}
