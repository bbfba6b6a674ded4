/**
 * WaveRecorder: an AudioSink that streams 16-bit mono PCM to a WAV file.
 *
 * start() creates the file with a canonical 44-octet header whose sizes are placeholders; frames
 * are appended in batches (about 0.5 s) by one chain of positional writes, so a recording never
 * sits in memory; stop() writes the rest and then the real RIFF and data sizes, and closes the
 * file. A file cut short by a crash keeps its audio, with sizes a lenient reader can recover.
 *
 * Layout as in ./wav.ts: "RIFF" <36 + data size> "WAVE", "fmt " (16 octets, PCM, 1 channel),
 * "data" <data size>, samples little-endian.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { NARROWBAND_RATE, type AudioSink } from './port.js';
import { WavError } from './wav.js';

export interface WaveRecorderOptions {
  /** Default 8000 Hz (the frames written must be at this rate). */
  readonly sampleRate?: number;
}

const HEADER = 44;
/** Octets gathered before a write is issued (0.5 s at 8 kHz). */
const BATCH = 8000;
/** Most octets waiting for a slow disk before frames are dropped (60 s at 8 kHz). */
const MAX_BACKLOG = 960_000;
/** RIFF sizes are 32-bit: the data chunk stops growing here. */
const MAX_DATA = 0xffffffff - 36 - 1;

function header(sampleRate: number, dataSize: number): Buffer {
  const h = Buffer.alloc(HEADER);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataSize, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataSize, 40);
  return h;
}

export class WaveRecorder implements AudioSink {
  readonly filename: string;
  readonly sampleRate: number;
  private file: FileHandle | undefined;
  private state: 'new' | 'recording' | 'stopping' | 'stopped' = 'new';
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Octets handed to the write chain and not yet written. */
  private inFlight = 0;
  /** Octets handed to the write chain or waiting in `pending`. */
  private dataBytes = 0;
  private written = 0; // file offset of the next write, after the header
  private chain: Promise<void> = Promise.resolve();
  private error: Error | undefined;
  private stopping: Promise<void> | undefined;
  private opening: Promise<void> | undefined;
  /** Frames dropped because the disk fell behind or the file reached the RIFF size limit. */
  dropped = 0;

  constructor(filename: string, options: WaveRecorderOptions = {}) {
    this.filename = filename;
    this.sampleRate = options.sampleRate ?? NARROWBAND_RATE;
    if (!Number.isInteger(this.sampleRate) || this.sampleRate <= 0) throw new RangeError(`bad sample rate ${this.sampleRate}`);
  }

  get recording(): boolean {
    return this.state === 'recording';
  }

  /** Samples recorded so far. */
  get samplesWritten(): number {
    return this.dataBytes / 2;
  }

  /** Create (or truncate) the file and write the provisional header. Rejects with the fs error. */
  start(): Promise<void> {
    if (this.state !== 'new') return Promise.reject(new WavError(`WaveRecorder.start() called twice (${this.filename})`));
    this.state = 'recording';
    this.opening = (async () => {
      let file: FileHandle | undefined;
      try {
        file = await open(this.filename, 'w');
        await file.write(header(this.sampleRate, 0), 0, HEADER, 0);
        this.file = file;
      } catch (e) {
        this.state = 'stopped';
        this.error = e as Error;
        await file?.close().catch(() => undefined);
        throw e;
      }
    })();
    this.chain = this.opening.catch(() => undefined);
    return this.opening;
  }

  write(frame: Int16Array): void {
    if (this.state !== 'recording') return;
    const bytes = frame.length * 2;
    if (this.inFlight + this.pendingBytes + bytes > MAX_BACKLOG || this.dataBytes + bytes > MAX_DATA || this.error) {
      this.dropped++;
      return;
    }
    const b = Buffer.allocUnsafe(bytes);
    for (let i = 0; i < frame.length; i++) b.writeInt16LE(frame[i], 2 * i);
    this.pending.push(b);
    this.pendingBytes += bytes;
    this.dataBytes += bytes;
    if (this.pendingBytes >= BATCH) this.flush();
  }

  /** Hand what is pending to the write chain. */
  private flush(): void {
    if (this.pendingBytes === 0) return;
    const data = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.inFlight += data.length;
    // The chain begins with start()'s open, so early frames wait for the file.
    this.chain = this.chain.then(async () => {
      const file = this.file;
      try {
        if (this.error || !file) return;
        await file.write(data, 0, data.length, HEADER + this.written);
        this.written += data.length;
      } catch (e) {
        this.error = e as Error;
      } finally {
        this.inFlight -= data.length;
      }
    });
  }

  /**
   * Write what is left, finalise the header with the real sizes, close the file. Idempotent; rejects
   * with the first write error (the file then holds what was written before it).
   */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    if (this.state === 'new' || this.state === 'stopped') {
      // Never started, or start() failed (its rejection reported that).
      this.state = 'stopped';
      this.stopping = Promise.resolve();
      return this.stopping;
    }
    this.state = 'stopping';
    this.stopping = (async () => {
      // start() may still be opening the file.
      await this.opening?.catch(() => undefined);
      this.flush();
      await this.chain;
      const file = this.file;
      this.file = undefined;
      this.state = 'stopped';
      if (!file) return;
      try {
        await file.write(header(this.sampleRate, this.written), 0, HEADER, 0);
      } catch (e) {
        this.error ??= e as Error;
      } finally {
        await file.close().catch(() => undefined);
      }
      if (this.error) throw this.error;
    })();
    return this.stopping;
  }
}
