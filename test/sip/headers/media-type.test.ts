import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { buildError, onlyParseErrors, parseError } from './expect-errors.js';
import {
  MediaRange,
  MediaType,
  acceptsMediaType,
  formatAccept,
  parseAccept,
  parseContentType,
  parseMediaType,
} from '../../../src/sip/headers/media-type.js';

test('Content-Type: RFC 3261 §20.15 examples and RFC 4475 values', () => {
  const sdp = parseMediaType('application/sdp');
  assert.is(sdp.type, 'application');
  assert.is(sdp.subtype, 'sdp');
  assert.is(sdp.mime, 'application/sdp');
  assert.is(sdp.toString(), 'application/sdp');
  const html = parseContentType('text/html; charset=ISO-8859-4');
  assert.is(html.charset, 'ISO-8859-4');
  assert.is(html.toString(), 'text/html;charset=ISO-8859-4');
  // RFC 4475 §3.3.6 invut
  assert.equal(parseMediaType('application/unknownformat').toJSON(), { type: 'application', subtype: 'unknownformat', params: {} });
  // RFC 4475 §3.1.1.11 mpart01
  const mp = parseMediaType('multipart/mixed;boundary=7a9cbec02ceef655');
  assert.is(mp.boundary, '7a9cbec02ceef655');
  assert.ok(mp.is('MULTIPART/Mixed'));
  // RFC 3261 §25.1 allows SWS around the slash (SLASH = SWS "/" SWS).
  const odd = parseMediaType('  Application / SDP ;\tCharset = "UTF-8" ; x="a;b" ');
  assert.is(odd.mime, 'application/sdp');
  assert.is(odd.charset, 'UTF-8');
  assert.is(odd.params.get('x'), 'a;b');
  assert.is(odd.toString(), 'Application/SDP;Charset=UTF-8;x="a;b"');
  assert.ok(odd.equals(parseMediaType('application/sdp;x="a;b";charset=utf-8')));
  assert.not.ok(odd.equals(parseMediaType('application/sdp;charset=utf-8;x="A;b"')));
  assert.not.ok(odd.equals(parseMediaType('application/sdp;charset=utf-8')));
  assert.ok(parseMediaType('text/plain;charset=UTF-8').equals(parseMediaType('TEXT/plain; CHARSET=utf-8')));
  const b = parseMediaType('multipart/related; type="application/sdp"; boundary="--=_x:y"');
  assert.is(b.boundary, '--=_x:y');
  assert.is(b.toString(), 'multipart/related;type="application/sdp";boundary="--=_x:y"');
});

test('Content-Type: round trips', () => {
  for (const v of ['application/sdp', 'text/plain;charset=utf-8', 'multipart/mixed; boundary="a b\\"c"', 'application/pidf+xml']) {
    const a = parseMediaType(v);
    const b = parseMediaType(a.toString());
    assert.equal(b.toJSON(), a.toJSON());
    assert.ok(b.equals(a));
  }
});

test('Content-Type: invalid values', () => {
  const C = 'Content-Type';
  parseError(() => parseMediaType(''), C, /expected m-type/);
  parseError(() => parseMediaType('application'), C, /expected '\/' after m-type 'application'/);
  parseError(() => parseMediaType('application/'), C, /expected m-subtype/);
  parseError(() => parseMediaType('/sdp'), C, /expected m-type/);
  parseError(() => parseMediaType('*/*'), C, /wildcard/);
  parseError(() => parseMediaType('text/*'), C, /wildcard/);
  parseError(() => parseMediaType('application/sdp;'), C, /expected m-attribute/);
  parseError(() => parseMediaType('application/sdp;charset'), C, /expected '=' after m-attribute 'charset'/);
  parseError(() => parseMediaType('application/sdp;charset='), C, /m-value/);
  parseError(() => parseMediaType('application/sdp;charset=a:b'), C, /unexpected ':'/);
  parseError(() => parseMediaType('application/sdp;a=1;A=2'), C, /duplicate m-parameter 'A'/);
  parseError(() => parseMediaType('application/sdp, text/plain'), C, /unexpected ','/);
  parseError(() => parseMediaType('application/sdp;x="open'), C, /unterminated/);
  parseError(() => parseMediaType('text', 'Accept-Type-X'), 'Accept-Type-X', /expected '\/'/);
});

test('Content-Type: builders', () => {
  const m = MediaType.of('multipart/mixed', { boundary: 'unique-boundary-1' });
  assert.is(m.toString(), 'multipart/mixed;boundary=unique-boundary-1');
  assert.is(new MediaType('text', 'plain', { charset: 'utf-8', note: 'a b' }).toString(), 'text/plain;charset=utf-8;note="a b"');
  assert.is(MediaType.of('application/sdp').mime, 'application/sdp');
  buildError(() => MediaType.of('application'), /type\/subtype/);
  buildError(() => new MediaType('app lication', 'sdp'), /m-type/);
  buildError(() => new MediaType('*', 'sdp'), /m-type/);
  buildError(() => new MediaType('text', 'plain', { flag: true }), /needs a value/);
  buildError(() => new MediaType('text', 'plain', { x: 'a\r\nb' }), /control/);
});

test('Accept: RFC 3261 §20.1 example, q values, wildcards', () => {
  const list = parseAccept('application/sdp;level=1, application/x-private, text/html');
  assert.equal(list.map((r) => r.mime), ['application/sdp', 'application/x-private', 'text/html']);
  assert.is(list[0].params.get('level'), '1');
  assert.is(list[0].q, 1);
  const w = parseAccept('text/*;q=0.3, text/html;q=0.7, text/html;level=1, */*;q=0.5, text/plain;q=0');
  assert.equal(w.map((r) => r.q), [0.3, 0.7, 1, 0.5, 0]);
  assert.is(w[3].type, '*');
  assert.is(w[3].specificity, 0);
  assert.is(w[0].specificity, 1);
  assert.is(w[1].specificity, 2);
  assert.is(w[2].specificity, 3);
  // RFC 4475 §3.3.15 sdp01
  const sdp01 = parseAccept('text/nobodyKnowsThis');
  assert.equal(sdp01[0].toJSON(), { type: 'text', subtype: 'nobodyKnowsThis', params: {}, q: 1 });
  // Accept-extensions after q, flags (generic-param), LWS.
  const ext = parseAccept(' application/sdp ; q = 0.8 ; ext ;x="y" ,\tapplication/pidf+xml ');
  assert.is(ext[0].q, 0.8);
  assert.is(ext[0].params.get('ext'), null);
  assert.is(ext[0].mediaParams.size, 0);
  assert.is(ext[1].mime, 'application/pidf+xml');
  assert.is(formatAccept(ext), 'application/sdp;q=0.8;ext;x="y", application/pidf+xml');
  for (const q of ['0', '0.', '0.1', '0.12', '0.123', '1', '1.', '1.0', '1.000']) assert.ok(parseAccept(`a/b;q=${q}`)[0].q <= 1, q);
});

test('Accept: empty value is an empty list', () => {
  assert.equal(parseAccept(''), []);
  assert.equal(parseAccept('   \t '), []);
  assert.is(acceptsMediaType(parseAccept(''), 'application/sdp'), false);
  assert.is(formatAccept([]), '');
});

test('Accept: matches and acceptsMediaType', () => {
  const sdp = MediaType.of('application/sdp');
  assert.ok(MediaRange.of('*/*').matches(sdp));
  assert.ok(MediaRange.of('application/*').matches(sdp));
  assert.ok(MediaRange.of('APPLICATION/SDP').matches(sdp));
  assert.not.ok(MediaRange.of('text/*').matches(sdp));
  assert.ok(MediaRange.of('text/plain', { charset: 'utf-8' }).matches('text/plain;charset=UTF-8'));
  assert.not.ok(MediaRange.of('text/plain', { charset: 'utf-8' }).matches('text/plain'));
  const tp = parseMediaType('text/plain;charset=UTF-8');
  assert.ok(MediaRange.of('text/plain', { charset: 'utf-8' }).matches(tp));
  assert.not.ok(MediaRange.of('text/plain', { charset: 'latin1' }).matches(tp));
  const ranges = parseAccept('text/*;q=0.3, text/plain;q=0, */*;q=0.1');
  assert.is(acceptsMediaType(ranges, 'text/html'), true);
  assert.is(acceptsMediaType(ranges, tp), false);
  assert.is(acceptsMediaType(ranges, 'application/sdp'), true);
  assert.is(acceptsMediaType(parseAccept('application/sdp'), 'application/pidf+xml'), false);
  assert.is(acceptsMediaType(parseAccept('application/sdp, application/pidf+xml'), 'application/pidf+xml'), true);
});

test('Accept: round trips', () => {
  for (const v of ['application/sdp;level=1, application/x-private, text/html', '*/*;q=0.5;x="a b"', 'text/*']) {
    const a = parseAccept(v);
    const b = parseAccept(formatAccept(a));
    assert.equal(b.map((r) => r.toJSON()), a.map((r) => r.toJSON()));
  }
});

test('Accept: invalid values', () => {
  const A = 'Accept';
  parseError(() => parseAccept('*/sdp'), A, /'\*\/sdp' is not a media-range/);
  parseError(() => parseAccept('application'), A, /expected '\/'/);
  parseError(() => parseAccept('application/sdp,'), A, /empty element/);
  parseError(() => parseAccept(', application/sdp'), A, /expected m-type/);
  parseError(() => parseAccept('application/sdp,,text/html'), A, /empty element/);
  parseError(() => parseAccept('application/sdp text/html'), A, /unexpected 't'/);
  parseError(() => parseAccept('application/sdp;q=2'), A, /q '2' is not a qvalue/);
  parseError(() => parseAccept('application/sdp;q=0.1234'), A, /qvalue/);
  parseError(() => parseAccept('application/sdp;q=1.5'), A, /qvalue/);
  parseError(() => parseAccept('application/sdp;q'), A, /qvalue/);
  parseError(() => parseAccept('application/sdp;q=.5'), A, /qvalue/);
  parseError(() => parseAccept('application/sdp;q=1;Q=1'), A, /duplicate parameter 'Q'/);
  parseError(() => parseAccept('application/sdp;x="a\\\u0001"'), A, /control character/);
  buildError(() => MediaRange.of('*/sdp'), /media-range/);
  buildError(() => MediaRange.of('text/*', { q: '7' }), /qvalue/);
});

const PIECES = ['application', 'text', '*', '/', ';', ',', '=', '"', '\\', ' ', '\t', 'q', '0.5', '1', 'charset', 'sdp', '\u00ff', '\u0000', '\udc00'];
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 80 }).map((a) => String.fromCharCode(...a)),
  fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString('utf8')),
  fc.string({ unit: fc.constantFrom(...PIECES), maxLength: 40 }),
);

test('property: random input throws nothing but SIPParseError, and what parses round-trips', () => {
  fc.assert(
    fc.property(hostile, (v) => {
      onlyParseErrors(() => {
        const m = parseMediaType(v);
        assert.equal(parseMediaType(m.toString()).toJSON(), m.toJSON());
      }, 'Content-Type');
      onlyParseErrors(() => {
        const list = parseAccept(v);
        assert.equal(parseAccept(formatAccept(list)).map((r) => r.toJSON()), list.map((r) => r.toJSON()));
      }, 'Accept');
    }),
    { numRuns: 3000 },
  );
});

test('huge inputs stay linear', () => {
  let t = Date.now();
  const many = 'text/plain' + Array.from({ length: 50_000 }, (_, i) => `;p${i}=v`).join('');
  assert.is(parseMediaType(many).params.size, 50_000);
  const ranges = Array.from({ length: 50_000 }, () => 'text/*;q=0.5').join(', ');
  assert.is(parseAccept(ranges).length, 50_000);
  parseError(() => parseMediaType('text/plain;a=1' + ';a=1'.repeat(300_000)), 'Content-Type', /duplicate/);
  parseError(() => parseAccept('a/b;x="' + '\\"'.repeat(1_000_000)), 'Accept', /unterminated/);
  parseError(() => parseMediaType('x'.repeat(3_000_000)), 'Content-Type');
  assert.ok(Date.now() - t < 3000, `took ${Date.now() - t} ms`);
  t = Date.now();
});

test.run();
