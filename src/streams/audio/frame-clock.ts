/**
 * A drift-corrected periodic timer: the 20 ms frame clock that paces RTP sending and playout.
 *
 * setInterval drifts (each period starts when the callback ran, not when it was due) and Node
 * timers fire late under load. Here each tick is due at start + n·interval on the monotonic
 * clock; a late timer runs the ticks that fell due (so 50 packets still leave per second and the
 * RTP timestamps stay in step with real time, RFC 3550 §5.1), but at most MAX_CATCH_UP at once:
 * after a longer stall (a suspended laptop) the clock restarts from now instead of bursting.
 */

const MAX_CATCH_UP = 5;

export class FrameClock {
  private timer: NodeJS.Timeout | undefined;
  private next = 0;

  constructor(
    readonly intervalMs: number,
    private readonly tick: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(intervalMs > 0)) throw new RangeError('interval must be > 0');
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.next = this.now() + this.intervalMs;
    this.schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.fire(), Math.max(0, this.next - this.now()));
  }

  private fire(): void {
    let ran = 0;
    while (this.timer && this.now() >= this.next && ran < MAX_CATCH_UP) {
      try {
        this.tick();
      } catch {
        // A failing tick must not stop the clock: the next frame is due anyway.
      }
      this.next += this.intervalMs;
      ran++;
    }
    if (!this.timer) return; // stopped by the tick
    if (this.now() - this.next > this.intervalMs) this.next = this.now() + this.intervalMs;
    this.schedule();
  }
}
