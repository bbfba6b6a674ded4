import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { buildError, onlyParseErrors, parseError } from './expect-errors.js';
import {
  RAck,
  RetryAfter,
  Timestamp,
  formatContentLength,
  formatDeltaSeconds,
  formatMaxForwards,
  formatRSeq,
  parseContentLength,
  parseDeltaSeconds,
  parseExpires,
  parseMaxForwards,
  parseMinExpires,
  parseRAck,
  parseRSeq,
  parseRetryAfter,
  parseTimestamp,
} from '../../../src/sip/headers/scalars.js';

test('Expires / Min-Expires (RFC 3261 §20.19, §20.23)', () => {
  assert.is(parseExpires('5'), 5);
  assert.is(parseExpires(' 3600 '), 3600);
  assert.is(parseExpires('0'), 0);
  assert.is(parseExpires('0000005'), 5);
  assert.is(parseExpires('4294967295'), 4294967295);
  assert.is(parseMinExpires('60'), 60);
  assert.is(parseDeltaSeconds('\t42\t', 'Session-Expires'), 42);
  // RFC 4475 §3.1.2.4 scalar02: Expires: 1 followed by 100 zeros.
  parseError(() => parseExpires('1' + '0'.repeat(100)), 'Expires', /out of range \(at most 4294967295\)/);
  parseError(() => parseExpires('4294967296'), 'Expires', /out of range/);
  parseError(() => parseMinExpires('-1'), 'Min-Expires', /sign/);
  parseError(() => parseExpires(''), 'Expires', /expected delta-seconds/);
  parseError(() => parseExpires('5 6'), 'Expires', /unexpected '6'/);
  parseError(() => parseExpires('5s'), 'Expires', /unexpected 's'/);
  parseError(() => parseExpires('Thu, 01 Dec 1994 16:00:00 GMT'), 'Expires', /expected delta-seconds/);
  parseError(() => parseExpires('1.5'), 'Expires', /unexpected '\.'/);
  parseError(() => parseExpires('\uff15'), 'Expires'); // fullwidth digit
  assert.is(formatDeltaSeconds(3600), '3600');
  buildError(() => formatDeltaSeconds(2 ** 32), /delta-seconds/);
  buildError(() => formatDeltaSeconds(-1));
  buildError(() => formatDeltaSeconds(Number.NaN));
});

test('Max-Forwards (RFC 3261 §20.22)', () => {
  assert.is(parseMaxForwards('70'), 70);
  assert.is(parseMaxForwards('0'), 0); // RFC 4475 §3.3.11 zeromf
  assert.is(parseMaxForwards('0068'), 68); // RFC 4475 §3.1.1.1 wsinv
  assert.is(parseMaxForwards('255'), 255);
  parseError(() => parseMaxForwards('300'), 'Max-Forwards', /out of range \(at most 255\)/); // RFC 4475 scalar02
  parseError(() => parseMaxForwards('256'), 'Max-Forwards', /out of range/);
  parseError(() => parseMaxForwards('+70'), 'Max-Forwards', /sign/);
  parseError(() => parseMaxForwards('seventy'), 'Max-Forwards', /expected Max-Forwards/);
  assert.is(formatMaxForwards(70), '70');
  buildError(() => formatMaxForwards(256));
});

test('Content-Length (RFC 3261 §20.14)', () => {
  assert.is(parseContentLength('349'), 349);
  assert.is(parseContentLength('0'), 0);
  assert.is(parseContentLength(' 2147483647 '), 2147483647);
  parseError(() => parseContentLength('-999'), 'Content-Length', /cannot have a sign/); // RFC 4475 §3.1.2.3 ncl
  parseError(() => parseContentLength('+5'), 'Content-Length', /sign/);
  parseError(() => parseContentLength('2147483648'), 'Content-Length', /out of range/);
  parseError(() => parseContentLength('18446744073709551616'), 'Content-Length', /out of range/); // RFC 4475 §3.1.2.5
  parseError(() => parseContentLength('0x10'), 'Content-Length', /unexpected 'x'/);
  parseError(() => parseContentLength('1e3'), 'Content-Length', /unexpected 'e'/);
  parseError(() => parseContentLength('12 34'), 'Content-Length', /unexpected '3'/);
  parseError(() => parseContentLength(''), 'Content-Length', /expected Content-Length/);
  assert.is(formatContentLength(0), '0');
  buildError(() => formatContentLength(2 ** 31));
});

test('RSeq (RFC 3262 §7.1)', () => {
  assert.is(parseRSeq('988789'), 988789);
  assert.is(parseRSeq('1'), 1);
  assert.is(parseRSeq('2147483647'), 2147483647);
  parseError(() => parseRSeq('0'), 'RSeq', /at least 1/);
  parseError(() => parseRSeq('2147483648'), 'RSeq', /out of range/);
  parseError(() => parseRSeq('1 2'), 'RSeq', /unexpected '2'/);
  assert.is(formatRSeq(1), '1');
  buildError(() => formatRSeq(0));
});

test('RAck (RFC 3262 §7.2)', () => {
  const r = parseRAck('776656 1 INVITE');
  assert.equal(r.toJSON(), { rseq: 776656, cseq: 1, method: 'INVITE' });
  assert.is(r.toString(), '776656 1 INVITE');
  assert.ok(parseRAck('  776656 \t 1   INVITE ').equals(r));
  assert.ok(parseRAck(r.toString()).equals(r));
  assert.is(parseRAck('1 4294967295 UPDATE').cseq, 4294967295);
  assert.not.ok(parseRAck('776656 1 invite').equals(r));
  parseError(() => parseRAck('776656 1'), 'RAck', /expected whitespace after CSeq-num/);
  parseError(() => parseRAck('776656'), 'RAck', /expected whitespace after response-num/);
  parseError(() => parseRAck('776656 1INVITE'), 'RAck', /expected whitespace after CSeq-num/);
  parseError(() => parseRAck('0 1 INVITE'), 'RAck', /at least 1/);
  parseError(() => parseRAck('776656 1 INVITE ACK'), 'RAck', /unexpected 'A'/);
  parseError(() => parseRAck('776656 -1 INVITE'), 'RAck', /expected CSeq-num/);
  parseError(() => parseRAck('776656 1 "INVITE"'), 'RAck', /expected Method/);
  assert.is(new RAck(2, 3, 'PRACK').toString(), '2 3 PRACK');
  buildError(() => new RAck(0, 1, 'INVITE'), /response-num/);
  buildError(() => new RAck(1, -1, 'INVITE'), /CSeq-num/);
  buildError(() => new RAck(1, 1, 'IN VITE'), /method/);
});

test('Timestamp (RFC 3261 §20.38)', () => {
  const a = parseTimestamp('54');
  assert.is(a.value, '54');
  assert.is(a.seconds, 54);
  assert.is(a.delay, undefined);
  assert.is(a.toString(), '54');
  const b = parseTimestamp(' 54.123  0.5 ');
  assert.is(b.value, '54.123');
  assert.is(b.delay, '0.5');
  assert.is(b.delaySeconds, 0.5);
  assert.is(b.toString(), '54.123 0.5');
  assert.is(parseTimestamp('54. .5').toString(), '54. .5');
  assert.is(parseTimestamp('54 3.').delaySeconds, 3);
  assert.is(parseTimestamp('54\t').delay, undefined);
  for (const v of ['54', '54.123 0.5', '1.', '0 .25']) assert.equal(parseTimestamp(parseTimestamp(v).toString()).toJSON(), parseTimestamp(v).toJSON());
  assert.is(new Timestamp(54).withDelay(0.25).toString(), '54 0.25');
  assert.is(new Timestamp(1712345678.123).value, '1712345678.123');
  assert.ok(/^\d+\.\d{3}$/.test(Timestamp.now().value));
  parseError(() => parseTimestamp(''), 'Timestamp', /expected Timestamp digits/);
  parseError(() => parseTimestamp('.5'), 'Timestamp', /expected Timestamp digits/);
  parseError(() => parseTimestamp('54 .'), 'Timestamp', /expected delay digits/);
  parseError(() => parseTimestamp('54 1 2'), 'Timestamp', /unexpected '2'/);
  parseError(() => parseTimestamp('54x'), 'Timestamp', /unexpected 'x'/);
  parseError(() => parseTimestamp('-54'), 'Timestamp', /expected Timestamp digits/);
  parseError(() => parseTimestamp('5,4'), 'Timestamp', /unexpected ','/);
  buildError(() => new Timestamp(-1), /Timestamp/);
  buildError(() => new Timestamp('1e5'), /Timestamp/);
  buildError(() => new Timestamp(1, 'soon'), /delay/);
});

test('Retry-After (RFC 3261 §20.33)', () => {
  const a = parseRetryAfter('18000;duration=3600');
  assert.is(a.seconds, 18000);
  assert.is(a.duration, 3600);
  assert.is(a.comment, undefined);
  assert.is(a.toString(), '18000;duration=3600');
  const b = parseRetryAfter("120 (I'm in a meeting)");
  assert.is(b.seconds, 120);
  assert.is(b.comment, "I'm in a meeting");
  assert.is(b.toString(), "120 (I'm in a meeting)");
  const c = parseRetryAfter('3600 ( back (after (lunch)) \\) ok ) ; duration = 60 ; x="y"');
  assert.is(c.comment, 'back (after (lunch)) \\) ok');
  assert.is(c.duration, 60);
  assert.is(c.params.get('x'), 'y');
  assert.is(c.toString(), '3600 (back (after (lunch)) \\) ok);duration=60;x="y"');
  assert.is(parseRetryAfter('5(x)').comment, 'x');
  assert.is(parseRetryAfter('5 ()').comment, '');
  assert.is(parseRetryAfter('5 ( a\\  )').comment, 'a\\ ');
  assert.is(parseRetryAfter('5 (\u00e9t\u00e9)').comment, '\u00e9t\u00e9');
  for (const v of ['18000;duration=3600', "120 (I'm in a meeting)", '1 (a(b)c) ;x;y=z', '5 ( a\\  )', '0 ()']) {
    const x = parseRetryAfter(v);
    assert.equal(parseRetryAfter(x.toString()).toJSON(), x.toJSON(), v);
  }
  assert.is(new RetryAfter(30, 'busy (really)', { duration: 10 }).toString(), '30 (busy (really));duration=10');
});

test('Retry-After: invalid values', () => {
  const R = 'Retry-After';
  parseError(() => parseRetryAfter(''), R, /expected delta-seconds/);
  parseError(() => parseRetryAfter('soon'), R, /expected delta-seconds/);
  parseError(() => parseRetryAfter('120 (meeting'), R, /unterminated comment/);
  parseError(() => parseRetryAfter('120 (a (b)'), R, /unterminated comment/);
  parseError(() => parseRetryAfter('120 (a))'), R, /unexpected '\)'/);
  parseError(() => parseRetryAfter('120 (a\u0001)'), R, /control character in comment/);
  parseError(() => parseRetryAfter('120 (a\\'), R, /bad quoted-pair/);
  parseError(() => parseRetryAfter('120 (a) (b)'), R, /unexpected '\('/);
  parseError(() => parseRetryAfter('120;duration'), R, /duration must be delta-seconds/);
  parseError(() => parseRetryAfter('120;duration=1h'), R, /duration must be delta-seconds/);
  parseError(() => parseRetryAfter('120;duration=99999999999'), R, /duration/);
  parseError(() => parseRetryAfter('120;a=1;A=2'), R, /duplicate/);
  parseError(() => parseRetryAfter('120 x'), R, /unexpected 'x'/);
  parseError(() => parseRetryAfter('4294967296'), R, /out of range/);
  buildError(() => new RetryAfter(1, 'a) (b'), /comment/);
  buildError(() => new RetryAfter(1, ' padded '), /comment/);
  buildError(() => new RetryAfter(1, 'a\r\nb'), /comment/);
  buildError(() => new RetryAfter(1, 'a\\'), /comment/);
  buildError(() => new RetryAfter(1, undefined, { duration: 'x' }), /duration/);
  buildError(() => new RetryAfter(-5), /Retry-After/);
});

const PIECES = ['0', '1', '5', '9', '.', ' ', '\t', '(', ')', '\\', ';', '=', 'duration', 'INVITE', '+', '-', '"', '\u0000', '\udfff', '\u00e9'];
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 60 }).map((a) => String.fromCharCode(...a)),
  fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('utf8')),
  fc.string({ unit: fc.constantFrom(...PIECES), maxLength: 30 }),
);

test('property: random input throws nothing but SIPParseError, and what parses round-trips', () => {
  fc.assert(
    fc.property(hostile, (v) => {
      onlyParseErrors(() => assert.is(parseExpires(String(parseExpires(v))), parseExpires(v)), 'Expires');
      onlyParseErrors(() => parseMinExpires(v), 'Min-Expires');
      onlyParseErrors(() => assert.ok(parseMaxForwards(v) <= 255), 'Max-Forwards');
      onlyParseErrors(() => assert.ok(parseContentLength(v) >= 0), 'Content-Length');
      onlyParseErrors(() => assert.ok(parseRSeq(v) >= 1), 'RSeq');
      onlyParseErrors(() => {
        const r = parseRAck(v);
        assert.ok(parseRAck(r.toString()).equals(r));
      }, 'RAck');
      onlyParseErrors(() => {
        const t = parseTimestamp(v);
        assert.equal(parseTimestamp(t.toString()).toJSON(), t.toJSON());
      }, 'Timestamp');
      onlyParseErrors(() => {
        const r = parseRetryAfter(v);
        assert.equal(parseRetryAfter(r.toString()).toJSON(), r.toJSON());
      }, 'Retry-After');
    }),
    { numRuns: 3000 },
  );
});

test('property: numbers in range round-trip', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.nat(5), (n, zeros) => {
      assert.is(parseExpires('0'.repeat(zeros) + formatDeltaSeconds(n)), n);
    }),
  );
  fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), (n) => assert.is(parseMaxForwards(formatMaxForwards(n)), n)));
  fc.assert(fc.property(fc.integer({ min: 0, max: 0x7fffffff }), (n) => assert.is(parseContentLength(formatContentLength(n)), n)));
});

test('huge inputs stay linear', () => {
  const t = Date.now();
  assert.is(parseContentLength('0'.repeat(3_000_000) + '7'), 7);
  parseError(() => parseExpires('9'.repeat(3_000_000)), 'Expires', /out of range/);
  parseError(() => parseRetryAfter('1 ' + '('.repeat(2_000_000)), 'Retry-After', /unterminated comment/);
  assert.is(parseRetryAfter('1 ' + '('.repeat(500_000) + ')'.repeat(500_000)).comment?.length, 999_998);
  parseError(() => parseTimestamp('1'.repeat(2_000_000) + ' ' + '2'.repeat(2_000_000) + 'x'), 'Timestamp');
  parseError(() => parseRetryAfter('1' + ';a'.repeat(500_000)), 'Retry-After', /duplicate/);
  assert.ok(Date.now() - t < 3000, `took ${Date.now() - t} ms`);
});

test.run();
