/**
 * A small adaptive jitter buffer keyed by RTP sequence number (RFC 3550 §5.1: "The sequence
 * number increments by one for each RTP data packet sent ... to detect packet loss and to
 * restore packet sequence"). Pure: the caller's playout clock calls `pop()` once per packet
 * interval; nothing here reads a clock.
 *
 * - `insert()` accepts packets in any order; duplicates and packets whose turn has passed
 *   ("late") are dropped and counted.
 * - `pop()` returns the next packet in sequence, a `lost` marker for a gap (so the caller runs
 *   concealment), or `empty` while (re)buffering.
 * - The playout depth adapts between `minDepth` and `maxDepth` packets: it grows by one on a
 *   late packet or an underrun, and shrinks by one after `shrinkAfter` pops without either.
 * - Memory is bounded: a ring of `capacity` slots; packets further ahead than that restart
 *   the buffer (a sequence jump, as after an SSRC change; cf. RFC 3550 §A.1 MAX_DROPOUT).
 */

export interface JitterBufferOptions {
  /** Slots in the ring (the most packets held), default 64. */
  readonly capacity?: number;
  /** Smallest playout depth in packets, default 1. */
  readonly minDepth?: number;
  /** Largest playout depth in packets, default 10 (must be < capacity). */
  readonly maxDepth?: number;
  /** Initial playout depth, default 2 (clamped to min..max). */
  readonly initialDepth?: number;
  /** Pops without a late packet or underrun before the depth shrinks by one, default 250. */
  readonly shrinkAfter?: number;
}

export type InsertResult = 'queued' | 'duplicate' | 'late' | 'restart';

export type PopResult<T> =
  | { readonly kind: 'packet'; readonly seq: number; readonly item: T }
  | { readonly kind: 'lost'; readonly seq: number }
  | { readonly kind: 'empty' };

export interface JitterBufferStats {
  readonly queued: number;
  readonly duplicates: number;
  readonly late: number;
  readonly lost: number;
  readonly underruns: number;
  /** Packets discarded to cut latency when the buffer grew past `maxDepth`. */
  readonly discarded: number;
  readonly restarts: number;
}

const EMPTY = { kind: 'empty' } as const;

export class JitterBuffer<T> {
  private readonly capacity: number;
  private readonly minDepth: number;
  private readonly maxDepth: number;
  private readonly shrinkAfter: number;
  private readonly items: (T | undefined)[];
  private readonly present: Uint8Array;
  /** Extended sequence number of the next packet to play (valid once `anchored`). */
  private next = 0;
  private anchored = false;
  private playing = false;
  /** Whether `pop()` has taken anything since the buffer was anchored. */
  private started = false;
  /** Extended number that would confirm a far-behind restart (RFC 3550 §A.1 bad_seq). */
  private badExt = -1;
  /** Highest extended sequence number held, and how many are held. */
  private highest = 0;
  private count = 0;
  private calm = 0;
  private target: number;
  private s = { queued: 0, duplicates: 0, late: 0, lost: 0, underruns: 0, discarded: 0, restarts: 0 };

  constructor(options: JitterBufferOptions = {}) {
    this.capacity = options.capacity ?? 64;
    this.minDepth = options.minDepth ?? 1;
    this.maxDepth = options.maxDepth ?? 10;
    this.shrinkAfter = options.shrinkAfter ?? 250;
    if (!(this.minDepth >= 1 && this.minDepth <= this.maxDepth && this.maxDepth < this.capacity)) {
      throw new RangeError('need 1 <= minDepth <= maxDepth < capacity');
    }
    this.target = Math.min(this.maxDepth, Math.max(this.minDepth, options.initialDepth ?? 2));
    this.items = new Array<T | undefined>(this.capacity);
    this.present = new Uint8Array(this.capacity);
  }

  /** Current playout depth target, in packets. */
  get depth(): number {
    return this.target;
  }

  /** Packets held. */
  get size(): number {
    return this.count;
  }

  get stats(): JitterBufferStats {
    return { ...this.s };
  }

  /** The extended sequence number nearest to `ref` with these low 16 bits. */
  private extend(seq: number, ref: number): number {
    const delta = ((seq - ref) << 16) >> 16; // signed 16-bit distance
    return ref + delta;
  }

  private slot(ext: number): number {
    return ((ext % this.capacity) + this.capacity) % this.capacity;
  }

  private grow(): void {
    this.calm = 0;
    if (this.target < this.maxDepth) this.target++;
  }

  /** Add a packet with 16-bit RTP sequence number `seq`. */
  insert(seq: number, item: T): InsertResult {
    seq &= 0xffff;
    if (!this.anchored) {
      this.anchor(seq + 0x10000); // offset keeps extended numbers positive when reordering
      this.put(this.next, item);
      return 'queued';
    }
    const ext = this.extend(seq, this.highest);
    if (ext < this.next) {
      const behind = this.next - ext;
      if (!this.started && this.highest - ext < this.capacity) {
        // Before the first pop, an earlier packet simply moves the start back.
        this.next = ext;
      } else if (behind < this.capacity || ext !== this.badExt) {
        // Its turn has passed. A far-behind packet may be a restarted sender: as in RFC 3550
        // §A.1 (bad_seq), only a second, consecutive one confirms it.
        this.s.late++;
        if (behind < this.capacity) this.grow(); // jitter exceeded our depth: buffer more
        else this.badExt = ext + 1;
        return 'late';
      } else {
        return this.restart(ext, item);
      }
    } else if (ext - this.highest >= this.capacity) {
      // A forward jump past everything held: the stream restarted (§A.1 MAX_DROPOUT).
      return this.restart(ext, item);
    } else if (ext - this.next >= this.capacity) {
      // Within reach but the ring is full up to it: slide the window, dropping the oldest.
      while (ext - this.next >= this.capacity) {
        const i = this.slot(this.next);
        if (this.present[i]) {
          this.present[i] = 0;
          this.items[i] = undefined;
          this.count--;
          this.s.discarded++;
        }
        this.next++;
      }
    }
    const i = this.slot(ext);
    if (this.present[i]) {
      this.s.duplicates++;
      return 'duplicate';
    }
    this.put(ext, item);
    return 'queued';
  }

  private anchor(ext: number): void {
    this.anchored = true;
    this.started = false;
    this.playing = false;
    this.next = ext;
    this.highest = ext;
    this.badExt = -1;
  }

  private restart(ext: number, item: T): InsertResult {
    this.items.fill(undefined);
    this.present.fill(0);
    this.count = 0;
    this.s.restarts++;
    this.anchor(ext);
    this.put(ext, item);
    return 'restart';
  }

  private put(ext: number, item: T): void {
    const i = this.slot(ext);
    this.items[i] = item;
    this.present[i] = 1;
    this.count++;
    this.s.queued++;
    if (ext > this.highest) this.highest = ext;
  }

  /** Take the packet at `next` (present or not) and advance. */
  private take(): PopResult<T> {
    const ext = this.next;
    const i = this.slot(ext);
    this.next++;
    if (this.present[i]) {
      const item = this.items[i] as T;
      this.items[i] = undefined;
      this.present[i] = 0;
      this.count--;
      return { kind: 'packet', seq: ext & 0xffff, item };
    }
    this.s.lost++;
    return { kind: 'lost', seq: ext & 0xffff };
  }

  /** The next frame for playout: a packet, a `lost` gap to conceal, or `empty` while buffering. */
  pop(): PopResult<T> {
    if (!this.playing) {
      if (this.count === 0 || this.highest - this.next + 1 < this.target) return EMPTY;
      this.playing = true;
      this.started = true;
    }
    if (this.count === 0) {
      // Underrun: the next packet has not arrived and nothing after it either. Rebuffer.
      this.playing = false;
      this.s.underruns++;
      this.grow();
      return EMPTY;
    }
    // Too much latency queued (a burst after a stall): drop the oldest down to the target.
    if (this.highest - this.next + 1 > this.maxDepth) {
      while (this.highest - this.next + 1 > this.target) {
        const r = this.take();
        if (r.kind === 'packet') this.s.discarded++;
        else this.s.lost--; // skipped, not lost in transit
      }
    }
    if (++this.calm >= this.shrinkAfter) {
      this.calm = 0;
      if (this.target > this.minDepth) this.target--;
    }
    return this.take();
  }
}
