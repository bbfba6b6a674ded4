import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { parseRTP, buildRTP, SequenceTracker, RTPError } from '../../src/rtp/packet.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('buildRTP: RFC 3550 §5.1 fixed header byte by byte', () => {
  const b = buildRTP({ marker: true, payloadType: 0, sequenceNumber: 0x1234, timestamp: 0xdeadbeef, ssrc: 0x01020304, payload: Buffer.from([1, 2, 3]) });
  // V=2 P=0 X=0 CC=0 -> 0x80; M=1 PT=0 -> 0x80
  assert.is(hex(b), '80' + '80' + '1234' + 'deadbeef' + '01020304' + '010203');
  const p = parseRTP(b);
  assert.equal(
    { v: p.version, P: p.padding, X: p.extension, M: p.marker, pt: p.payloadType, seq: p.sequenceNumber, ts: p.timestamp, ssrc: p.ssrc, csrcs: p.csrcs, payload: hex(p.payload) },
    { v: 2, P: false, X: false, M: true, pt: 0, seq: 0x1234, ts: 0xdeadbeef, ssrc: 0x01020304, csrcs: [], payload: '010203' },
  );
  assert.is(p.extensionHeader, undefined);
});

test('buildRTP: CSRCs, header extension and padding bits and positions', () => {
  const b = buildRTP({
    payloadType: 101, sequenceNumber: 65535, timestamp: 1, ssrc: 0xffffffff,
    csrcs: [0xaabbccdd, 7], extensionHeader: { profile: 0xbede, data: Buffer.from('10ff0000', 'hex') },
    paddingLength: 3, payload: Buffer.from('cafe', 'hex'),
  });
  assert.is(b[0], 0x80 | 0x20 | 0x10 | 2); // V=2 P X CC=2
  assert.is(b[1], 101); // M=0
  assert.is(hex(b.subarray(12, 20)), 'aabbccdd00000007');
  assert.is(hex(b.subarray(20, 24)), 'bede0001'); // profile, length 1 word
  assert.is(hex(b.subarray(24, 28)), '10ff0000');
  assert.is(hex(b.subarray(28)), 'cafe' + '0000' + '03');
  const p = parseRTP(b);
  assert.equal(p.csrcs, [0xaabbccdd, 7]);
  assert.is(p.extensionHeader?.profile, 0xbede);
  assert.is(hex(p.extensionHeader!.data), '10ff0000');
  assert.ok(p.padding);
  assert.is(p.paddingLength, 3);
  assert.is(hex(p.payload), 'cafe');
  assert.is(p.sequenceNumber, 65535);
});

function rtpErr(buf: Buffer, code: string): void {
  try {
    parseRTP(buf);
    assert.unreachable('should throw');
  } catch (e) {
    assert.instance(e, RTPError);
    assert.is((e as RTPError).code, code);
  }
}

test('parseRTP: typed errors', () => {
  const good = buildRTP({ payloadType: 8, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: Buffer.alloc(4) });
  rtpErr(good.subarray(0, 11), 'short');
  const v1 = Buffer.from(good); v1[0] = 0x40; rtpErr(v1, 'bad-version');
  const cc = Buffer.from(good); cc[0] = 0x82; rtpErr(cc, 'csrc-overrun'); // 2 CSRCs = 8 octets, only 4 left
  const x = Buffer.from(good); x[0] = 0x90; rtpErr(x.subarray(0, 14), 'extension-overrun');
  const x2 = Buffer.from(good); x2[0] = 0x90; x2.writeUInt16BE(5, 14); rtpErr(x2, 'extension-overrun');
  const p0 = Buffer.from(good); p0[0] = 0xa0; p0[15] = 0; rtpErr(p0, 'bad-padding');
  const p9 = Buffer.from(good); p9[0] = 0xa0; p9[15] = 5; rtpErr(p9, 'bad-padding');
  const p4 = Buffer.from(good); p4[0] = 0xa0; p4[15] = 4; assert.is(parseRTP(p4).payload.length, 0);
});

test('buildRTP refuses out-of-range fields', () => {
  assert.throws(() => buildRTP({ payloadType: 128, sequenceNumber: 0, timestamp: 0, ssrc: 0, payload: Buffer.alloc(0) }), (e: unknown) => e instanceof RangeError);
  assert.throws(() => buildRTP({ payloadType: 0, sequenceNumber: 65536, timestamp: 0, ssrc: 0, payload: Buffer.alloc(0) }), (e: unknown) => e instanceof RangeError);
  assert.throws(() => buildRTP({ payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, csrcs: new Array(16).fill(1), payload: Buffer.alloc(0) }), (e: unknown) => e instanceof RangeError);
});

test('property: random buffers throw only RTPError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
    try {
      const p = parseRTP(Buffer.from(bytes));
      assert.ok(p.payload.length <= bytes.length);
    } catch (e) {
      if (!(e instanceof RTPError)) throw e;
    }
  }), { numRuns: 5000 });
});

test('property: build/parse round trip', () => {
  fc.assert(fc.property(
    fc.record({
      marker: fc.boolean(), payloadType: fc.integer({ min: 0, max: 127 }), sequenceNumber: fc.integer({ min: 0, max: 65535 }),
      timestamp: fc.nat({ max: 0xffffffff }), ssrc: fc.nat({ max: 0xffffffff }), csrcs: fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 15 }),
      paddingLength: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ maxLength: 200 }), ext: fc.option(fc.uint8Array({ maxLength: 12 })),
    }),
    (f) => {
      const extData = f.ext ? Buffer.from(f.ext.subarray(0, f.ext.length & ~3)) : undefined;
      const b = buildRTP({ ...f, ...(extData ? { extensionHeader: { profile: 0x1000, data: extData } } : {}) });
      const p = parseRTP(b);
      assert.is(p.marker, f.marker);
      assert.is(p.payloadType, f.payloadType);
      assert.is(p.sequenceNumber, f.sequenceNumber);
      assert.is(p.timestamp, f.timestamp);
      assert.is(p.ssrc, f.ssrc);
      assert.equal(p.csrcs, f.csrcs);
      assert.is(p.paddingLength, f.paddingLength);
      assert.ok(p.payload.equals(Buffer.from(f.payload)));
      assert.is(p.extension, extData !== undefined);
      if (extData) assert.ok(p.extensionHeader!.data.equals(extData));
    },
  ), { numRuns: 1000 });
});

test('SequenceTracker: probation (A.1 MIN_SEQUENTIAL=2), first packet not counted', () => {
  const t = new SequenceTracker();
  assert.is(t.update(100), false);
  assert.is(t.valid, false);
  assert.is(t.update(101), true);
  assert.ok(t.valid);
  assert.is(t.received, 1);
  assert.is(t.expected, 1);
  // Probation restarts on an out-of-sequence packet.
  const u = new SequenceTracker();
  assert.is(u.update(10), false);
  assert.is(u.update(12), false);
  assert.is(u.update(13), true);
  assert.is(u.extendedHighestSeq, 13);
});

test('SequenceTracker: wrap-around adds a cycle, and a source starting at 65535 validates', () => {
  const t = new SequenceTracker();
  for (const s of [65533, 65534, 65535, 0, 1]) t.update(s);
  assert.is(t.extendedHighestSeq, 65536 + 1);
  assert.is(t.expected, 4); // 65534 .. 65537
  assert.is(t.received, 4);
  assert.is(t.lost, 0);
  const u = new SequenceTracker();
  assert.is(u.update(65535), false);
  assert.is(u.update(0), true);
  assert.is(u.extendedHighestSeq, 0);
  u.update(1);
  assert.is(u.lost, 0);
});

test('SequenceTracker: loss and fraction lost (A.3) against hand-computed values', () => {
  const t = new SequenceTracker();
  for (const s of [100, 101, 102, 103, 105, 106]) t.update(s);
  // base 101, max 106: expected 6, received 5 (101,102,103,105,106), lost 1
  assert.is(t.expected, 6);
  assert.is(t.lost, 1);
  let r = t.report();
  assert.equal(r, { fractionLost: Math.floor(256 / 6), cumulativeLost: 1, extendedHighestSeq: 106, jitter: 0 });
  assert.is(r.fractionLost, 42);
  for (const s of [107, 108, 109, 110]) t.update(s);
  r = t.report();
  assert.is(r.fractionLost, 0);
  assert.is(r.cumulativeLost, 1);
  // 111, then 115: 3 lost of 5 expected in this interval -> 3*256/5 = 153.6 -> 153
  t.update(111); t.update(115);
  r = t.report();
  assert.is(r.fractionLost, 153);
  assert.is(r.cumulativeLost, 4);
  // A duplicate counts as received: cumulative lost goes down, fraction stays 0.
  t.update(115); t.update(115);
  r = t.report();
  assert.is(r.cumulativeLost, 2);
  assert.is(r.fractionLost, 0);
});

test('SequenceTracker: large jump needs two sequential packets to resync (A.1 bad_seq)', () => {
  const t = new SequenceTracker();
  t.update(1); t.update(2); t.update(3);
  assert.is(t.update(20000), false);
  assert.is(t.extendedHighestSeq, 3);
  assert.is(t.update(20001), true); // the sender restarted: state re-initialised
  assert.is(t.extendedHighestSeq, 20001);
  assert.is(t.received, 1);
  assert.is(t.lost, 0);
  // A late packet within MAX_MISORDER is accepted as reordered without moving max_seq.
  assert.is(t.update(19990), true);
  assert.is(t.extendedHighestSeq, 20001);
});

test('SequenceTracker: interarrival jitter (A.8) against hand-computed values', () => {
  const t = new SequenceTracker({ minSequential: 0 });
  const transits = [1000, 1010, 1000, 1030];
  transits.forEach((tr, i) => t.update(i, i * 160, i * 160 + tr));
  // D = 10, 10, 30: J = 10/16 = 0.625; + (10-0.625)/16 = 1.2109375; + (30-1.2109375)/16 = 3.01025390625
  assert.ok(Math.abs(t.jitter - 3.01025390625) < 1e-12);
  assert.is(t.report().jitter, 3);
  // Timestamps wrapping past 2^32 do not disturb it.
  const u = new SequenceTracker({ minSequential: 0 });
  u.update(0, 0xffffff00, 0xffffff00 + 500);
  u.update(1, (0xffffff00 + 160) >>> 0, 0xffffff00 + 160 + 516);
  assert.ok(Math.abs(u.jitter - 1) < 1e-12);
});

test.run();
