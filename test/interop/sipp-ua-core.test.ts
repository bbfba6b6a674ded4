/**
 * The UA core and dialog layer against sipp: a 401 digest challenge checked by sipp itself, an
 * INVITE forked into two early dialogs, and a UAS behind a strict router (RFC 3261 §12.2.1.1).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requireSipp, runSipp, sippPort } from '../peers/sipp.js';
import { UserAgent } from '../../actors/user-agent.js';
import { DialogLayer, type Dialog } from '../../actors/dialog-layer.js';
import { Message } from '../../src/api/message.js';
import { createRequest } from '../../src/index.js';

requireSipp();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fast = { transactions: { timers: { T1: 100, T2: 800, T4: 1000 } } };

test('MESSAGE challenged by sipp with 401: the digest retry passes sipp\'s own check', async () => {
  const ua = await UserAgent.start(fast);
  const port = sippPort();
  const run = runSipp({ scenario: 'auth-uas.xml', port, calls: 1, timeoutMs: 15000 });
  try {
    await sleep(300);
    const result = await new Message(ua, { from: 'sip:alice@example.test', to: `sip:bob@127.0.0.1:${port}`, body: 'hi', credentials: { username: 'alice', password: 'alicepw' } }).send();
    assert.is(result.code, 200, `${result.code} ${result.reason}`);
    const r = await run.done;
    assert.is(r.code, 0, r.stdout.slice(-600));
  } finally {
    run.kill();
    await ua.close();
  }
});

test('MESSAGE with a wrong password: sipp answers 403 (no retry loop)', async () => {
  const ua = await UserAgent.start(fast);
  const port = sippPort();
  const run = runSipp({ scenario: 'auth-uas.xml', port, calls: 1, timeoutMs: 15000 });
  try {
    await sleep(300);
    const result = await new Message(ua, { from: 'sip:alice@example.test', to: `sip:bob@127.0.0.1:${port}`, body: 'hi', credentials: { username: 'alice', password: 'nope' } }).send();
    assert.is(result.code, 403);
  } finally {
    run.kill();
    await ua.close();
  }
});

test('an INVITE forked into two early dialogs: one confirmed, ACKed and ended; the other fails', async () => {
  const ua = await UserAgent.start(fast);
  const dialogs = new DialogLayer(ua, { forkLinger: 300 });
  const port = sippPort();
  const run = runSipp({ scenario: 'fork-uas.xml', port, calls: 1, timeoutMs: 15000 });
  try {
    await sleep(300);
    const invite = createRequest({ method: 'INVITE', uri: `sip:bob@127.0.0.1:${port}`, from: 'sip:alice@example.test', to: 'sip:bob@example.test', contact: ua.contact('alice') });
    const early: Dialog[] = [];
    const result = await dialogs.invite(invite, { onProvisional: (_r, d) => d && early.push(d) });
    assert.is(result.response.status, 200);
    assert.is(result.dialogs.length, 2, 'two early dialogs, one per To tag');
    assert.is(new Set(early.map((d) => d.id)).size, 2);
    const [a, b] = result.dialogs;
    assert.is(result.dialog?.id, b.id, 'the second fork is the confirmed one');
    assert.is(b.status, 'confirmed');
    assert.is(a.status, 'early');
    assert.is(b.context.remoteTarget.startsWith('sip:forkB@'), true);
    const bye = await dialogs.request(result.dialog!, 'BYE');
    assert.is(bye.response.status, 200);
    assert.is(b.status, 'terminated');
    await sleep(400);
    assert.is(a.status, 'terminated', 'the unanswered early dialog ends with the INVITE transaction');
    assert.is(dialogs.size, 0);
    const r = await run.done;
    assert.is(r.code, 0, r.stdout.slice(-800));
  } finally {
    run.kill();
    dialogs.stop();
    await ua.close();
  }
});

test('a UAS behind a strict router: ACK and BYE use the route as Request-URI and the target as last Route', async () => {
  const ua = await UserAgent.start(fast);
  const dialogs = new DialogLayer(ua);
  const port = sippPort();
  const run = runSipp({ scenario: 'strict-route-uas.xml', port, calls: 1, timeoutMs: 15000 });
  try {
    await sleep(300);
    const invite = createRequest({ method: 'INVITE', uri: `sip:bob@127.0.0.1:${port}`, from: 'sip:alice@example.test', to: 'sip:bob@example.test', contact: ua.contact('alice') });
    const result = await dialogs.invite(invite);
    assert.is(result.response.status, 200);
    assert.equal(result.dialog!.context.routeSet.length, 1);
    const bye = await dialogs.request(result.dialog!, 'BYE');
    assert.is(bye.response.status, 200);
    const r = await run.done;
    assert.is(r.code, 0, r.stdout.slice(-800));
  } finally {
    run.kill();
    dialogs.stop();
    await ua.close();
  }
});

test.run();
