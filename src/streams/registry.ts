/**
 * MediaStreamRegistry (Middleware API §4.4): the stream types a Session may instantiate for an
 * incoming offer, kept in descending priority so higher-priority types are tried first. One
 * process-wide instance (`mediaStreamRegistry`), as the spec's singleton; `register` is the
 * TypeScript stand-in for the MediaStreamRegistrar metaclass (§4.5).
 */
import type { SessionDescription } from '../sdp/session-description.js';
import type { MediaStream, MediaStreamType } from './media-stream.js';

export class MediaStreamRegistry implements Iterable<MediaStreamType> {
  private types: MediaStreamType[] = [];

  /** Add a stream type (again: no-op). Order: priority descending, then registration order. */
  add(type: MediaStreamType): void {
    if (this.types.includes(type)) return;
    this.types = [...this.types, type].sort((a, b) => b.priority - a.priority);
  }

  remove(type: MediaStreamType): void {
    this.types = this.types.filter((t) => t !== type);
  }

  [Symbol.iterator](): Iterator<MediaStreamType> {
    return this.types[Symbol.iterator]();
  }

  /**
   * A stream for each offered m= line, from the highest-priority type that takes it (§4.2 "picking
   * stream types from the MediaStreamRegistry by priority through new_from_sdp"); undefined where
   * none does (that line is answered with port 0).
   */
  streamsFor(remoteSdp: SessionDescription): (MediaStream | undefined)[] {
    return remoteSdp.media.map((m, index) => {
      if (m.port === 0) return undefined;
      for (const t of this.types) {
        const s = t.newFromSdp(remoteSdp, index);
        if (s) return s;
      }
      return undefined;
    });
  }
}

/** The process-wide registry (§4.4: "instantiating it anywhere returns the same object"). */
export const mediaStreamRegistry = new MediaStreamRegistry();

/** Register a stream type with the process-wide registry (the MediaStreamRegistrar of §4.5). */
export function registerMediaStream<T extends MediaStreamType>(type: T): T {
  mediaStreamRegistry.add(type);
  return type;
}
