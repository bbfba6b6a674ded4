/**
 * A session's active streams by m= line index (RFC 3264 §8: a stream keeps its line for the
 * session's life). A Map would do, but every established call keeps one, and a one-entry Map
 * costs ~150 bytes of table where an exactly sized array costs ~40: this is on the per-call heap
 * budget (issue: at most 16 KB per established call). Writes copy (a few per call at most).
 */
import type { MediaStream } from '../streams/media-stream.js';

const NONE: readonly (MediaStream | undefined)[] = Object.freeze([]);

export class StreamSlots {
  private slots: readonly (MediaStream | undefined)[] = NONE;

  get(index: number): MediaStream | undefined {
    return this.slots[index];
  }

  has(index: number): boolean {
    return this.slots[index] !== undefined;
  }

  set(index: number, stream: MediaStream): void {
    const next = Array.from({ length: Math.max(this.slots.length, index + 1) }, (_, i) => this.slots[i]);
    next[index] = stream;
    this.slots = next;
  }

  delete(index: number): void {
    if (this.slots[index] === undefined) return;
    const next = [...this.slots];
    next[index] = undefined;
    while (next.length && next[next.length - 1] === undefined) next.pop();
    this.slots = next.length ? next : NONE;
  }

  /** The occupied indexes, in m= line order. */
  keys(): number[] {
    const out: number[] = [];
    this.slots.forEach((s, i) => {
      if (s) out.push(i);
    });
    return out;
  }

  /** [index, stream] of the occupied lines, in m= line order. */
  entries(): [number, MediaStream][] {
    const out: [number, MediaStream][] = [];
    this.slots.forEach((s, i) => {
      if (s) out.push([i, s]);
    });
    return out;
  }

  [Symbol.iterator](): IterableIterator<[number, MediaStream]> {
    return this.entries()[Symbol.iterator]();
  }
}
