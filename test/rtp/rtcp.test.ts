import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  parseRTCP, buildRTCP, buildRTCPPacket, RTCPError, isRTCP, cnameOf, ntpFromUnixMs, ntpMiddle32,
  SDES_CNAME, type RTCPPacket, type ReceiverReport, type SenderReport, type SourceDescription,
} from '../../src/rtp/rtcp.js';
import { SequenceTracker, buildRTP } from '../../src/rtp/packet.js';

const block = { ssrc: 0x11111111, fractionLost: 42, cumulativeLost: 1, extendedHighestSeq: 0x00010005, jitter: 3, lastSR: 0x12345678, delaySinceLastSR: 0x10000 };

test('SR byte layout (RFC 3550 §6.4.1)', () => {
  const sr: SenderReport = { type: 'sr', ssrc: 0xaabbccdd, ntpSeconds: 0xe0000001, ntpFraction: 0x80000000, rtpTimestamp: 160, packetCount: 5, octetCount: 800, reports: [block] };
  const b = buildRTCPPacket(sr);
  assert.is(b.length, 52);
  assert.is(b.toString('hex'),
    '81c8000c' + 'aabbccdd' + 'e0000001' + '80000000' + '000000a0' + '00000005' + '00000320' +
    '11111111' + '2a000001' + '00010005' + '00000003' + '12345678' + '00010000');
  assert.equal(parseRTCP(b), [sr]);
});

test('RR with negative cumulative lost (signed 24 bits) round trips', () => {
  const rr: RTCPPacket = { type: 'rr', ssrc: 1, reports: [{ ...block, cumulativeLost: -5 }, { ...block, ssrc: 2 }] };
  const b = buildRTCPPacket(rr);
  assert.is(b.subarray(0, 4).toString('hex'), '82c9000d');
  assert.is(b.subarray(13, 16).toString('hex'), 'fffffb');
  assert.equal(parseRTCP(b), [rr]);
});

test('SDES CNAME chunk layout: null terminator and padding to 32 bits (§6.5)', () => {
  const b = buildRTCPPacket({ type: 'sdes', chunks: [{ ssrc: 0x01020304, items: [{ type: SDES_CNAME, text: 'ab' }] }] });
  assert.is(b.toString('hex'), '81ca0003' + '01020304' + '01026162' + '00000000');
  const six = buildRTCPPacket({ type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: SDES_CNAME, text: 'abcdef' }] }] });
  assert.is(six.length, 4 + 16); // 4 + 2 + 6 = 12, a full word of nulls follows
  assert.is(six.subarray(16).toString('hex'), '00000000');
});

test('compound SR + SDES + BYE round trip, cnameOf', () => {
  const packets: RTCPPacket[] = [
    { type: 'sr', ssrc: 7, ntpSeconds: 1, ntpFraction: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5, reports: [] },
    { type: 'sdes', chunks: [{ ssrc: 7, items: [{ type: SDES_CNAME, text: 'alice@example.com' }, { type: 6, text: 'sipstate' }] }, { ssrc: 8, items: [] }] },
    { type: 'bye', ssrcs: [7, 8], reason: 'bye now' },
  ];
  const b = buildRTCP(packets);
  assert.ok(isRTCP(b));
  assert.not.ok(isRTCP(buildRTP({ payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, payload: Buffer.alloc(0), marker: true })));
  const parsed = parseRTCP(b);
  assert.equal(parsed, packets);
  assert.is(cnameOf(parsed[1] as SourceDescription, 7), 'alice@example.com');
  assert.is(cnameOf(parsed[1] as SourceDescription, 8), undefined);
  // BYE without reason
  assert.equal(parseRTCP(buildRTCP([{ type: 'bye', ssrcs: [9] }])), [{ type: 'bye', ssrcs: [9] }]);
});

test('unknown packet types (APP, feedback) are kept whole', () => {
  const app: RTCPPacket = { type: 'other', packetType: 204, count: 1, body: Buffer.from('0000000141424344', 'hex') };
  const b = buildRTCP([{ type: 'rr', ssrc: 1, reports: [] }, app]);
  assert.equal(parseRTCP(b), [{ type: 'rr', ssrc: 1, reports: [] }, app]);
});

test('padding allowed on the last packet only', () => {
  const rr = buildRTCPPacket({ type: 'rr', ssrc: 1, reports: [] });
  const padded = Buffer.concat([rr, Buffer.from([0, 0, 0, 4])]);
  padded[0] |= 0x20;
  padded.writeUInt16BE(2, 2);
  assert.equal(parseRTCP(padded), [{ type: 'rr', ssrc: 1, reports: [] }]);
  const notLast = Buffer.concat([padded, rr]);
  assert.throws(() => parseRTCP(notLast), (e: unknown) => e instanceof RTCPError && e.code === 'bad-padding');
});

function code(buf: Buffer): string {
  try {
    parseRTCP(buf);
    return 'ok';
  } catch (e) {
    assert.instance(e, RTCPError);
    return (e as RTCPError).code;
  }
}

test('typed errors on malformed input', () => {
  const rr = buildRTCPPacket({ type: 'rr', ssrc: 1, reports: [block] });
  assert.is(code(rr.subarray(0, 3)), 'short');
  const v = Buffer.from(rr); v[0] = 0x41; assert.is(code(v), 'bad-version');
  assert.is(code(rr.subarray(0, rr.length - 4)), 'length-overrun');
  const cnt = Buffer.from(rr); cnt[0] = 0x82; assert.is(code(cnt), 'bad-count');
  const sdes = buildRTCPPacket({ type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'ab' }] }] });
  const unterminated = Buffer.from(sdes); unterminated.fill(0x41, 12, 16); // no null item; the next "item" overruns
  assert.is(code(unterminated), 'bad-sdes');
  const sdesCount = Buffer.from(sdes); sdesCount[0] = 0x82; assert.is(code(sdesCount), 'bad-count');
  const sr = Buffer.from('80c80001aabbccdd', 'hex'); assert.is(code(sr), 'short');
  const trailing = Buffer.concat([rr, Buffer.from([0x80, 0xc9])]); assert.is(code(trailing), 'short');
});

test('report block from a SequenceTracker, LSR from NTP (§6.4.1)', () => {
  const t = new SequenceTracker();
  for (const s of [1, 2, 3, 5]) t.update(s);
  const { ntpSeconds, ntpFraction } = ntpFromUnixMs(0);
  assert.is(ntpSeconds, 2208988800);
  assert.is(ntpFraction, 0);
  assert.is(ntpFromUnixMs(1500).ntpFraction, 0x80000000);
  assert.is(ntpMiddle32(0x12345678, 0x9abcdef0), 0x56789abc);
  const rr: RTCPPacket = { type: 'rr', ssrc: 99, reports: [{ ssrc: 5, ...t.report(), lastSR: ntpMiddle32(ntpSeconds, ntpFraction), delaySinceLastSR: 0 }] };
  const parsed = parseRTCP(buildRTCP([rr]));
  assert.equal(parsed, [rr]);
  const r = (parsed[0] as ReceiverReport).reports[0];
  assert.is(r.cumulativeLost, 1); // expected 2..5 = 4, received 3
  assert.is(r.fractionLost, 64);
});

test('property: random buffers throw only RTCPError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
    try { parseRTCP(Buffer.from(bytes)); } catch (e) { if (!(e instanceof RTCPError)) throw e; }
  }), { numRuns: 5000 });
  // Valid headers with random bodies reach deeper.
  fc.assert(fc.property(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 200, max: 204 }), fc.uint8Array({ maxLength: 64 }), (count, pt, body) => {
    const words = Buffer.alloc(body.length & ~3);
    Buffer.from(body).copy(words);
    const head = Buffer.from([0x80 | count, pt, 0, words.length / 4]);
    try { parseRTCP(Buffer.concat([head, words])); } catch (e) { if (!(e instanceof RTCPError)) throw e; }
  }), { numRuns: 5000 });
});

test.run();
