/** Audio helpers: WAV files, test tones and tone detection. */
export * from './wav.js';
export * from './tone.js';
