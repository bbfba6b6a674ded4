// The audio ports an AudioStream plays from and records to: WavePlayer (a WAV file as an
// AudioSource: mono 16-bit, resampled to the port rate, loop, end callback) and WaveRecorder
// (an AudioSink streaming a WAV file whose header is finalised on stop), plus the port helpers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mixInto, resample, samplesPerFrame } from '../../src/audio/port.js';
import { dominantFrequency, sineTone } from '../../src/audio/tone.js';
import { WavError, readWav, writeWav } from '../../src/audio/wav.js';
import { WavePlayer } from '../../src/audio/wave-player.js';
import { WaveRecorder } from '../../src/audio/wave-recorder.js';
import { CANDIDATES } from './loopback.js';

const dir = mkdtempSync(join(tmpdir(), 'sipstate-wave-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function wavFile(name: string, samples: Int16Array, sampleRate = 8000, channels = 1): string {
  const file = join(dir, name);
  writeFileSync(file, writeWav({ sampleRate, channels, samples }));
  return file;
}
const ramp = (n: number) => Int16Array.from({ length: n }, (_, i) => i + 1);

test('port helpers: frame size, resampling, saturating mix', () => {
  assert.is(samplesPerFrame(8000), 160);
  assert.is(samplesPerFrame(16000), 320);
  assert.throws(() => samplesPerFrame(11025), (e: unknown) => e instanceof RangeError);
  const up = resample(Int16Array.from([0, 100, 200]), 8000, 16000);
  assert.equal([...up], [0, 50, 100, 150, 200, 200]);
  assert.equal([...resample(Int16Array.from([0, 1, 2, 3]), 16000, 8000)], [0, 2]);
  const t = Int16Array.from([30000, -30000, 5]);
  mixInto(t, Int16Array.from([10000, -10000, 5]));
  assert.equal([...t], [32767, -32768, 10]);
});

test('WavePlayer plays a file frame by frame, then ends (done, onEnd once, silence after)', async () => {
  let ended = 0;
  const player = new WavePlayer(wavFile('ramp.wav', ramp(400)), { onEnd: () => ended++ });
  const frame = new Int16Array(160);
  await player.start();
  assert.ok(player.playing);
  assert.is(player.durationMs, 50);
  assert.ok(player.read(frame));
  assert.is(frame[0], 1);
  assert.is(frame[159], 160);
  assert.ok(player.read(frame));
  assert.ok(player.read(frame), 'the last, partial frame');
  assert.equal([frame[79], frame[80], frame[159]], [400, 0, 0], 'padded with silence');
  await player.done;
  assert.ok(player.ended);
  assert.not.ok(player.read(frame));
  assert.is(ended, 1);
  player.stop();
  assert.is(ended, 1);
  await player.start().then(
    () => assert.unreachable('start twice'),
    (e) => assert.instance(e, WavError),
  );
});

test('WavePlayer starts on its first read() when nobody called start(); a bad file then ends it with `error`', async () => {
  const player = new WavePlayer(wavFile('auto.wav', ramp(400)));
  const frame = new Int16Array(160);
  assert.not.ok(player.read(frame), 'silence while loading');
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(player.playing);
  assert.ok(player.read(frame));
  assert.is(frame[0], 1);
  const bad = new WavePlayer(join(dir, 'absent.wav'));
  bad.read(frame);
  await bad.done;
  assert.is((bad.error as NodeJS.ErrnoException | undefined)?.code, 'ENOENT');
});

test('WavePlayer loops with a pause, and stop() ends it', async () => {
  const player = new WavePlayer(wavFile('short.wav', ramp(100)), { loop: true, pauseMs: 10 });
  await player.start();
  const frame = new Int16Array(160);
  player.read(frame);
  // 100 samples of the file, 80 of pause (10 ms), then the file again.
  assert.equal([frame[99], frame[100], frame[159]], [100, 0, 0]);
  player.read(frame);
  assert.equal([frame[19], frame[20], frame[21]], [0, 1, 2]);
  for (let i = 0; i < 100; i++) assert.ok(player.read(frame));
  player.stop();
  await player.done;
  assert.not.ok(player.read(frame));
});

test('WavePlayer resamples a 16 kHz file to 8 kHz; refuses stereo and non-WAV with a clear WavError', async () => {
  const player = new WavePlayer(wavFile('wide.wav', sineTone(1000, 500, 16000), 16000));
  await player.start();
  assert.is(player.durationMs, 500);
  const all = new Int16Array(4000);
  const frame = new Int16Array(160);
  for (let i = 0; i < 25; i++) {
    player.read(frame);
    all.set(frame, i * 160);
  }
  assert.is(dominantFrequency(all, 8000, CANDIDATES).frequency, 1000);

  const stereo = new WavePlayer(wavFile('stereo.wav', new Int16Array(320), 8000, 2));
  await stereo.start().then(
    () => assert.unreachable('stereo accepted'),
    (e) => assert.ok(e instanceof WavError && /mono/.test(e.message) && e.message.includes('stereo.wav'), String(e)),
  );
  assert.ok(stereo.ended);
  const junk = join(dir, 'junk.wav');
  writeFileSync(junk, 'this is not a RIFF file at all');
  await new WavePlayer(junk).start().then(
    () => assert.unreachable('junk accepted'),
    (e) => assert.ok(e instanceof WavError && e.message.includes('junk.wav')),
  );
  await new WavePlayer(join(dir, 'missing.wav')).start().then(
    () => assert.unreachable('missing file accepted'),
    (e) => assert.is((e as NodeJS.ErrnoException).code, 'ENOENT'),
  );
});

test('WaveRecorder streams frames to a WAV file and finalises the header on stop; sox reads it', async () => {
  const file = join(dir, 'rec.wav');
  const rec = new WaveRecorder(file);
  rec.write(new Int16Array(160)); // before start: ignored
  const started = rec.start();
  const tone = sineTone(440, 3000, 8000); // 48000 octets: several batches
  for (let i = 0; i < tone.length; i += 160) rec.write(tone.subarray(i, i + 160));
  await started;
  // While recording, the file already holds most of the audio, not memory.
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(readFileSync(file).length > 44 + 32000, 'written while recording');
  await rec.stop();
  await rec.stop(); // idempotent
  rec.write(new Int16Array(160)); // after stop: ignored
  const wav = readWav(readFileSync(file));
  assert.equal([wav.sampleRate, wav.channels, wav.samples.length], [8000, 1, 24000]);
  assert.equal(wav.samples, tone);
  const info = spawnSync('sox', ['--i', file], { encoding: 'utf8' });
  if (info.error) assert.unreachable('sox is not installed: run `bash .ci/apt-packages` (Debian package sox)');
  assert.match(info.stdout, /Sample Rate\s*:\s*8000/);
  assert.match(info.stdout, /24000 samples/);
});

test('WaveRecorder: a file that cannot be created rejects start(); stop() then resolves', async () => {
  const rec = new WaveRecorder(join(dir, 'no-such-dir', 'x.wav'));
  await rec.start().then(
    () => assert.unreachable('created'),
    (e) => assert.is((e as NodeJS.ErrnoException).code, 'ENOENT'),
  );
  rec.write(new Int16Array(160));
  await rec.stop();
  await new WaveRecorder(join(dir, 'never.wav')).stop();
});

test.run();
