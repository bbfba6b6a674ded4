/**
 * sipstate's UA core against kamailio (registrar with digest users, proxy): REGISTER with a 401
 * challenge, a wrong password ending in a clear failure, and MESSAGE alice → bob relayed through
 * the proxy after a 407 challenge — from the API and from the `sipstate message` command.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { requireKamailio, startKamailio, type Kamailio } from '../peers/kamailio.js';
import { digestAuthorizer, UserAgent } from '../../actors/user-agent.js';
import { Message, MessageReceiver } from '../../src/api/message.js';
import { NotificationCenter } from '../../src/api/notification-center.js';
import { createRequest, DigestClient } from '../../src/index.js';

requireKamailio();
const root = fileURLToPath(new URL('../../', import.meta.url));
let k: Kamailio;

test.before(async () => {
  k = await startKamailio();
});
test.after(async () => {
  await k?.stop();
});

/** REGISTER `user` from `ua` (RFC 3261 §10.2), answering the challenge with DigestClient. */
async function register(ua: UserAgent, user: string, password: string, expires = 300) {
  const aor = `sip:${user}@example.test`;
  const req = createRequest({
    method: 'REGISTER',
    uri: 'sip:example.test',
    from: aor,
    to: aor,
    contact: ua.contact(user),
    headers: [['Expires', String(expires)]],
  });
  const digest = new DigestClient({ username: user, password });
  return ua.send(req, {
    targets: [{ protocol: 'UDP', address: '127.0.0.1', port: k.ports.udp }],
    authorize: digestAuthorizer(digest),
  });
}

test('REGISTER with digest: 401, then 200 listing our contact; kamailio holds the binding', async () => {
  const bob = await UserAgent.start();
  try {
    const { response, request } = await register(bob, 'bob', 'bobpw');
    assert.is(response.status, 200, `${response.status} ${response.reason}`);
    assert.ok(request.get('Authorization')?.startsWith('Digest '), 'the retry carried credentials');
    assert.is(request.cseq!.seq, 2, 'CSeq incremented for the retry (RFC 3261 §22.2)');
    const contacts = response.contact.filter((c) => !('wildcard' in c)).map((c) => ('uri' in c ? c.uri.toString() : ''));
    assert.ok(contacts.some((c) => c.includes(String(bob.endpoints[0].port))), contacts.join(', '));
    assert.match(await k.ulDump(), /bob/);
    const end = await register(bob, 'bob', 'bobpw', 0);
    assert.is(end.response.status, 200);
  } finally {
    await bob.close();
  }
});

test('a wrong password ends in 401 after one retry, never a loop', async () => {
  const eve = await UserAgent.start();
  try {
    const { response, request } = await register(eve, 'alice', 'not-the-password');
    assert.is(response.status, 401);
    assert.is(request.cseq!.seq, 2, 'exactly one authenticated retry');
  } finally {
    await eve.close();
  }
});

test('MESSAGE alice → bob through the proxy: 407, retry with credentials, delivered to bob', async () => {
  const bob = await UserAgent.start();
  const alice = await UserAgent.start();
  const center = new NotificationCenter();
  const got: string[] = [];
  center.named('SIPEngineGotMessage').subscribe((n) => got.push(n.data.body));
  new MessageReceiver(bob, center);
  try {
    assert.is((await register(bob, 'bob', 'bobpw')).response.status, 200);
    const proxy = `sip:127.0.0.1:${k.ports.udp};lr`;
    const result = await new Message(alice, {
      from: 'sip:alice@example.test',
      to: 'sip:bob@example.test',
      routes: [proxy],
      body: 'hello through kamailio',
      credentials: { username: 'alice', password: 'alicepw' },
      notifications: center,
    }).send();
    assert.is(result.code, 200, `${result.code} ${result.reason}`);
    assert.equal(got, ['hello through kamailio']);

    // The same from the command line, as a user would type it.
    const cli = spawn(process.execPath, [
      join(root, 'bin/sipstate.js'), 'message',
      '--account', 'sip:alice@example.test', '--password', 'alicepw',
      '--proxy', `sip:127.0.0.1:${k.ports.udp}`,
      'sip:bob@example.test', 'hello from the CLI',
    ]);
    let err = '';
    cli.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => cli.on('close', r));
    assert.is(code, 0, err);
    assert.equal(got, ['hello through kamailio', 'hello from the CLI']);

    // And with a wrong password, the CLI exits 1 with the reason.
    const bad = spawn(process.execPath, [join(root, 'bin/sipstate.js'), 'message', '--account', 'sip:alice@example.test', '--password', 'x', '--proxy', `sip:127.0.0.1:${k.ports.udp}`, 'sip:bob@example.test', 'nope']);
    let badErr = '';
    bad.stderr.on('data', (d) => (badErr += d));
    assert.is(await new Promise<number | null>((r) => bad.on('close', r)), 1);
    assert.match(badErr, /407/);
  } finally {
    await alice.close();
    await bob.close();
  }
});

test.run();
