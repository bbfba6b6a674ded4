import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { SIPParseError } from '../../../src/sip/errors.js';
import { buildError, hostileValues, parseError } from './expect-errors.js';
import { WarnCode, Warning, formatWarnings, parseWarningList } from '../../../src/sip/headers/warning.js';

test('RFC 3261 §20.43 examples', () => {
  const [a] = parseWarningList('307 isi.edu "Session parameter \'foo\' not understood"');
  assert.is(a.code, 307);
  assert.is(a.agent, 'isi.edu');
  assert.is(a.text, "Session parameter 'foo' not understood");
  assert.is(a.toString(), '307 isi.edu "Session parameter \'foo\' not understood"');
  const [b] = parseWarningList('301 isi.edu "Incompatible network address type \'E.164\'"');
  assert.is(b.code, WarnCode.IncompatibleNetworkAddressFormats);
  assert.is(b.text, "Incompatible network address type 'E.164'");
});

test('lists, agents and LWS', () => {
  const list = parseWarningList(
    '370 192.0.2.1:5060 "Insufficient bandwidth",399 [2001:db8::1] "a \\"quoted\\" word" ,  330  proxy-pseudonym  "" ,\t399 host.example.com.:5061 "x"',
  );
  assert.equal(
    list.map((w) => w.toJSON()),
    [
      { code: 370, agent: '192.0.2.1:5060', text: 'Insufficient bandwidth' },
      { code: 399, agent: '[2001:db8::1]', text: 'a "quoted" word' },
      { code: 330, agent: 'proxy-pseudonym', text: '' },
      { code: 399, agent: 'host.example.com.:5061', text: 'x' },
    ],
  );
  assert.is(
    formatWarnings(list),
    '370 192.0.2.1:5060 "Insufficient bandwidth", 399 [2001:db8::1] "a \\"quoted\\" word", 330 proxy-pseudonym "", 399 host.example.com.:5061 "x"',
  );
  assert.is(parseWarningList('399 [::1]:5060 "v6"')[0].agent, '[::1]:5060');
  assert.is(parseWarningList('399 pseudo!nym "t\u00e9xt"')[0].text, 't\u00e9xt');
});

test('round trips', () => {
  for (const v of ['307 isi.edu "Session parameter \'foo\' not understood"', '399 a "x", 300 [::1]:1 "y\\\\z"']) {
    const list = parseWarningList(v);
    assert.equal(parseWarningList(formatWarnings(list)).map((w) => w.toJSON()), list.map((w) => w.toJSON()));
  }
});

test('received warn-codes outside 300-399 and bad agents are errors (R-MSG-1)', () => {
  const W = 'Warning';
  // RFC 4475 §3.1.2.5 scalarlg
  parseError(() => parseWarningList('1812 overture "In Progress"'), W, /warn-code must be exactly 3 digits/);
  parseError(() => parseWarningList('199 isi.edu "Miscellaneous warning"'), W, /warn-code 199 is outside 300-399/);
  parseError(() => parseWarningList('400 isi.edu "x"'), W, /outside 300-399/);
  parseError(() => parseWarningList('307 isi.edu "ok", 214 isi.edu "x"'), W, /warn-code 214/);
  parseError(() => parseWarningList('37 isi.edu "x"'), W, /3 digits/);
  parseError(() => parseWarningList('xyz isi.edu "x"'), W, /3 digits/);
  parseError(() => parseWarningList(''), W, /expected warning-value/);
  parseError(() => parseWarningList('307'), W, /expected SP after warn-code/);
  parseError(() => parseWarningList('307isi.edu "x"'), W, /3 digits|expected SP/);
  parseError(() => parseWarningList('307 isi.edu'), W, /expected SP after warn-agent/);
  parseError(() => parseWarningList('307 isi.edu x'), W, /warn-text must be a quoted-string/);
  parseError(() => parseWarningList('307 isi.edu "x'), W, /unterminated/);
  parseError(() => parseWarningList('307 "x"'), W, /expected warn-agent/);
  parseError(() => parseWarningList('307 sipstate/0.1 "x"'), W, /expected SP after warn-agent/);
  parseError(() => parseWarningList('307 -bad-:5060 "x"'), W, /is not a host/);
  parseError(() => parseWarningList('307 host:0 "x"'), W, /port 0/);
  parseError(() => parseWarningList('307 host:70000 "x"'), W, /port out of range/);
  parseError(() => parseWarningList('307 [zz::1] "x"'), W, /bad IPv6 reference/);
  parseError(() => parseWarningList('307 [::1 "x"'), W, /bad IPv6 reference/);
  parseError(() => parseWarningList('307 isi.edu "x",'), W, /empty element/);
  parseError(() => parseWarningList('307 isi.edu "x" 308 isi.edu "y"'), W, /unexpected '3'/);
});

test('building: codes 300-399 and hostport/pseudonym agents only (R-MSG-1)', () => {
  const w = new Warning(WarnCode.SessionDescriptionParameterNotUnderstood, 'proxy.example.com', 'Session parameter \'foo\' not understood');
  assert.is(w.toString(), '307 proxy.example.com "Session parameter \'foo\' not understood"');
  assert.is(Warning.create(399, '[2001:db8::1]:5060', 'a\\b "c"').toString(), '399 [2001:db8::1]:5060 "a\\\\b \\"c\\""');
  assert.is(new Warning(300, '192.0.2.1', 't').toString(), '300 192.0.2.1 "t"');
  assert.is(new Warning(399, 'h', 'tab\there, bell\u0007').toString(), '399 h "tab\there, bell\\\u0007"');
  assert.is(parseWarningList(new Warning(399, 'h', 'bell\u0007').toString())[0].text, 'bell\u0007');
  buildError(() => new Warning(299, 'isi.edu', 'x'), /outside 300-399/);
  buildError(() => new Warning(400, 'isi.edu', 'x'), /outside 300-399/);
  buildError(() => new Warning(1812, 'isi.edu', 'x'), /outside 300-399/);
  buildError(() => new Warning(307.5, 'isi.edu', 'x'), /outside 300-399/);
  buildError(() => new Warning(307, 'sipstate/0.1 (node)', 'x'), /User-Agent/);
  buildError(() => new Warning(307, 'MyPhone 1.0', 'x'), /hostport or a token pseudonym/);
  buildError(() => new Warning(307, '', 'x'), /warn-agent/);
  buildError(() => new Warning(307, 'host:0', 'x'), /warn-agent/);
  buildError(() => new Warning(307, 'pseudo!nym:5060', 'x'), /warn-agent/);
  buildError(() => new Warning(307, 'isi.edu', 'line\r\nX-Evil: 1'), /CR or LF/);
  buildError(() => formatWarnings([]), /at least one/);
});

const PIECES = ['307', '399', '199', ' ', '\t', 'isi.edu', ':', '5060', '[', ']', '::1', '"', '\\', ',', 'x', '\u0001', '\ud800', '\u00e9'];
const hostile = hostileValues(PIECES);

test('property: random input throws nothing but SIPParseError, and what parses round-trips', () => {
  fc.assert(
    fc.property(hostile, (v) => {
      try {
        const list = parseWarningList(v);
        for (const w of list) assert.ok(w.code >= 300 && w.code <= 399);
        assert.equal(parseWarningList(formatWarnings(list)).map((w) => w.toJSON()), list.map((w) => w.toJSON()));
      } catch (e) {
        if (!(e instanceof SIPParseError) || e.statusCode !== 400 || e.header !== 'Warning') throw e;
      }
    }),
    { numRuns: 3000 },
  );
});

test('property: built warnings read back', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 300, max: 399 }),
      fc.constantFrom('isi.edu', '192.0.2.1:5060', '[::1]', 'pseudonym'),
      fc.string({ unit: 'grapheme', maxLength: 30 }).filter((s) => !/[\r\n]/.test(s)),
      (code, agent, text) => {
        const [w] = parseWarningList(new Warning(code, agent, text).toString());
        assert.equal(w.toJSON(), { code, agent, text });
      },
    ),
  );
});

test('huge inputs stay linear', () => {
  const t = Date.now();
  assert.is(parseWarningList(Array.from({ length: 50_000 }, () => '399 h "x"').join(', ')).length, 50_000);
  parseError(() => parseWarningList('399 [' + ':'.repeat(2_000_000) + '] "x"'), 'Warning', /IPv6/);
  parseError(() => parseWarningList('3'.repeat(2_000_000)), 'Warning', /3 digits/);
  parseError(() => parseWarningList('399 ' + 'a'.repeat(2_000_000) + ':' + '1'.repeat(1_000_000)), 'Warning', /port/);
  assert.ok(Date.now() - t < 3000, `took ${Date.now() - t} ms`);
});

test.run();
