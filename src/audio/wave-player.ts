/**
 * WavePlayer: a WAV file as an AudioSource (a prompt, music on hold, a test tone).
 *
 * The file is read and checked once, in start(): 16-bit linear PCM, mono (readWav refuses other
 * encodings with a WavError; stereo is refused here). A file at another sample rate than the
 * player's is resampled on load (see the sample-rate rule in ./port.ts). Playback is pulled: the
 * consumer's frame clock calls read() every 20 ms, so the player has no timer of its own.
 * A player handed to a consumer without start() starts on its first read() (silence until the
 * file is loaded); a load error then ends it, and `error` says why.
 */
import { readFile } from 'node:fs/promises';
import { NARROWBAND_RATE, type AudioSource, resample } from './port.js';
import { WavError, readWav } from './wav.js';

export interface WavePlayerOptions {
  /** Play the file again from the start when it ends, until stop(). Default false. */
  readonly loop?: boolean;
  /** The rate of the frames read() fills (the consumer's rate). Default 8000 Hz. */
  readonly sampleRate?: number;
  /** Silence between two rounds of a loop, in ms. Default 0. */
  readonly pauseMs?: number;
  /** Called once when playback ends (end of file without loop, or stop()). */
  readonly onEnd?: () => void;
}

/** Larger files are refused: a player keeps its file in memory (about 3 hours at 8 kHz). */
export const MAX_WAV_BYTES = 200 * 1024 * 1024;

export class WavePlayer implements AudioSource {
  readonly filename: string;
  readonly sampleRate: number;
  readonly loop: boolean;
  private readonly pause: number;
  private readonly onEnd: (() => void) | undefined;
  private samples: Int16Array | undefined;
  private position = 0;
  private state: 'new' | 'loading' | 'playing' | 'ended' = 'new';
  private finish!: () => void;
  /** Why loading failed (also when read() started the player). */
  error: Error | undefined;
  /** Settles when playback ends (end of file without loop, or stop()); never rejects. */
  readonly done: Promise<void>;

  constructor(filename: string, options: WavePlayerOptions = {}) {
    this.filename = filename;
    this.sampleRate = options.sampleRate ?? NARROWBAND_RATE;
    this.loop = options.loop ?? false;
    this.onEnd = options.onEnd;
    if (!Number.isInteger(this.sampleRate) || this.sampleRate <= 0) throw new RangeError(`bad sample rate ${this.sampleRate}`);
    const pauseMs = options.pauseMs ?? 0;
    if (!(pauseMs >= 0)) throw new RangeError('pauseMs must be >= 0');
    this.pause = Math.round((pauseMs * this.sampleRate) / 1000);
    this.done = new Promise<void>((resolve) => (this.finish = resolve));
  }

  get playing(): boolean {
    return this.state === 'playing';
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /** Duration of the (resampled) file in ms, once loaded. */
  get durationMs(): number | undefined {
    return this.samples ? (this.samples.length * 1000) / this.sampleRate : undefined;
  }

  /**
   * Load the file and start playing. Rejects with WavError for a file that is not 16-bit mono PCM
   * WAV (or too large), and with the fs error when it cannot be read; the player is then ended.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new WavError(`WavePlayer.start() called twice (${this.filename})`);
    this.state = 'loading';
    try {
      const buf = await readFile(this.filename);
      if (buf.length > MAX_WAV_BYTES) throw new WavError(`${this.filename}: ${buf.length} octets, more than ${MAX_WAV_BYTES}`);
      const wav = readWav(buf);
      if (wav.channels !== 1) throw new WavError(`${this.filename}: ${wav.channels} channels, a WavePlayer plays mono files only`);
      this.samples = wav.sampleRate === this.sampleRate ? wav.samples : resample(wav.samples, wav.sampleRate, this.sampleRate);
    } catch (e) {
      const error = e instanceof WavError ? new WavError(e.message.startsWith(this.filename) ? e.message : `${this.filename}: ${e.message}`) : (e as Error);
      this.error = error;
      this.end();
      throw error;
    }
    // stop() may have come while loading.
    if (this.state === 'loading') this.state = 'playing';
  }

  /** End playback now (idempotent). */
  stop(): void {
    this.end();
  }

  read(frame: Int16Array): boolean {
    if (this.state === 'new') void this.start().catch(() => undefined); // `error` keeps the reason
    const s = this.samples;
    if (this.state !== 'playing' || !s) {
      frame.fill(0);
      return false;
    }
    // One round is the file and, when looping, the pause after it.
    const round = s.length + (this.loop ? this.pause : 0);
    let i = 0;
    while (i < frame.length) {
      if (this.position >= round) {
        if (!this.loop || s.length === 0) break;
        this.position = 0;
      }
      if (this.position < s.length) {
        const n = Math.min(frame.length - i, s.length - this.position);
        frame.set(s.subarray(this.position, this.position + n), i);
        i += n;
        this.position += n;
      } else {
        const n = Math.min(frame.length - i, round - this.position);
        frame.fill(0, i, i + n);
        i += n;
        this.position += n;
      }
    }
    if (i < frame.length) {
      frame.fill(0, i);
      this.end();
      return i > 0;
    }
    if (!this.loop && this.position >= s.length) this.end();
    return true;
  }

  private end(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.finish();
    try {
      this.onEnd?.();
    } catch {
      // A throwing callback must not break the frame clock that called read().
    }
  }
}
