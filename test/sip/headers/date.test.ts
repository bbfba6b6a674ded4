import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { SIPParseError } from '../../../src/sip/errors.js';
import { parseError, buildError } from './expect-errors.js';
import { SIPDate, parseDate } from '../../../src/sip/headers/date.js';

test('RFC 3261 §20.17 example and others', () => {
  const d = parseDate('Sat, 13 Nov 2010 23:29:00 GMT');
  assert.is(d.date.toISOString(), '2010-11-13T23:29:00.000Z');
  assert.is(d.toString(), 'Sat, 13 Nov 2010 23:29:00 GMT');
  assert.is(d.toJSON(), 'Sat, 13 Nov 2010 23:29:00 GMT');
  assert.is(parseDate('Thu, 21 Feb 2002 13:02:03 GMT').date.toISOString(), '2002-02-21T13:02:03.000Z');
  assert.is(parseDate('Tue, 15 Nov 1994 08:12:31 GMT').date.getTime(), Date.UTC(1994, 10, 15, 8, 12, 31));
  assert.is(parseDate('Mon, 29 Feb 2016 00:00:00 GMT').date.toISOString(), '2016-02-29T00:00:00.000Z');
  assert.is(parseDate('Sat, 01 Jan 0000 00:00:00 GMT').toString(), 'Sat, 01 Jan 0000 00:00:00 GMT');
  assert.is(parseDate('Fri, 31 Dec 9999 23:59:59 GMT').date.getUTCFullYear(), 9999);
});

test('LWS variants and case', () => {
  const want = Date.UTC(2010, 10, 13, 23, 29, 0);
  for (const v of [
    '  Sat, 13 Nov 2010 23:29:00 GMT  ',
    'Sat ,  13\tNov  2010   23:29:00\tGMT',
    'sat, 13 nov 2010 23:29:00 gmt',
    'SAT, 13 NOV 2010 23:29:00 GMT',
  ]) {
    assert.is(parseDate(v).date.getTime(), want, v);
  }
  // The weekday is not cross-checked with the date (the ABNF does not tie them).
  assert.is(parseDate('Mon, 13 Nov 2010 23:29:00 GMT').toString(), 'Sat, 13 Nov 2010 23:29:00 GMT');
});

test('RFC 4475 §3.1.2.12 baddate: a non-GMT zone throws', () => {
  const e = parseError(() => parseDate('Fri, 01 Jan 2010 16:00:00 EST'), 'Date', /time zone must be GMT, not 'EST'/);
  assert.is(e.offset, 26);
  parseError(() => parseDate('Fri, 01 Jan 2010 16:00:00 UTC'), 'Date', /GMT/);
  parseError(() => parseDate('Fri, 01 Jan 2010 16:00:00 +0000'), 'Date', /GMT/);
  parseError(() => parseDate('Fri, 01 Jan 2010 16:00:00'), 'Date', /expected SP after time/);
});

test('invalid values', () => {
  const D = 'Date';
  parseError(() => parseDate(''), D, /expected wkday/);
  parseError(() => parseDate('Sun'), D, /expected ','/);
  parseError(() => parseDate('Xyz, 13 Nov 2010 23:29:00 GMT'), D, /expected wkday/);
  parseError(() => parseDate('Saturday, 13 Nov 2010 23:29:00 GMT'), D, /expected ','/);
  parseError(() => parseDate('Sat,13 Nov 2010 23:29:00 GMT'), D, /expected SP after ','/);
  parseError(() => parseDate('Sat, 3 Nov 2010 23:29:00 GMT'), D, /day must be 2 digits/);
  parseError(() => parseDate('Sat, 013 Nov 2010 23:29:00 GMT'), D, /day must be 2 digits/);
  parseError(() => parseDate('Sat, 13 November 2010 23:29:00 GMT'), D, /expected SP after month/);
  parseError(() => parseDate('Sat, 13 Foo 2010 23:29:00 GMT'), D, /expected month/);
  parseError(() => parseDate('Sat, 13 Nov 10 23:29:00 GMT'), D, /year must be 4 digits/);
  parseError(() => parseDate('Sat, 13 Nov 20100 23:29:00 GMT'), D, /year must be 4 digits/);
  parseError(() => parseDate('Sat, 13 Nov 2010 23:29 GMT'), D, /expected ':'/);
  parseError(() => parseDate('Sat, 13 Nov 2010 24:00:00 GMT'), D, /time out of range/);
  parseError(() => parseDate('Sat, 13 Nov 2010 23:60:00 GMT'), D, /time out of range/);
  parseError(() => parseDate('Sat, 13 Nov 2010 23:59:60 GMT'), D, /time out of range/);
  parseError(() => parseDate('Sat, 00 Nov 2010 23:29:00 GMT'), D, /day 0 does not exist/);
  parseError(() => parseDate('Sat, 31 Nov 2010 23:29:00 GMT'), D, /day 31 does not exist in Nov 2010/);
  parseError(() => parseDate('Tue, 29 Feb 2011 00:00:00 GMT'), D, /does not exist in Feb 2011/);
  parseError(() => parseDate('Sat, 13 Nov 2010 23:29:00 GMT x'), D, /unexpected 'x'/);
  parseError(() => parseDate('Sat, 13 Nov 2010 23:29:00 GMTX'), D, /GMT/);
  parseError(() => parseDate('Sunday, 06-Nov-94 08:49:37 GMT'), D); // RFC 850 form
  parseError(() => parseDate('Sun Nov  6 08:49:37 1994'), D); // asctime form
  parseError(() => parseDate('2010-11-13T23:29:00Z'), D, /expected wkday/);
});

test('builders and round trips', () => {
  const d = new SIPDate(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)));
  assert.is(d.toString(), 'Tue, 02 Jan 2024 03:04:05 GMT');
  assert.is(d.date.getUTCMilliseconds(), 0);
  assert.ok(parseDate(d.toString()).equals(d));
  assert.is(new SIPDate(Date.UTC(999, 5, 1)).toString().slice(5), '01 Jun 0999 00:00:00 GMT');
  assert.ok(Math.abs(SIPDate.now().date.getTime() - Date.now()) < 2000);
  buildError(() => new SIPDate(new Date(Number.NaN)), /invalid/);
  buildError(() => new SIPDate(Date.UTC(10000, 0, 1)), /4DIGIT/);
  buildError(() => new SIPDate(Date.UTC(-1, 0, 1)), /4DIGIT/);
});

test('property: any second from 0000 to 9999 round-trips', () => {
  fc.assert(
    fc.property(fc.integer({ min: Date.parse('0000-01-01T00:00:00Z') / 1000, max: Date.parse('9999-12-31T23:59:59Z') / 1000 }), (sec) => {
      const d = new SIPDate(sec * 1000);
      assert.is(parseDate(d.toString()).date.getTime(), sec * 1000);
    }),
    { numRuns: 2000 },
  );
});

const PIECES = ['Sat', ',', ' ', '13', 'Nov', '2010', '23', ':', '00', 'GMT', 'EST', '\t', '\u0000', '\ud800', '9'];
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 60 }).map((a) => String.fromCharCode(...a)),
  fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('utf8')),
  fc.string({ unit: fc.constantFrom(...PIECES), maxLength: 20 }),
);

test('property: random input throws nothing but SIPParseError', () => {
  fc.assert(
    fc.property(hostile, (v) => {
      try {
        const d = parseDate(v);
        assert.ok(parseDate(d.toString()).equals(d));
      } catch (e) {
        if (!(e instanceof SIPParseError) || e.statusCode !== 400 || e.header !== 'Date') throw e;
      }
    }),
    { numRuns: 3000 },
  );
});

test('huge inputs stay linear', () => {
  const t = Date.now();
  parseError(() => parseDate('Sat, 13 Nov 2010 23:29:00 ' + 'G'.repeat(3_000_000)), 'Date', /GMT/);
  parseError(() => parseDate('Sat, 13 Nov 2010 23:29:00 GMT' + ' '.repeat(3_000_000) + 'x'), 'Date', /unexpected/);
  parseError(() => parseDate('Sat, ' + '1'.repeat(3_000_000)), 'Date', /day must be 2 digits/);
  assert.ok(Date.now() - t < 3000, `took ${Date.now() - t} ms`);
});

test.run();
