/**
 * The audio path: what produces and what consumes audio, one frame at a time.
 *
 * A frame is 16-bit signed linear PCM, mono, FRAME_DURATION_MS (20 ms) long at the port's sample
 * rate: 160 samples at 8000 Hz. 20 ms is the default packetization of RFC 3551 §4.2 ("the
 * default packetization interval SHOULD have a duration of 20 ms") and what G.711 streams send.
 *
 * Whoever drives the audio clock (an AudioStream's frame timer, later a mixer or a sound card)
 * calls `read` on sources and `write` on sinks once per frame, with a frame it owns and reuses:
 * a port copies what it keeps. Plain calls, no RxJS: media never goes through observables
 * (design, "Measured constraints").
 *
 * Sample-rate rule: ports are connected only at the same sample rate, and a stream refuses a
 * source or sink at any other rate. Conversion happens once, at the edge that knows the foreign
 * rate: a WavePlayer resamples its file when it loads it (`resample`), a device opens at the
 * stream's rate. So a mixer or bridge added later mixes frames of one rate and size.
 */

/** The frame duration of every port (RFC 3551 §4.2 default packetization). */
export const FRAME_DURATION_MS = 20;
/** G.711's clock rate (RFC 3551 §4.5.14): the rate AudioStream ports run at. */
export const NARROWBAND_RATE = 8000;

/** Something that produces audio (a file player, a microphone, a mixer output). */
export interface AudioSource {
  /** Samples per second of the frames it fills. */
  readonly sampleRate: number;
  /**
   * Fill `frame` (samplesPerFrame(sampleRate) samples) with the next 20 ms. Returns false when it
   * has nothing (not started, paused, ended): the frame is then silence.
   */
  read(frame: Int16Array): boolean;
}

/** Something that consumes audio (a file recorder, a speaker, a mixer input). */
export interface AudioSink {
  readonly sampleRate: number;
  /** Take the next 20 ms. `frame` is only valid during the call: copy what is kept. */
  write(frame: Int16Array): void;
}

/** Samples in one frame at `sampleRate` (160 at 8000 Hz). */
export function samplesPerFrame(sampleRate: number, durationMs: number = FRAME_DURATION_MS): number {
  const n = (sampleRate * durationMs) / 1000;
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${sampleRate} Hz does not make whole ${durationMs} ms frames`);
  return n;
}

/**
 * Linear-interpolation resampling of mono 16-bit audio. Good for prompts and test tones; it does
 * not low-pass before decimating, so content above the new Nyquist frequency aliases (a prompt
 * recorded at 44.1 kHz for the telephone band has little there).
 */
export function resample(samples: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (!(fromRate > 0) || !(toRate > 0)) throw new RangeError('sample rates must be positive');
  if (fromRate === toRate) return samples.slice();
  const n = Math.floor((samples.length * toRate) / fromRate);
  const out = new Int16Array(n);
  const step = fromRate / toRate;
  const last = samples.length - 1;
  for (let i = 0; i < n; i++) {
    const x = i * step;
    const j = Math.floor(x);
    const f = x - j;
    const a = samples[j];
    const b = j < last ? samples[j + 1] : a;
    out[i] = Math.round(a + (b - a) * f);
  }
  return out;
}

/** Add `add` into `target` sample by sample, saturating at the 16-bit range (a two-party mix). */
export function mixInto(target: Int16Array, add: Int16Array): void {
  const n = Math.min(target.length, add.length);
  for (let i = 0; i < n; i++) {
    const v = target[i] + add[i];
    target[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
}
