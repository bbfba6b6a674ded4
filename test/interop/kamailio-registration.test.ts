/**
 * Registration against kamailio (RFC 3261 §10.2): digest, refresh before expiry, 423 with
 * Min-Expires, failover to a second registrar when the first is dead, a wrong password ending in
 * SIPAccountRegistrationDidFail, and unregistration on stop; and a TCP flow kept up by CRLF
 * keep-alives that kamailio answers (RFC 5626 §3.5.1).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { createServer, connect, type Socket } from 'node:net';
import { requireKamailio, startKamailio } from '../peers/kamailio.js';
import { UserAgent } from '../../actors/user-agent.js';
import { RegistrationRunner } from '../../actors/registration-runner.js';
import type { Endpoint } from '../../actors/transport/types.js';
import { NotificationCenter, type Notification } from '../../src/api/notification-center.js';
import { SipURI, parseSipURI } from '../../src/index.js';
import { TransportManager, type ConnectionEvent, type TransportError } from '../../actors/transport/index.js';
import { request } from '../transport/helpers.js';

requireKamailio();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup(defines: string[], user = 'alice', password = 'alicepw', expires = 6) {
  const k = await startKamailio({ defines });
  const ua = await UserAgent.start({ transactions: { timers: { T1: 50, T2: 400, T4: 500 } } });
  const center = new NotificationCenter();
  const seen: Notification[] = [];
  center.notifications$.subscribe((n) => seen.push(n));
  const sender = { name: 'account' };
  const runner = (targets: Endpoint[] = [{ protocol: 'UDP', address: '127.0.0.1', port: k.ports.udp }]) =>
    new RegistrationRunner({
      ua,
      aor: parseSipURI(`sip:${user}@example.test`),
      contact: () => new SipURI({ user, host: '127.0.0.1', port: ua.endpoints[0].port }),
      credentials: { username: user, password },
      expires,
      retry: { min: 1, max: 2 },
      center,
      sender,
      resolve: async () => targets,
    });
  return { k, ua, center, seen, sender, runner, names: () => seen.map((n) => n.name) };
}

test('register with digest, refresh before expiry, unregister on stop', async () => {
  const s = await setup(['WITH_SHORT_EXPIRES']);
  try {
    const r = s.runner();
    await r.start();
    await sleep(4500);
    const names = s.names();
    assert.is(names[0], 'SIPAccountWillRegister');
    assert.ok(names.filter((n) => n === 'SIPAccountRegistrationDidSucceed').length >= 2, names.join(' '));
    assert.ok(names.includes('SIPAccountRegistrationWillRefresh'), 'refreshed before the 6 s expired');
    const ok = s.seen.find((n) => n.name === 'SIPAccountRegistrationDidSucceed')!;
    const data = ok.data as { expires: number; contact_header: string; contact_header_list: string[]; registrar: { port: number } };
    assert.is(data.expires, 6);
    assert.ok(data.contact_header.includes(String(s.ua.endpoints[0].port)));
    assert.is(data.registrar.port, s.k.ports.udp);
    assert.ok(s.seen.some((n) => n.name === 'SIPAccountRegistrationGotAnswer' && (n.data as { code: number }).code === 200));
    assert.match(await s.k.ulDump(), /alice/);
    await r.stop();
    assert.is(s.names().pop(), 'SIPAccountRegistrationDidEnd');
    assert.not.match(await s.k.ulDump(), /AoR.*alice/);
  } finally {
    await s.ua.close();
    await s.k.stop();
  }
});

test('423 Interval Too Brief: retried at once with Min-Expires (RFC 3261 §10.2.8)', async () => {
  const s = await setup(['WITH_423'], 'bob', 'bobpw', 30);
  try {
    const r = s.runner();
    await r.start();
    await sleep(800);
    const answers = s.seen.filter((n) => n.name === 'SIPAccountRegistrationGotAnswer').map((n) => (n.data as { code: number }).code);
    assert.equal(answers.filter((c) => c !== 401), [423, 200], 'the 401 challenges are answered by the digest layer in between');
    const ok = s.seen.find((n) => n.name === 'SIPAccountRegistrationDidSucceed')!;
    assert.is((ok.data as { expires: number }).expires, 120);
    await r.stop();
  } finally {
    await s.ua.close();
    await s.k.stop();
  }
});

test('failover: the first registrar is dead, the second registers us', async () => {
  const s = await setup(['WITH_SHORT_EXPIRES'], 'carol', 'carolpw', 60);
  const dead = createSocket('udp4');
  await new Promise<void>((r) => dead.bind(0, '127.0.0.1', () => r()));
  try {
    const r = s.runner([
      { protocol: 'UDP', address: '127.0.0.1', port: dead.address().port },
      { protocol: 'UDP', address: '127.0.0.1', port: s.k.ports.udp },
    ]);
    await r.start();
    await sleep(64 * 50 + 1000);
    const ok = s.seen.find((n) => n.name === 'SIPAccountRegistrationDidSucceed');
    assert.ok(ok, s.names().join(' '));
    assert.is((ok!.data as { registrar: { port: number } }).registrar.port, s.k.ports.udp);
    await r.stop();
  } finally {
    dead.close();
    await s.ua.close();
    await s.k.stop();
  }
});

test('a wrong password ends in SIPAccountRegistrationDidFail with a retry time', async () => {
  const s = await setup([], 'alice', 'wrong');
  try {
    const r = s.runner();
    await r.start();
    await sleep(600);
    const fail = s.seen.find((n) => n.name === 'SIPAccountRegistrationDidFail');
    assert.ok(fail, s.names().join(' '));
    const data = fail!.data as { error: string; timeout: number };
    assert.match(data.error, /401/);
    assert.ok(data.timeout >= 1 && data.timeout <= 2, String(data.timeout));
    await r.stop();
  } finally {
    await s.ua.close();
    await s.k.stop();
  }
});

test('unregistering when the registrar is gone: SIPAccountRegistrationDidNotEnd, and stop still ends', async () => {
  const s = await setup(['WITH_SHORT_EXPIRES'], 'bob', 'bobpw', 60);
  try {
    const r = s.runner();
    await r.start();
    const end = Date.now() + 5000;
    while (!s.names().includes('SIPAccountRegistrationDidSucceed') && Date.now() < end) await sleep(20);
    assert.ok(s.names().includes('SIPAccountRegistrationDidSucceed'));
    await s.k.stop();
    const t0 = Date.now();
    await r.stop();
    assert.ok(Date.now() - t0 < 64 * 50 + 2000, 'stop is bounded by 64·T1');
    const notEnd = s.seen.find((n) => n.name === 'SIPAccountRegistrationDidNotEnd');
    assert.ok(notEnd, s.names().join(' '));
    assert.is((notEnd!.data as { code: number }).code, 408);
    assert.not.ok(s.names().includes('SIPAccountRegistrationDidEnd'));
  } finally {
    await s.ua.close();
    await s.k.stop();
  }
});

test('a registration over TCP whose connection the far side closes registers again at once', async () => {
  const s = await setup([], 'alice', 'alicepw', 600);
  // A TCP relay in front of kamailio, so the test can cut the flow from the registrar's side.
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(s.k.ports.tcp, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
  const port = (relay.address() as { port: number }).port;
  try {
    await s.ua.transports.listen({ protocol: 'TCP', address: '127.0.0.1', port: 0 });
    const r = s.runner([{ protocol: 'TCP', address: '127.0.0.1', port }]);
    await r.start();
    const succeeded = () => s.seen.filter((n) => n.name === 'SIPAccountRegistrationDidSucceed').length;
    const end = Date.now() + 5000;
    while (succeeded() < 1 && Date.now() < end) await sleep(20);
    assert.is(succeeded(), 1);
    for (const sock of sockets) sock.destroy();
    const end2 = Date.now() + 5000;
    while (succeeded() < 2 && Date.now() < end2) await sleep(20);
    assert.is(succeeded(), 2, 'registered again over a new connection');
    await r.stop();
  } finally {
    relay.close();
    for (const sock of sockets) sock.destroy();
    await s.ua.close();
    await s.k.stop();
  }
});

test('a TCP flow to kamailio stays up on CRLF keep-alives: kamailio answers each CRLFCRLF ping with a pong (RFC 5626 §3.5.1)', async () => {
  const k = await startKamailio();
  // No pong within 150 ms would fail the flow with EKEEPALIVE (test/transport/tcp.test.ts).
  const m = new TransportManager({ keepAliveInterval: 40, keepAliveTimeout: 150, idleTimeout: 0 });
  const closes: ConnectionEvent[] = [];
  const errors: TransportError[] = [];
  m.onConnection((e) => e.type === 'close' && closes.push(e));
  m.onError((e) => errors.push(e));
  try {
    await m.send({ protocol: 'TCP', address: '127.0.0.1', port: k.ports.tcp }, request({ via: 'SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-kamka' }));
    await sleep(800); // about twenty pings
    assert.equal(errors.map((e) => e.code), [], 'no EKEEPALIVE');
    assert.is(closes.length, 0, 'the flow is alive');
    assert.is(m.connections.length, 1);
  } finally {
    await m.close();
    await k.stop();
  }
});

test.run();
