/**
 * INVITE sessions against sipp on loopback (scenarios in test/fixtures/sipp/call-*.xml, each
 * with a header saying what it checks): sipstate calling sipp and sipp calling sipstate, with
 * AudioStreams carrying RTP. A sipp run passes (exit 0) only if every message it expected came
 * in order, so each test checks both sides: sipp's verdict and sipstate's notifications.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from '../../src/api/session.js';
import { AudioStream, AudioStreamType } from '../../src/streams/audio/index.js';
import { WavePlayer } from '../../src/audio/wave-player.js';
import { dominantFrequency, sineTone } from '../../src/audio/tone.js';
import { writeWav } from '../../src/audio/wav.js';
import { makeParty, names, type Party } from '../api/session-harness.js';
import { requireSipp, runSipp, sippPort, type SippResult } from '../peers/sipp.js';
import { inCall, sippCallsUs } from './sipp-call.js';

requireSipp();

let rtpBase = 44000;
async function party(user = 'alice', rtpTimeout = 0): Promise<Party> {
  rtpBase += 40;
  return makeParty(user, [AudioStreamType], { rtp: { start: rtpBase, end: rtpBase + 38 }, rtpTimeout });
}

function check(r: SippResult, what: string): void {
  assert.is(r.code, 0, `${what}: sipp failed (exit ${r.code})\n${r.stderr.slice(-1500)}\n${r.stdout.slice(-1500)}`);
}

const dir = mkdtempSync(join(tmpdir(), 'sipstate-sipp-calls-'));
const tone = join(dir, 'tone-1000.wav');
writeFileSync(tone, writeWav({ sampleRate: 8000, channels: 1, samples: sineTone(1000, 3000, 8000) }));

test('sipstate calls sipp (call-uas -rtp_echo): 180, 200, ACK; our tone comes back echoed; DTMF echoed back too; BYE', async () => {
  const alice = await party();
  const port = sippPort();
  const sipp = runSipp({ scenario: 'call-uas.xml', port, calls: 1, args: ['-mp', String(port + 1000), '-rtp_echo'], timeoutMs: 20000 });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const session = new Session(alice.account, alice.manager.engine);
    const stream = new AudioStream();
    stream.source = new WavePlayer(tone, { loop: true });
    const frames: Int16Array[] = [];
    stream.addSink({ sampleRate: 8000, write: (f) => void frames.push(Int16Array.from(f)) });
    const outcome = await session.connect(`sip:service@127.0.0.1:${port}`, [], [stream]);
    assert.equal(outcome, { started: true });
    assert.equal(names(alice).filter((n) => n !== 'SIPSessionDidProcessTransaction'), [
      'SIPSessionNewOutgoing',
      'SIPSessionGotProvisionalResponse',
      'SIPSessionGotRingIndication',
      'SIPSessionWillStart',
      'SIPSessionDidStart',
    ]);
    assert.is(stream.codec, 'PCMU');
    assert.is(stream.remoteRtpPortSdp, port + 1000);
    await new Promise((r) => setTimeout(r, 1200));
    stream.sendDtmf('5');
    const dtmf = await alice.next('AudioStreamGotDTMF', 0, 3000);
    assert.is((dtmf.data as { digit: string }).digit, '5');
    const heard = new Int16Array(frames.slice(-25).flatMap((f) => [...f]));
    assert.ok(heard.length >= 8000 * 0.4, `audio came back (${heard.length} samples)`);
    assert.is(dominantFrequency(heard, 8000, [440, 700, 1000, 1400, 2000]).frequency, 1000);
    assert.is(stream.remoteRtpPortReceived, port + 1000);
    await session.end();
    check(await sipp.done, 'call-uas');
    assert.equal(names(alice).slice(-3), ['SIPSessionWillEnd', 'SIPSessionDidProcessTransaction', 'SIPSessionDidEnd']);
  } finally {
    sipp.kill();
    await alice.stop();
  }
});

test('sipp calls sipstate (call-uac): we ring and accept; sipp hangs up → DidEnd remote', async () => {
  const bob = await party('bob');
  try {
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => {
      const s = n.sender as Session;
      s.sendRingIndication();
      setTimeout(() => void s.accept(n.data.streams), 100);
    });
    const { sipp, port } = sippCallsUs(bob, 'call-uac.xml', { args: ['-d', '1000'], timeoutMs: 20000 });
    check(await sipp.done, 'call-uac');
    const end = await bob.next('SIPSessionDidEnd');
    assert.is((end.data as { originator: string }).originator, 'remote');
    const started = await bob.next('SIPSessionDidStart');
    const stream = (started.data as unknown as { streams: AudioStream[] }).streams[0];
    assert.is(stream.codec, 'PCMU');
    assert.is(stream.remoteRtpPortSdp, port + 1000);
  } finally {
    await bob.stop();
  }
});

test('sipp answers 486: DidFail remote 486 "Busy Here"; sipp got its ACK', async () => {
  const alice = await party();
  const port = sippPort();
  const sipp = runSipp({ scenario: 'call-uas-486.xml', port, calls: 1, timeoutMs: 15000 });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const session = new Session(alice.account, alice.manager.engine);
    const outcome = await session.connect(`sip:service@127.0.0.1:${port}`, [], [new AudioStream()]);
    assert.equal(outcome, { started: false, originator: 'remote', code: 486, reason: 'Busy Here', failure_reason: '486 Busy Here' });
    check(await sipp.done, 'call-uas-486');
  } finally {
    sipp.kill();
    await alice.stop();
  }
});

test('3xx: sipp redirects with 302, the session follows the Contact to a second sipp that answers', async () => {
  const alice = await party();
  const redirector = sippPort();
  const target = sippPort();
  const uas = runSipp({ scenario: 'call-uas.xml', port: target, calls: 1, args: ['-mp', String(target + 1000)], timeoutMs: 20000 });
  const sipp302 = runSipp({ scenario: 'call-uas-302.xml', port: redirector, calls: 1, args: ['-key', 'redirect_to', `sip:carol@127.0.0.1:${target}`], timeoutMs: 20000 });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const session = new Session(alice.account, alice.manager.engine);
    const outcome = await session.connect(`sip:service@127.0.0.1:${redirector}`, [], [new AudioStream()]);
    assert.equal(outcome, { started: true });
    check(await sipp302.done, 'call-uas-302');
    await session.end();
    check(await uas.done, 'call-uas after the redirect');
  } finally {
    sipp302.kill();
    uas.kill();
    await alice.stop();
  }
});

test('183 with SDP (early media): GotProvisionalResponse 183, the stream starts on the early answer, then 200', async () => {
  const alice = await party();
  const port = sippPort();
  const sipp = runSipp({ scenario: 'call-uas-183.xml', port, calls: 1, args: ['-d', '1500', '-mp', String(port + 1000), '-rtp_echo'], timeoutMs: 20000 });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const session = new Session(alice.account, alice.manager.engine);
    const stream = new AudioStream();
    stream.source = new WavePlayer(tone, { loop: true });
    let earlyFrames = 0;
    stream.addSink({ sampleRate: 8000, write: () => void (session.state === 'outgoing' && earlyFrames++) });
    const outcome = await session.connect(`sip:service@127.0.0.1:${port}`, [], [stream]);
    assert.equal(outcome, { started: true });
    const p = alice.notes.find((n) => n.name === 'SIPSessionGotProvisionalResponse');
    assert.is((p?.data as { code: number }).code, 183);
    assert.ok(earlyFrames > 10, `early media flowed before the 200 (${earlyFrames} frames)`);
    await session.end();
    check(await sipp.done, 'call-uas-183');
  } finally {
    sipp.kill();
    await alice.stop();
  }
});

test('end() while ringing: CANCEL, 487, ACK (call-uas-ring-forever); DidFail local 487', async () => {
  const alice = await party();
  const port = sippPort();
  const sipp = runSipp({ scenario: 'call-uas-ring-forever.xml', port, calls: 1, timeoutMs: 15000 });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const session = new Session(alice.account, alice.manager.engine);
    const done = session.connect(`sip:service@127.0.0.1:${port}`, [], [new AudioStream()]);
    await alice.next('SIPSessionGotRingIndication');
    await session.end();
    assert.equal(await done, { started: false, originator: 'local', code: 487, reason: 'Request Terminated', failure_reason: 'user_request' });
    check(await sipp.done, 'call-uas-ring-forever');
  } finally {
    sipp.kill();
    await alice.stop();
  }
});

test('sipp CANCELs its INVITE while we ring (call-uac-cancel): 487 from us, DidFail remote', async () => {
  const bob = await party('bob');
  try {
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => (n.sender as Session).sendRingIndication());
    const { sipp } = sippCallsUs(bob, 'call-uac-cancel.xml', { args: ['-d', '300'], timeoutMs: 15000 });
    check(await sipp.done, 'call-uac-cancel');
    const fail = await bob.next('SIPSessionDidFail');
    assert.equal({ ...fail.data, timestamp: 0 }, { timestamp: 0, originator: 'remote', code: 487, reason: 'Request Terminated', failure_reason: 'user_request' });
    assert.is(bob.manager.sessions.length, 0);
  } finally {
    await bob.stop();
  }
});

test('hold and unhold towards sipp (call-uas-reinvite-hold): sendonly then sendrecv re-INVITEs, DidChangeHoldState', async () => {
  await inCall('call-uas-reinvite-hold.xml', { timeoutMs: 20000 }, async ({ alice, session, sipp, first: stream }) => {
    let mark = alice.notes.length;
    session.hold();
    const held = await alice.next('SIPSessionDidChangeHoldState', mark);
    assert.equal({ ...held.data, timestamp: 0 }, { timestamp: 0, originator: 'local', on_hold: true, partial: false });
    assert.ok(stream.onHoldByLocal);
    mark = alice.notes.length;
    session.unhold();
    const resumed = await alice.next('SIPSessionDidChangeHoldState', mark);
    assert.is((resumed.data as { on_hold: boolean }).on_hold, false);
    assert.ok(!stream.onHold);
    await session.end();
    check(await sipp.done, 'call-uas-reinvite-hold');
  }, party);
});

test('sipp puts us on hold and back (call-uas-sends-hold): answered recvonly then sendrecv, hold state remote', async () => {
  await inCall('call-uas-sends-hold.xml', { args: ['-d', '500'], timeoutMs: 20000 }, async ({ alice, session, sipp }) => {
    const held = await alice.next('SIPSessionDidChangeHoldState');
    assert.equal({ ...held.data, timestamp: 0 }, { timestamp: 0, originator: 'remote', on_hold: true, partial: false });
    const mark = alice.notes.length;
    const resumed = await alice.next('SIPSessionDidChangeHoldState', mark);
    assert.equal({ ...resumed.data, timestamp: 0 }, { timestamp: 0, originator: 'remote', on_hold: false, partial: false });
    await new Promise((r) => setTimeout(r, 200));
    await session.end();
    check(await sipp.done, 'call-uas-sends-hold');
  }, party);
});

test('re-INVITE glare with sipp (call-uas-glare): 491 both ways, sipp retries first, we retry after 2.1–4 s', async () => {
  await inCall('call-uas-glare.xml', { timeoutMs: 25000 }, async ({ alice, session, sipp }) => {
    const mark = alice.notes.length;
    session.hold();
    const held = await alice.next('SIPSessionDidChangeHoldState', mark, 12000);
    assert.is((held.data as { on_hold: boolean }).on_hold, true);
    const tx = alice.notes.slice(mark).filter((n) => n.name === 'SIPSessionDidProcessTransaction').map((n) => n.data as { originator: string; method: string; code: number; timestamp: Date });
    const our491 = tx.find((t) => t.originator === 'local' && t.code === 491);
    const their491 = tx.find((t) => t.originator === 'remote' && t.code === 491);
    const ours200 = tx.find((t) => t.originator === 'local' && t.code === 200);
    assert.ok(our491 && their491 && ours200, JSON.stringify(tx));
    const wait = ours200!.timestamp.getTime() - our491!.timestamp.getTime();
    assert.ok(wait >= 2000, `retried ${wait} ms after the 491 (§14.1: 2.1–4 s for the Call-ID owner)`);
    await session.end();
    check(await sipp.done, 'call-uas-glare');
  }, party);
});

test('a re-INVITE without SDP (call-uac-reinvite-no-sdp): our 200 carries an offer, sipp ACKs with the answer', async () => {
  const bob = await party('bob');
  try {
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => void (n.sender as Session).accept(n.data.streams));
    const { sipp } = sippCallsUs(bob, 'call-uac-reinvite-no-sdp.xml', { args: ['-d', '500'], timeoutMs: 20000 });
    check(await sipp.done, 'call-uac-reinvite-no-sdp');
    await bob.next('SIPSessionDidEnd');
    const reinvite = bob.notes.filter((n) => n.name === 'SIPSessionDidProcessTransaction' && (n.data as { method: string }).method === 'INVITE');
    assert.is(reinvite.length, 2);
  } finally {
    await bob.stop();
  }
});

test('the RTP timeout ends the session: sipp sends no RTP, rtp.timeout 1 s → BYE, DidEnd local "rtp timeout"', async () => {
  const alice = await party('alice', 1);
  const port = sippPort();
  const sipp = runSipp({ scenario: 'call-uas.xml', port, calls: 1, args: ['-mp', String(port + 1000)], timeoutMs: 20000 });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const session = new Session(alice.account, alice.manager.engine);
    const started = Date.now();
    await session.connect(`sip:service@127.0.0.1:${port}`, [], [new AudioStream()]);
    const end = await alice.next('SIPSessionDidEnd', 0, 6000);
    assert.equal({ ...end.data, timestamp: 0 }, { timestamp: 0, originator: 'local', end_reason: 'rtp timeout' });
    assert.ok(alice.notes.some((n) => n.name === 'AudioStreamDidTimeout'));
    assert.ok(Date.now() - started >= 900, 'not before the timeout');
    check(await sipp.done, 'call-uas (BYE after the timeout)');
  } finally {
    sipp.kill();
    await alice.stop();
  }
});

test('ACK never arrives (call-uac-no-ack): the 200 is retransmitted T1, 2·T1... then BYE after 64·T1; DidFail "missing ACK"', async () => {
  const T1 = 50;
  rtpBase += 40;
  const bob = await makeParty('bob', [AudioStreamType], { T1, rtp: { start: rtpBase, end: rtpBase + 38 } });
  try {
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => void (n.sender as Session).accept(n.data.streams));
    const started = Date.now();
    const { sipp } = sippCallsUs(bob, 'call-uac-no-ack.xml', { timeoutMs: 20000, traceMessages: true });
    const r = await sipp.done;
    check(r, 'call-uac-no-ack');
    const fail = await bob.next('SIPSessionDidFail');
    assert.equal({ ...fail.data, timestamp: 0 }, { timestamp: 0, originator: 'remote', code: 0, reason: '', failure_reason: 'missing ACK' });
    const invite = bob.notes.find((n) => n.name === 'SIPSessionDidProcessTransaction' && (n.data as { method: string }).method === 'INVITE');
    assert.equal({ ...invite?.data, timestamp: 0 }, { timestamp: 0, originator: 'remote', method: 'INVITE', code: 200, reason: 'OK', ack_received: false });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 64 * T1, `BYE after 64·T1 (${elapsed} ms)`);
    // 200s received by sipp: the first and its retransmissions (T1 doubling to T2 = 4·T1 here)
    const oks = r.messages.split('\n').filter((l) => l.startsWith('SIP/2.0 200 OK')).length;
    assert.ok(oks >= 10, `the 200 was retransmitted (${oks} seen)`);
  } finally {
    await bob.stop();
  }
});

test('our 200 to sipp\'s re-INVITE is never ACKed (call-uas-reinvite-no-ack): retransmitted, then BYE after 64·T1; ack_received false', async () => {
  const T1 = 50;
  await inCall('call-uas-reinvite-no-ack.xml', { args: ['-d', '300'], timeoutMs: 20000, traceMessages: true }, async ({ alice, sipp }) => {
    const mark = alice.notes.length;
    const held = await alice.next('SIPSessionDidChangeHoldState', mark);
    const heldAt = Date.now();
    assert.is((held.data as { on_hold: boolean }).on_hold, true);
    const processed = await alice.next('SIPSessionDidProcessTransaction', mark, 5000);
    assert.equal({ ...processed.data, timestamp: 0 }, { timestamp: 0, originator: 'remote', method: 'INVITE', code: 200, reason: 'OK', ack_received: false });
    const end = await alice.next('SIPSessionDidEnd', mark, 5000);
    assert.ok(Date.now() - heldAt >= 64 * T1 - 100, `BYE after 64·T1 (${Date.now() - heldAt} ms)`);
    assert.equal({ ...end.data, timestamp: 0 }, { timestamp: 0, originator: 'remote', end_reason: 'missing ACK' }, 'the peer failed to ACK (as for the initial INVITE)');
    const r = await sipp.done;
    check(r, 'call-uas-reinvite-no-ack');
    // the 200 to the re-INVITE (CSeq 1 INVITE, sipp's numbering) and its retransmissions
    const oks = r.messages.split(/^-{20,}.*$/m).filter((m) => /^SIP\/2\.0 200 OK/m.test(m) && /^CSeq:\s*1 INVITE/im.test(m) && /a=(recvonly|inactive)/.test(m)).length;
    assert.ok(oks >= 5, `the 200 was retransmitted (${oks} seen by sipp)`);
  }, () => {
    rtpBase += 40;
    return makeParty('alice', [AudioStreamType], { T1, rtp: { start: rtpBase, end: rtpBase + 38 } });
  });
});

test('CANCEL crossing the 200 (call-uas-cancel-crosses-200): we ACK the 2xx, then BYE; DidFail local 487, never DidStart', async () => {
  const alice = await party();
  const port = sippPort();
  const sipp = runSipp({ scenario: 'call-uas-cancel-crosses-200.xml', port, calls: 1, args: ['-mp', String(port + 1000)], timeoutMs: 15000 });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const session = new Session(alice.account, alice.manager.engine);
    const done = session.connect(`sip:service@127.0.0.1:${port}`, [], [new AudioStream()]);
    await alice.next('SIPSessionGotRingIndication');
    await session.end();
    assert.equal(await done, { started: false, originator: 'local', code: 487, reason: 'Request Terminated', failure_reason: 'user_request' });
    check(await sipp.done, 'call-uas-cancel-crosses-200');
    assert.not.ok(names(alice).includes('SIPSessionDidStart'));
  } finally {
    sipp.kill();
    await alice.stop();
  }
});

test('a refused hold (call-uas-reinvite-488): the session stays connected and not held (§14.1)', async () => {
  await inCall('call-uas-reinvite-488.xml', [], async ({ alice, session, sipp, first: stream }) => {
    const mark = alice.notes.length;
    session.hold();
    await new Promise<void>((resolve) => {
      const check488 = () =>
        alice.notes.slice(mark).some((n) => n.name === 'SIPSessionDidProcessTransaction' && (n.data as { code: number }).code === 488) ? resolve() : setTimeout(check488, 20);
      check488();
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.is(session.state, 'connected');
    assert.not.ok(stream.onHoldByLocal, 'the stream is back off hold');
    assert.not.ok(alice.notes.slice(mark).some((n) => n.name === 'SIPSessionDidChangeHoldState'));
    await session.end();
    check(await sipp.done, 'call-uas-reinvite-488');
  }, party);
});

test('end() while accepting (R-SES-3) against sipp (call-uac-callee-hangs-up): our BYE waits for the ACK', async () => {
  const bob = await party('bob');
  try {
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => void (n.sender as Session).accept(n.data.streams));
    bob.center.named('SIPSessionWillStart').subscribe((n) => void (n.sender as Session).end());
    const { sipp } = sippCallsUs(bob, 'call-uac-callee-hangs-up.xml', { timeoutMs: 15000, traceMessages: true });
    const r = await sipp.done;
    check(r, 'call-uac-callee-hangs-up');
    const lines = r.messages.split('\n');
    const ackAt = lines.findIndex((l) => l.startsWith('ACK '));
    const byeAt = lines.findIndex((l) => l.startsWith('BYE '));
    assert.ok(ackAt >= 0 && byeAt > ackAt, 'the BYE came after the ACK');
    const fail = await bob.next('SIPSessionDidFail');
    assert.is((fail.data as { failure_reason: string }).failure_reason, 'user_request');
  } finally {
    await bob.stop();
  }
});

test('an INVITE without an offer (call-uac-late-offer): our 200 offers, the ACK answers, audio starts', async () => {
  const bob = await party('bob');
  try {
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => void (n.sender as Session).accept(n.data.streams));
    const { sipp, port } = sippCallsUs(bob, 'call-uac-late-offer.xml', { args: ['-d', '500'], timeoutMs: 15000 });
    check(await sipp.done, 'call-uac-late-offer');
    const started = await bob.next('SIPSessionDidStart');
    const stream = (started.data as unknown as { streams: AudioStream[] }).streams[0];
    assert.is(stream.codec, 'PCMU');
    assert.is(stream.remoteRtpPortSdp, port + 1000);
    await bob.next('SIPSessionDidEnd');
  } finally {
    await bob.stop();
  }
});

test('a challenged INVITE (call-uas-auth): 401 answered with digest, and the ACK of the 2xx carries the same credentials', async () => {
  rtpBase += 40;
  const alice = await makeParty('alice', [AudioStreamType], { password: 'alicepw', rtp: { start: rtpBase, end: rtpBase + 38 } });
  const port = sippPort();
  const sipp = runSipp({ scenario: 'call-uas-auth.xml', port, calls: 1, args: ['-mp', String(port + 1000)], timeoutMs: 15000 });
  try {
    await new Promise((r) => setTimeout(r, 200));
    const session = new Session(alice.account, alice.manager.engine);
    assert.equal(await session.connect(`sip:service@127.0.0.1:${port}`, [], [new AudioStream()]), { started: true });
    await session.end();
    check(await sipp.done, 'call-uas-auth');
  } finally {
    sipp.kill();
    await alice.stop();
  }
});

test.run();
