import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { SIPParseError } from '../../../src/sip/errors.js';
import { buildError, hostileValues, parseError } from './expect-errors.js';
import { Replaces, parseReplaces } from '../../../src/sip/headers/replaces.js';

test('RFC 3891 §6.1 examples', () => {
  const a = parseReplaces('98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff');
  assert.is(a.callId, '98732@sip.example.com');
  assert.is(a.fromTag, 'r33th4x0r');
  assert.is(a.toTag, 'ff87ff');
  assert.is(a.earlyOnly, false);
  assert.is(a.toString(), '98732@sip.example.com;to-tag=ff87ff;from-tag=r33th4x0r');
  const b = parseReplaces('12adf2f34456gs5;to-tag=12345;from-tag=54321;early-only');
  assert.is(b.callId, '12adf2f34456gs5');
  assert.is(b.earlyOnly, true);
  assert.is(b.toString(), '12adf2f34456gs5;to-tag=12345;from-tag=54321;early-only');
  // RFC 3891 §7 uses a word-based Call-ID with unusual characters.
  const c = parseReplaces('425928@bobster.example.org;to-tag=7743;from-tag=6472');
  assert.is(c.callId, '425928@bobster.example.org');
});

test('word-based Call-IDs, LWS and extra parameters', () => {
  const a = parseReplaces(' a(b)<c>:d\\e"f/g[h]i?j{k}l@x!y%z ; TO-TAG = 1 ; From-Tag=2 ; Early-Only ; foo=bar ; q="x y" ');
  assert.is(a.callId, 'a(b)<c>:d\\e"f/g[h]i?j{k}l@x!y%z');
  assert.is(a.toTag, '1');
  assert.is(a.fromTag, '2');
  assert.is(a.earlyOnly, true);
  assert.is(a.params.get('foo'), 'bar');
  assert.is(a.params.get('q'), 'x y');
  assert.is(a.params.has('to-tag'), false);
  assert.is(a.toString(), 'a(b)<c>:d\\e"f/g[h]i?j{k}l@x!y%z;to-tag=1;from-tag=2;early-only;foo=bar;q="x y"');
});

test('round trips and builders', () => {
  for (const v of [
    '98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff',
    '12adf2f34456gs5;to-tag=12345;from-tag=54321;early-only',
    'x;to-tag=a;from-tag=b;p;q="r s"',
  ]) {
    const r = parseReplaces(v);
    assert.equal(parseReplaces(r.toString()).toJSON(), r.toJSON());
  }
  const built = new Replaces({ callId: 'abc@host', toTag: 't', fromTag: 'f', earlyOnly: true });
  assert.is(built.toString(), 'abc@host;to-tag=t;from-tag=f;early-only');
  assert.equal(built.toJSON(), { callId: 'abc@host', toTag: 't', fromTag: 'f', earlyOnly: true, params: {} });
  buildError(() => new Replaces({ callId: 'a b', toTag: 't', fromTag: 'f' }), /Call-ID/);
  buildError(() => new Replaces({ callId: 'a@b@c', toTag: 't', fromTag: 'f' }), /Call-ID/);
  buildError(() => new Replaces({ callId: 'a;b', toTag: 't', fromTag: 'f' }), /Call-ID/);
  buildError(() => new Replaces({ callId: 'a', toTag: 't t', fromTag: 'f' }), /to-tag/);
  buildError(() => new Replaces({ callId: 'a', toTag: 't', fromTag: '' }), /from-tag/);
  buildError(() => new Replaces({ callId: 'a', toTag: 't', fromTag: 'f', params: { 'to-tag': 'x' } }), /as a field/);
});

test('invalid values', () => {
  const R = 'Replaces';
  parseError(() => parseReplaces(''), R, /expected callid/);
  parseError(() => parseReplaces(';to-tag=a;from-tag=b'), R, /expected callid/);
  parseError(() => parseReplaces('abc@;to-tag=a;from-tag=b'), R, /expected word after '@'/);
  parseError(() => parseReplaces('a@b@c;to-tag=a;from-tag=b'), R, /unexpected '@'/);
  parseError(() => parseReplaces('abc'), R, /missing to-tag/);
  parseError(() => parseReplaces('abc;to-tag=a'), R, /missing from-tag/);
  parseError(() => parseReplaces('abc;from-tag=a'), R, /missing to-tag/);
  parseError(() => parseReplaces('abc;to-tag=a;to-tag=b;from-tag=c'), R, /duplicate parameter 'to-tag'/);
  parseError(() => parseReplaces('abc;to-tag;from-tag=c'), R, /to-tag must be a token/);
  parseError(() => parseReplaces('abc;to-tag="a b";from-tag=c'), R, /to-tag must be a token/);
  parseError(() => parseReplaces('abc;to-tag=a;from-tag=[::1]'), R, /from-tag must be a token/);
  parseError(() => parseReplaces('abc;to-tag=a;from-tag=b;early-only=yes'), R, /early-only takes no value/);
  parseError(() => parseReplaces('abc def;to-tag=a;from-tag=b'), R, /unexpected 'd'/);
  parseError(() => parseReplaces('abc;to-tag=a;from-tag=b, xyz'), R, /unexpected ','/);
});

const PIECES = ['abc', '@', ';', '=', 'to-tag', 'from-tag', 'early-only', ' ', '"', '\\', '<', '(', ',', '\u0001', '\ud800', '1'];
const hostile = hostileValues(PIECES);

test('property: random input throws nothing but SIPParseError, and what parses round-trips', () => {
  fc.assert(
    fc.property(hostile, (v) => {
      try {
        const r = parseReplaces(v);
        assert.equal(parseReplaces(r.toString()).toJSON(), r.toJSON());
      } catch (e) {
        if (!(e instanceof SIPParseError) || e.statusCode !== 400 || e.header !== 'Replaces') throw e;
      }
    }),
    { numRuns: 3000 },
  );
});

test('huge inputs stay linear', () => {
  const t = Date.now();
  const id = 'x'.repeat(2_000_000);
  assert.is(parseReplaces(`${id}@h;to-tag=a;from-tag=b`).callId.length, 2_000_002);
  parseError(() => parseReplaces('a' + ';p'.repeat(500_000)), 'Replaces', /duplicate/);
  parseError(() => parseReplaces('@'.repeat(1_000_000)), 'Replaces', /expected callid/);
  assert.ok(Date.now() - t < 3000, `took ${Date.now() - t} ms`);
});

test.run();
