/**
 * WAV files: RIFF/WAVE with 16-bit linear PCM, mono or stereo, any sample rate.
 *
 * Layout (Microsoft RIFF, "Multimedia Programming Interface and Data Specifications 1.0"):
 *   "RIFF" <u32 size> "WAVE" then chunks of <4-char id> <u32 size> <data, padded to even>.
 *   "fmt " : u16 format (1 = PCM, 0xFFFE = WAVE_FORMAT_EXTENSIBLE), u16 channels,
 *            u32 sample rate, u32 byte rate, u16 block align, u16 bits per sample
 *            [, u16 cbSize, u16 valid bits, u32 channel mask, 16-octet sub-format GUID].
 *   "data" : interleaved little-endian samples.
 * Any other chunk (LIST, fact, cue ...) is skipped.
 */

export class WavError extends Error {
  override readonly name = 'WavError';
}

export interface WavAudio {
  readonly sampleRate: number;
  readonly channels: number;
  /** Interleaved 16-bit samples (frames x channels). */
  readonly samples: Int16Array;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** KSDATAFORMAT_SUBTYPE_PCM after its first two octets (the format tag 0x0001). */
const PCM_GUID_TAIL = Buffer.from('000000001000800000aa00389b71', 'hex');

interface Format {
  channels: number;
  sampleRate: number;
}

function parseFmt(buf: Buffer, start: number, size: number): Format {
  if (size < 16) throw new WavError(`fmt chunk of ${size} octets, need 16`);
  let format = buf.readUInt16LE(start);
  const channels = buf.readUInt16LE(start + 2);
  const sampleRate = buf.readUInt32LE(start + 4);
  const byteRate = buf.readUInt32LE(start + 8);
  const blockAlign = buf.readUInt16LE(start + 12);
  const bits = buf.readUInt16LE(start + 14);
  if (format === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40 || buf.readUInt16LE(start + 16) < 22) throw new WavError('WAVE_FORMAT_EXTENSIBLE fmt chunk too short');
    const validBits = buf.readUInt16LE(start + 18);
    if (validBits !== 16) throw new WavError(`${validBits} valid bits per sample, only 16 is supported`);
    const guid = buf.subarray(start + 24, start + 40);
    if (!guid.subarray(2).equals(PCM_GUID_TAIL)) throw new WavError('WAVE_FORMAT_EXTENSIBLE sub-format is not a standard GUID');
    format = guid.readUInt16LE(0);
  }
  if (format !== WAVE_FORMAT_PCM) throw new WavError(`audio format ${format} is not linear PCM (1)`);
  if (bits !== 16) throw new WavError(`${bits} bits per sample, only 16 is supported`);
  if (channels !== 1 && channels !== 2) throw new WavError(`${channels} channels, only mono and stereo are supported`);
  if (sampleRate === 0) throw new WavError('sample rate 0');
  if (blockAlign !== channels * 2) throw new WavError(`block align ${blockAlign}, expected ${channels * 2}`);
  if (byteRate !== sampleRate * blockAlign) throw new WavError(`byte rate ${byteRate}, expected ${sampleRate * blockAlign}`);
  return { channels, sampleRate };
}

/** Read a 16-bit PCM WAV file. Throws only `WavError`. */
export function readWav(buf: Buffer): WavAudio {
  if (buf.length < 12) throw new WavError(`${buf.length} octets: too short for a RIFF header`);
  if (buf.toString('latin1', 0, 4) !== 'RIFF') throw new WavError('not a RIFF file (RIFX/RF64 are not supported)');
  if (buf.toString('latin1', 8, 12) !== 'WAVE') throw new WavError('RIFF form type is not WAVE');
  const riffSize = buf.readUInt32LE(4);
  // The RIFF size counts from offset 8; refuse a size claiming more than the buffer holds.
  if (riffSize < 4 || riffSize > buf.length - 8) throw new WavError(`RIFF size ${riffSize} does not fit the ${buf.length}-octet file`);
  const end = 8 + riffSize;
  let offset = 12;
  let format: Format | undefined;
  let samples: Int16Array | undefined;
  while (offset + 8 <= end) {
    const id = buf.toString('latin1', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const start = offset + 8;
    if (size > end - start) throw new WavError(`chunk '${id}' of ${size} octets runs past the end of the file`);
    if (id === 'fmt ') {
      if (format) throw new WavError('two fmt chunks');
      format = parseFmt(buf, start, size);
    } else if (id === 'data') {
      if (!format) throw new WavError('data chunk before the fmt chunk');
      if (samples) throw new WavError('two data chunks');
      if (size % (2 * format.channels) !== 0) throw new WavError(`data chunk of ${size} octets is not whole ${format.channels}-channel frames`);
      const n = size / 2;
      samples = new Int16Array(n);
      for (let i = 0; i < n; i++) samples[i] = buf.readInt16LE(start + 2 * i);
    }
    // Chunks are padded to an even length (the pad octet is not counted in the size).
    offset = start + size + (size & 1);
  }
  if (!format) throw new WavError('no fmt chunk');
  if (!samples) throw new WavError('no data chunk');
  return { sampleRate: format.sampleRate, channels: format.channels, samples };
}

/** Write a canonical 44-octet-header PCM WAV file. Throws RangeError for unsupported input. */
export function writeWav(audio: WavAudio): Buffer {
  const { sampleRate, channels, samples } = audio;
  if (channels !== 1 && channels !== 2) throw new RangeError('channels must be 1 or 2');
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate * channels * 2 > 0xffffffff) throw new RangeError(`bad sample rate ${sampleRate}`);
  if (samples.length % channels !== 0) throw new RangeError('sample count is not a whole number of frames');
  const dataSize = samples.length * 2;
  if (dataSize > 0xffffffff - 36) throw new RangeError('too many samples for a RIFF file');
  const out = Buffer.alloc(44 + dataSize);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + dataSize, 4);
  out.write('WAVE', 8, 'latin1');
  out.write('fmt ', 12, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * channels * 2, 28);
  out.writeUInt16LE(channels * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(dataSize, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i], 44 + 2 * i);
  return out;
}
