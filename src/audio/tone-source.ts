/**
 * An endless sine tone as an AudioSource: what a test or the demo "says" into a call (a tone
 * whose frequency the far end can measure with `dominantFrequency`).
 */
import type { AudioSource } from './port.js';
import { sineTone } from './tone.js';

export class ToneSource implements AudioSource {
  readonly sampleRate: number;
  private readonly period: Int16Array;
  private at = 0;

  constructor(frequency: number, options: { sampleRate?: number; amplitude?: number } = {}) {
    this.sampleRate = options.sampleRate ?? 8000;
    // One second loops seamlessly for any whole-Hz frequency.
    this.period = sineTone(frequency, 1000, this.sampleRate, options.amplitude ?? 0.5);
  }

  read(frame: Int16Array): boolean {
    const n = this.period.length;
    for (let i = 0; i < frame.length; i++) frame[i] = this.period[(this.at + i) % n];
    this.at = (this.at + frame.length) % n;
    return true;
  }
}
