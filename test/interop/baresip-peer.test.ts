/**
 * Proves the baresip peer harness (test/peers/baresip.ts) works: baresip A calls baresip B, both
 * started by the helper on loopback. B auto-answers, A sends a 1 kHz tone, B records it; A sends
 * DTMF "12#" (RFC 4733) and B reports the digits; A hangs up. B's recording must be dominated by
 * 1000 Hz (B itself sends 440 Hz, which A records).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requireBaresip, startBaresip, type Baresip } from '../peers/baresip.js';
import { dominantFrequency } from '../../src/audio/tone.js';

requireBaresip();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('baresip A calls baresip B: tone crosses, DTMF 12# arrives, hangup closes both', async () => {
  let a: Baresip | undefined;
  let b: Baresip | undefined;
  try {
    [a, b] = await Promise.all([
      startBaresip({ user: 'alice', tone: { frequency: 1000 } }),
      startBaresip({ user: 'bob', answerMode: 'auto', tone: { frequency: 440 } }),
    ]);
    assert.match(b.uri, /^sip:bob@127\.0\.0\.1:\d+$/);
    await a.ctl.dial(b.uri);
    const [ea, eb] = await Promise.all([a.waitForEvent('CALL_ESTABLISHED', 5000), b.waitForEvent('CALL_ESTABLISHED', 5000)]);
    assert.is(ea.direction, 'outgoing');
    assert.is(eb.direction, 'incoming');
    assert.is(ea.id, eb.id, 'same Call-ID on both sides');
    assert.is(eb.peeruri, a.uri);
    await b.waitForEvent('CALL_RTPESTAB', 3000);

    await sleep(1500);
    const mark = b.events.length;
    await a.ctl.sendDtmf('12#');
    const digits: string[] = [];
    for (let since = mark; digits.length < 3; ) {
      const e = await b.waitForEvent((x) => x.type === 'CALL_DTMF_START', 3000, since);
      digits.push(e.param ?? '?');
      since = b.events.indexOf(e) + 1;
    }
    assert.equal(digits, ['1', '2', '#']);
    await b.waitForEvent((x) => x.type === 'CALL_DTMF_END', 3000, b.events.length - 1);
    await sleep(300);

    await a.ctl.hangup();
    await Promise.all([a.waitForEvent('CALL_CLOSED', 3000), b.waitForEvent('CALL_CLOSED', 3000)]);
    await sleep(100);

    const rec = b.readRecording();
    assert.is(rec.sampleRate, 8000);
    assert.is(rec.channels, 1);
    assert.ok(rec.samples.length >= 8000 * 1.5, `B recorded ${rec.samples.length / 8000} s`);
    const d = dominantFrequency(rec.samples.subarray(1600), 8000, [440, 697, 770, 941, 1000, 1209, 1336, 1477, 2000]);
    assert.is(d.frequency, 1000, JSON.stringify(d));
    assert.ok(d.share > 0.8, JSON.stringify(d));
    const back = dominantFrequency(a.readRecording().samples.subarray(1600), 8000, [440, 1000]);
    assert.is(back.frequency, 440, JSON.stringify(back));
  } catch (e) {
    if (a) console.error(`--- baresip A log tail:\n${a.log().split('\n').slice(-40).join('\n')}`);
    if (b) console.error(`--- baresip B log tail:\n${b.log().split('\n').slice(-40).join('\n')}`);
    throw e;
  } finally {
    await Promise.all([a?.stop(), b?.stop()]);
  }
});

test('stop() ends a call in progress and removes the dir', async () => {
  const b = await startBaresip({ answerMode: 'manual' });
  const a = await startBaresip({ user: 'alice' });
  try {
    await a.ctl.dial(b.uri);
    const inc = await b.waitForEvent('CALL_INCOMING', 5000);
    assert.is(inc.direction, 'incoming');
    await a.waitForEvent('CALL_RINGING', 3000);
    await b.ctl.answer();
    await a.waitForEvent('CALL_ESTABLISHED', 3000);
    await b.stop();
    const closed = await a.waitForEvent('CALL_CLOSED', 3000);
    assert.ok(closed.param, 'a reason');
    assert.ok(b.exited);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test.run();
