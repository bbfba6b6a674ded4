import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav, writeWav, WavError } from '../../src/audio/wav.js';
import { dominantFrequency } from '../../src/audio/tone.js';

const isWavError = (e: unknown): boolean => e instanceof WavError;

test('writeWav: canonical 44-octet header byte by byte', () => {
  const b = writeWav({ sampleRate: 8000, channels: 1, samples: Int16Array.from([1, -1, 0x1234]) });
  assert.is(b.length, 50);
  assert.is(b.subarray(0, 44).toString('hex'),
    '52494646' + '2a000000' + '57415645' + // "RIFF" 42 "WAVE"
    '666d7420' + '10000000' + '0100' + '0100' + '401f0000' + '803e0000' + '0200' + '1000' + // fmt: PCM mono 8000 16000 2 16
    '64617461' + '06000000'); // "data" 6
  assert.is(b.subarray(44).toString('hex'), '0100ffff3412');
});

test('write/read round trip: mono, stereo, odd rates, empty', () => {
  for (const [rate, ch, n] of [[8000, 1, 160], [44100, 2, 882], [11025, 1, 0], [96000, 2, 2]] as const) {
    const samples = Int16Array.from({ length: n }, (_, i) => ((i * 7919) % 65536) - 32768);
    const back = readWav(writeWav({ sampleRate: rate, channels: ch, samples }));
    assert.equal([back.sampleRate, back.channels], [rate, ch]);
    assert.equal(Array.from(back.samples), Array.from(samples));
  }
  assert.throws(() => writeWav({ sampleRate: 8000, channels: 2, samples: new Int16Array(3) }), (e: unknown) => e instanceof RangeError);
});

function chunk(id: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}
function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE'), ...chunks]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}
function fmt(format: number, channels: number, rate: number, bits: number, extra = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(format, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE((rate * channels * bits) / 8, 8);
  b.writeUInt16LE((channels * bits) / 8, 12);
  b.writeUInt16LE(bits, 14);
  return chunk('fmt ', Buffer.concat([b, extra]));
}
const data4 = chunk('data', Buffer.from('01000200', 'hex'));

test('unknown chunks (odd sized, padded) are skipped; WAVE_FORMAT_EXTENSIBLE PCM is read', () => {
  const w = riff(chunk('LIST', Buffer.from('INFOabc')), fmt(1, 1, 16000, 16), chunk('fact', Buffer.alloc(4)), data4);
  assert.equal(Array.from(readWav(w).samples), [1, 2]);
  const ext = Buffer.alloc(24);
  ext.writeUInt16LE(22, 0);
  ext.writeUInt16LE(16, 2);
  ext.writeUInt32LE(4, 4);
  Buffer.from('0100000000001000800000aa00389b71', 'hex').copy(ext, 8);
  const we = readWav(riff(fmt(0xfffe, 2, 48000, 16, ext), data4));
  assert.equal([we.sampleRate, we.channels, we.samples.length], [48000, 2, 2]);
});

test('anything else is a WavError', () => {
  const good = riff(fmt(1, 1, 8000, 16), data4);
  const cases: [string, Buffer][] = [
    ['too short', good.subarray(0, 10)],
    ['not RIFF', Buffer.concat([Buffer.from('RIFX'), good.subarray(4)])],
    ['not WAVE', Buffer.concat([good.subarray(0, 8), Buffer.from('AVI '), good.subarray(12)])],
    ['8-bit', riff(fmt(1, 1, 8000, 8), data4)],
    ['3 channels', riff(fmt(1, 3, 8000, 16), chunk('data', Buffer.alloc(6)))],
    ['float', riff(fmt(3, 1, 8000, 16), data4)],
    ['odd frames', riff(fmt(1, 2, 8000, 16), chunk('data', Buffer.alloc(6)))],
    ['data before fmt', riff(data4, fmt(1, 1, 8000, 16))],
    ['no data', riff(fmt(1, 1, 8000, 16))],
    ['no fmt', riff(chunk('LIST', Buffer.alloc(4)))],
    ['two fmt', riff(fmt(1, 1, 8000, 16), fmt(1, 1, 8000, 16), data4)],
    ['rate 0', riff(fmt(1, 1, 0, 16), data4)],
    ['truncated', good.subarray(0, good.length - 2)],
  ];
  const hostileChunk = Buffer.from(good); hostileChunk.writeUInt32LE(0xffffffff, 40); cases.push(['chunk size 2^32-1', hostileChunk]);
  const hostileRiff = Buffer.from(good); hostileRiff.writeUInt32LE(0xfffffff0, 4); cases.push(['RIFF size 2^32-16', hostileRiff]);
  const badAlign = Buffer.from(good); badAlign.writeUInt16LE(4, 32); cases.push(['block align', badAlign]);
  for (const [name, buf] of cases) assert.throws(() => readWav(buf), isWavError, name);
});

test('property: random and mutated buffers throw only WavError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
    try { readWav(Buffer.from(b)); } catch (e) { if (!(e instanceof WavError)) throw e; }
  }), { numRuns: 3000 });
  const good = writeWav({ sampleRate: 8000, channels: 2, samples: new Int16Array(8) });
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat({ max: good.length }), (edits, cut) => {
    const b = Buffer.from(good);
    for (const [i, v] of edits) b[i] = v;
    try { readWav(b.subarray(0, cut)); } catch (e) { if (!(e instanceof WavError)) throw e; }
  }), { numRuns: 3000 });
});

// A WAV produced by a real tool (sox, installed with apt-get install sox).
// Never skipped: a missing sox is a failure telling how to install it.
test('reads WAV files written by sox (mono 8 kHz tone; stereo 44.1 kHz, one tone per channel), and sox reads ours', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipstate-wav-'));
  try {
    const mono = join(dir, 'mono.wav');
    try {
      execFileSync('sox', ['--version'], { stdio: 'ignore' });
    } catch {
      assert.unreachable('sox is not installed: run `bash .ci/apt-packages` (Debian package sox)');
    }
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', mono, 'synth', '0.5', 'sine', '1000', 'vol', '0.5']);
    const m = readWav(readFileSync(mono));
    assert.equal([m.sampleRate, m.channels, m.samples.length], [8000, 1, 4000]);
    const d = dominantFrequency(m.samples, 8000, [400, 697, 1000, 1209, 2000]);
    assert.is(d.frequency, 1000);
    assert.ok(d.share > 0.95);
    const stereo = join(dir, 'stereo.wav');
    execFileSync('sox', ['-n', '--comment', 'made by sox for sipstate', '-r', '44100', '-c', '2', '-b', '16', stereo, 'synth', '0.1', 'sine', '440', 'sine', '880']);
    const raw = readFileSync(stereo);
    const s = readWav(raw);
    assert.equal([s.sampleRate, s.channels, s.samples.length], [44100, 2, 8820]);
    const left = s.samples.filter((_, i) => i % 2 === 0);
    const right = s.samples.filter((_, i) => i % 2 === 1);
    assert.is(dominantFrequency(left, 44100, [440, 880]).frequency, 440);
    assert.is(dominantFrequency(right, 44100, [440, 880]).frequency, 880);
    // And sox reads what we write.
    const ours = join(dir, 'ours.wav');
    const samples = Int16Array.from({ length: 800 }, (_, i) => (i % 100) * 100);
    writeFileSync(ours, writeWav({ sampleRate: 8000, channels: 1, samples }));
    const info = execFileSync('sox', ['--i', ours], { encoding: 'utf8' });
    assert.match(info, /Channels\s*:\s*1/);
    assert.match(info, /Sample Rate\s*:\s*8000/);
    assert.match(info, /800 samples/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
