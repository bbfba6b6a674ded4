/**
 * RFC 4475 and RFC 5118 torture messages (test/fixtures/torture, byte-exact from the RFC
 * archives, with manifest.json): each is accepted or refused as the RFC says, and accepted ones
 * carry the values the RFC states.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseOne } from '../../src/cli/parse.js';
import { parseMessage, SIPParseError, type SIPRequest, isSipURI } from '../../src/index.js';

const dir = fileURLToPath(new URL('../fixtures/torture/', import.meta.url));
interface Entry {
  file: string;
  rfc_section: string;
  valid: boolean | null;
  expect?: { method?: string; request_uri?: string; via_count?: number; max_forwards?: number; cseq?: string; content_length?: number; call_id?: string };
}
const manifest = JSON.parse(readFileSync(dir + 'manifest.json', 'utf8')) as { entries: Entry[] };

/** What a UAS must do with each message that is not simply accepted. */
const REFUSED: Record<string, 400 | 505 | null> = {
  'badinv01.dat': 400, 'clerr.dat': 400, 'ncl.dat': 400, 'scalar02.dat': 400, 'scalarlg.dat': null,
  'quotbal.dat': 400, 'ltgtruri.dat': 400, 'lwsruri.dat': 400, 'lwsstart.dat': 400, 'trws.dat': 400,
  'escruri.dat': 400, 'baddate.dat': 400, 'regbadct.dat': 400, 'badaspec.dat': 400, 'baddn.dat': 400,
  'badvers.dat': 505, 'mismatch01.dat': 400, 'mismatch02.dat': 400, 'bigcode.dat': null,
  // §3.3: syntactically fine, but a UAS answers 400 (missing or repeated mandatory headers).
  'insuf.dat': 400, 'multi01.dat': 400, 'mcl01.dat': 400,
  'ipv6/ipv6-bad.dat': 400,
};

/** RFC 5118 §4.6 and §4.8 as archived have Content-Length values that do not match their bodies. */
function load(file: string): Buffer {
  let data = readFileSync(dir + file);
  if (file === 'ipv6/ipv6-in-sdp.dat' || file === 'ipv6/mult-ip-in-sdp.dat') {
    const text = data.toString('latin1');
    const body = text.slice(text.indexOf('\n\n') + 2);
    data = Buffer.from(text.replace(/Content-Length: \d+/, `Content-Length: ${Buffer.byteLength(body, 'latin1')}`), 'latin1');
  }
  return data;
}

for (const entry of manifest.entries) {
  if (entry.valid === null) continue;
  test(`${entry.file} (${entry.rfc_section})`, () => {
    const line = parseOne(entry.file, load(entry.file));
    if (entry.file in REFUSED) {
      assert.is(line.ok, false, `${entry.file} must be refused`);
      if (!line.ok) assert.is(line.status, REFUSED[entry.file], `${entry.file}: ${line.error}`);
      return;
    }
    assert.ok(line.ok, line.ok ? '' : `${entry.file}: ${line.error}`);
    if (!line.ok) return;
    const x = entry.expect ?? {};
    if (x.method) assert.is(line.method, x.method);
    if (x.request_uri) assert.is(line.requestUri, x.request_uri);
    if (x.via_count !== undefined) assert.is(line.via.length, x.via_count);
    if (x.max_forwards !== undefined) assert.is(line.maxForwards, x.max_forwards);
    if (x.cseq) assert.is(`${line.cseq?.seq} ${line.cseq?.method}`, x.cseq);
    if (x.content_length !== undefined) assert.is(line.bodyLength, x.content_length);
    if (x.call_id) assert.is(line.callId, x.call_id);
  });
}

test('every refusal of a readable request carries the headers a 400 needs', () => {
  for (const file of ['badinv01.dat', 'scalar02.dat', 'quotbal.dat', 'mismatch01.dat', 'mcl01.dat', 'badaspec.dat']) {
    try {
      const msg = parseMessage(load(file));
      // Some refusals come from full validation rather than the parser.
      void msg;
    } catch (e) {
      assert.instance(e, SIPParseError);
      const err = e as SIPParseError;
      assert.is(err.statusCode, 400, file);
      if (file !== 'badinv01.dat' && file !== 'mcl01.dat') assert.ok(err.salvage, `${file} salvage`);
    }
  }
});

test('wsinv: folding, escaped quotes, compact forms and odd whitespace', () => {
  const m = parseMessage(load('wsinv.dat')) as SIPRequest;
  assert.is(m.to!.tag, '1918181833n');
  assert.is(m.from!.displayName, 'J Rosenberg \\"');
  assert.is(m.from!.tag, '98asjd8');
  assert.is(m.via.length, 3);
  assert.is(m.via[0].transport, 'UDP');
  assert.is(m.via[1].transport, 'TCP');
  assert.is(m.via[1].host, 'spindle.example.com');
  assert.is(m.via[2].branch, 'z9hG4bK30239');
  assert.is(m.get('Subject'), '');
  assert.is(m.get('NewFangledHeader'), 'newfangled value continued newfangled value');
  assert.is(m.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
  const contact = m.contact[0];
  assert.ok(!('wildcard' in contact));
  if (!('wildcard' in contact)) {
    assert.is(contact.displayName, 'Quoted string ""');
    assert.is(contact.q, 0.33);
    assert.is(contact.params.get('newparam'), 'newvalue');
  }
  assert.is(m.route[0].lr, true);
  assert.is(m.cseq!.seq, 9);
});

test('esc01: escaped user parts compare unescaped', () => {
  const m = parseMessage(load('esc01.dat')) as SIPRequest;
  const uri = m.uri;
  assert.ok(isSipURI(uri));
  if (isSipURI(uri)) assert.is(uri.user, 'sips:user@example.com');
  const to = m.to!.uri;
  assert.ok(isSipURI(to) && to.user === 'user');
});

test('escnull: two Contacts differing only by %00 are distinct', () => {
  const m = parseMessage(load('escnull.dat'));
  const [a, b] = m.contact;
  assert.ok(!('wildcard' in a) && !('wildcard' in b));
  if (!('wildcard' in a) && !('wildcard' in b)) assert.not.ok(a.uri.equals(b.uri));
});

test('esc02: an escaped method is not REGISTER and C%6Fntact is not Contact', () => {
  const m = parseMessage(load('esc02.dat')) as SIPRequest;
  assert.is(m.method, 'RE%47IST%45R');
  assert.is(m.contact.length, 2);
  assert.is(m.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
  assert.is(m.from!.displayName, '%Z%45');
});

test('semiuri: semicolons in the user part of the Request-URI', () => {
  const m = parseMessage(load('semiuri.dat')) as SIPRequest;
  const uri = m.uri;
  assert.ok(isSipURI(uri));
  if (isSipURI(uri)) {
    assert.is(uri.user, 'user;par=u@example.net');
    assert.is(uri.host, 'example.com');
  }
});

test('intmeth: unusual but legal characters everywhere', () => {
  const m = parseMessage(load('intmeth.dat')) as SIPRequest;
  assert.is(m.from!.tag, "_token~1'+`*%!-.");
  assert.is(m.from!.params.get("fromParam''~+*_!.-%"), 'работающий');
  assert.is(m.from!.displayName, "token1~` token2'+_ token3*%!.-");
  assert.is(m.to!.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
  assert.is(m.get('extensionHeader-!.%*+_`\'~'), '\ufeff大停電');
});

test('unreason: a UTF-8 reason phrase', () => {
  const m = parseMessage(load('unreason.dat'));
  assert.ok(!m.isRequest);
  if (!m.isRequest) assert.is(m.status, 200);
});

test('dblreq: octets after Content-Length are ignored', () => {
  const m = parseMessage(load('dblreq.dat')) as SIPRequest;
  assert.is(m.method, 'REGISTER');
  assert.is(m.body.length, 0);
});

test('mpart01: the binary body is kept octet for octet', () => {
  const raw = load('mpart01.dat');
  const m = parseMessage(raw);
  assert.is(m.body.length, 553);
  assert.ok(m.body.equals(raw.subarray(raw.length - 553)));
});

test('RFC 5118: IPv6 references in URIs, Via and received', () => {
  const amb = parseMessage(load('ipv6/port-ambiguous.dat')) as SIPRequest;
  assert.ok(isSipURI(amb.uri) && amb.uri.port === undefined && amb.uri.host === '[2001:db8::10:5070]');
  const unamb = parseMessage(load('ipv6/port-unambiguous.dat')) as SIPRequest;
  assert.ok(isSipURI(unamb.uri) && unamb.uri.port === 5070);
  const recv = parseMessage(load('ipv6/via-received-param-no-delim.dat'));
  assert.is(recv.via[0].received, '2001:db8::9:255');
  const recv2 = parseMessage(load('ipv6/via-received-param-with-delim.dat'));
  assert.is(recv2.via[0].received, '[2001:db8::9:255]');
});

test('every accepted torture message round-trips through toBuffer()', () => {
  for (const entry of manifest.entries) {
    if (entry.valid === null || entry.file in REFUSED) continue;
    const a = parseMessage(load(entry.file));
    const b = parseMessage(a.toBuffer());
    const noLength = (f: [string, string][]) => f.filter(([n]) => n !== 'Content-Length');
    assert.equal(noLength(b.fields()), noLength(a.fields()), entry.file);
    assert.is(b.contentLength, a.body.length, entry.file);
    assert.ok(b.body.equals(a.body), entry.file);
    assert.is(b.startLine(), a.startLine(), entry.file);
  }
});

test.run();
