import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parseMultipart, buildMultipart, makePart, type BodyPart } from '../../src/sip/multipart.js';
import { SIPBuildError, SIPParseError } from '../../src/sip/errors.js';

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');

function throwsParse(fn: () => unknown, pattern: RegExp): SIPParseError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, SIPParseError);
    assert.match((e as Error).message, pattern);
    assert.is((e as SIPParseError).statusCode, 400);
    return e as SIPParseError;
  }
  assert.unreachable(`expected a SIPParseError matching ${pattern}`);
  throw new Error('unreachable');
}

function throwsBuild(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, SIPBuildError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a SIPBuildError matching ${pattern}`);
}

test('RFC 4475 §3.1.1.11 mpart01: two parts, the binary one octet-exact', () => {
  const raw = readFileSync('/work/shared/corpus/torture/mpart01.dat');
  const bodyStart = raw.indexOf('\r\n\r\n') + 4;
  const head = raw.toString('latin1', 0, bodyStart);
  const boundary = /boundary=([^\s;]+)/.exec(head)?.[1];
  assert.is(boundary, '7a9cbec02ceef655');
  const body = raw.subarray(bodyStart);
  assert.is(body.length, 553); // its Content-Length
  const parts = parseMultipart(body, boundary!);
  assert.is(parts.length, 2);

  assert.is(parts[0].contentType, 'text/plain');
  assert.equal(parts[0].headers, [
    ['Content-Type', 'text/plain'],
    ['Content-Transfer-Encoding', 'binary'],
  ]);
  assert.is(parts[0].body.toString('latin1'), 'Hello');

  const sig = parts[1];
  assert.is(sig.contentType, 'application/octet-stream');
  assert.is(sig.header('content-transfer-encoding'), 'binary');
  assert.is(sig.contentId, undefined);
  // The binary part in the archive file is octets 0x39c..0x4f1: a DER blob (SEQUENCE of 0x152
  // octets) that contains CR and LF octets of its own; it ends right before CRLF "--boundary--".
  const expected = raw.subarray(0x39c, 0x4f2);
  assert.is(expected.readUInt16BE(0), 0x3082);
  assert.is(expected.readUInt16BE(2) + 4, expected.length);
  assert.ok(expected.includes(0x0a) && expected.includes(0x0d));
  assert.is(sig.body.length, 342);
  assert.ok(sig.body.equals(expected));
  assert.is(createHash('sha256').update(sig.body).digest('hex'), createHash('sha256').update(expected).digest('hex'));
});

test('build → parse round trip, with makePart, an empty part and a part without headers', () => {
  const parts = [
    makePart('application/sdp', 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n'),
    makePart('application/octet-stream', Buffer.from([0, 13, 10, 13, 10, 45, 45, 255]), [['Content-ID', '<x@example.com>'], ['Content-Disposition', 'signature;handling=required']]),
    makePart('text/plain', ''),
    { headers: [], body: 'implicit text/plain; charset=us-ascii (RFC 2046 §5.1.1)' },
    { headers: [['Subject', 'caf\u00e9 \u2615']], body: Buffer.from('\r\n') },
  ] as { headers: [string, string][]; body: Buffer | string }[];
  const { body, boundary } = buildMultipart(parts);
  assert.match(boundary, /^[A-Za-z0-9_-]{24}$/);
  const text = body.toString('latin1');
  assert.ok(text.startsWith(`--${boundary}\r\nContent-Type: application/sdp\r\n\r\nv=0`));
  assert.ok(text.endsWith(`\r\n--${boundary}--\r\n`));
  const back = parseMultipart(body, boundary);
  assert.is(back.length, parts.length);
  back.forEach((p, i) => {
    assert.equal(p.headers, parts[i].headers);
    const want = parts[i].body;
    assert.ok(p.body.equals(typeof want === 'string' ? Buffer.from(want) : want), `part ${i}`);
  });
  assert.is(back[1].contentId, '<x@example.com>');
  assert.is(back[1].header('CONTENT-DISPOSITION'), 'signature;handling=required');
  assert.is(back[2].body.length, 0);
  assert.is(back[3].contentType, undefined);
  assert.is(back[4].header('subject'), 'caf\u00e9 \u2615');
});

test('a given boundary is used and its exact layout produced', () => {
  const { body, boundary } = buildMultipart([makePart('text/plain', 'a'), { headers: [], body: 'b' }], "simple boundary'()+_,-./:=?");
  assert.is(boundary, "simple boundary'()+_,-./:=?");
  assert.is(
    body.toString(),
    `--${boundary}\r\nContent-Type: text/plain\r\n\r\na\r\n--${boundary}\r\n\r\nb\r\n--${boundary}--\r\n`,
  );
});

test('preamble, epilogue and transport padding are ignored', () => {
  const body = crlf([
    'This is the preamble. --b is not at a line start.',
    '--b   \t',
    'Content-Type: text/plain',
    '',
    'one',
    '--b',
    'content-type: text/html',
    '',
    '<p>two</p>',
    '',
    '--b-- \t',
    'This is the epilogue.',
    '--b',
    'Content-Type: text/plain',
    '',
    'not a part',
  ]);
  const parts = parseMultipart(body, 'b');
  assert.is(parts.length, 2);
  assert.is(parts[0].body.toString(), 'one');
  assert.is(parts[1].contentType, 'text/html');
  assert.is(parts[1].body.toString(), '<p>two</p>\r\n'); // only the CRLF just before the delimiter is the delimiter's
});

test('"--boundary" followed by other characters is content, not a delimiter', () => {
  const body = crlf(['--b', 'Content-Type: text/plain', '', 'line', '--bb not a delimiter', '--b-x', '--b--']);
  const parts = parseMultipart(body, 'b');
  assert.is(parts.length, 1);
  // "--b-x" is not a delimiter either: "-x" is neither "--" nor padding + CRLF.
  assert.is(parts[0].body.toString(), 'line\r\n--bb not a delimiter\r\n--b-x');
});

test('bare LF line ends and folded part headers are accepted', () => {
  const body = Buffer.from('--b\nContent-Type: multipart/related;\n type="application/rlmi+xml"\nContent-ID : <a@b>\n\nx\n--b--\n');
  const [p] = parseMultipart(body, 'b');
  assert.is(p.contentType, 'multipart/related; type="application/rlmi+xml"');
  assert.is(p.contentId, '<a@b>');
  assert.equal(p.headers.map(([n]) => n), ['Content-Type', 'Content-ID']);
  assert.is(p.body.toString(), 'x');
  // An empty part written without its own line end between two delimiters.
  const parts = parseMultipart(Buffer.from('--b\r\n--b\r\nContent-Type: text/plain\r\n\r\nz\r\n--b--'), 'b');
  assert.is(parts.length, 2);
  assert.equal(parts[0].headers, []);
  assert.is(parts[0].body.length, 0);
  assert.is(parts[1].body.toString(), 'z');
});

// An RLS notification body in the shape of RFC 4662 §5.3: multipart/related whose root part is
// the RLMI document, pointing by cid at the other parts, one of which is itself multipart/signed.
const RLMI_BOUNDARY = 'TfZxoxgAvLqgj4wRWPDL';
const SIGNED_BOUNDARY = 'level2-7RNyzT9cuUFk';
const RLMI_BODY = crlf([
  `--${RLMI_BOUNDARY}`,
  'Content-Transfer-Encoding: binary',
  'Content-ID: <rlmi-root@rls.example.com>',
  'Content-Type: application/rlmi+xml;charset="UTF-8"',
  '',
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<list xmlns="urn:ietf:params:xml:ns:rlmi"',
  '      uri="sip:alice-buddies@rls.example.com" version="3" fullState="true">',
  '  <name xml:lang="en">Alice\'s buddies</name>',
  '  <resource uri="sip:carol@example.com">',
  '    <name>Carol</name>',
  '    <instance id="q8xq2pn" state="active" cid="carol-1@rls.example.com"/>',
  '  </resource>',
  '  <resource uri="sip:dan@example.net">',
  '    <instance id="m0c9re" state="pending"/>',
  '  </resource>',
  '  <resource uri="sip:team@example.org">',
  '    <name>Team list elsewhere</name>',
  '    <instance id="zz81kk" state="active" cid="team-1@rls.example.com"/>',
  '  </resource>',
  '</list>',
  '',
  `--${RLMI_BOUNDARY}`,
  'Content-Transfer-Encoding: binary',
  'Content-ID: <carol-1@rls.example.com>',
  'Content-Type: application/pidf+xml;charset="UTF-8"',
  '',
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:carol@example.com">',
  '  <tuple id="t1"><status><basic>open</basic></status></tuple>',
  '</presence>',
  '',
  `--${RLMI_BOUNDARY}`,
  'Content-Transfer-Encoding: binary',
  'Content-ID: <team-1@rls.example.com>',
  `Content-Type: multipart/signed;protocol="application/pkcs7-signature";micalg=sha1;boundary="${SIGNED_BOUNDARY}"`,
  '',
  `--${SIGNED_BOUNDARY}`,
  'Content-Transfer-Encoding: binary',
  'Content-ID: <team-inner@example.org>',
  'Content-Type: application/rlmi+xml;charset="UTF-8"',
  '',
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:team@example.org" version="1" fullState="false"/>',
  `--${SIGNED_BOUNDARY}`,
  'Content-Transfer-Encoding: binary',
  'Content-Type: application/pkcs7-signature',
  'Content-Disposition: signature',
  '',
  '\u0000SIGNATURE\u00ff',
  `--${SIGNED_BOUNDARY}--`,
  '',
  `--${RLMI_BOUNDARY}--`,
  '',
]);

test('RFC 4662 §5.3-style multipart/related RLMI notification, nested multipart/signed', () => {
  const parts = parseMultipart(RLMI_BODY, RLMI_BOUNDARY);
  assert.is(parts.length, 3);
  // The root part (start= in the Content-Type, or the first part) is the RLMI document.
  const root = parts[0];
  assert.is(root.contentType, 'application/rlmi+xml;charset="UTF-8"');
  assert.is(root.contentId, '<rlmi-root@rls.example.com>');
  const xml = root.body.toString('utf8');
  assert.ok(xml.startsWith('<?xml'));
  assert.ok(xml.endsWith('</list>\r\n'));
  // Every cid in the RLMI names a part by its Content-ID (RFC 4662 §5.2, RFC 2392).
  const byCid = new Map<string, BodyPart>(parts.map((p) => [p.contentId ?? '', p]));
  const cids = [...xml.matchAll(/cid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(cids, ['carol-1@rls.example.com', 'team-1@rls.example.com']);
  for (const cid of cids) assert.ok(byCid.has(`<${cid}>`), cid);
  assert.match(byCid.get('<carol-1@rls.example.com>')!.body.toString(), /<basic>open<\/basic>/);

  const signed = byCid.get('<team-1@rls.example.com>')!;
  const inner = /boundary="([^"]+)"/.exec(signed.contentType!)?.[1];
  assert.is(inner, SIGNED_BOUNDARY);
  const nested = parseMultipart(signed.body, inner!);
  assert.is(nested.length, 2);
  assert.is(nested[0].contentId, '<team-inner@example.org>');
  assert.is(nested[1].header('content-disposition'), 'signature');
  assert.ok(nested[1].body.equals(Buffer.from('\u0000SIGNATURE\u00ff', 'utf8')));

  // Rebuilding from the parsed parts gives back the same parts.
  const rebuilt = buildMultipart(parts, RLMI_BOUNDARY);
  const again = parseMultipart(rebuilt.body, RLMI_BOUNDARY);
  assert.equal(
    again.map((p) => [p.headers, p.body.toString('latin1')]),
    parts.map((p) => [p.headers, p.body.toString('latin1')]),
  );
});

test('malformed multipart bodies are refused with 400', () => {
  const ok = crlf(['--b', 'Content-Type: text/plain', '', 'x', '--b--']);
  throwsParse(() => parseMultipart(ok, ''), /1 to 70/);
  throwsParse(() => parseMultipart(ok, 'x'.repeat(71)), /1 to 70/);
  throwsParse(() => parseMultipart(ok, 'b '), /end in a space/);
  throwsParse(() => parseMultipart(ok, '"b"'), /not allowed/);
  throwsParse(() => parseMultipart(ok, 'b;c'), /not allowed/);
  throwsParse(() => parseMultipart(ok, 'b\u00e9'), /not allowed/);
  assert.is(parseMultipart(ok, 'b').length, 1);
  assert.is(parseMultipart(Buffer.from(ok.toString().replaceAll('--b', '--' + 'x'.repeat(70))), 'x'.repeat(70)).length, 1);

  throwsParse(() => parseMultipart(Buffer.from('no delimiter at all'), 'b'), /no delimiter/);
  throwsParse(() => parseMultipart(Buffer.alloc(0), 'b'), /no delimiter/);
  throwsParse(() => parseMultipart(crlf(['x--b', 'Content-Type: a/b', '', 'x', 'y--b--']), 'b'), /no delimiter/);
  throwsParse(() => parseMultipart(crlf(['--b', 'Content-Type: text/plain', '', 'x']), 'b'), /closing delimiter/);
  throwsParse(() => parseMultipart(crlf(['--b', 'Content-Type: text/plain', '', 'x', '--b']), 'b'), /closing delimiter/);
  throwsParse(() => parseMultipart(crlf(['--b', 'Content-Type: text/plain', '', 'x', '--b', 'Content-Type: text/plain', '', 'y']), 'b'), /closing delimiter/);
  throwsParse(() => parseMultipart(crlf(['--b--', '']), 'b'), /before any body part/);
  throwsParse(() => parseMultipart(crlf(['--b', 'Content-Type: text/plain', 'x', '--b--']), 'b'), /empty line/);
  throwsParse(() => parseMultipart(crlf(['--b', 'Content-Type: text/plain', '--b--']), 'b'), /empty line/);
  throwsParse(() => parseMultipart(crlf(['--b', ' folded: first', '', 'x', '--b--']), 'b'), /continuation/);
  throwsParse(() => parseMultipart(crlf(['--b', 'Content-Type: text/plain', 'no colon here', '', 'x', '--b--']), 'b'), /without ':'/);
  throwsParse(() => parseMultipart(crlf(['--b', 'Bad Name: v', '', 'x', '--b--']), 'b'), /header name/);
});

test('build refuses bad input with SIPBuildError', () => {
  throwsBuild(() => buildMultipart([]), /at least one part/);
  throwsBuild(() => buildMultipart([makePart('text/plain', 'x')], 'b '), /space/);
  throwsBuild(() => buildMultipart([makePart('text/plain', 'x')], ''), /1 to 70/);
  throwsBuild(() => buildMultipart([makePart('text/plain', 'line\r\n--sep and more')], 'sep'), /begins a line/);
  throwsBuild(() => buildMultipart([makePart('text/plain', '--sep at the start')], 'sep'), /begins a line/);
  throwsBuild(() => buildMultipart([{ headers: [['--sep', 'x']], body: '' }], 'sep'), /begins a line/);
  throwsBuild(() => buildMultipart([{ headers: [['Bad Name', 'x']], body: '' }]), /header name/);
  throwsBuild(() => buildMultipart([{ headers: [['X', 'a\r\nInjected: y']], body: '' }]), /CR or LF/);
  throwsBuild(() => makePart('text/plain\r\nX: y', ''), /CR or LF/);
  throwsBuild(() => makePart(' ', ''), /empty Content-Type/);
  // A boundary inside a line (not at its start) is allowed by RFC 2046 and round-trips.
  const { body } = buildMultipart([makePart('text/plain', 'a --sep b')], 'sep');
  assert.is(parseMultipart(body, 'sep')[0].body.toString(), 'a --sep b');
  // A generated boundary never clashes, whatever the content.
  const nasty = Buffer.from('\r\n--\r\n--\n--' + 'A'.repeat(30));
  const gen = buildMultipart([{ headers: [], body: nasty }]);
  assert.ok(parseMultipart(gen.body, gen.boundary)[0].body.equals(nasty));
});

test('makePart puts Content-Type first and encodes strings as UTF-8', () => {
  const p = makePart('text/plain;charset=utf-8', 'h\u00e9', [['Content-ID', '<1@x>']]);
  assert.equal(p.headers, [
    ['Content-Type', 'text/plain;charset=utf-8'],
    ['Content-ID', '<1@x>'],
  ]);
  assert.ok(p.body.equals(Buffer.from([0x68, 0xc3, 0xa9])));
});

const arbHeaderName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
// No CR/LF; no surrounding whitespace, which parsing trims (RFC 5322 §2.2 unstructured values).
const arbHeaderValue = fc.string({ maxLength: 30, unit: 'grapheme' }).map((s) => s.replace(/[\r\n]/g, '').trim());
const arbBinary = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((u) => Buffer.from(u)),
  fc
    .array(fc.constantFrom('\r\n', '\n', '\r', '--', '-', ' ', 'x', '\r\n\r\n', '\u0000'), { maxLength: 40 })
    .map((a) => Buffer.from(a.join(''), 'latin1')),
);
const arbParts = fc.array(fc.record({ headers: fc.array(fc.tuple(arbHeaderName, arbHeaderValue), { maxLength: 4 }), body: arbBinary }), {
  minLength: 1,
  maxLength: 6,
});

test('property: build → parse returns identical parts for random binary bodies', () => {
  fc.assert(
    fc.property(arbParts, (parts) => {
      const { body, boundary } = buildMultipart(parts);
      const back = parseMultipart(body, boundary);
      assert.is(back.length, parts.length);
      back.forEach((p, i) => {
        assert.equal(p.headers, parts[i].headers);
        assert.ok(p.body.equals(parts[i].body));
      });
    }),
    { numRuns: 500 },
  );
});

test('property: with a chosen boundary, preamble and epilogue, parts still come back', () => {
  fc.assert(
    fc.property(arbParts, fc.stringMatching(/^[0-9A-Za-z'()+_,./:=?-]{1,20}$/), arbBinary, arbBinary, (parts, boundary, pre, post) => {
      let built: { body: Buffer };
      try {
        built = buildMultipart(parts, boundary);
      } catch (e) {
        assert.instance(e, SIPBuildError); // the boundary begins a line of some part
        return;
      }
      // Preamble: anything with no line starting with the dash-boundary, then CRLF (RFC 2046 §5.1.1).
      const preText = pre.toString('latin1');
      fc.pre(!('\n' + preText).includes('\n--' + boundary));
      const body = Buffer.concat([pre, Buffer.from('\r\n'), built.body, post]);
      const back = parseMultipart(body, boundary);
      assert.equal(
        back.map((p) => [p.headers, p.body.toString('latin1')]),
        parts.map((p) => [p.headers, p.body.toString('latin1')]),
      );
    }),
    { numRuns: 300 },
  );
});

test.run();
