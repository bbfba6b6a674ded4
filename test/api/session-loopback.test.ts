/**
 * Two sipstate user agents calling each other on loopback with signalling-only streams:
 * the Session's own behaviour (states, notifications, hold, proposals, ending) end to end.
 * Real peers (sipp, baresip, kamailio) are in test/interop/.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Session } from '../../src/api/session.js';
import { ProbeStream, ProbeStreamType } from './probe-stream.js';
import { makeParty, names, type Party } from './session-harness.js';

async function pair(): Promise<[Party, Party]> {
  return [await makeParty('alice', [ProbeStreamType]), await makeParty('bob', [ProbeStreamType])];
}

test('a call: connect, ring, accept, DidStart on both sides, end → DidEnd on both', async () => {
  const [alice, bob] = await pair();
  try {
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => {
      const s = n.sender as Session;
      s.sendRingIndication();
      setTimeout(() => void s.accept((n.data as { streams: ProbeStream[] }).streams), 50);
    });
    const session = new Session(alice.account, alice.manager.engine);
    const stream = new ProbeStream();
    const outcome = await session.connect(bob.uri, [], [stream]);
    assert.equal(outcome, { started: true });
    assert.is(session.state, 'connected');
    await bob.next('SIPSessionDidStart');
    assert.equal(names(alice), [
      'SIPSessionNewOutgoing',
      'SIPSessionGotProvisionalResponse',
      'SIPSessionGotRingIndication',
      'SIPSessionDidProcessTransaction',
      'SIPSessionWillStart',
      'SIPSessionDidStart',
    ]);
    assert.equal(names(bob), ['SIPSessionNewIncoming', 'SIPSessionWillStart', 'SIPSessionDidProcessTransaction', 'SIPSessionDidStart']);
    assert.is(alice.manager.sessions.length, 1);
    assert.is(bob.manager.sessions.length, 1);
    const bobSession = bob.manager.sessions[0];
    assert.is(bobSession.direction, 'incoming');
    assert.is(bobSession.remoteIdentity?.uri.toString().startsWith('sip:alice@'), true);
    await session.end();
    const end = await bob.next('SIPSessionDidEnd');
    assert.equal({ ...end.data, timestamp: undefined }, { timestamp: undefined, originator: 'remote', end_reason: 'user_request' });
    assert.ok(stream.calls.includes('initialize outgoing') && stream.calls.includes('start 0') && stream.calls.at(-1) === 'end', stream.calls.join());
    await new Promise((r) => setTimeout(r, 20));
    assert.is(alice.manager.sessions.length, 0);
    assert.is(bob.manager.sessions.length, 0);
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('reject 486: DidFail remote 486 at the caller, local at the callee', async () => {
  const [alice, bob] = await pair();
  try {
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => void (n.sender as Session).reject(486, 'Busy Here'));
    const session = new Session(alice.account, alice.manager.engine);
    const outcome = await session.connect(bob.uri, [], [new ProbeStream()]);
    assert.equal(outcome, { started: false, originator: 'remote', code: 486, reason: 'Busy Here', failure_reason: '486 Busy Here' });
    const fail = await bob.next('SIPSessionDidFail');
    assert.is((fail.data as { originator: string }).originator, 'local');
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('end() while ringing sends CANCEL: DidFail 487 at both sides', async () => {
  const [alice, bob] = await pair();
  try {
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => (n.sender as Session).sendRingIndication());
    const session = new Session(alice.account, alice.manager.engine);
    const done = session.connect(bob.uri, [], [new ProbeStream()]);
    await alice.next('SIPSessionGotRingIndication');
    await session.end();
    assert.equal(await done, { started: false, originator: 'local', code: 487, reason: 'Request Terminated', failure_reason: 'user_request' });
    const fail = await bob.next('SIPSessionDidFail');
    assert.equal((fail.data as { code: number; originator: string }).code, 487);
    assert.equal((fail.data as { code: number; originator: string }).originator, 'remote');
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('hold and unhold: re-INVITEs, DidChangeHoldState on both sides, streams told', async () => {
  const [alice, bob] = await pair();
  try {
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => void (n.sender as Session).accept((n.data as { streams: ProbeStream[] }).streams));
    const session = new Session(alice.account, alice.manager.engine);
    const stream = new ProbeStream();
    await session.connect(bob.uri, [], [stream]);
    const mark = alice.notes.length;
    const bobMark = bob.notes.length;
    session.hold();
    const held = await alice.next('SIPSessionDidChangeHoldState', mark);
    assert.equal({ ...held.data, timestamp: 0 }, { timestamp: 0, originator: 'local', on_hold: true, partial: false });
    const remoteHeld = await bob.next('SIPSessionDidChangeHoldState', bobMark);
    assert.equal({ ...remoteHeld.data, timestamp: 0 }, { timestamp: 0, originator: 'remote', on_hold: true, partial: false });
    assert.ok(session.onHold);
    const mark2 = alice.notes.length;
    session.unhold();
    const unheld = await alice.next('SIPSessionDidChangeHoldState', mark2);
    assert.is((unheld.data as { on_hold: boolean }).on_hold, false);
    assert.ok(stream.calls.includes('hold') && stream.calls.includes('unhold'));
    await session.end();
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test.run();
