/**
 * Stream proposals in an established call against sipp on loopback (scenarios in
 * test/fixtures/sipp/call-*.xml, each with a header saying what it checks): sipp proposing a
 * second audio stream (accepted, refused, failing to set up, or left pending while we hang up),
 * sipstate adding and removing one (accepted, refused), and a BYE crossing our re-INVITE. The
 * same features between two sipstate accounts are in test/api/session-loopback.test.ts. A sipp
 * run passes (exit 0) only if every message it expected came in order and its regexp checks on
 * the SDP held, so each test checks both sides: sipp's verdict and sipstate's notifications and
 * attributes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Notification } from '../../src/api/notification-center.js';
import { AudioStream, AudioStreamType } from '../../src/streams/audio/index.js';
import { makeParty, names, type Party } from '../api/session-harness.js';
import { requireSipp } from '../peers/sipp.js';
import { check, inCall as inCallWith, mediaPort } from './sipp-call.js';
import { waitFor } from '../streams/loopback.js';

requireSipp();


let rtpBase = 46000;
async function party(user = 'alice'): Promise<Party> {
  rtpBase += 40;
  return makeParty(user, [AudioStreamType], { rtp: { start: rtpBase, end: rtpBase + 38 } });
}

/** A call from alice (a party of this file) to sipp running `scenario`. */
const inCall = (scenario: string, extra: string[], body: Parameters<typeof inCallWith>[2], makeAlice: () => Promise<Party> = () => party()) =>
  inCallWith(scenario, extra, body, makeAlice);

type Data = Record<string, unknown>;
const dataOf = (n: Notification): Data => ({ ...(n.data as Data), timestamp: 0 });
/** The streams of a SIPSessionGotProposal (AudioStreams here: the only type registered). */
const streamsOf = (n: Notification): AudioStream[] => (n.data as unknown as { streams: AudioStream[] }).streams;

interface Tx {
  originator: string;
  method: string;
  code: number;
}

/** The SIPSessionDidProcessTransaction notifications after `since`: who answered what, how. */
function transactions(p: Party, since = 0): Tx[] {
  return p.notes
    .slice(since)
    .filter((n) => n.name === 'SIPSessionDidProcessTransaction')
    .map((n) => {
      const { originator, method, code } = n.data as Tx;
      return { originator, method, code };
    });
}

test('sipp proposes a second audio stream (call-uas-adds-stream), we accept: 200 with two active m= lines; GotAcceptProposal, DidRenegotiateStreams add, 2 streams', async () => {
  await inCall('call-uas-adds-stream.xml', ['-d', '300'], async ({ alice, session, first, sipp, port }) => {
    const mark = alice.notes.length;
    const proposal = await alice.next('SIPSessionGotProposal', mark);
    assert.is(session.state, 'received_proposal');
    const proposed = streamsOf(proposal);
    assert.is(proposed.length, 1);
    assert.equal(dataOf(proposal), { timestamp: 0, originator: 'remote', streams: proposed });
    assert.equal(session.proposedStreams, proposed);
    const [second] = proposed;
    assert.ok(second instanceof AudioStream && second !== first);
    session.acceptProposal([second]);
    const accepted = await alice.next('SIPSessionGotAcceptProposal', mark);
    assert.equal(dataOf(accepted), { timestamp: 0, originator: 'remote', streams: [second], proposed_streams: [second] });
    const renegotiated = await alice.next('SIPSessionDidRenegotiateStreams', mark);
    assert.equal(dataOf(renegotiated), { timestamp: 0, action: 'add', streams: [second] });
    assert.equal(session.streams, [first, second]);
    assert.is(session.proposedStreams, undefined);
    assert.is(session.state, 'connected');
    // the new stream runs on sipp's second m= line
    await waitFor(() => second.state === 'started', 2000, 'the new stream to start');
    assert.is(second.remoteRtpPortSdp, mediaPort(port) + 2);
    assert.is(first.remoteRtpPortSdp, mediaPort(port));
    // the re-INVITE's transaction is reported once sipp's ACK for our 200 is in
    const processed = await alice.next('SIPSessionDidProcessTransaction', mark);
    assert.equal(dataOf(processed), { timestamp: 0, originator: 'remote', method: 'INVITE', code: 200, reason: 'OK', ack_received: true });
    assert.equal(transactions(alice, mark), [{ originator: 'remote', method: 'INVITE', code: 200 }]);
    await session.end();
    check(await sipp.done, 'call-uas-adds-stream');
    assert.equal(names(alice).slice(-3), ['SIPSessionWillEnd', 'SIPSessionDidProcessTransaction', 'SIPSessionDidEnd']);
  });
});

test('sipp proposes a second audio stream (call-uas-adds-stream-refused), we reject: 488 ACKed (ack_received true); GotRejectProposal 488, still 1 stream; a one-stream re-offer then works', async () => {
  await inCall('call-uas-adds-stream-refused.xml', ['-d', '300'], async ({ alice, session, first, sipp }) => {
    const mark = alice.notes.length;
    const proposal = await alice.next('SIPSessionGotProposal', mark);
    const proposed = streamsOf(proposal);
    assert.is(proposed.length, 1);
    assert.is(session.state, 'received_proposal');
    session.rejectProposal();
    const rejected = await alice.next('SIPSessionGotRejectProposal', mark);
    assert.equal(dataOf(rejected), { timestamp: 0, originator: 'remote', code: 488, reason: 'Not Acceptable Here', streams: proposed });
    assert.is(session.state, 'connected');
    assert.equal(session.streams, [first]);
    assert.is(session.proposedStreams, undefined);
    assert.not.ok(alice.notes.slice(mark).some((n) => n.name === 'SIPSessionDidRenegotiateStreams'));
    // sipp's one-stream re-offer: answered 200 at once, no proposal
    await waitFor(() => transactions(alice, mark).length === 2, 3000, 'the second re-INVITE');
    assert.equal(transactions(alice, mark), [
      { originator: 'remote', method: 'INVITE', code: 488 },
      { originator: 'remote', method: 'INVITE', code: 200 },
    ]);
    const refusal = alice.notes.slice(mark).find((n) => n.name === 'SIPSessionDidProcessTransaction' && (n.data as Tx).code === 488)!;
    assert.is((refusal.data as { ack_received?: unknown }).ack_received, true, 'sipp ACKed the 488 (absorbed by the transaction, §17.2.1)');
    assert.equal(session.streams, [first]);
    assert.is(session.state, 'connected');
    assert.is(alice.notes.slice(mark).filter((n) => n.name === 'SIPSessionGotProposal').length, 1);
    await session.end();
    check(await sipp.done, 'call-uas-adds-stream-refused');
    const end = await alice.next('SIPSessionDidEnd', mark);
    assert.equal(dataOf(end), { timestamp: 0, originator: 'local', end_reason: 'user_request' });
  });
});

test('accepting sipp\'s proposal fails (no RTP port left, call-uas-adds-stream-refused): HadProposalFailure, 488 to sipp, still 1 stream; the call goes on', async () => {
  // one RTP/RTCP pair: the first stream takes it, the proposed one cannot initialize
  const onePortPair = () => {
    rtpBase += 40;
    return makeParty('alice', [AudioStreamType], { rtp: { start: rtpBase, end: rtpBase + 1 } });
  };
  await inCall('call-uas-adds-stream-refused.xml', ['-d', '300'], async ({ alice, session, first, sipp }) => {
    const mark = alice.notes.length;
    const proposal = await alice.next('SIPSessionGotProposal', mark);
    const proposed = streamsOf(proposal);
    session.acceptProposal(proposed);
    const failure = await alice.next('SIPSessionHadProposalFailure', mark);
    const { failure_reason: why, ...rest } = dataOf(failure);
    assert.equal(rest, { timestamp: 0, streams: proposed });
    assert.ok(typeof why === 'string' && why.length > 0, String(why));
    assert.is(session.state, 'connected');
    assert.equal(session.streams, [first]);
    assert.is(session.proposedStreams, undefined);
    assert.not.ok(alice.notes.slice(mark).some((n) => n.name === 'SIPSessionGotAcceptProposal' || n.name === 'SIPSessionDidRenegotiateStreams'));
    await waitFor(() => transactions(alice, mark).length === 2, 3000, 'the second re-INVITE');
    assert.equal(transactions(alice, mark), [
      { originator: 'remote', method: 'INVITE', code: 488 },
      { originator: 'remote', method: 'INVITE', code: 200 },
    ]);
    const refusal = alice.notes.slice(mark).find((n) => n.name === 'SIPSessionDidProcessTransaction' && (n.data as Tx).code === 488)!;
    assert.is((refusal.data as { ack_received?: unknown }).ack_received, true, 'sipp ACKed the 488 (absorbed by the transaction, §17.2.1)');
    assert.equal(session.streams, [first]);
    await session.end();
    check(await sipp.done, 'call-uas-adds-stream-refused (proposal failure)');
  }, onePortPair);
});

test('addStream to sipp (call-uas-stream-added-removed): two m=audio lines, sipp accepts; GotAcceptProposal local; then removeStream: port 0 on the second line, 1 stream', async () => {
  await inCall('call-uas-stream-added-removed.xml', [], async ({ alice, session, first, sipp, port }) => {
    let mark = alice.notes.length;
    const second = new AudioStream();
    session.addStream(second);
    assert.is(session.state, 'sending_proposal');
    assert.equal(session.proposedStreams, [second]);
    const proposal = await alice.next('SIPSessionGotProposal', mark);
    assert.equal(dataOf(proposal), { timestamp: 0, originator: 'local', streams: [second] });
    const accepted = await alice.next('SIPSessionGotAcceptProposal', mark, 3000);
    assert.equal(dataOf(accepted), { timestamp: 0, originator: 'local', streams: [second], proposed_streams: [second] });
    const added = await alice.next('SIPSessionDidRenegotiateStreams', mark);
    assert.equal(dataOf(added), { timestamp: 0, action: 'add', streams: [second] });
    assert.is(session.state, 'connected');
    assert.equal(session.streams, [first, second]);
    assert.is(session.proposedStreams, undefined);
    await waitFor(() => second.state === 'started', 2000, 'the new stream to start');
    assert.is(second.remoteRtpPortSdp, mediaPort(port) + 2);
    assert.is(first.remoteRtpPortSdp, mediaPort(port));
    assert.equal(transactions(alice, mark), [{ originator: 'local', method: 'INVITE', code: 200 }]);

    mark = alice.notes.length;
    session.removeStream(second);
    // "the stream is always removed": at once, whatever the answer
    const removed = await alice.next('SIPSessionDidRenegotiateStreams', mark);
    assert.equal(dataOf(removed), { timestamp: 0, action: 'remove', streams: [second] });
    assert.equal(session.streams, [first]);
    await waitFor(() => transactions(alice, mark).length === 1, 3000, 'the 200 to the removing re-INVITE');
    assert.equal(transactions(alice, mark), [{ originator: 'local', method: 'INVITE', code: 200 }]);
    assert.is(session.state, 'connected');
    assert.equal(session.streams, [first]);
    assert.is(first.remoteRtpPortSdp, mediaPort(port));
    assert.not.ok(alice.notes.slice(mark).some((n) => n.name === 'SIPSessionGotRejectProposal' || n.name === 'SIPSessionGotProposal'));
    await session.end();
    check(await sipp.done, 'call-uas-stream-added-removed');
    await alice.next('SIPSessionDidEnd', mark);
  });
});

test('addStream refused by sipp (call-uas-refuses-stream): 488 → GotRejectProposal 488, streams as they were; the next re-INVITE (hold) offers one stream', async () => {
  await inCall('call-uas-refuses-stream.xml', [], async ({ alice, session, first, sipp, port }) => {
    let mark = alice.notes.length;
    const second = new AudioStream();
    session.addStream(second);
    const rejected = await alice.next('SIPSessionGotRejectProposal', mark, 3000);
    assert.equal(dataOf(rejected), { timestamp: 0, originator: 'local', code: 488, reason: 'Not Acceptable Here', streams: [second] });
    assert.is(session.state, 'connected');
    assert.equal(session.streams, [first]);
    assert.is(session.proposedStreams, undefined);
    assert.equal(transactions(alice, mark), [{ originator: 'local', method: 'INVITE', code: 488 }]);
    assert.not.ok(alice.notes.slice(mark).some((n) => n.name === 'SIPSessionDidRenegotiateStreams' || n.name === 'SIPSessionGotAcceptProposal'));
    // §14.1: the refused stream is gone (ended), the first one plays on
    await waitFor(() => second.state === 'ended', 2000, 'the refused stream to end');
    assert.is(first.remoteRtpPortSdp, mediaPort(port));
    mark = alice.notes.length;
    session.hold();
    const held = await alice.next('SIPSessionDidChangeHoldState', mark, 3000);
    assert.equal(dataOf(held), { timestamp: 0, originator: 'local', on_hold: true, partial: false });
    assert.equal(session.streams, [first]);
    await session.end();
    check(await sipp.done, 'call-uas-refuses-stream');
  });
});

test('BYE crossing our re-INVITE (call-uas-bye-crosses-reinvite): sipp hangs up while our addStream is pending; DidEnd remote, 200 to the BYE, the late 487 ACKed', async () => {
  await inCall('call-uas-bye-crosses-reinvite.xml', [], async ({ alice, session, first, sipp }) => {
    const mark = alice.notes.length;
    const second = new AudioStream();
    session.addStream(second);
    const end = await alice.next('SIPSessionDidEnd', mark, 3000);
    assert.equal(dataOf(end), { timestamp: 0, originator: 'remote', end_reason: 'user_request' });
    assert.is(session.state, 'terminated');
    check(await sipp.done, 'call-uas-bye-crosses-reinvite');
    await waitFor(() => first.state === 'ended' && second.state === 'ended', 2000, 'both streams to end');
    assert.is(alice.manager.sessions.length, 0);
    const seen = names(alice).slice(names(alice).indexOf('SIPSessionGotProposal'));
    assert.equal(seen.slice(0, 4), ['SIPSessionGotProposal', 'SIPSessionDidProcessTransaction', 'SIPSessionWillEnd', 'SIPSessionDidEnd']);
    const tx = transactions(alice, mark);
    assert.equal(tx[0], { originator: 'remote', method: 'BYE', code: 200 });
    // Nothing after DidEnd: not the re-INVITE's late 487 (ACKed by the transaction layer, as
    // sipp's pass shows), no accept or reject of the dead proposal.
    assert.equal(seen.slice(4), []);
    assert.is(tx.length, 1);
  });
});

test('we hang up while sipp\'s proposal is pending (call-uas-adds-stream-caller-hangs-up): sipp gets 487 to its re-INVITE and our BYE; DidEnd local', async () => {
  await inCall('call-uas-adds-stream-caller-hangs-up.xml', ['-d', '300'], async ({ alice, session, first, sipp }) => {
    const mark = alice.notes.length;
    const proposal = await alice.next('SIPSessionGotProposal', mark);
    const proposed = streamsOf(proposal);
    assert.is(proposed.length, 1);
    assert.is(session.state, 'received_proposal');
    // leave it pending a while (the transaction layer sends 100 Trying after 200 ms, §17.2.1)
    await new Promise((r) => setTimeout(r, 300));
    await session.end();
    const end = await alice.next('SIPSessionDidEnd', mark);
    assert.equal(dataOf(end), { timestamp: 0, originator: 'local', end_reason: 'user_request' });
    assert.is(session.state, 'terminated');
    check(await sipp.done, 'call-uas-adds-stream-caller-hangs-up');
    assert.equal(transactions(alice, mark), [{ originator: 'local', method: 'BYE', code: 200 }]);
    assert.not.ok(alice.notes.slice(mark).some((n) => n.name === 'SIPSessionGotAcceptProposal' || n.name === 'SIPSessionDidRenegotiateStreams'));
    await waitFor(() => first.state === 'ended', 2000, 'the stream to end');
    assert.ok(proposed[0].state === 'idle' || proposed[0].state === 'ended', proposed[0].state);
    assert.is(alice.manager.sessions.length, 0);
  });
});

test.run();
