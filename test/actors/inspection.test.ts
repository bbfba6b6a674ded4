/**
 * The inspection hub (actors/inspection.ts) and redaction (actors/redact.ts) with real actors:
 * a real call between two in-process parties seen through the hub, replay of actors created
 * before anyone listened, a digest REGISTER whose credentials never show, hostile values, and
 * no inspection work at all while nobody listens.
 *
 * The hub is process-wide and other suites run in the same process: every check here looks at
 * the actors it made (by id) and every listener is removed before its test ends.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assign, createActor, fromCallback, setup, type Actor } from 'xstate';
import { InspectionHub, inspectionHub, type InspectionMessage } from '../../actors/inspection.js';
import { redact, redactSipText } from '../../actors/redact.js';
import { RegistrationRunner } from '../../actors/registration-runner.js';
import { UserAgent } from '../../actors/user-agent.js';
import { dialog as dialogMachine, INVITE_USAGE } from '../../machines/dialog.js';
import { NotificationCenter } from '../../src/api/notification-center.js';
import { Session } from '../../src/api/session.js';
import { createRequest } from '../../src/sip/request-builder.js';
import { DEFAULT_CAPABILITIES } from '../../src/sip/uas-checks.js';
import { SIPRequest, SIPResponse } from '../../src/sip/message.js';
import { SipURI } from '../../src/sip/uri.js';
import { AudioStream } from '../../src/streams/audio/index.js';
import { makeHost } from '../streams/loopback.js';
import { ProbeStream, ProbeStreamType } from '../api/probe-stream.js';
import { makeParty } from '../api/session-harness.js';

type Msg = InspectionMessage;
type ActorMsg = Extract<Msg, { type: 'actor' }>;
type SnapshotMsg = Extract<Msg, { type: 'snapshot' }>;
type EventMsg = Extract<Msg, { type: 'event' }>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const of = <T extends Msg['type']>(msgs: Msg[], type: T) => msgs.filter((m): m is Extract<Msg, { type: T }> => m.type === type);

/** Listen for the duration of `body`; the messages seen, JSON round-tripped (what a socket would carry). */
async function listening(body: (msgs: Msg[]) => Promise<void>, hub: InspectionHub = inspectionHub): Promise<Msg[]> {
  const msgs: Msg[] = [];
  const stop = hub.listen((m) => msgs.push(JSON.parse(JSON.stringify(m)) as Msg));
  try {
    await body(msgs);
  } finally {
    stop();
  }
  return msgs;
}

/** A small real machine: a counter with a context, an event with a payload, a final state. */
const counter = setup({
  types: {} as { context: { n: number; password: string; user: string; blob?: unknown }; events: { type: 'inc' } | { type: 'blob'; data: unknown } | { type: 'done' } },
}).createMachine({
  id: 'counter',
  context: { n: 0, password: 'hunter2-secret', user: 'alice' },
  initial: 'counting',
  states: {
    counting: {
      on: {
        inc: { actions: assign({ n: ({ context }) => context.n + 1 }) },
        blob: { actions: assign({ blob: ({ event }) => event.data }) },
        done: 'finished',
      },
    },
    finished: { type: 'final' },
  },
});

function counterActor(id: string, hub: InspectionHub = inspectionHub, owner?: string): Actor<typeof counter> {
  const actor = createActor(counter, { id, ...hub.options });
  hub.register(actor, { id, owner });
  return actor;
}

// ---- cost nothing while nobody listens -----------------------------------------------------------

test('nobody listening: no observer, no inspect option, no subscription', () => {
  const hub = new InspectionHub();
  assert.is(hub.observer, undefined);
  assert.equal(hub.options, {});
  assert.is(hub.listening, false);
  const actor = counterActor('quiet', hub).start();
  assert.is((actor as unknown as { options: { inspect?: unknown } }).options.inspect, undefined, 'no inspect hook on actors made while nobody listens');
  assert.is(hub.size, 1);
  assert.is(hub.subscriptionCount, 0);
  actor.send({ type: 'inc' });
  hub.unregister(actor);
  hub.unregister(actor); // twice is fine
  assert.is(hub.size, 0);
  assert.is(inspectionHub.observer, undefined, 'the process-wide hub has no listener between tests');
});

test('100k real actors registered and unregistered with nobody listening: no subscription, nothing left', () => {
  const hub = new InspectionHub();
  const logic = setup({}).createMachine({ id: 'tiny', initial: 'a', states: { a: { on: { go: 'b' } }, b: {} } });
  const N = 100_000;
  const run = (withHub: boolean) => {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const actor = createActor(logic, withHub ? { id: `t${i}`, ...hub.options } : { id: `t${i}` });
      if (withHub) hub.register(actor, { id: `t${i}`, kind: 'tiny' });
      actor.start();
      actor.send({ type: 'go' });
      actor.stop();
      if (withHub) hub.unregister(actor);
      if (withHub && i === N / 2) assert.is(hub.subscriptionCount, 0);
    }
    return performance.now() - t0;
  };
  const bare = run(false);
  const hubbed = run(true);
  assert.is(hub.subscriptionCount, 0);
  assert.is(hub.size, 0);
  // Informational only (no timed assert): the hub's cost is a Map set and delete per actor.
  console.log(`    100k create+start+send+stop: ${bare.toFixed(0)} ms bare, ${hubbed.toFixed(0)} ms registered with the hub`);
});

test('actors a forgetful owner never unregisters are swept once they end (bounded while nobody listens)', () => {
  const hub = new InspectionHub();
  for (let i = 0; i < 10_000; i++) {
    const actor = counterActor(`leak${i}`, hub).start();
    actor.stop();
  }
  assert.ok(hub.size < 8200, `size ${hub.size}`);
});

// ---- replay and following ----------------------------------------------------------------------

test('an actor created before listening is replayed on listen, then followed (snapshots and events)', async () => {
  const actor = counterActor('early-counter', inspectionHub, 'some-owner').start();
  actor.send({ type: 'inc' });
  let subscriptions = -1;
  const msgs = await listening(async () => {
    subscriptions = inspectionHub.subscriptionCount;
    actor.send({ type: 'inc' });
    actor.send({ type: 'done' });
  });
  assert.ok(subscriptions >= 1);
  assert.is(inspectionHub.subscriptionCount, 0, 'every subscription dropped with the last listener');
  const mine = msgs.filter((m) => m.id === 'early-counter');
  assert.equal(mine.map((m) => m.type), ['actor', 'event', 'snapshot', 'event', 'snapshot', 'stopped']);
  const first = mine[0] as ActorMsg;
  assert.is(first.kind, 'counter');
  assert.is(first.owner, 'some-owner');
  assert.is(first.status, 'active');
  assert.is(first.value, 'counting');
  assert.equal(first.context, { n: 1, password: '[redacted]', user: 'alice' });
  const def = first.definition as { id: string; initial: { target: string[] }; states: Record<string, { type: string; on: Record<string, unknown[]> }> };
  assert.is(def.id, 'counter');
  assert.equal(def.initial.target, ['#counter.counting']);
  assert.is(def.states.finished.type, 'final');
  assert.equal(Object.keys(def.states.counting.on).sort(), ['blob', 'done', 'inc']);
  assert.equal((mine[1] as EventMsg).event, { type: 'inc' });
  assert.is((mine[1] as EventMsg).source, null);
  assert.is((mine[2] as SnapshotMsg).context && (mine[2] as { context: { n: number } }).context.n, 2);
  assert.is((mine[4] as SnapshotMsg).value, 'finished');
  assert.is((mine[4] as SnapshotMsg).status, 'done');
  assert.not.ok(JSON.stringify(msgs).includes('hunter2'));
  assert.not.ok(msgs.some((m) => m.type === 'actor' && m.id === 'early-counter' && m !== mine[0]));
  inspectionHub.unregister(actor); // after it ended: a no-op
});

test('actors created while listening get the observer (no extra subscription); a second listener gets its own replay', async () => {
  const hub = new InspectionHub();
  const second: Msg[] = [];
  const msgs = await listening(async () => {
    assert.is(typeof hub.observer, 'function');
    const before = hub.subscriptionCount;
    const made = counterActor('live-counter', hub).start();
    assert.is((made as unknown as { options: { inspect?: unknown } }).options.inspect, hub.observer);
    assert.is(hub.subscriptionCount, before, 'followed through its inspect option');
    made.send({ type: 'inc' });
    const stop = hub.listen((m) => second.push(m));
    made.send({ type: 'inc' });
    stop();
    hub.unregister(made);
    made.stop();
    await sleep(0);
  }, hub);
  const mine = msgs.filter((m) => m.id === 'live-counter').map((m) => (m.type === 'event' ? `event:${m.event.type}` : m.type));
  assert.equal(mine, ['actor', 'event:xstate.init', 'snapshot', 'event:inc', 'snapshot', 'event:inc', 'snapshot', 'snapshot', 'stopped']);
  assert.equal(second.map((m) => m.type), ['actor', 'event', 'snapshot']);
  assert.is((second[0] as ActorMsg).context && (second[0] as { context: { n: number } }).context.n, 1);
  assert.is(hub.size, 0);
  // The actor keeps its inspect option, but the hub does nothing with it any more.
  assert.is(hub.observer, undefined);
});

test('ids are unique among live actors and printable; one definition object per machine', () => {
  const hub = new InspectionHub();
  const a = counterActor('same', hub).start();
  const b = counterActor('same', hub).start();
  const c = counterActor('branch\u0000INVITE', hub).start();
  const raw: Msg[] = [];
  hub.listen((m) => raw.push(m))();
  const actors = of(raw, 'actor');
  assert.equal(actors.map((m) => m.id), ['same', 'same#2', 'branch INVITE']);
  assert.ok(actors[0].definition === actors[1].definition && actors[1].definition === actors[2].definition, 'computed once, shared');
  for (const x of [a, b, c]) x.stop();
});

test('a child actor a registered actor invokes is announced, owned by its parent', async () => {
  const hub = new InspectionHub();
  const parent = setup({
    actors: { ticker: fromCallback(() => () => {}) },
  }).createMachine({ id: 'parent', initial: 'idle', states: { idle: { on: { go: 'working' } }, working: { invoke: { id: 'tick', src: 'ticker' }, on: { stop: 'idle' } } } });
  const msgs = await listening(async () => {
    const actor = createActor(parent, { id: 'p1', ...hub.options });
    hub.register(actor, { id: 'p1' });
    actor.start();
    actor.send({ type: 'go' });
    actor.send({ type: 'stop' });
    actor.stop();
    hub.unregister(actor);
  }, hub);
  const child = of(msgs, 'actor').find((m) => m.id === 'p1/tick');
  assert.ok(child, JSON.stringify(msgs.map((m) => [m.type, m.id])));
  assert.is(child!.owner, 'p1');
  assert.ok(msgs.some((m) => m.type === 'stopped' && m.id === 'p1/tick'));
});

test('a listener that throws does not disturb the actors', async () => {
  const hub = new InspectionHub();
  const stop = hub.listen(() => {
    throw new Error('bad listener');
  });
  try {
    const actor = counterActor('robust', hub).start();
    actor.send({ type: 'inc' });
    assert.is(actor.getSnapshot().context.n, 1);
    actor.stop();
  } finally {
    stop();
  }
});

// ---- a real call -------------------------------------------------------------------------------

test('a real call: session, dialog and transaction actors with definitions, ordered snapshots, stopped', async () => {
  // T1 = 10 ms: the transactions' linger timers (Timer K, J, L, M: 64·T1 at most) end within the test.
  const alice = await makeParty('alice', [ProbeStreamType], { T1: 10 });
  const bob = await makeParty('bob', [ProbeStreamType], { T1: 10 });
  let sessionId = '';
  try {
    const msgs = await listening(async () => {
      bob.center.named('SIPSessionNewIncoming').subscribe((n) => {
        const s = n.sender as Session;
        setTimeout(() => void s.accept(n.data.streams as ProbeStream[]), 20);
      });
      const session = new Session(alice.account, alice.manager.engine);
      sessionId = session.id;
      const outcome = await session.connect(bob.uri, [], [new ProbeStream()]);
      assert.equal(outcome, { started: true });
      await bob.next('SIPSessionDidStart');
      await session.end();
      await bob.next('SIPSessionDidEnd');
      await sleep(64 * 10 + 200);
    });
    const actors = of(msgs, 'actor');
    const kinds = (kind: string) => actors.filter((m) => m.kind === kind);
    // Both sessions, both dialogs, and the INVITE / BYE transactions of both sides.
    const unique = (kind: string) => new Set(kinds(kind).map((m) => m.id)).size;
    assert.is(unique('session'), 2, actors.map((m) => `${m.kind}:${m.id}`).join(' '));
    assert.is(unique('dialog'), 2);
    for (const k of ['ict', 'ist', 'nict', 'nist']) assert.ok(kinds(k).length >= 1, `a ${k} actor`);
    const mine = actors.find((m) => m.id === sessionId)!;
    assert.ok(mine, 'alice’s session announced');
    assert.is(mine.owner, null);
    assert.is((mine.definition as { id: string }).id, 'session');
    assert.ok(Object.keys((mine.definition as { states: object }).states).includes('connected'));
    assert.is((kinds('ict')[0].definition as { id: string }).id, 'ict');
    assert.ok((kinds('dialog')[0].definition as { states: Record<string, unknown> }).states.terminated);
    // The session's snapshots, in order: outgoing → connected → terminated.
    const top = (v: unknown) => (typeof v === 'string' ? v : Object.keys(v as object)[0]);
    const values = of(msgs, 'snapshot')
      .filter((m) => m.id === sessionId)
      .map((m) => top(m.value))
      .filter((v, i, all) => v !== all[i - 1]);
    const at = (v: string) => values.indexOf(v);
    assert.ok(at('outgoing') >= 0 && at('outgoing') < at('connected') && at('connected') < at('terminated'), values.join(' → '));
    // Events carry SIP messages as summaries and redacted text.
    const sipEvents = of(msgs, 'event').filter((m) => JSON.stringify(m.event).includes('"summary"'));
    assert.ok(sipEvents.length > 0);
    const summaries = sipEvents.flatMap((m) => Object.values(m.event).filter((v): v is { summary: string; text: string } => !!v && typeof v === 'object' && 'summary' in v)).map((v) => v.summary);
    assert.ok(summaries.some((s) => /^200 OK Call-ID \S+ CSeq 1 INVITE$/.test(s)), summaries.join('\n'));
    assert.ok(summaries.some((s) => /^BYE sip:\S+ Call-ID \S+ CSeq \d+ BYE$/.test(s)), summaries.join('\n'));
    // Each session adopts its dialog and its server transactions (announced again with the owner).
    const sessionIds = new Set(kinds('session').map((m) => m.id));
    const dialogOwners = new Set(kinds('dialog').map((m) => m.owner).filter((o) => o !== null));
    assert.is(dialogOwners.size, 2, 'both dialogs owned by a session');
    for (const o of dialogOwners) assert.ok(sessionIds.has(o!), `dialog owner ${o} is a session`);
    assert.ok(kinds('ist').some((m) => m.owner !== null && sessionIds.has(m.owner)), 'the INVITE server transaction under its session');
    // Client transactions are created for their session: the INVITE and the BYE are under it from the start.
    const ict = kinds('ict');
    assert.ok(ict.length >= 1 && ict.every((m) => m.owner === sessionId), `the INVITE client transaction under alice’s session: ${ict.map((m) => m.owner).join(' ')}`);
    const byeClient = kinds('nict').filter((m) => JSON.stringify(m.context).includes('CSeq 2 BYE'));
    assert.is(byeClient.length, 1, 'one BYE client transaction');
    assert.is(byeClient[0].owner, sessionId, 'the BYE client transaction under alice’s session');
    assert.ok(kinds('nist').some((m) => m.owner !== null && sessionIds.has(m.owner) && m.owner !== sessionId), 'the BYE server transaction under bob’s session');
    // Everything that was announced here has stopped.
    const stopped = new Set(of(msgs, 'stopped').map((m) => m.id));
    for (const m of [...kinds('session'), ...kinds('dialog'), ...kinds('ict'), ...kinds('ist'), ...kinds('nict'), ...kinds('nist')]) assert.ok(stopped.has(m.id), `${m.kind} ${m.id} stopped`);
    assert.ok(actors.every((m) => m.type === 'actor' && typeof m.at === 'number'));
  } finally {
    await alice.stop();
    await bob.stop();
  }
  assert.is(inspectionHub.subscriptionCount, 0);
});

test('an audio stream’s actor is owned by its session (the host id it is initialized with)', async () => {
  const host = makeHost();
  const stream = new AudioStream();
  const msgs = await listening(async () => {
    await stream.initialize(host, 'outgoing');
    await stream.end();
    await sleep(10);
  });
  const announced = of(msgs, 'actor').find((m) => m.id === stream.id);
  assert.ok(announced);
  assert.is(announced!.owner, host.id);
  assert.is(announced!.kind, 'mediaStream');
  assert.ok(msgs.some((m) => m.type === 'stopped' && m.id === stream.id));
});

// ---- redaction -------------------------------------------------------------------------------

test('a digest REGISTER through real transactions never shows the response or the password', async () => {
  const registrar = await UserAgent.start({ capabilities: { methods: [...DEFAULT_CAPABILITIES.methods, 'REGISTER'] } });
  const password = 'Sup3r-S3cret-pw';
  let digestResponse = '';
  registrar.handle('REGISTER', (tx) => {
    const auth = tx.request.get('Authorization');
    if (!auth) {
      tx.respond(tx.reply(401, 'Unauthorized', [['WWW-Authenticate', 'Digest realm="example.test", nonce="5f1a2b3c4d", algorithm=MD5, qop="auth"']]));
      return;
    }
    digestResponse = /response="([0-9a-f]+)"/.exec(auth)?.[1] ?? '';
    tx.respond(tx.reply(200, 'OK', [['Contact', `${tx.request.get('Contact')};expires=60`], ['Expires', '60']]));
  });
  const ua = await UserAgent.start({ transactions: { owner: 'ua-alice' } });
  const center = new NotificationCenter();
  const runner = new RegistrationRunner({
    ua,
    aor: new SipURI({ user: 'alice', host: 'example.test' }),
    contact: () => new SipURI({ user: 'alice', host: '127.0.0.1', port: ua.endpoints[0].port }),
    credentials: { username: 'alice', password },
    expires: 60,
    center,
    sender: { name: 'account' },
    resolve: async () => [{ protocol: 'UDP', address: '127.0.0.1', port: registrar.endpoints[0].port }],
  });
  try {
    const msgs = await listening(async () => {
      const ok = new Promise<void>((resolve, reject) => {
        center.named('SIPAccountRegistrationDidSucceed').subscribe(() => resolve());
        center.named('SIPAccountRegistrationDidFail').subscribe((n) => reject(new Error(String(n.data.error))));
        setTimeout(() => reject(new Error('no registration within 5 s')), 5000);
      });
      await runner.start();
      await ok;
      await runner.stop();
      await sleep(20);
    });
    assert.ok(digestResponse.length === 32, 'the registrar got digest credentials');
    const all = JSON.stringify(msgs);
    assert.not.ok(all.includes(digestResponse), 'the digest response never shows');
    assert.not.ok(all.includes(password), 'the password never shows');
    assert.ok(all.includes('Authorization: [redacted]'), 'the header is there, its value redacted');
    const txs = of(msgs, 'actor').filter((m) => m.kind === 'nict');
    assert.ok(txs.length >= 2, 'the REGISTER client transactions');
    const reg = of(msgs, 'actor').find((m) => m.kind === 'registration');
    assert.ok(reg, 'the registration actor');
    assert.ok(txs.every((m) => m.owner === reg!.id), `owned by their registration: ${txs.map((m) => m.owner).join(' ')}`);
    assert.ok(msgs.some((m) => m.type === 'stopped' && m.id === reg!.id));
    const ctx = txs[0].context as { request: { summary: string; text: string } };
    assert.match(ctx.request.summary, /^REGISTER sip:example\.test Call-ID \S+ CSeq \d+ REGISTER$/);
  } finally {
    await ua.close();
    await registrar.close();
  }
});

test('redact: secret keys, SIP credentials, SDES keys, URI passwords', () => {
  const sdp = 'v=0\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\na=key-mgmt:mikey AQAFgM0XflABAAAAAAAAAAAAAAsAyONQ6gAAAAAGAAAAAQ\r\n';
  const invite = new SIPRequest({
    method: 'INVITE',
    uri: 'sip:bob@example.com',
    headers: [
      ['Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc'],
      ['From', '<sip:alice@example.com>;tag=1'],
      ['To', '<sip:bob@example.com>'],
      ['Call-ID', 'call-1'],
      ['CSeq', '1 INVITE'],
      ['Proxy-Authorization', 'Digest username="alice", realm="x", nonce="n", uri="sip:bob@example.com", response="0123456789abcdef0123456789abcdef"'],
    ],
    body: sdp,
  });
  const out = redact({ password: 'pw1', ha1: 'abc', apiKey: 'k', credentials: { username: 'a', password: 'b' }, secretThing: 1, message: invite, sdp, fields: [['Authorization', 'Basic YWxpY2U6cHc=']] }) as Record<string, unknown>;
  assert.is(out.password, '[redacted]');
  assert.is(out.ha1, '[redacted]');
  assert.is(out.apiKey, '[redacted]');
  assert.is(out.credentials, '[redacted]');
  assert.is(out.secretThing, '[redacted]');
  const m = out.message as { summary: string; text: string };
  assert.is(m.summary, 'INVITE sip:bob@example.com Call-ID call-1 CSeq 1 INVITE');
  assert.match(m.text, /^Proxy-Authorization: \[redacted\]\r$/m);
  assert.match(m.text, /a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\[redacted\]/);
  assert.match(m.text, /a=key-mgmt:mikey \[redacted\]/);
  assert.not.ok(JSON.stringify(out).includes('PS1uQCVee'));
  assert.not.ok(JSON.stringify(out).includes('0123456789abcdef'));
  assert.not.ok(JSON.stringify(out).includes('AQAFgM0X'));
  assert.match(out.sdp as string, /inline:\[redacted\]/);
  assert.equal(out.fields, [['Authorization', '[redacted]']]);
  // Parsed SDP (sdp-transform) keeps its keys in `config`.
  assert.equal(redact({ crypto: [{ id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: 'inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20' }] }), {
    crypto: [{ id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: 'inline:[redacted]' }],
  });
  const res = new SIPResponse({ status: 401, headers: [['Call-ID', 'c2'], ['CSeq', '3 REGISTER'], ['WWW-Authenticate', 'Digest realm="x", nonce="n1"']] });
  assert.is((redact(res) as { summary: string }).summary, '401 Unauthorized Call-ID c2 CSeq 3 REGISTER');
  assert.is(redactSipText('To: <sip:alice:topsecret@example.com>'), 'To: <sip:alice:[redacted]@example.com>');
  assert.is(redactSipText('Authorization: Digest username="a", response="ff00"\r\n ,cnonce="x"\r\nTo: <sip:b@h>\r\n'), 'Authorization: [redacted]\r\nTo: <sip:b@h>\r\n');
  assert.is(redactSipText('Digest username="a", response="ff00"'), 'Digest username="a", response=[redacted]');
  assert.is(redactSipText('Bearer abc.def.ghi'), 'Bearer [redacted]');
  assert.is(redactSipText('sip:alice@127.0.0.1:5060;transport=udp'), 'sip:alice@127.0.0.1:5060;transport=udp');
  // Not secrets: plain text and SIP without credentials pass unchanged.
  const plain = createRequest({ method: 'OPTIONS', uri: new SipURI({ host: 'example.com' }), from: new SipURI({ user: 'a', host: 'example.com' }), to: new SipURI({ host: 'example.com' }) });
  assert.is((redact(plain) as { text: string }).text, plain.toString());
});

test('redact: plain JSON out of anything (functions, actors, classes, dates, errors, bigints)', () => {
  class Thing {
    x = 1;
  }
  const actor = createActor(counter, { id: 'ref' });
  const out = redact({ f: function named() {}, a: actor, t: new Thing(), d: new Date(0), e: new TypeError('boom'), b: 10n, u: undefined, n: NaN, m: new Map([[1, 2]]), arr: [undefined, 1] });
  assert.equal(out, { f: '<function named>', a: '<actor ref>', t: '<Thing>', d: '1970-01-01T00:00:00.000Z', e: '<TypeError: boom>', b: '10', n: 'NaN', m: '<Map(1)>', arr: [null, 1] });
});

test('hostile values: cycles, a 10 MB buffer, a huge string, deep nesting, throwing getters, proxies', async () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  cyclic.list = [cyclic, { back: cyclic }];
  const big = Buffer.alloc(10 * 1024 * 1024);
  const deep: Record<string, unknown> = {};
  let cur = deep;
  for (let i = 0; i < 100_000; i++) cur = (cur.next = {}) as Record<string, unknown>;
  const throwing = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('getter'); } });
  const proxy = new Proxy({}, { ownKeys: () => { throw new Error('no keys'); } });
  const wide = Array.from({ length: 100_000 }, (_, i) => i);
  const out = redact({ cyclic, big, huge: 'x'.repeat(5_000_000), deep, throwing, wide, u8: new Uint8Array(3) }) as Record<string, unknown>;
  assert.equal(out.cyclic, { name: 'loop', self: '[circular]', list: ['[circular]', { back: '[circular]' }] });
  assert.is(out.big, '<10485760 bytes>');
  assert.is(out.u8, '<3 bytes>');
  assert.ok((out.huge as string).length < 70_000 && (out.huge as string).endsWith('…<5000000 chars>'));
  assert.ok(JSON.stringify(out.deep).length < 1000);
  assert.match(JSON.stringify(out.throwing), /unreadable: getter/);
  assert.is((out.wide as unknown[]).length, 201);
  assert.ok(typeof redact(proxy) === 'string');
  assert.ok(JSON.stringify(redact(proxy)));
  // The same through a real actor while listening: its events and context carry them.
  const hub = new InspectionHub();
  const msgs = await listening(async () => {
    const actor = counterActor('hostile', hub).start();
    actor.send({ type: 'blob', data: { cyclic, big } });
    actor.stop();
  }, hub);
  const event = of(msgs, 'event').find((m) => m.event.type === 'blob')!;
  assert.equal(event.event, { type: 'blob', data: { cyclic: { name: 'loop', self: '[circular]', list: ['[circular]', { back: '[circular]' }] }, big: '<10485760 bytes>' } });
  const last = of(msgs, 'snapshot').at(-1)!;
  assert.is((last.context as { blob: { big: string } }).blob.big, '<10485760 bytes>');
});

test('a dialog actor registered by hand shows its context (a dialog state) as plain JSON', async () => {
  const hub = new InspectionHub();
  const actor = createActor(dialogMachine, {
    id: 'dialog:test',
    input: {
      state: { callId: 'c', localTag: 'l', remoteTag: 'r', localSeq: 1, remoteSeq: undefined, localUri: 'sip:a@h', remoteUri: 'sip:b@h', remoteTarget: 'sip:b@127.0.0.1', routeSet: [], secure: false },
      side: 'uac',
      usages: [INVITE_USAGE],
    },
  });
  hub.register(actor, { id: actor.id, owner: 'session-x' });
  actor.start();
  const msgs = await listening(async () => {}, hub);
  const m = msgs[0] as ActorMsg;
  assert.is(m.kind, 'dialog');
  assert.is(m.owner, 'session-x');
  assert.is(m.value, 'early');
  assert.is((m.context as { callId: string }).callId, 'c');
  actor.stop();
  hub.unregister(actor);
});

test.run();
