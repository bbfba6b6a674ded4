import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  parseTelephoneEvent, buildTelephoneEvent, dtmfEvent, dtmfChar, DtmfSender, DtmfReceiver, EVENT_FLASH,
  type DtmfPacket, type ReceivedDtmf,
} from '../../src/rtp/telephone-event.js';
import { RTPError } from '../../src/rtp/errors.js';
import { buildRTP, parseRTP } from '../../src/rtp/packet.js';

test('RFC 4733 §2.3 payload layout', () => {
  const b = buildTelephoneEvent({ event: 5, end: true, volume: 10, duration: 800 });
  assert.is(b.toString('hex'), '058a0320'); // E=1 R=0 volume=10
  assert.equal(parseTelephoneEvent(b), { event: 5, end: true, volume: 10, duration: 800 });
  // The R bit is ignored by receivers (§2.3.3).
  assert.equal(parseTelephoneEvent(Buffer.from('0b7fffff', 'hex')), { event: 11, end: false, volume: 63, duration: 65535 });
  assert.throws(() => parseTelephoneEvent(Buffer.from('0b7f', 'hex')), (e: unknown) => e instanceof RTPError);
  assert.throws(() => buildTelephoneEvent({ event: 1, end: false, volume: 64, duration: 0 }), (e: unknown) => e instanceof RangeError);
});

test('dtmfEvent / dtmfChar (§3.2)', () => {
  const chars = '0123456789*#ABCD';
  for (let i = 0; i < 16; i++) {
    assert.is(dtmfEvent(chars[i]), i);
    assert.is(dtmfChar(i), chars[i]);
  }
  assert.is(dtmfEvent('a'), 12);
  assert.is(dtmfEvent('flash'), EVENT_FLASH);
  assert.is(dtmfChar(16), '!');
  assert.is(dtmfChar(40), undefined);
  assert.throws(() => dtmfEvent('E'), (e: unknown) => e instanceof RangeError);
  assert.throws(() => dtmfEvent('12'), (e: unknown) => e instanceof RangeError);
});

test('DtmfSender schedule (§2.5.1): marker first, 20 ms updates, three end packets, one timestamp', () => {
  const pkts = new DtmfSender().schedule('5', 16000);
  assert.equal(pkts.map((p) => p.atMs), [0, 20, 40, 60, 80, 100, 120]);
  assert.equal(pkts.map((p) => p.marker), [true, false, false, false, false, false, false]);
  assert.equal(pkts.map((p) => p.event.duration), [160, 320, 480, 640, 800, 800, 800]);
  assert.equal(pkts.map((p) => p.event.end), [false, false, false, false, true, true, true]);
  assert.ok(pkts.every((p) => p.timestamp === 16000 && p.event.event === 5 && p.event.volume === 10));
  assert.is(pkts[4].payload.toString('hex'), '058a0320');
  // A 20 ms event: only the three end packets, the first carrying the marker.
  const short = new DtmfSender({ durationMs: 20, volume: 0 }).schedule('#', 0xffffffff);
  assert.equal(short.map((p) => [p.atMs, p.marker, p.event.end, p.event.duration]), [[0, true, true, 160], [20, false, true, 160], [40, false, true, 160]]);
  assert.is(short[0].timestamp, 0xffffffff);
  // 16 kHz clock: durations scale.
  assert.is(new DtmfSender({ clockRate: 16000 }).schedule(1, 0).at(-1)!.event.duration, 1600);
  assert.throws(() => new DtmfSender({ durationMs: 9000 }), (e: unknown) => e instanceof RangeError);
});

test('schedule survives the RTP layer', () => {
  const pkts = new DtmfSender().schedule('A', 1234);
  const wire = pkts.map((p, i) => buildRTP({ marker: p.marker, payloadType: 101, sequenceNumber: 100 + i, timestamp: p.timestamp, ssrc: 1, payload: p.payload }));
  const rx = new DtmfReceiver();
  const got = wire.flatMap((w) => {
    const r = parseRTP(w);
    return rx.receive({ timestamp: r.timestamp, event: parseTelephoneEvent(r.payload) });
  });
  assert.equal(got, [{ digit: 'A', event: 12, timestamp: 1234, duration: 800, volume: 10, ended: true }]);
});

const feed = (rx: DtmfReceiver, pkts: readonly DtmfPacket[]): ReceivedDtmf[] => pkts.flatMap((p) => rx.receive(p));

test('DtmfReceiver: retransmitted end packets and duplicates give one digit', () => {
  const s = new DtmfSender();
  const pkts = s.schedule('7', 0);
  const rx = new DtmfReceiver();
  const got = feed(rx, [...pkts, ...pkts, pkts[6], pkts[0]]);
  assert.is(got.length, 1);
  assert.is(got[0].digit, '7');
  assert.ok(got[0].ended);
  assert.equal(rx.flush(), []);
});

test('DtmfReceiver: end arriving first, reordering, and the same digit twice', () => {
  const s = new DtmfSender();
  const a = s.schedule('1', 0);
  const b = s.schedule('1', 2000); // same digit again: a new timestamp, a new event
  const rx = new DtmfReceiver();
  const got = feed(rx, [a[5], a[0], a[2], a[1], a[4], a[6], a[3], b[1], b[0], b[4], b[5], b[6]]);
  assert.equal(got.map((g) => [g.digit, g.timestamp, g.duration]), [['1', 0, 800], ['1', 2000, 800]]);
});

test('DtmfReceiver: lost end packets inferred from the next event or flush()', () => {
  const s = new DtmfSender();
  const a = s.schedule('9', 0);
  const b = s.schedule('#', 1600);
  const rx = new DtmfReceiver();
  assert.equal(feed(rx, a.slice(0, 3)), []);
  const got = feed(rx, b.slice(0, 2));
  assert.equal(got.map((g) => [g.digit, g.ended, g.duration]), [['9', false, 480]]);
  // A late packet of the finished event is ignored.
  assert.equal(feed(rx, [a[6]]), []);
  const flushed = rx.flush();
  assert.equal(flushed.map((g) => [g.digit, g.ended]), [['#', false]]);
  assert.equal(feed(rx, b), []);
});

test('DtmfReceiver: bounded memory, timestamps wrapping past 2^32', () => {
  const s = new DtmfSender();
  const rx = new DtmfReceiver(4);
  const reported: ReceivedDtmf[] = [];
  let ts = 0xffffd000;
  const first = s.schedule('0', ts);
  for (let i = 0; i < 20; i++, ts = (ts + 1600) >>> 0) reported.push(...feed(rx, s.schedule(i % 10, ts)));
  assert.is(reported.length, 20);
  assert.equal(feed(rx, first), []); // older than anything remembered: ignored, not re-reported
});

test('property: any order with duplicates reports each digit exactly once', () => {
  const s = new DtmfSender();
  fc.assert(fc.property(
    fc.array(fc.constantFrom(...'0123456789*#ABCD'), { minLength: 1, maxLength: 5 }),
    fc.infiniteStream(fc.nat()),
    fc.array(fc.nat(), { maxLength: 10 }),
    (digits, randoms, dupIdx) => {
      const all = digits.flatMap((d, i) => s.schedule(d, 1000 + i * 2000));
      const withDups = [...all, ...dupIdx.map((k) => all[k % all.length])];
      // Local reordering: shuffle within windows of 6 packets (a few tens of ms of jitter).
      const it = randoms[Symbol.iterator]();
      for (let i = withDups.length - 1; i > 0; i--) {
        const j = Math.max(0, i - (it.next().value as number) % 6);
        [withDups[i], withDups[j]] = [withDups[j], withDups[i]];
      }
      const rx = new DtmfReceiver();
      const got = [...feed(rx, withDups), ...rx.flush()];
      assert.equal(got.map((g) => g.timestamp).sort((x, y) => x - y), digits.map((_, i) => 1000 + i * 2000));
      for (const g of got) assert.is(g.digit, digits[(g.timestamp - 1000) / 2000]);
    },
  ), { numRuns: 500 });
});

test('property: random payloads throw only RTPError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 8 }), (b) => {
    try {
      const e = parseTelephoneEvent(b);
      assert.equal(parseTelephoneEvent(buildTelephoneEvent(e)), e);
    } catch (err) {
      if (!(err instanceof RTPError)) throw err;
    }
  }));
});

test.run();
