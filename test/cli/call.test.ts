/**
 * `sipstate call` and `sipstate answer` as separate processes on loopback: a tone played by the
 * caller is found in what the answerer records, DTMF arrives, two calls at once are answered.
 * (The same commands against baresip: test/interop/baresip-calls.test.ts.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readWav, writeWav } from '../../src/audio/wav.js';
import { dominantFrequency, sineTone } from '../../src/audio/tone.js';
import { requireSipp, runSipp, sippPort } from '../peers/sipp.js';

requireSipp();

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin/sipstate.js');
const port = 27000 + (process.pid % 1000) * 2;
const dir = mkdtempSync(join(tmpdir(), 'sipstate-cli-call-'));
const tone = join(dir, 'tone-1000.wav');
writeFileSync(tone, writeWav({ sampleRate: 8000, channels: 1, samples: sineTone(1000, 1000, 8000) }));

function run(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise<number | null>((r) => child.on('close', r));
  const guard = setTimeout(() => child.kill('SIGKILL'), 30000);
  void done.then(() => clearTimeout(guard));
  return {
    child,
    done,
    get out() {
      return out;
    },
    get err() {
      return err;
    },
    listening: () =>
      new Promise<void>((resolve) => {
        const check = () => (err.includes('listening on') ? resolve() : setTimeout(check, 50));
        check();
      }),
  };
}

test('call → answer: tone recorded at the far end, DTMF printed, both exit 0', async () => {
  const out = join(dir, 'heard.wav');
  const answer = run(['answer', '--listen', `udp:127.0.0.1:${port}`, '--max-calls', '1', '--record', out]);
  await answer.listening();
  const call = run(['call', `sip:anyone@127.0.0.1:${port}`, '--play', tone, '--dtmf', '4#', '--duration', '2']);
  assert.is(await call.done, 0, call.err);
  assert.is(await answer.done, 0, answer.err);
  assert.match(call.out, /SIPSessionDidStart streams=audio/);
  assert.match(call.out, /SIPSessionDidEnd originator=local end_reason=user_request/);
  assert.match(answer.out, /SIPSessionNewIncoming from=sip:/);
  assert.match(answer.out, /AudioStreamGotDTMF digit=4\nAudioStreamGotDTMF digit=#/);
  assert.match(answer.out, /SIPSessionDidEnd originator=remote/);
  const wav = readWav(readFileSync(out));
  assert.ok(wav.samples.length > 8000 * 1.2, `${wav.samples.length} samples recorded`);
  assert.is(dominantFrequency(wav.samples.subarray(4000), 8000, [440, 700, 1000, 1400]).frequency, 1000);
});

test('answer takes two calls at once and ends after --max-calls; --json lines', async () => {
  const answer = run(['answer', '--json', '--listen', `udp:127.0.0.1:${port + 1}`, '--max-calls', '2']);
  await answer.listening();
  const a = run(['call', `sip:one@127.0.0.1:${port + 1}`, '--duration', '1.5']);
  const b = run(['call', `sip:two@127.0.0.1:${port + 1}`, '--duration', '1.5']);
  assert.is(await a.done, 0, a.err);
  assert.is(await b.done, 0, b.err);
  assert.is(await answer.done, 0, answer.err);
  const lines = answer.out.trim().split('\n').map((l) => JSON.parse(l) as { name: string });
  assert.is(lines.filter((l) => l.name === 'SIPSessionDidStart').length, 2);
  assert.is(lines.filter((l) => l.name === 'SIPSessionDidEnd').length, 2);
});

test('a refused call (sipp answers 486) exits 1 with the code and reason', async () => {
  const sp = sippPort();
  const sipp = runSipp({ scenario: 'call-uas-486.xml', port: sp, calls: 1, timeoutMs: 15000 });
  await new Promise((r) => setTimeout(r, 200));
  const call = run(['call', `sip:busy@127.0.0.1:${sp}`, '--duration', '1']);
  assert.is(await call.done, 1);
  assert.match(call.err, /sipstate call: 486 Busy Here/);
  assert.is((await sipp.done).code, 0);
});

test('bad usage is exit 2', async () => {
  const r = run(['call']);
  assert.is(await r.done, 2);
  const r2 = run(['call', 'sip:x@127.0.0.1', '--dtmf', 'xyz']);
  assert.is(await r2.done, 2);
  assert.match(r2.err, /--dtmf/);
});

test.run();
