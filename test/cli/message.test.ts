/** `sipstate message` and `sipstate options` as separate processes talking over loopback. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin/sipstate.js');
const port = 26000 + (process.pid % 1000) * 2;

function cli(args: string[], timeout = 20000) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout });
}

test('message: a listener prints what a sender sends; the sender exits 0 on 200', async () => {
  const listener = spawn(process.execPath, [bin, 'message', '--listen', `udp:127.0.0.1:${port}`, '--max', '1'], { cwd: root });
  let out = '';
  let err = '';
  listener.stdout.on('data', (d) => (out += d));
  listener.stderr.on('data', (d) => (err += d));
  await new Promise<void>((resolve) => {
    const check = () => (err.includes('listening on') ? resolve() : setTimeout(check, 50));
    check();
  });
  const sent = cli(['message', '--account', 'sip:alice@example.test', `sip:bob@127.0.0.1:${port}`, 'hello bob']);
  assert.is(sent.status, 0, sent.stderr);
  assert.match(sent.stdout, /^200 OK/);
  const code = await new Promise<number | null>((r) => listener.on('close', r));
  assert.is(code, 0, err);
  assert.match(out, /sip:alice@example\.test.*: hello bob/);
});

test('message --json prints the notifications', async () => {
  const listener = spawn(process.execPath, [bin, 'message', '--json', '--listen', `udp:127.0.0.1:${port + 1}`, '--max', '1'], { cwd: root });
  let out = '';
  let err = '';
  listener.stdout.on('data', (d) => (out += d));
  listener.stderr.on('data', (d) => (err += d));
  await new Promise<void>((resolve) => {
    const check = () => (err.includes('listening on') ? resolve() : setTimeout(check, 50));
    check();
  });
  const sent = cli(['message', '--json', `sip:bob@127.0.0.1:${port + 1}`, 'hi']);
  assert.is(sent.status, 0, sent.stderr);
  const n = JSON.parse(sent.stdout.trim().split('\n').pop()!);
  assert.equal({ name: n.name, code: n.code, reason: n.reason }, { name: 'SIPMessageDidSucceed', code: 200, reason: 'OK' });
  await new Promise((r) => listener.on('close', r));
  const got = JSON.parse(out.trim().split('\n')[0]);
  assert.is(got.name, 'SIPEngineGotMessage');
  assert.is(got.body, 'hi');
  assert.is(got.content_type, 'text/plain');
  assert.ok(got.timestamp);
});

test('bad usage is exit 2 with a one-line reason', () => {
  const r = cli(['message', '--bogus']);
  assert.is(r.status, 2);
  assert.match(r.stderr, /unknown option --bogus/);
  const r2 = cli(['options']);
  assert.is(r2.status, 2);
  const r3 = cli(['message', '--listen', 'udp:nonsense']);
  assert.is(r3.status, 2);
  const r4 = cli(['message', '--password', 'x', 'sip:a@127.0.0.1', 'y']);
  assert.is(r4.status, 2);
  assert.match(r4.stderr, /--password needs --account/);
});

test.run();
