/** The Message API between two UA cores, with a digest challenge on the way (RFC 3428, RFC 3261 §22). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserAgent } from '../../actors/user-agent.js';
import { Message, MessageReceiver } from '../../src/api/message.js';
import { NotificationCenter, type Notification } from '../../src/api/notification-center.js';
import { Challenge, SIPBuildError, verifyCredentials } from '../../src/index.js';

test('a MESSAGE challenged with 401 is retried with credentials and delivered once', async () => {
  const center = new NotificationCenter();
  const seen: Notification[] = [];
  center.notifications$.subscribe((n) => seen.push(n));
  const bob = await UserAgent.start();
  const alice = await UserAgent.start();
  let challenges = 0;
  try {
    // Bob's side demands digest before taking a MESSAGE, like a registrar-proxy would.
    const receiver = new MessageReceiver(bob, center, false);
    bob.handle('MESSAGE', (tx) => {
      const creds = tx.request.header('authorization')[0];
      if (creds && verifyCredentials(creds, 'MESSAGE', tx.request.body, 'alicepw')) return receiver.receive(tx);
      challenges++;
      const challenge = Challenge.digest({ realm: 'example.test', nonce: `n${challenges}`, qop: ['auth'], algorithm: 'SHA-256' });
      tx.respond(tx.reply(401, undefined, [['WWW-Authenticate', challenge.toString()]]));
    });
    const result = await new Message(alice, {
      from: 'sip:alice@example.test',
      to: `sip:bob@127.0.0.1:${bob.endpoints[0].port}`,
      body: 'hello, bob',
      credentials: { username: 'alice', password: 'alicepw' },
      notifications: center,
    }).send();
    assert.equal(result, { code: 200, reason: 'OK', ok: true });
    assert.is(challenges, 1);
    const got = seen.find((n) => n.name === 'SIPEngineGotMessage')!;
    assert.ok(got);
    assert.is((got.data as { body: string }).body, 'hello, bob');
    assert.ok(seen.some((n) => n.name === 'SIPMessageDidSucceed'));

    // A wrong password: one retry, then a clear failure — never a loop.
    challenges = 0;
    const bad = await new Message(alice, {
      from: 'sip:alice@example.test',
      to: `sip:bob@127.0.0.1:${bob.endpoints[0].port}`,
      body: 'x',
      credentials: { username: 'alice', password: 'wrong' },
      notifications: center,
    }).send();
    assert.is(bad.code, 401);
    assert.is(challenges, 2);
    const fail = seen.filter((n) => n.name === 'SIPMessageDidFail').pop()!;
    assert.equal({ code: (fail.data as { code: number }).code }, { code: 401 });
  } finally {
    await alice.close();
    await bob.close();
  }
});

test('send() may be called once; a bad address is a build error at once', async () => {
  const ua = await UserAgent.start({ transactions: { timers: { T1: 10, T2: 40, T4: 50 } } });
  try {
    const m = new Message(ua, { from: 'sip:a@127.0.0.1', to: 'sip:b@127.0.0.1:9', body: 'x' });
    const first = m.send();
    let second: unknown;
    await m.send().catch((e: unknown) => (second = e));
    assert.instance(second, Error);
    assert.match((second as Error).message, /called once/);
    assert.ok((await first).code >= 400);
    assert.throws(() => new Message(ua, { from: 'sip:a@127.0.0.1', to: 'not a uri', body: 'x' }), (e: unknown) => e instanceof SIPBuildError);
  } finally {
    await ua.close();
  }
});

test.run();
