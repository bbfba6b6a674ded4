/** Audio: WAV files, the PCM frame ports of the audio path, file players and recorders, tones. */
export * from './wav.js';
export * from './tone.js';
export * from './port.js';
export * from './wave-player.js';
export * from './wave-recorder.js';
export * from './tone-source.js';
