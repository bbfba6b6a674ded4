/**
 * Test tones and tone detection: a sine generator and the Goertzel algorithm (a single DFT
 * bin computed by a second-order recursion, as DTMF detectors do; cf. ITU-T Q.24 for DTMF
 * tone frequencies). Used to check that a tone crossed a call.
 */

/**
 * A sine of `frequency` Hz lasting `durationMs` at `sampleRate`, with peak `amplitude` as a
 * fraction of full scale (0..1, default 0.5), as 16-bit samples.
 */
export function sineTone(frequency: number, durationMs: number, sampleRate: number, amplitude = 0.5): Int16Array {
  if (!(sampleRate > 0) || !(durationMs >= 0) || !(frequency >= 0)) throw new RangeError('frequency, duration and sample rate must be non-negative (rate > 0)');
  if (!(amplitude >= 0 && amplitude <= 1)) throw new RangeError('amplitude must be 0..1 of full scale');
  const n = Math.round((durationMs * sampleRate) / 1000);
  const out = new Int16Array(n);
  const w = (2 * Math.PI * frequency) / sampleRate;
  const peak = amplitude * 32767;
  for (let i = 0; i < n; i++) out[i] = Math.round(peak * Math.sin(w * i));
  return out;
}

/**
 * Goertzel power of `frequency` in `samples`, normalised so that a sine of peak amplitude A
 * (as a fraction of full scale) whose frequency falls on the analysed bin gives about A².
 * Returns 0 for an empty input.
 */
export function goertzel(samples: Int16Array, sampleRate: number, frequency: number): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = samples[i] / 32768 + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (4 * power) / (n * n);
}

export interface DominantFrequency {
  readonly frequency: number;
  /** Goertzel power of that frequency (see `goertzel`). */
  readonly power: number;
  /** Its share of the summed power of all candidates (0..1). */
  readonly share: number;
}

/** The candidate frequency with the most Goertzel power in `samples`. */
export function dominantFrequency(samples: Int16Array, sampleRate: number, candidates: readonly number[]): DominantFrequency {
  if (candidates.length === 0) throw new RangeError('no candidate frequencies');
  let best = candidates[0];
  let bestPower = -1;
  let total = 0;
  for (const f of candidates) {
    const p = goertzel(samples, sampleRate, f);
    total += p;
    if (p > bestPower) {
      bestPower = p;
      best = f;
    }
  }
  return { frequency: best, power: bestPower, share: total > 0 ? bestPower / total : 0 };
}
