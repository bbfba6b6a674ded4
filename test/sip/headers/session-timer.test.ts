import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { buildError, onlyParseErrors, parseError } from './expect-errors.js';
import { MinSE, SessionExpires, parseMinSE, parseSessionExpires } from '../../../src/sip/headers/session-timer.js';

test('Session-Expires: RFC 4028 §4 examples', () => {
  const a = parseSessionExpires('4000;refresher=uac');
  assert.is(a.seconds, 4000);
  assert.is(a.refresher, 'uac');
  assert.is(a.params.size, 0);
  assert.is(a.toString(), '4000;refresher=uac');
  const x = parseSessionExpires('4000;refresher=uac', 'Session-Expires');
  assert.equal(x.toJSON(), a.toJSON());
  const b = parseSessionExpires('1800');
  assert.is(b.refresher, undefined);
  assert.is(b.toString(), '1800');
  const c = parseSessionExpires('  90 ; REFRESHER = UAS ; foo ; bar="baz qux" ');
  assert.is(c.seconds, 90);
  assert.is(c.refresher, 'uas');
  assert.is(c.params.get('foo'), null);
  assert.is(c.params.get('bar'), 'baz qux');
  assert.is(c.toString(), '90;refresher=uas;foo;bar="baz qux"');
  assert.is(parseSessionExpires('00001800').seconds, 1800);
});

test('Min-SE: RFC 4028 §5', () => {
  const m = parseMinSE('3600');
  assert.is(m.seconds, 3600);
  assert.is(m.toString(), '3600');
  const p = parseMinSE('90;x=1');
  assert.is(p.params.get('x'), '1');
  assert.is(p.toString(), '90;x=1');
});

test('round trips and builders', () => {
  for (const v of ['4000;refresher=uac', '1800', '90;refresher=uas;a;b="c d"']) {
    const s = parseSessionExpires(v);
    assert.equal(parseSessionExpires(s.toString()).toJSON(), s.toJSON());
  }
  for (const v of ['90', '3600;ext=[2001:db8::1]']) {
    const s = parseMinSE(v);
    assert.equal(parseMinSE(s.toString()).toJSON(), s.toJSON());
  }
  assert.is(new SessionExpires(1800, 'uac').toString(), '1800;refresher=uac');
  assert.is(new SessionExpires(1800).toString(), '1800');
  assert.is(new MinSE(90).toString(), '90');
  buildError(() => new SessionExpires(-1), /delta-seconds/);
  buildError(() => new SessionExpires(2 ** 32), /delta-seconds/);
  buildError(() => new SessionExpires(90, 'proxy' as 'uac'), /refresher/);
  buildError(() => new SessionExpires(90, undefined, { refresher: 'uac' }), /as a field/);
  buildError(() => new MinSE(1.5), /delta-seconds/);
  buildError(() => new MinSE(90, { 'a b': '1' }), /token/);
});

test('invalid values', () => {
  const S = 'Session-Expires';
  parseError(() => parseSessionExpires(''), S, /expected delta-seconds/);
  parseError(() => parseSessionExpires('abc'), S, /expected delta-seconds/);
  parseError(() => parseSessionExpires('-90'), S, /expected delta-seconds/);
  parseError(() => parseSessionExpires('4294967296'), S, /out of range/);
  parseError(() => parseSessionExpires('90;refresher=proxy'), S, /refresher must be uac or uas/);
  parseError(() => parseSessionExpires('90;refresher'), S, /refresher must be uac or uas/);
  parseError(() => parseSessionExpires('90;refresher=uac;refresher=uas'), S, /duplicate parameter/);
  parseError(() => parseSessionExpires('90 uac'), S, /unexpected 'u'/);
  parseError(() => parseSessionExpires('90;'), S, /expected parameter name/);
  parseError(() => parseSessionExpires('9 0'), S, /unexpected '0', expected ';' or end of value at offset 2/);
  parseError(() => parseMinSE(''), 'Min-SE', /expected delta-seconds/);
  parseError(() => parseMinSE('90, 100'), 'Min-SE', /unexpected ','/);
  parseError(() => parseMinSE('90;a="\\\u0002"'), 'Min-SE', /control character/);
});

const PIECES = ['90', '1800', ';', '=', ' ', 'refresher', 'uac', 'uas', '"', '\\', ',', 'x', '\u0003', '\ud800'];
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 60 }).map((a) => String.fromCharCode(...a)),
  fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('utf8')),
  fc.string({ unit: fc.constantFrom(...PIECES), maxLength: 30 }),
);

test('property: random input throws nothing but SIPParseError, and what parses round-trips', () => {
  fc.assert(
    fc.property(hostile, (v) => {
      onlyParseErrors(() => {
        const s = parseSessionExpires(v);
        assert.equal(parseSessionExpires(s.toString()).toJSON(), s.toJSON());
      }, 'Session-Expires');
      onlyParseErrors(() => {
        const m = parseMinSE(v);
        assert.equal(parseMinSE(m.toString()).toJSON(), m.toJSON());
      }, 'Min-SE');
    }),
    { numRuns: 3000 },
  );
});

test('huge inputs stay linear', () => {
  const t = Date.now();
  assert.is(parseMinSE('90' + Array.from({ length: 50_000 }, (_, i) => `;p${i}=1`).join('')).params.size, 50_000);
  parseError(() => parseSessionExpires('90' + ';a'.repeat(500_000)), 'Session-Expires', /duplicate/);
  parseError(() => parseSessionExpires('9'.repeat(3_000_000)), 'Session-Expires', /out of range/);
  assert.ok(Date.now() - t < 3000, `took ${Date.now() - t} ms`);
});

test.run();
