/**
 * The one-pass parser (src/sip/wire-parser.ts) is an optimisation of the general one
 * (parseGeneral in src/sip/parser.ts): whatever it accepts, the general parser must accept too,
 * with the same values for everything the stack reads. It may decline (return undefined) at will.
 * Held to that over the benchmark corpus, the RFC 4475 / 5118 torture messages (as stored and
 * with CRLF line ends) and randomly edited messages.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { corpus } from '../../bench/corpus.js';
import { parseWire, type WireLimits } from '../../src/sip/wire-parser.js';
import { parseGeneral, parseMessage } from '../../src/sip/parser.js';
import type { SIPRequest, SIPResponse } from '../../src/sip/message.js';
import { SIPParseError } from '../../src/sip/errors.js';

const LIMITS: WireLimits = { maxHeaderBytes: 65536, maxHeaders: 256, maxLineLength: 16384, maxBodyBytes: 1 << 24, stream: false };
const torture = join(import.meta.dirname, '../fixtures/torture');

/** Everything the transaction and dialog layers read, as comparable JSON. */
function view(m: SIPRequest | SIPResponse): string {
  const o: Record<string, unknown> = { start: m.startLine(), fields: m.fields(), body: m.body.toString('latin1') };
  const addr = (x: unknown) => {
    const a = x as { uri?: { user?: string; host?: string; port?: number; params?: { toJSON(): unknown } }; displayName?: string; params?: { toJSON(): unknown } };
    return { s: String(x), d: a.displayName, p: a.params?.toJSON(), u: a.uri && String(a.uri), uu: a.uri?.user, uh: a.uri?.host, up: a.uri?.port, upar: a.uri?.params?.toJSON() };
  };
  // topVia first: the fast path leaves the Vias below the top one unparsed until `via` is read.
  for (const k of ['topVia', 'via', 'from', 'to', 'callId', 'cseq', 'maxForwards', 'contentLength', 'contact', 'route', 'recordRoute'] as const) {
    try {
      const v: unknown = m[k as keyof typeof m];
      o[k] = Array.isArray(v) ? v.map((x) => (x && typeof x === 'object' ? { ...addr(x), json: JSON.stringify(x) } : x)) : v && typeof v === 'object' ? { ...addr(v), json: JSON.stringify(v) } : v;
    } catch (e) {
      o[k] = `error: ${(e as Error).message}`;
    }
  }
  if (m.isRequest) {
    const r = m as SIPRequest;
    o.requestUri = r.requestUri;
    try {
      o.uri = { s: String(r.uri), json: JSON.stringify(r.uri) };
    } catch (e) {
      o.uri = `error: ${(e as Error).message}`;
    }
  }
  return JSON.stringify(o);
}

/** undefined when they agree (or the fast path declined); otherwise what differs. */
function disagreement(buf: Buffer): string | undefined {
  let start = 0;
  while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
  // What parseMessage gives the fast path: up to 4096 octets, the header section ASCII.
  const headerEnd = buf.indexOf('\r\n\r\n', start);
  if (start >= buf.length || buf.length > 4096 || headerEnd < 0 || !buf.subarray(0, headerEnd).every((x) => x < 128)) return undefined;
  let fast: SIPRequest | SIPResponse | undefined;
  try {
    fast = parseWire(buf, buf.toString('latin1'), start, LIMITS);
  } catch (e) {
    return `the fast path threw: ${(e as Error).message}`;
  }
  if (fast === undefined) return undefined;
  let general: SIPRequest | SIPResponse;
  try {
    general = parseGeneral(buf, start, {});
  } catch (e) {
    return `the fast path accepted what the general parser refuses: ${(e as Error).message}`;
  }
  const a = view(fast);
  const b = view(general);
  return a === b ? undefined : `values differ:\n  fast    ${a}\n  general ${b}`;
}

/** A corpus message with its body replaced by `body` (UTF-8) and Content-Length fixed. */
function withBody(name: string, body: string): Buffer {
  const text = corpus.find((m) => m.name === name)!.text;
  const head = text.slice(0, text.indexOf('\r\n\r\n')).replace(/Content-Length: \d+/, `Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${head}\r\n\r\n${body}`);
}

const utf8Bodies: [string, Buffer][] = [
  ['MESSAGE in UTF-8', withBody('MESSAGE', 'Grüße, 世界 🙂')],
  ['NOTIFY with a UTF-8 note', withBody('NOTIFY+PIDF', '<note xml:lang="de">Bin gleich zurück</note>')],
  ['MESSAGE with invalid UTF-8', Buffer.concat([withBody('MESSAGE', 'xx').subarray(0, -2), Buffer.from([0xff, 0xfe])])],
];

const inputs: [string, Buffer][] = [
  ...corpus.map((m): [string, Buffer] => [m.name, Buffer.from(m.text)]),
  ...utf8Bodies,
  ...readdirSync(torture).filter((f) => f.endsWith('.dat')).map((f): [string, Buffer] => [f, readFileSync(join(torture, f))]),
  ...readdirSync(join(torture, 'ipv6')).filter((f) => f.endsWith('.dat')).map((f): [string, Buffer] => [f, readFileSync(join(torture, 'ipv6', f))]),
];

test('the corpus and the torture messages: the fast path agrees with the general parser (or declines)', () => {
  let taken = 0;
  for (const [name, buf] of inputs) {
    for (const b of [buf, Buffer.from(buf.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1')]) {
      const d = disagreement(b);
      assert.is(d, undefined, `${name}: ${d}`);
      if (parseWire(b, b.toString('latin1'), 0, LIMITS)) taken++;
    }
  }
  assert.ok(taken >= corpus.length, `the fast path takes the ordinary messages (${taken})`);
});

test('a body in UTF-8 (or any octets) keeps the message on the fast path, its octets as sent', () => {
  for (const [name, buf] of utf8Bodies) {
    const m = parseWire(buf, buf.toString('latin1'), 0, LIMITS);
    assert.ok(m, `${name}: taken`);
    const body = buf.subarray(buf.indexOf('\r\n\r\n') + 4);
    assert.equal(m.body, body, name);
    assert.equal(parseMessage(buf).body, body, `${name}: parseMessage`);
  }
  // A non-ASCII octet in the header section is the general parser's (UTF-8 display name, §25.1).
  const utf8Name = Buffer.from(corpus.find((m) => m.name === 'MESSAGE')!.text.replace('"Alice"', '"Alïce"'));
  assert.is(parseMessage(utf8Name).from!.displayName, 'Alïce');
});

test('randomly edited messages: never accepted by the fast path alone, never read differently', () => {
  // Non-ASCII octets too (as latin1): in the header section they send the message to the
  // general parser; in the body the fast path keeps it.
  const alphabet = ' \t\r\n:;,<>"\\@[]=%/0123456789aZ.-_!?*+\'~`#&$(){}\u00e9\u00ff'.split('');
  const bases = corpus.map((m) => m.text);
  const edit = fc.record({ at: fc.nat(700), del: fc.nat(2), ins: fc.array(fc.constantFrom(...alphabet), { maxLength: 3 }) });
  fc.assert(
    fc.property(fc.nat(bases.length - 1), fc.array(edit, { minLength: 1, maxLength: 3 }), (base, edits) => {
      let s = bases[base];
      for (const e of edits) {
        const at = Math.min(e.at, s.length);
        s = s.slice(0, at) + e.ins.join('') + s.slice(at + e.del);
      }
      const d = disagreement(Buffer.from(s, 'latin1'));
      if (d) throw new Error(`${JSON.stringify(s.slice(0, 400))}\n${d}`);
    }),
    { numRuns: 30_000 },
  );
});

test('lazily created parts of a fast-path message behave like eager ones', () => {
  const text = corpus.find((m) => m.name === 'INVITE+SDP')!.text;
  const buf = Buffer.from(text);
  const m = parseWire(buf, buf.toString('latin1'), 0, LIMITS) as SIPRequest;
  assert.ok(m, 'the fast path takes the INVITE');
  // The body is a view made on first read: the same Buffer every time, replaceable.
  assert.is(m.body, m.body);
  assert.is(m.body.toString('latin1'), text.slice(text.indexOf('\r\n\r\n') + 4));
  const other = Buffer.from('x');
  m.body = other;
  assert.is(m.body, other);
  // Address and URI parameters without entries are created on first read, and writable.
  const to = m.to!;
  assert.is(to.tag, undefined);
  assert.is(String(to), '"Bob" <sip:bob@example.com>');
  to.tag = 'abc';
  assert.is(to.params, to.params);
  assert.is(m.to!.tag, 'abc');
  assert.is(String(to), '"Bob" <sip:bob@example.com>;tag=abc');
  const uri = to.uri as { params: { set(n: string, v: string | null): unknown; size: number }; headers: { set(n: string, v: string | null): unknown; size: number } };
  assert.is(uri.params.size, 0);
  assert.is(uri.headers.size, 0);
  uri.params.set('lr', null);
  uri.headers.set('subject', 'hi');
  assert.is(String(to.uri), 'sip:bob@example.com;lr?subject=hi');
});

test('the Vias below the top one are parsed on first use of via, around the top one the stack already holds', () => {
  const text = corpus.find((m) => m.name === 'INVITE+SDP')!.text.replace('Via: SIP/2.0/UDP 192.0.2.20', 'Via: SIP/2.0/TCP 192.0.2.40;branch=z9hG4bKx, SIP/2.0/TLS proxy.example.com:5061\r\nVia: SIP/2.0/UDP 192.0.2.20');
  const parse = () => parseWire(Buffer.from(text), text, 0, LIMITS) as SIPRequest;
  const m = parse();
  assert.ok(m, 'the fast path takes an INVITE with three Via fields');
  const top = m.topVia!;
  assert.is(top.branch, 'z9hG4bK2d4790.1');
  assert.is(m.via.length, 4);
  assert.is(m.via[0], top, 'the top Via keeps its identity');
  assert.is(m.topVia, top);
  assert.equal(m.via.map((v) => v.sentBy), ['192.0.2.10:5060', '192.0.2.40', 'proxy.example.com:5061', '192.0.2.20:5060']);
  assert.equal(m.via[3].received, '192.0.2.20');
  // Changing the Vias before they were parsed: the parts written through the message API count.
  const n = parse();
  n.removeFirst('Via');
  assert.is(n.topVia!.host, '192.0.2.40');
  assert.is(n.via.length, 3);
  const o = parse();
  o.prepend('Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKnew');
  assert.is(o.topVia!.branch, 'z9hG4bKnew');
  assert.is(o.via.length, 5);
  // A malformed Via below the top one: a UA only copies it into its responses (RFC 3261
  // §8.2.6.2), so both parsers take the message; reading `via` reports it, and the top Via
  // (and the raw field, for a response) stay readable.
  const bad = text.replace('rport=5060;branch', 'rport=99999;branch');
  for (const p of [parseWire(Buffer.from(bad), bad, 0, LIMITS)!, parseGeneral(Buffer.from(bad), 0, {})]) {
    assert.ok(p, 'taken');
    assert.throws(() => p.via, (e: unknown) => e instanceof SIPParseError && e.header === 'Via');
    assert.throws(() => p.via, (e: unknown) => e instanceof SIPParseError, 'and again on the next read');
    assert.is(p.topVia!.branch, 'z9hG4bK2d4790.1');
    assert.ok(p.getAll('Via').some((v) => v.includes('rport=99999')));
    const res = (p as SIPRequest).createResponse(200);
    assert.equal(res.getAll('Via'), p.getAll('Via'), 'copied verbatim into a response');
  }
  // A malformed top Via is refused, as before.
  const badTop = text.replace('192.0.2.10:5060;branch', '192.0.2.10:99999;branch');
  assert.is(parseWire(Buffer.from(badTop), badTop, 0, LIMITS), undefined);
  assert.throws(() => parseGeneral(Buffer.from(badTop), 0, {}), (e: unknown) => e instanceof SIPParseError && e.statusCode === 400);
  const upper = text.replace('rport=5060;branch', 'RPORT=5060;branch');
  assert.is(parseWire(Buffer.from(upper), upper, 0, LIMITS)!.via[3].rport, 5060, 'an upper-case parameter name below the top Via');
});

test('URI parameters are split on first use, as the general parser splits them', () => {
  const text = corpus.find((m) => m.name === 'INVITE+SDP')!.text.replace('<sip:192.0.2.10;lr>', '<sip:192.0.2.10;lr;Foo=Bar;x>');
  const m = parseWire(Buffer.from(text), text, 0, LIMITS) as SIPRequest;
  const rr = m.recordRoute[0].uri as { lr: boolean; params: { toJSON(): unknown; get(n: string): string | null | undefined } };
  assert.ok(rr.lr);
  assert.is(rr.params.get('foo'), 'Bar');
  assert.is(rr.params.get('x'), null);
  assert.is(String(m.recordRoute[0].uri), 'sip:192.0.2.10;lr;Foo=Bar;x');
  const contact = m.contact[0] as { uri: { transport?: string; params: { size: number } } };
  assert.is(contact.uri.transport, 'udp');
  assert.is(contact.uri.params.size, 1);
});

test.run();
