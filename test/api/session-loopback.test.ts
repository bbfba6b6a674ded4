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
      setTimeout(() => void s.accept((n.data.streams as ProbeStream[])), 50);
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
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => void (n.sender as Session).accept((n.data.streams as ProbeStream[])));
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


async function connected(alice: Party, bob: Party, stream = new ProbeStream()): Promise<[Session, Session]> {
  const sub = bob.center.named('SIPSessionNewIncoming').subscribe((n) => void (n.sender as Session).accept((n.data.streams as ProbeStream[])));
  const session = new Session(alice.account, alice.manager.engine);
  const outcome = await session.connect(bob.uri, [], [stream]);
  sub.unsubscribe();
  assert.equal(outcome, { started: true });
  await bob.next('SIPSessionDidStart');
  return [session, bob.manager.sessions[0]];
}

test('add_stream: the remote accepts (GotProposal, GotAcceptProposal, DidRenegotiateStreams add on both sides)', async () => {
  const [alice, bob] = await pair();
  try {
    const [ours, theirs] = await connected(alice, bob);
    bob.center.named('SIPSessionGotProposal').subscribe((n) => {
      if ((n.data as { originator: string }).originator === 'remote') (n.sender as Session).acceptProposal((n.data.streams as ProbeStream[]));
    });
    const mark = alice.notes.length;
    const extra = new ProbeStream();
    ours.addStream(extra);
    assert.is(ours.state, 'sending_proposal');
    const accepted = await alice.next('SIPSessionGotAcceptProposal', mark);
    assert.equal((accepted.data as { streams: unknown[] }).streams, [extra]);
    await alice.next('SIPSessionDidRenegotiateStreams', mark);
    await bob.next('SIPSessionGotAcceptProposal');
    assert.is(ours.streams.length, 2);
    await new Promise((r) => setTimeout(r, 20));
    assert.is(theirs.streams.length, 2);
    assert.ok(extra.calls.includes('start 1'), extra.calls.join());
    assert.is(ours.state, 'connected');
    await ours.end();
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('add_stream: the remote rejects → GotRejectProposal 488, streams as they were', async () => {
  const [alice, bob] = await pair();
  try {
    const [ours] = await connected(alice, bob);
    bob.center.named('SIPSessionGotProposal').subscribe((n) => {
      if ((n.data as { originator: string }).originator === 'remote') (n.sender as Session).rejectProposal(488);
    });
    const mark = alice.notes.length;
    const extra = new ProbeStream();
    ours.addStream(extra);
    const rejected = await alice.next('SIPSessionGotRejectProposal', mark);
    assert.equal({ ...rejected.data, timestamp: 0 }, { timestamp: 0, originator: 'local', code: 488, reason: 'Not Acceptable Here', streams: [extra] });
    assert.is(ours.streams.length, 1);
    assert.ok(extra.calls.includes('end'));
    await ours.end();
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('remove_stream: the stream ends at once and the remote drops it (port 0)', async () => {
  const [alice, bob] = await pair();
  try {
    const first = new ProbeStream();
    const [ours, theirs] = await connected(alice, bob, first);
    bob.center.named('SIPSessionGotProposal').subscribe((n) => (n.sender as Session).acceptProposal((n.data.streams as ProbeStream[])));
    const second = new ProbeStream();
    ours.addStream(second);
    await alice.next('SIPSessionGotAcceptProposal');
    const mark = bob.notes.length;
    ours.removeStream(first);
    assert.ok(first.calls.includes('deactivate') && first.calls.includes('end'));
    const removed = await bob.next('SIPSessionDidRenegotiateStreams', mark);
    assert.is((removed.data as { action: string }).action, 'remove');
    assert.is(theirs.streams.length, 1);
    assert.equal(ours.streams, [second]);
    await ours.end();
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('glare (§14.1): both sides hold at once → 491 to one or both, each retries after its timer, both end up held', async () => {
  const [alice, bob] = await pair();
  try {
    const [ours, theirs] = await connected(alice, bob);
    const a = alice.notes.length;
    const b = bob.notes.length;
    ours.hold();
    theirs.hold();
    await alice.next('SIPSessionDidChangeHoldState', a, 12000);
    await bob.next('SIPSessionDidChangeHoldState', b, 12000);
    const codes = [...alice.notes, ...bob.notes]
      .filter((n) => n.name === 'SIPSessionDidProcessTransaction' && (n.data as { method: string }).method === 'INVITE')
      .map((n) => (n.data as { code: number }).code);
    assert.ok(codes.includes(491), `a 491 was exchanged: ${codes}`);
    await new Promise((r) => setTimeout(r, 4500));
    assert.ok(ours.streams[0].onHoldByLocal && theirs.streams[0].onHoldByLocal);
    await ours.end();
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('end() while accepting (R-SES-3): the BYE waits for the ACK; both sides end cleanly', async () => {
  const [alice, bob] = await pair();
  try {
    let theirs: Session | undefined;
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => {
      theirs = n.sender as Session;
      void theirs.accept((n.data.streams as ProbeStream[]));
    });
    bob.center.named('SIPSessionWillStart').subscribe(() => void theirs!.end());
    const session = new Session(alice.account, alice.manager.engine);
    const outcome = await session.connect(bob.uri, [], [new ProbeStream()]);
    assert.equal(outcome, { started: true });
    await alice.next('SIPSessionDidEnd');
    const fail = await bob.next('SIPSessionDidFail');
    assert.is((fail.data as { originator: string }).originator, 'local');
    assert.is(theirs!.state, 'terminated');
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('a stream that fails to initialize: the caller fails locally, the callee refuses with 488', async () => {
  const [alice, bob] = await pair();
  try {
    const bad = new ProbeStream();
    bad.failInitialize = true;
    const session = new Session(alice.account, alice.manager.engine);
    const outcome = await session.connect(bob.uri, [], [bad]);
    assert.equal(outcome, { started: false, originator: 'local', code: 0, reason: '', failure_reason: 'probe refuses to initialize' });
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => {
      const streams = (n.data.streams as ProbeStream[]);
      for (const s of streams) s.failInitialize = true;
      void (n.sender as Session).accept(streams);
    });
    const second = new Session(alice.account, alice.manager.engine);
    const out2 = await second.connect(bob.uri, [], [new ProbeStream()]);
    assert.equal(out2, { started: false, originator: 'remote', code: 488, reason: 'Not Acceptable Here', failure_reason: '488 Not Acceptable Here' });
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('wrong API use throws SessionError at once', async () => {
  const [alice, bob] = await pair();
  try {
    const session = new Session(alice.account, alice.manager.engine);
    const isSessionError = (e: unknown) => e instanceof Error && e.name === 'SessionError';
    assert.throws(() => session.accept([]), isSessionError);
    assert.throws(() => session.addStream(new ProbeStream()), isSessionError);
    assert.throws(() => session.connect(bob.uri, [], []), isSessionError);
    assert.throws(() => session.connect('not a uri', [], [new ProbeStream()]), isSessionError);
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('BYE crossing a re-INVITE: one side holds while the other hangs up; both end, nothing hangs', async () => {
  const [alice, bob] = await pair();
  try {
    const [ours, theirs] = await connected(alice, bob);
    ours.hold();
    void theirs.end();
    const a = await alice.next('SIPSessionDidEnd');
    const b = await bob.next('SIPSessionDidEnd');
    assert.is((a.data as { originator: string }).originator, 'remote');
    assert.is((b.data as { originator: string }).originator, 'local');
    await new Promise((r) => setTimeout(r, 50));
    assert.is(ours.state, 'terminated');
    assert.is(theirs.state, 'terminated');
    assert.is(alice.manager.sessions.length + bob.manager.sessions.length, 0);
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('hold() before the call is up is sent as soon as it is: a re-INVITE right after DidStart', async () => {
  const [alice, bob] = await pair();
  try {
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => void (n.sender as Session).accept(n.data.streams));
    const session = new Session(alice.account, alice.manager.engine);
    session.hold();
    const stream = new ProbeStream();
    await session.connect(bob.uri, [], [stream]);
    const held = await alice.next('SIPSessionDidChangeHoldState');
    assert.is((held.data as { on_hold: boolean }).on_hold, true);
    assert.ok(stream.onHoldByLocal);
    await session.end();
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('attributes: direction, transport, identities, times, remote user agent; identities cleared at the end', async () => {
  const [alice, bob] = await pair();
  try {
    const [ours, theirs] = await connected(alice, bob);
    assert.is(ours.direction, 'outgoing');
    assert.is(theirs.direction, 'incoming');
    assert.is(ours.transport, 'udp');
    assert.is(theirs.transport, 'udp');
    assert.ok(ours.startTime instanceof Date && ours.stopTime === undefined);
    assert.match(ours.remoteIdentity!.uri.toString(), /^sip:bob@/);
    assert.match(theirs.remoteIdentity!.uri.toString(), /^sip:alice@/);
    assert.is(theirs.remoteIdentity!.displayName, 'Alice');
    assert.match(ours.remoteUserAgent ?? '', /sipstate/);
    assert.match(theirs.remoteUserAgent ?? '', /sipstate/);
    assert.is(ours.proposedStreams, undefined);
    await ours.end();
    assert.ok((ours.stopTime as Date | undefined) instanceof Date);
    assert.is(ours.remoteIdentity, undefined);
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('SessionManager.stop() ends every live session with a BYE (the application is stopping)', async () => {
  const [alice, bob] = await pair();
  try {
    await connected(alice, bob);
    await bob.manager.stop(2000);
    const end = await alice.next('SIPSessionDidEnd');
    assert.is((end.data as { originator: string }).originator, 'remote');
    assert.is(bob.manager.sessions.length, 0);
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('cancel_proposal: CANCEL of our pending re-INVITE → GotRejectProposal 487 on both sides, streams as they were', async () => {
  const [alice, bob] = await pair();
  try {
    const [ours, theirs] = await connected(alice, bob);
    const mark = alice.notes.length;
    const extra = new ProbeStream();
    ours.addStream(extra);
    await bob.next('SIPSessionGotProposal'); // bob leaves it pending: received_proposal
    assert.is(theirs.state, 'received_proposal');
    await new Promise((r) => setTimeout(r, 50)); // the 100 Trying has reached us: CANCEL may go (§9.1)
    ours.cancelProposal();
    const rejected = await alice.next('SIPSessionGotRejectProposal', mark);
    assert.equal({ ...rejected.data, timestamp: 0 }, { timestamp: 0, originator: 'local', code: 487, reason: 'Request Terminated', streams: [extra] });
    const theirsRejected = await bob.next('SIPSessionGotRejectProposal');
    assert.is((theirsRejected.data as { code: number }).code, 487);
    assert.is(ours.streams.length, 1);
    assert.is(ours.state, 'connected');
    assert.is(theirs.state, 'connected');
    await ours.end();
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test('accept() with a subset of the offer: the rest is answered with port 0 and never started', async () => {
  const [alice, bob] = await pair();
  try {
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => void (n.sender as Session).accept(n.data.streams.slice(0, 1)));
    const session = new Session(alice.account, alice.manager.engine);
    const first = new ProbeStream();
    const second = new ProbeStream();
    assert.equal(await session.connect(bob.uri, [], [first, second]), { started: true });
    assert.ok(first.calls.includes('start 0'));
    assert.not.ok(second.calls.some((c) => c.startsWith('start')), second.calls.join());
    const theirs = bob.manager.sessions[0];
    assert.is(theirs.streams.length, 1);
    await session.end();
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test.run();
