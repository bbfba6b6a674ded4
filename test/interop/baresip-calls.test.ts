/**
 * Calls between sipstate and baresip (a softphone nobody here wrote) on loopback, both ways: a
 * tone played on each side is found (Goertzel) in what the other side records, DTMF (RFC 4733)
 * crosses both ways, hold and resume by either side, and either side hangs up.
 *
 * baresip quirks this relies on (test/peers/baresip.ts): it records what it receives into an
 * 8 kHz WAV that closes when the call is put on hold, so audio is checked before any hold; it
 * holds with a=sendonly and answers a hold with a=recvonly.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requireBaresip, startBaresip, type Baresip } from '../peers/baresip.js';
import { Session } from '../../src/api/session.js';
import { AudioStream, AudioStreamType } from '../../src/streams/audio/index.js';
import { dominantFrequency } from '../../src/audio/tone.js';
import { ToneSource } from '../../src/audio/tone-source.js';
import { makeParty, type Party } from '../api/session-harness.js';

requireBaresip();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CANDIDATES = [440, 697, 770, 941, 1000, 1209, 1336, 1477, 2000];

function collector(stream: AudioStream): () => Int16Array {
  const frames: Int16Array[] = [];
  stream.addSink({ sampleRate: 8000, write: (f) => void frames.push(Int16Array.from(f)) });
  return () => new Int16Array(frames.slice(-40).flatMap((f) => [...f]));
}

async function digitsFrom(b: Baresip, since: number, n: number): Promise<string[]> {
  const digits: string[] = [];
  for (let at = since; digits.length < n; ) {
    const e = await b.waitForEvent((x) => x.type === 'CALL_DTMF_START', 4000, at);
    digits.push(e.param ?? '?');
    at = b.events.indexOf(e) + 1;
  }
  return digits;
}

/** Once baresip's call has closed: its recording holds at least a second of `frequency`. */
async function assertBaresipHeard(b: Baresip, frequency: number): Promise<void> {
  await b.waitForEvent('CALL_CLOSED', 3000);
  await sleep(200);
  const rec = b.readRecording();
  assert.ok(rec.samples.length >= 8000, `baresip recorded ${rec.samples.length / 8000} s`);
  assert.is(dominantFrequency(rec.samples.subarray(1600), 8000, CANDIDATES).frequency, frequency);
}

test('sipstate calls baresip: tones cross both ways, DTMF both ways, we hold and resume, baresip hangs up', async () => {
  let b: Baresip | undefined;
  let alice: Party | undefined;
  try {
    b = await startBaresip({ user: 'bob', answerMode: 'auto', tone: { frequency: 440 } });
    alice = await makeParty('alice', [AudioStreamType], { rtp: { start: 46000, end: 46038 } });
    const session = new Session(alice.account, alice.manager.engine);
    const stream = new AudioStream();
    stream.source = new ToneSource(1000);
    const heard = collector(stream);
    const outcome = await session.connect(b.uri, [], [stream]);
    assert.equal(outcome, { started: true });
    await b.waitForEvent('CALL_ESTABLISHED', 5000);
    assert.match(session.remoteUserAgent ?? '', /baresip/i);
    await sleep(1500);
    // what baresip sends reaches us
    assert.is(dominantFrequency(heard(), 8000, CANDIDATES).frequency, 440);
    // DTMF: ours to baresip, baresip's to us
    let mark = b.events.length;
    for (const d of '49') {
      stream.sendDtmf(d);
      await sleep(250);
    }
    assert.equal(await digitsFrom(b, mark, 2), ['4', '9']);
    const before = alice.notes.length;
    await b.ctl.sendDtmf('7*');
    const got: string[] = [];
    for (let at = before; got.length < 2; ) {
      const n = await alice.next('AudioStreamGotDTMF', at, 4000);
      got.push((n.data as { digit: string }).digit);
      at = alice.notes.indexOf(n) + 1;
    }
    assert.equal(got, ['7', '*']);
    await sleep(300);
    // hold and resume from our side: re-INVITEs baresip answers (recvonly, then sendrecv)
    mark = alice.notes.length;
    session.hold();
    const held = await alice.next('SIPSessionDidChangeHoldState', mark);
    assert.equal({ ...held.data, timestamp: 0 }, { timestamp: 0, originator: 'local', on_hold: true, partial: false });
    mark = alice.notes.length;
    session.unhold();
    const resumed = await alice.next('SIPSessionDidChangeHoldState', mark);
    assert.is((resumed.data as { on_hold: boolean }).on_hold, false);
    await sleep(1000);
    assert.is(dominantFrequency(heard(), 8000, CANDIDATES).frequency, 440, 'audio flows again after the resume');
    // baresip hangs up
    await b.ctl.hangup();
    const end = await alice.next('SIPSessionDidEnd');
    assert.is((end.data as { originator: string }).originator, 'remote');
    // what we sent reached baresip (its recording of the call up to the hold)
    await assertBaresipHeard(b, 1000);
  } catch (e) {
    if (b) console.error(`--- baresip log tail:\n${b.log().split('\n').slice(-40).join('\n')}`);
    throw e;
  } finally {
    await alice?.stop();
    await b?.stop();
  }
});

test('baresip calls sipstate: we ring and accept, tones cross, baresip holds and resumes, we hang up', async () => {
  let b: Baresip | undefined;
  let bob: Party | undefined;
  try {
    bob = await makeParty('bob', [AudioStreamType], { rtp: { start: 46100, end: 46138 } });
    b = await startBaresip({ user: 'alice', tone: { frequency: 440 } });
    let heard: (() => Int16Array) | undefined;
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => {
      const s = n.sender as Session;
      const stream = n.data.streams[0] as AudioStream;
      stream.source = new ToneSource(1000);
      heard = collector(stream);
      s.sendRingIndication();
      setTimeout(() => void s.accept([stream]), 300);
    });
    await b.ctl.dial(bob.uri);
    await b.waitForEvent('CALL_RINGING', 5000);
    await b.waitForEvent('CALL_ESTABLISHED', 5000);
    await bob.next('SIPSessionDidStart');
    const session = bob.manager.sessions[0];
    assert.is(session.direction, 'incoming');
    await sleep(1500);
    assert.is(dominantFrequency(heard!(), 8000, CANDIDATES).frequency, 440);
    // baresip's audio file of what we sent, before its hold closes the recording
    let mark = bob.notes.length;
    await b.ctl.hold();
    const held = await bob.next('SIPSessionDidChangeHoldState', mark);
    assert.equal({ ...held.data, timestamp: 0 }, { timestamp: 0, originator: 'remote', on_hold: true, partial: false });
    assert.ok(session.onHold && session.streams[0].onHoldByRemote);
    mark = bob.notes.length;
    await b.ctl.resume();
    const resumed = await bob.next('SIPSessionDidChangeHoldState', mark);
    assert.is((resumed.data as { on_hold: boolean }).on_hold, false);
    await session.end();
    await assertBaresipHeard(b, 1000);
  } catch (e) {
    if (b) console.error(`--- baresip log tail:\n${b.log().split('\n').slice(-40).join('\n')}`);
    throw e;
  } finally {
    await bob?.stop();
    await b?.stop();
  }
});

test('CANCEL towards baresip in manual mode: it rings, we end(), CANCEL, 487; baresip closes', async () => {
  let b: Baresip | undefined;
  let alice: Party | undefined;
  try {
    b = await startBaresip({ user: 'bob', answerMode: 'manual' });
    alice = await makeParty('alice', [AudioStreamType], { rtp: { start: 46200, end: 46238 } });
    const session = new Session(alice.account, alice.manager.engine);
    const done = session.connect(b.uri, [], [new AudioStream()]);
    await b.waitForEvent('CALL_INCOMING', 5000);
    await alice.next('SIPSessionGotRingIndication');
    await session.end();
    assert.equal(await done, { started: false, originator: 'local', code: 487, reason: 'Request Terminated', failure_reason: 'user_request' });
    await b.waitForEvent('CALL_CLOSED', 3000);
  } finally {
    await alice?.stop();
    await b?.stop();
  }
});

test.run();
