import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { SIPParseError } from '../../../src/sip/errors.js';
import { buildError, hostileValues, parseError } from './expect-errors.js';
import { formatTokenList, parseTokenList } from '../../../src/sip/headers/token-list.js';

test('RFC 3261 examples', () => {
  assert.equal(parseTokenList('INVITE, ACK, OPTIONS, CANCEL, BYE', 'Allow'), ['INVITE', 'ACK', 'OPTIONS', 'CANCEL', 'BYE']);
  assert.equal(parseTokenList('100rel', 'Supported'), ['100rel']);
  assert.equal(parseTokenList('100rel', 'k'), ['100rel']);
  assert.equal(parseTokenList('100rel', 'Require'), ['100rel']);
  assert.equal(parseTokenList('foo', 'Proxy-Require'), ['foo']);
  assert.equal(parseTokenList('foo', 'Unsupported'), ['foo']);
  assert.equal(parseTokenList('gzip', 'Content-Encoding'), ['gzip']);
  assert.equal(parseTokenList('tar', 'e'), ['tar']);
  assert.equal(parseTokenList('fr', 'Content-Language'), ['fr']);
  assert.equal(parseTokenList('en-US, i-klingon, zh-Hant-TW', 'Content-Language'), ['en-US', 'i-klingon', 'zh-Hant-TW']);
  // RFC 4475 §3.3.5 bext01
  assert.equal(parseTokenList('nothingSupportedHere', 'Require'), ['nothingSupportedHere']);
  assert.equal(parseTokenList('noProxiesSupportThis, nothingSupportedHere', 'Proxy-Require'), [
    'noProxiesSupportThis',
    'nothingSupportedHere',
  ]);
});

test('Allow-Events: event-types with templates (RFC 6665 §8.2.2)', () => {
  assert.equal(parseTokenList('presence, presence.winfo, dialog, message-summary, conference', 'Allow-Events'), [
    'presence',
    'presence.winfo',
    'dialog',
    'message-summary',
    'conference',
  ]);
  assert.equal(parseTokenList('presence.winfo.x', 'u'), ['presence.winfo.x']);
  parseError(() => parseTokenList('presence..winfo', 'Allow-Events'), 'Allow-Events', /'presence\.\.winfo' is not a valid event-type/);
  parseError(() => parseTokenList('.winfo', 'u'), 'Allow-Events', /event-type/);
  parseError(() => parseTokenList('presence.', 'Allow-Events'), 'Allow-Events', /event-type/);
  parseError(() => parseTokenList('', 'Allow-Events'), 'Allow-Events', /at least one event-type/);
});

test('empty values: valid for Allow and Supported, not for the others', () => {
  assert.equal(parseTokenList('', 'Supported'), []);
  assert.equal(parseTokenList('  \t', 'Supported'), []);
  assert.equal(parseTokenList('', 'Allow'), []);
  assert.equal(parseTokenList('', 'X-Unknown'), []);
  for (const h of ['Require', 'Proxy-Require', 'Unsupported', 'Content-Encoding', 'Content-Language']) {
    parseError(() => parseTokenList('', h), h, /expected at least one/);
  }
  assert.is(formatTokenList([], 'Supported'), '');
  buildError(() => formatTokenList([], 'Require'), /at least one/);
});

test('LWS variants and header names in any case', () => {
  const want = ['INVITE', 'ACK', 'BYE'];
  for (const v of ['INVITE,ACK,BYE', ' INVITE , ACK ,BYE ', '\tINVITE,\t ACK,  BYE\t']) {
    assert.equal(parseTokenList(v, 'Allow'), want, v);
    assert.equal(parseTokenList(v, 'allow'), want, v);
  }
  // The error names the canonical header even for a compact or lower-case name.
  parseError(() => parseTokenList('a b', 'k'), 'Supported');
  parseError(() => parseTokenList('', 'proxy-require'), 'Proxy-Require');
});

test('round trips', () => {
  for (const [v, h] of [
    ['INVITE, ACK', 'Allow'],
    ['timer,100rel,  replaces', 'Supported'],
    ['presence.winfo', 'Allow-Events'],
    ['en, de-CH', 'Content-Language'],
  ] as const) {
    const list = parseTokenList(v, h);
    assert.equal(parseTokenList(formatTokenList(list, h), h), list);
  }
  assert.is(formatTokenList(['INVITE', 'ACK'], 'Allow'), 'INVITE, ACK');
});

test('invalid values', () => {
  parseError(() => parseTokenList('INVITE ACK', 'Allow'), 'Allow', /unexpected 'A' in Allow list at offset 7/);
  parseError(() => parseTokenList('INVITE,', 'Allow'), 'Allow', /empty element/);
  parseError(() => parseTokenList(',INVITE', 'Allow'), 'Allow', /expected Method/);
  parseError(() => parseTokenList('INVITE,,ACK', 'Allow'), 'Allow', /empty element/);
  parseError(() => parseTokenList('100rel;x', 'Supported'), 'Supported', /unexpected ';'/);
  parseError(() => parseTokenList('"100rel"', 'Require'), 'Require', /expected option-tag/);
  parseError(() => parseTokenList('en_US', 'Content-Language'), 'Content-Language', /language-tag/);
  parseError(() => parseTokenList('toolongtag', 'Content-Language'), 'Content-Language', /language-tag/);
  parseError(() => parseTokenList('en--us', 'Content-Language'), 'Content-Language', /language-tag/);
  parseError(() => parseTokenList('gzip, \u00e9', 'Content-Encoding'), 'Content-Encoding', /content-coding/);
  buildError(() => formatTokenList(['IN VITE'], 'Allow'), /Method/);
  buildError(() => formatTokenList(['a..b'], 'Allow-Events'), /event-type/);
  buildError(() => formatTokenList(['a\r\nb']), /token/);
});

const PIECES = ['INVITE', 'presence', '.', ',', ' ', '\t', ';', '"', '-', 'en', 'a', '\u00e9', '\u0000', '\ud83d'];
const hostile = hostileValues(PIECES);
const HEADERS = ['Allow', 'Supported', 'Require', 'Proxy-Require', 'Unsupported', 'Allow-Events', 'Content-Encoding', 'Content-Language'];

test('property: random input throws nothing but SIPParseError, and what parses round-trips', () => {
  fc.assert(
    fc.property(hostile, fc.constantFrom(...HEADERS), (v, h) => {
      try {
        const list = parseTokenList(v, h);
        assert.equal(parseTokenList(formatTokenList(list, h), h), list);
      } catch (e) {
        if (!(e instanceof SIPParseError) || e.statusCode !== 400 || e.header !== h) throw e;
      }
    }),
    { numRuns: 3000 },
  );
});

test('huge inputs stay linear', () => {
  const t = Date.now();
  assert.is(parseTokenList(Array.from({ length: 200_000 }, () => 'INVITE').join(', '), 'Allow').length, 200_000);
  assert.is(parseTokenList('a.'.repeat(500_000) + 'b', 'Allow-Events').length, 1);
  parseError(() => parseTokenList('a' + ','.repeat(1_000_000), 'Allow'), 'Allow', /empty element/);
  parseError(() => parseTokenList('x'.repeat(2_000_000) + ' y', 'Require'), 'Require');
  assert.ok(Date.now() - t < 3000, `took ${Date.now() - t} ms`);
});

test.run();
