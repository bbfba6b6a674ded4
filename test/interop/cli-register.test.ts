/** `sipstate register` against kamailio: registers, prints notifications, unregisters on SIGINT and SIGTERM. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { requireKamailio, startKamailio, type Kamailio } from '../peers/kamailio.js';

requireKamailio();
const root = fileURLToPath(new URL('../../', import.meta.url));
let k: Kamailio;
test.before(async () => {
  k = await startKamailio();
});
test.after(async () => {
  await k?.stop();
});

async function registerUntil(signal: NodeJS.Signals, user: string, password: string, extra: string[] = [], args?: string[]) {
  const child = spawn(process.execPath, [join(root, 'bin/sipstate.js'), 'register', ...(args ?? ['--account', `sip:${user}@example.test`, '--password', password, '--proxy', `sip:127.0.0.1:${k.ports.udp}`]), ...extra]);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const end = Date.now() + 10000;
  while (!/DidSucceed|DidFail/.test(out) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  const during = await k.ulDump();
  child.kill(signal);
  const code = await new Promise<number | null>((r) => child.on('close', r));
  return { code, out, err, during, after: await k.ulDump() };
}

test('register, then Ctrl-C (SIGINT) unregisters and exits 0', async () => {
  const r = await registerUntil('SIGINT', 'alice', 'alicepw');
  assert.is(r.code, 0, r.err + r.out);
  assert.match(r.out, /^SIPAccountWillRegister$/m);
  assert.match(r.out, /^SIPAccountRegistrationGotAnswer 401/m);
  assert.match(r.out, /^SIPAccountRegistrationDidSucceed <sip:[a-z]{8}@127\.0\.0\.1:\d+>;expires=600 expires=600$/m);
  assert.match(r.out, /^SIPAccountRegistrationDidEnd$/m);
  assert.match(r.during, /alice/);
  assert.not.match(r.after, /AoR: alice/);
});

test('SIGTERM unregisters too; --json prints the notifications as JSON lines', async () => {
  const r = await registerUntil('SIGTERM', 'bob', 'bobpw', ['--json']);
  assert.is(r.code, 0, r.err);
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { name: string });
  assert.ok(lines.some((l) => l.name === 'SIPAccountRegistrationDidSucceed'));
  assert.is(lines.filter((l) => l.name.startsWith('SIPAccountRegistration')).pop()?.name, 'SIPAccountRegistrationDidEnd');
});

test('a wrong password: DidFail printed, exit 1 after Ctrl-C', async () => {
  const r = await registerUntil('SIGINT', 'alice', 'nope');
  assert.is(r.code, 1);
  assert.match(r.out, /SIPAccountRegistrationDidFail 401/);
  assert.match(r.err, /never registered/);
});

test('the account can come from a settings file (--config)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipstate-cfg-'));
  const file = join(dir, 'account.json');
  writeFileSync(file, JSON.stringify({ account: 'sip:carol@example.test', password: 'carolpw', proxy: `sip:127.0.0.1:${k.ports.udp}` }));
  const r = await registerUntil('SIGINT', 'carol', '', [], ['--config', file]);
  assert.is(r.code, 0, r.err + r.out);
  assert.match(r.out, /SIPAccountRegistrationDidSucceed/);
  assert.match(r.during, /carol/);
});

test.run();
