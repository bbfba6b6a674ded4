import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AbsoluteURI,
  isSipURI,
  parseSipURI,
  parseURI,
  SipURI,
  TelURI,
  type URI,
} from '../../src/sip/uri.js';
import { Params } from '../../src/sip/grammar.js';
import { SIPBuildError, SIPParseError } from '../../src/sip/errors.js';

const TORTURE = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/torture');

/** The torture message as latin1 text; asserts the URI really appears in it. */
function fromTorture(file: string, uri: string): string {
  const text = readFileSync(join(TORTURE, file), 'latin1');
  assert.ok(text.includes(uri), `${file} holds ${uri}`);
  return uri;
}

function sip(text: string): SipURI {
  const u = parseURI(text);
  assert.instance(u, SipURI, text);
  return u as SipURI;
}

function fails(text: string, pattern?: RegExp, context?: string): SIPParseError {
  try {
    const u = parseURI(text, context);
    assert.unreachable(`expected ${JSON.stringify(text)} to fail, got ${u.toString()}`);
  } catch (e) {
    if (!(e instanceof SIPParseError)) throw e;
    assert.is(e.statusCode, 400);
    assert.type(e.offset, 'number');
    if (pattern) assert.match(e.message, pattern);
    return e;
  }
  throw new Error('unreachable');
}

function roundTrips(u: URI): void {
  const again = parseURI(u.toString());
  assert.ok(again.equals(u), `${u.toString()} reparsed as ${again.toString()}`);
  assert.ok(u.equals(again));
  assert.is(again.toString(), u.toString());
}

// ---------------------------------------------------------------------------------------------
// Forms

test('RFC 3261 §19.1.3 examples parse into their components and round-trip unchanged', () => {
  const cases: [string, Partial<Record<'user' | 'password' | 'host' | 'port' | 'scheme', unknown>>, Record<string, string | null>, Record<string, string | null>][] = [
    ['sip:alice@atlanta.com', { user: 'alice', host: 'atlanta.com', scheme: 'sip' }, {}, {}],
    ['sip:alice:secretword@atlanta.com;transport=tcp', { user: 'alice', password: 'secretword' }, { transport: 'tcp' }, {}],
    ['sips:alice@atlanta.com?subject=project%20x&priority=urgent', { scheme: 'sips' }, {}, { subject: 'project x', priority: 'urgent' }],
    ['sip:+1-212-555-1212:1234@gateway.com;user=phone', { user: '+1-212-555-1212', password: '1234', host: 'gateway.com' }, { user: 'phone' }, {}],
    ['sips:1212@gateway.com', { user: '1212', scheme: 'sips' }, {}, {}],
    ['sip:alice@192.0.2.4', { user: 'alice', host: '192.0.2.4', port: undefined }, {}, {}],
    ['sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com', { user: undefined, host: 'atlanta.com' }, { method: 'REGISTER' }, { to: 'alice@atlanta.com' }],
    ['sip:alice;day=tuesday@atlanta.com', { user: 'alice;day=tuesday', host: 'atlanta.com' }, {}, {}],
  ];
  for (const [text, fields, params, headers] of cases) {
    const u = sip(text);
    for (const [k, v] of Object.entries(fields)) assert.is((u as unknown as Record<string, unknown>)[k], v, `${text} ${k}`);
    assert.equal(u.params.toJSON(), params, text);
    assert.equal(u.headers.toJSON(), headers, text);
    assert.is(u.toString(), text);
    assert.is(u.toJSON(), text);
    assert.is(JSON.stringify({ u }), JSON.stringify({ u: text }));
    roundTrips(u);
  }
});

test('scheme is case-insensitive and written lower-case', () => {
  assert.is(sip('SIP:alice@example.com').scheme, 'sip');
  assert.is(sip('Sips:alice@example.com').scheme, 'sips');
  assert.is(sip('sIpS:alice@example.com').toString(), 'sips:alice@example.com');
  assert.ok(sip('sips:a@b.com').secure);
  assert.not.ok(sip('sip:a@b.com').secure);
  assert.instance(parseURI('TEL:+1234'), TelURI);
  assert.is(parseURI('TEL:+1234').toString(), 'tel:+1234');
});

test('user and password: user-unreserved characters, empty password, errors', () => {
  const u = sip('sip:a&=+$,;?/b:p&=+$,w@h.com');
  assert.is(u.user, 'a&=+$,;?/b');
  assert.is(u.password, 'p&=+$,w');
  assert.is(u.toString(), 'sip:a&=+$,;?/b:p&=+$,w@h.com');
  const e = sip('sip:user:@h.com');
  assert.is(e.password, '');
  assert.is(e.toString(), 'sip:user:@h.com');
  assert.is(sip('sip:*67#123@pbx.example.com').user, '*67#123');
  fails('sip:@example.com', /empty user/);
  fails('sip::pw@example.com', /empty user/);
  fails('sip:a:b:c@example.com', /password/); // ':' is not a password character
  fails('sip:al ice@example.com', /whitespace/);
  fails('sip:alice@atlanta.com@gateway.com', /'@'/);
  fails('sip:al"ice@example.com');
  fails('sip:alice@');
});

test('hosts: names, IPv4, trailing dot, and invalid hosts', () => {
  const good: [string, string, 'name' | 'ipv4' | 'ipv6'][] = [
    ['sip:example.com', 'example.com', 'name'],
    ['sip:EXAMPLE.com.', 'EXAMPLE.com.', 'name'],
    ['sip:a-b.c-d.example', 'a-b.c-d.example', 'name'],
    ['sip:1abc.example.com', '1abc.example.com', 'name'],
    ['sip:x', 'x', 'name'],
    ['sip:u@192.0.2.1', '192.0.2.1', 'ipv4'],
    ['sip:u@255.255.255.255:5060', '255.255.255.255', 'ipv4'],
    ['sip:u@010.000.002.001', '010.000.002.001', 'ipv4'],
  ];
  for (const [text, host, type] of good) {
    const u = sip(text);
    assert.is(u.host, host);
    assert.is(u.hostType, type);
    assert.is(u.hostAddress, host);
    roundTrips(u);
  }
  fails('sip:256.1.1.1', /IPv4/);
  fails('sip:1.2.3', /IPv4/);
  fails('sip:1.2.3.4.5', /IPv4/);
  fails('sip:1.2.3.4.', /IPv4/);
  fails('sip:example.123', /letter/);
  fails('sip:-example.com', /'-'/);
  fails('sip:example-.com', /'-'/);
  fails('sip:example..com', /empty label/);
  fails('sip:.example.com', /empty label/);
  fails('sip:exa_mple.com');
  fails('sip:user@', /host/);
  fails('sip:', /host/);
});

test('IPv6 references (RFC 5118)', () => {
  const good = fromTorture('ipv6/ipv6-good.dat', 'sip:[2001:db8::10]');
  const u = sip(good);
  assert.is(u.host, '[2001:db8::10]');
  assert.is(u.hostType, 'ipv6');
  assert.is(u.hostAddress, '2001:db8::10');
  assert.is(u.port, undefined);
  roundTrips(u);

  // §4.2: an IPv6 address without brackets is not a host.
  fails(fromTorture('ipv6/ipv6-bad.dat', 'sip:2001:db8::10'), /brackets/);
  fails('sip:user@fe80::1', /brackets/);
  fails('sip:::1', /brackets|host/);

  // §4.3 / §4.4: the port is outside the brackets.
  const amb = sip(fromTorture('ipv6/port-ambiguous.dat', 'sip:[2001:db8::10:5070]'));
  assert.is(amb.host, '[2001:db8::10:5070]');
  assert.is(amb.port, undefined);
  const unamb = sip(fromTorture('ipv6/port-unambiguous.dat', 'sip:[2001:db8::10]:5070'));
  assert.is(unamb.host, '[2001:db8::10]');
  assert.is(unamb.port, 5070);
  assert.not.ok(amb.equals(unamb));

  // §4.10: the RFC 3261 ABNF gives three colons before an IPv4 tail; accept both.
  const three = sip(fromTorture('ipv6/ipv6-bug-abnf-3-colons.dat', 'sip:user@[2001:db8:::192.0.2.1]'));
  const two = sip(fromTorture('ipv6/ipv6-correct-abnf-2-colons.dat', 'sip:user@[2001:db8::192.0.2.1]'));
  assert.is(three.host, '[2001:db8:::192.0.2.1]');
  assert.is(two.host, '[2001:db8::192.0.2.1]');
  assert.ok(three.equals(two));
  roundTrips(three);

  // §4.9: IPv4-mapped.
  const mapped = sip(fromTorture('ipv6/ipv4-mapped-ipv6.dat', 'sip:ted@[::ffff:192.0.2.2]'));
  assert.is(mapped.hostAddress, '::ffff:192.0.2.2');

  for (const ok of ['[::]', '[::1]', '[1::]', '[1:2:3:4:5:6:7:8]', '[1:2:3:4:5:6::8]', '[1:2:3:4:5:6:7::]', '[::ffff:1.2.3.4]', '[1:2:3:4:5:6:1.2.3.4]', '[FE80::ABCD]', '[:::1.2.3.4]']) {
    assert.is(sip(`sip:${ok}`).host, ok);
  }
  for (const bad of ['[]', '[:]', '[1:2]', '[1:2:3:4:5:6:7:8:9]', '[1::2::3]', '[12345::]', '[1:2:3:4:5:6:7:8::]', '[:1::]', '[1::2:]', '[::1.2.3]', '[::256.1.1.1]', '[1.2.3.4]', '[::1.2.3.4:5]', '[2001:db8:::1]', '[g::1]', '[::1', '[::1]x', '[fe80::1%25eth0]']) {
    fails(`sip:${bad}`);
  }
});

test('ports: 1..65535, leading zeros allowed', () => {
  assert.is(sip('sip:h.com:1').port, 1);
  assert.is(sip('sip:h.com:65535').port, 65535);
  assert.is(sip('sip:h.com:005060').port, 5060);
  assert.is(sip('sip:u@[::1]:5061;transport=tls').port, 5061);
  fails('sip:h.com:0', /port/);
  fails('sip:h.com:00000', /port/);
  fails('sip:h.com:65536', /port/);
  fails('sip:h.com:99999999999999999999', /port/);
  fails('sip:h.com:', /port/);
  fails('sip:h.com:50a');
  fails('sip:h.com:-1');
});

test('uri-parameters: values, flags, escapes, accessors', () => {
  const u = sip('sip:alice@example.com;transport=TCP;lr;maddr=239.255.255.1;ttl=15;user=phone;method=INVITE;x-foo=a/b:c[d]&e+f$');
  assert.is(u.transport, 'tcp');
  assert.is(u.params.get('transport'), 'TCP');
  assert.ok(u.lr);
  assert.is(u.params.get('lr'), null);
  assert.is(u.maddr, '239.255.255.1');
  assert.is(u.params.get('ttl'), '15');
  assert.is(u.params.get('x-foo'), 'a/b:c[d]&e+f$');
  assert.is(u.toString(), 'sip:alice@example.com;transport=TCP;lr;maddr=239.255.255.1;ttl=15;user=phone;method=INVITE;x-foo=a/b:c[d]&e+f$');
  roundTrips(u);

  assert.is(sip('sip:h.com;maddr=[2001:db8::1]').maddr, '[2001:db8::1]');
  assert.is(sip('sip:h.com;Transport=UDP').transport, 'udp');
  assert.not.ok(sip('sip:h.com').lr);
  assert.is(sip('sip:h.com').transport, undefined);
  assert.is(sip('sip:h.com').maddr, undefined);
  assert.is(sip('sip:h.com;maddr').maddr, undefined); // a flag has no value

  // transport setter; R-TR-4: undefined deletes it
  const t = sip('sip:h.com;transport=udp;lr');
  t.transport = 'TCP';
  assert.is(t.toString(), 'sip:h.com;transport=tcp;lr');
  t.transport = undefined;
  assert.is(t.transport, undefined);
  assert.not.ok(t.params.has('transport'));
  assert.is(t.toString(), 'sip:h.com;lr');
  t.transport = undefined; // deleting twice is fine
  t.transport = 'ws';
  assert.is(t.toString(), 'sip:h.com;lr;transport=ws');
  assert.throws(() => (t.transport = 'bad value'), (e: unknown) => e instanceof SIPBuildError);
  t.lr = false;
  assert.is(t.toString(), 'sip:h.com;transport=ws');
  t.lr = true;
  t.lr = true;
  assert.is(t.toString(), 'sip:h.com;transport=ws;lr');

  // Lenient: an empty value is kept as ''.
  assert.is(sip('sip:h.com;foo=').params.get('foo'), '');
  roundTrips(sip('sip:h.com;foo='));

  fails('sip:h.com;', /URI parameter/);
  fails('sip:h.com;;lr', /URI parameter/);
  fails('sip:h.com;=x', /URI parameter/);
  fails('sip:h.com;a=b=c');
  fails('sip:h.com;a="q"');
  fails('sip:h.com;a=%4', /escape/);
  fails('sip:h.com;a=%G1', /escape/);
  fails('sip:h.com;%zz', /escape/);
});

test('headers: ?name=value&..., escapes, errors', () => {
  const u = sip('sip:alice@atlanta.com?subject=project%20x&priority=urgent&Route=%3Csip:a.com%3Blr%3E&x=a/b?c:d[e]+$');
  assert.is(u.headers.size, 4);
  assert.is(u.headers.get('subject'), 'project x');
  assert.is(u.headers.get('route'), '<sip:a.com;lr>');
  assert.is(u.headers.get('x'), 'a/b?c:d[e]+$');
  assert.is(u.toString(), 'sip:alice@atlanta.com?subject=project%20x&priority=urgent&Route=%3Csip:a.com%3Blr%3E&x=a/b?c:d[e]+$');
  roundTrips(u);
  assert.is(sip('sip:h.com?a=').headers.get('a'), '');
  fails('sip:h.com?', /URI header/);
  fails('sip:h.com?a=b&', /URI header/);
  fails('sip:h.com?=b', /URI header/);
  fails('sip:h.com?a=b c', /whitespace/);
  fails('sip:h.com?a=%2', /escape/);
  fails('sip:h.com?a=b;c=d'); // ';' is not allowed in a header value
});

test('escapes: decoded values, %00, UTF-8, re-escaping on output', () => {
  const u = sip('sip:%61lice%20b:p%40ss@example.com;n%61me=v%61lue?h%61=%26');
  assert.is(u.user, 'alice b');
  assert.is(u.password, 'p@ss');
  assert.is(u.params.get('name'), 'value');
  assert.is(u.headers.get('ha'), '&');
  assert.is(u.toString(), 'sip:alice%20b:p%40ss@example.com;name=value?ha=%26');
  roundTrips(u);

  const nul = sip('sip:null-%00-null@example.com');
  assert.is(nul.user, 'null-\u0000-null');
  assert.is(nul.toString(), 'sip:null-%00-null@example.com');

  const utf = sip('sip:%C3%A9lise@example.com');
  assert.is(utf.user, 'élise');
  assert.is(utf.toString(), 'sip:%C3%A9lise@example.com');
  // Invalid UTF-8 decodes one character per byte and still round-trips by equality.
  const latin = sip('sip:%FF%FE@example.com');
  assert.is(latin.user, '\u00ff\u00fe');
  roundTrips(latin);

  const built = new SipURI({ user: 'a b@c:d%e#f😀', password: 'p:w@#', host: 'example.com', params: { 'k;=': 'v;=?' }, headers: { 'h&=': 'v&=;' } });
  assert.is(built.toString(), 'sip:a%20b%40c%3Ad%25e#f%F0%9F%98%80:p%3Aw%40%23@example.com;k%3B%3D=v%3B%3D%3F?h%26%3D=v%26%3D%3B');
  roundTrips(built);
  assert.is(sip(built.toString()).user, 'a b@c:d%e#f😀');

  fails('sip:%@example.com', /escape/);
  fails('sip:%4@example.com', /escape/);
  fails('sip:%4G@example.com', /escape/);
  fails('sip:alice:%ZZ@example.com', /escape/);
});

// ---------------------------------------------------------------------------------------------
// RFC 4475 torture URIs

test('RFC 4475 §3.1.1.2 intmeth: the wide-range user and password', () => {
  const text = fromTorture(
    'intmeth.dat',
    "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
  );
  const u = sip(text);
  assert.is(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  assert.is(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  assert.is(u.host, 'example.com');
  assert.is(u.params.size, 0);
  assert.is(u.headers.size, 0);
  assert.is(u.toString(), text);
  const to = sip(fromTorture('intmeth.dat', "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com"));
  assert.is(to.user, u.user);
  assert.is(to.password, undefined);
  assert.not.ok(to.equals(u)); // a URI omitting the password does not match one with it
});

test('RFC 4475 §3.1.1.4 esc01: escaped user, host-like user, escaped params', () => {
  const ruri = sip(fromTorture('esc01.dat', 'sip:sips%3Auser%40example.com@example.net'));
  assert.is(ruri.scheme, 'sip');
  assert.is(ruri.user, 'sips:user@example.com');
  assert.is(ruri.host, 'example.net');
  assert.is(ruri.toString(), 'sip:sips%3Auser%40example.com@example.net');
  const to = sip(fromTorture('esc01.dat', 'sip:%75se%72@example.com'));
  assert.is(to.user, 'user');
  assert.ok(to.equals(sip('sip:user@example.com')));
  const from = sip(fromTorture('esc01.dat', 'sip:I%20have%20spaces@example.net'));
  assert.is(from.user, 'I have spaces');
  const contact = sip(fromTorture('esc01.dat', 'sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31'));
  assert.is(contact.user, 'caller');
  assert.ok(contact.lr);
  assert.is(contact.params.get('name'), 'value%41');
  assert.ok(contact.equals(sip('sip:caller@host5.example.net;lr;name=value%2541')));
  roundTrips(contact);
});

test('RFC 4475 §3.1.1.6 escnull: %00 is data and makes URIs differ', () => {
  const one = sip(fromTorture('escnull.dat', 'sip:%00@host5.example.com'));
  const two = sip(fromTorture('escnull.dat', 'sip:%00%00@host5.example.com'));
  assert.is(one.user, '\0');
  assert.is(two.user, '\0\0');
  assert.not.ok(one.equals(two));
  assert.is(one.toString(), 'sip:%00@host5.example.com');
  assert.is(two.toString(), 'sip:%00%00@host5.example.com');
  assert.is(sip(fromTorture('escnull.dat', 'sip:null-%00-null@example.com')).user, 'null-\0-null');
});

test('RFC 4475 §3.1.1.10 semiuri: ";" and an escaped "@" in the user part', () => {
  const u = sip(fromTorture('semiuri.dat', 'sip:user;par=u%40example.net@example.com'));
  assert.is(u.user, 'user;par=u@example.net');
  assert.is(u.host, 'example.com');
  assert.is(u.params.size, 0);
  assert.is(u.toString(), 'sip:user;par=u%40example.net@example.com');
});

test('RFC 4475 escruri / regescrt: escaped headers in a URI', () => {
  const r = sip(fromTorture('escruri.dat', 'sip:user@example.com?Route=%3Csip:example.com%3E'));
  assert.is(r.headers.get('Route'), '<sip:example.com>');
  assert.is(r.toString(), 'sip:user@example.com?Route=%3Csip:example.com%3E');
  const c = sip(fromTorture('regescrt.dat', 'sip:user@example.com?Route=%3Csip:sip.example.com%3E'));
  assert.is(c.headers.get('route'), '<sip:sip.example.com>');
});

test('RFC 4475 §3.1.2.5 ltgtruri and §3.1.2.7 lwsruri are errors', () => {
  fails(fromTorture('ltgtruri.dat', '<sip:user@example.com>'), /'<'/, 'Request-URI');
  fails(fromTorture('lwsruri.dat', 'sip:user@example.com; lr'), /whitespace/, 'Request-URI');
  fails(' sip:user@example.com', /whitespace/);
  fails('sip:user@example.com ', /whitespace/);
  fails('sip:user@example.com\r\n', /whitespace/);
  fails('sip: user@example.com', /whitespace|host/);
});

test('RFC 4475 unkscm / unksm2 / novelsc: other schemes are AbsoluteURIs', () => {
  const a = parseURI(fromTorture('unkscm.dat', 'nobodyKnowsThisScheme:totallyopaquecontent'));
  assert.instance(a, AbsoluteURI);
  assert.is(a.scheme, 'nobodyknowsthisscheme');
  assert.is((a as AbsoluteURI).rest, 'totallyopaquecontent');
  assert.is(a.toString(), 'nobodyknowsthisscheme:totallyopaquecontent');
  const b = parseURI(fromTorture('novelsc.dat', 'soap.beep://192.0.2.103:3002')) as AbsoluteURI;
  assert.is(b.scheme, 'soap.beep');
  assert.is(b.rest, '//192.0.2.103:3002');
  const c = parseURI(fromTorture('unksm2.dat', 'isbn:2983792873')) as AbsoluteURI;
  assert.is(c.scheme, 'isbn');
  assert.is(parseURI(fromTorture('unksm2.dat', 'http://www.example.com')).toString(), 'http://www.example.com');
  assert.is(parseURI(fromTorture('unksm2.dat', 'name:John_Smith')).scheme, 'name');
  for (const u of [a, b, c]) roundTrips(u);
  assert.is(parseURI('mailto:a@b.com?subject=x%20y').toString(), 'mailto:a@b.com?subject=x%20y');
  assert.is(parseURI('urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6').scheme, 'urn');
});

// ---------------------------------------------------------------------------------------------
// Comparison (RFC 3261 §19.1.4)

const EQUIVALENT: [string, string][] = [
  ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
  ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
  ['sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'],
  ['sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'],
  ['sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'],
  ['sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'],
];

const NOT_EQUIVALENT: [string, string, string][] = [
  ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP', 'different usernames'],
  ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060', 'can resolve to different ports'],
  ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp', 'can resolve to different transports'],
  ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp', 'can resolve to different port and transports'],
  ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting', 'different header component'],
  ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4', "even though that's what phone21.boxesbybob.com resolves to"],
];

test('§19.1.4: every equivalent pair of the RFC is equal, both ways', () => {
  for (const [a, b] of EQUIVALENT) {
    assert.ok(parseURI(a).equals(parseURI(b)), `${a} = ${b}`);
    assert.ok(parseURI(b).equals(parseURI(a)), `${b} = ${a}`);
  }
});

test('§19.1.4: every non-equivalent pair of the RFC differs, both ways', () => {
  for (const [a, b, why] of NOT_EQUIVALENT) {
    assert.not.ok(parseURI(a).equals(parseURI(b)), `${a} != ${b} (${why})`);
    assert.not.ok(parseURI(b).equals(parseURI(a)), `${b} != ${a} (${why})`);
  }
});

test('§19.1.4: equality is not transitive (security=on / off)', () => {
  const plain = parseURI('sip:carol@chicago.com');
  const on = parseURI('sip:carol@chicago.com;security=on');
  const off = parseURI('sip:carol@chicago.com;security=off');
  assert.ok(plain.equals(on));
  assert.ok(plain.equals(off));
  assert.not.ok(on.equals(off));
  assert.not.ok(off.equals(on));
});

test('§19.1.4: the other rules', () => {
  const eq = (a: string, b: string) => parseURI(a).equals(parseURI(b)) && parseURI(b).equals(parseURI(a));
  // sip and sips are never equivalent
  assert.not.ok(eq('sip:alice@atlanta.com', 'sips:alice@atlanta.com'));
  // userinfo is case-sensitive, compared after unescaping; password too
  assert.not.ok(eq('sip:alice@atlanta.com', 'sip:ALICE@atlanta.com'));
  assert.ok(eq('sip:al%69ce:s%65cret@atlanta.com', 'sip:alice:secret@atlanta.com'));
  assert.not.ok(eq('sip:alice:secret@atlanta.com', 'sip:alice:Secret@atlanta.com'));
  assert.not.ok(eq('sip:alice:secret@atlanta.com', 'sip:alice@atlanta.com'));
  assert.not.ok(eq('sip:alice:@atlanta.com', 'sip:alice@atlanta.com'));
  assert.not.ok(eq('sip:alice@atlanta.com', 'sip:atlanta.com'));
  // host case-insensitive; ports must match exactly
  assert.ok(eq('sip:alice@ATLANTA.com:5070', 'sip:alice@atlanta.COM:05070'));
  assert.not.ok(eq('sip:alice@atlanta.com:5070', 'sip:alice@atlanta.com:5071'));
  assert.not.ok(eq('sip:alice@atlanta.com', 'sip:alice@atlanta.com.'));
  // user, ttl, method, maddr, transport present in only one never match
  for (const p of ['user=phone', 'ttl=1', 'method=INVITE', 'maddr=192.0.2.1', 'transport=udp', 'User=ip', 'TTL=255', 'MADDR=x.com']) {
    assert.not.ok(eq('sip:bob@biloxi.com', `sip:bob@biloxi.com;${p}`), p);
  }
  // parameters present in both must match (values case-insensitive, flags only with flags)
  assert.ok(eq('sip:bob@biloxi.com;user=PHONE;ttl=1', 'sip:bob@biloxi.com;ttl=1;user=phone'));
  assert.ok(eq('sip:bob@biloxi.com;lr', 'sip:bob@biloxi.com;LR'));
  assert.ok(eq('sip:bob@biloxi.com;lr', 'sip:bob@biloxi.com'));
  assert.not.ok(eq('sip:bob@biloxi.com;lr', 'sip:bob@biloxi.com;lr=on'));
  assert.not.ok(eq('sip:bob@biloxi.com;newparam=6', 'sip:bob@biloxi.com;newparam=5'));
  assert.ok(eq('sip:bob@biloxi.com;x=%41', 'sip:bob@biloxi.com;X=a'));
  // headers are never ignored: same set, names case-insensitive, values exact
  assert.ok(eq('sip:c@chicago.com?Subject=next%20meeting', 'sip:c@chicago.com?subject=next meeting'.replace(' ', '%20')));
  assert.not.ok(eq('sip:c@chicago.com?Subject=next%20meeting', 'sip:c@chicago.com?Subject=another%20meeting'));
  assert.not.ok(eq('sip:c@chicago.com?Subject=Next', 'sip:c@chicago.com?Subject=next'));
  assert.not.ok(eq('sip:c@chicago.com?a=1&a=1', 'sip:c@chicago.com?a=1'));
  assert.not.ok(eq('sip:c@chicago.com?a=1&b=2', 'sip:c@chicago.com?a=1&c=2'));
  assert.ok(eq('sip:c@chicago.com?a=1&a=2', 'sip:c@chicago.com?a=2&a=1'));
  // IP addresses compared as addresses
  assert.ok(eq('sip:[2001:db8::10]', 'sip:[2001:DB8:0::10]'));
  assert.ok(eq('sip:[2001:db8::10]', 'sip:[2001:0db8:0000:0000:0000:0000:0000:0010]'));
  assert.ok(eq('sip:[::ffff:192.0.2.1]', 'sip:[::FFFF:c000:201]'));
  assert.not.ok(eq('sip:[2001:db8::10]', 'sip:[2001:db8::11]'));
  assert.ok(eq('sip:192.0.2.1', 'sip:192.000.002.001'));
  assert.not.ok(eq('sip:192.0.2.1', 'sip:[::ffff:192.0.2.1]'));
  // other URI kinds never equal a SIP URI
  assert.not.ok(parseURI('sip:+1234@h.com').equals(parseURI('tel:+1234')));
  assert.not.ok(parseURI('tel:+1234').equals(parseURI('sip:+1234@h.com')));
  assert.not.ok(parseURI('sip:h.com').equals(parseURI('x-sip:h.com')));
});

// ---------------------------------------------------------------------------------------------
// tel URIs (RFC 3966)

test('tel URIs: global and local numbers, parameters', () => {
  const g = parseURI('tel:+1-201-555-0123') as TelURI;
  assert.instance(g, TelURI);
  assert.is(g.scheme, 'tel');
  assert.is(g.number, '+1-201-555-0123');
  assert.ok(g.global);
  assert.is(g.toString(), 'tel:+1-201-555-0123');
  const l = parseURI('tel:7042;phone-context=example.com') as TelURI;
  assert.is(l.number, '7042');
  assert.not.ok(l.global);
  assert.is(l.params.get('phone-context'), 'example.com');
  assert.is(l.phoneContext, 'example.com');
  assert.is(l.toString(), 'tel:7042;phone-context=example.com');
  const x = parseURI('tel:863-1234;phone-context=+1-914-555;ext=22;isub=ab%2Fc') as TelURI;
  assert.is(x.params.get('isub'), 'ab/c');
  assert.is(x.params.get('ext'), '22');
  const star = parseURI('tel:*69%23;phone-context=example.com') as TelURI;
  assert.is(star.number, '*69#');
  assert.is(star.toString(), 'tel:*69%23;phone-context=example.com');
  assert.is((parseURI('tel:*69#;phone-context=x.com') as TelURI).number, '*69#');
  assert.is((parseURI('tel:+(1)2.3') as TelURI).number, '+(1)2.3');
  for (const u of [g, l, x, star]) roundTrips(u);

  fails('tel:', /empty/);
  fails('tel:+', /no digits/);
  fails('tel:+1a', /global/);
  fails('tel:--', /no digits/);
  fails('tel:+1 234', /whitespace/);
  fails('tel:+1234;', /tel parameter/);
  fails('tel:+1234;a b', /whitespace/);
  fails('tel:+1234;a_b=1');
  fails('tel:+1234;a=%zz', /escape/);
  fails('tel:+1234?x=y');
  fails('tel:%2', /escape/);
});

test('tel URIs: RFC 3966 §4 comparison', () => {
  const eq = (a: string, b: string) => parseURI(a).equals(parseURI(b)) && parseURI(b).equals(parseURI(a));
  assert.ok(eq('tel:+1-201-555-0123', 'tel:+12015550123'));
  assert.ok(eq('tel:+1-(201)-555.0123', 'tel:+12015550123'));
  assert.ok(eq('tel:7042;phone-context=example.com', 'tel:70-42;PHONE-CONTEXT=EXAMPLE.com'));
  assert.ok(eq('tel:7042;phone-context=+1-914;ext=1', 'tel:7042;ext=1;phone-context=+1914'));
  assert.ok(eq('tel:abc;phone-context=x.com', 'tel:ABC;phone-context=x.com'));
  assert.not.ok(eq('tel:+1234', 'tel:1234'));
  assert.not.ok(eq('tel:+1234', 'tel:+1235'));
  assert.not.ok(eq('tel:7042;phone-context=example.com', 'tel:7042'));
  assert.not.ok(eq('tel:7042;phone-context=example.com', 'tel:7042;phone-context=example.net'));
  assert.not.ok(eq('tel:+1234;foo', 'tel:+1234'));
  assert.not.ok(eq('tel:+1234;foo', 'tel:+1234;foo=1'));
});

test('AbsoluteURI: validation and comparison', () => {
  const eq = (a: string, b: string) => parseURI(a).equals(parseURI(b)) && parseURI(b).equals(parseURI(a));
  assert.ok(eq('HTTP://example.com/a', 'http://example.com/a'));
  assert.ok(eq('http://example.com/%7euser', 'http://example.com/~user'));
  assert.ok(eq('http://example.com/%2f', 'http://example.com/%2F'));
  assert.not.ok(eq('http://example.com/%2F', 'http://example.com//'));
  assert.not.ok(eq('http://example.com/a', 'http://example.com/A'));
  assert.not.ok(eq('http://example.com/a', 'https://example.com/a'));
  fails('x:', /empty/);
  fails('1x:foo', /scheme/);
  fails('x y:foo', /scheme/);
  fails('http//example.com', /scheme/);
  fails('http://exa mple.com', /whitespace/);
  fails('http://example.com/<a>');
  fails('http://example.com/%zz', /escape/);
  fails('urn:a"b');
  fails('', /empty/);
  fails('noscheme', /':'/);
});

// ---------------------------------------------------------------------------------------------
// Constructors, clone, helpers

test('SipURI constructor validates, defaults and brackets a bare IPv6 host', () => {
  const u = new SipURI({ host: 'example.com' });
  assert.is(u.scheme, 'sip');
  assert.is(u.user, undefined);
  assert.is(u.port, undefined);
  assert.is(u.toString(), 'sip:example.com');
  const v = new SipURI({ scheme: 'sips', user: 'bob', host: '2001:db8::1', port: 5061, params: { transport: 'tls', lr: true, gone: false, nope: undefined, n: 1 } });
  assert.is(v.host, '[2001:db8::1]');
  assert.is(v.hostAddress, '2001:db8::1');
  assert.is(v.toString(), 'sips:bob@[2001:db8::1]:5061;transport=tls;lr;n=1');
  roundTrips(v);
  const p = new Params().add('lr', null);
  const w = new SipURI({ host: '[::1]', params: p, headers: new Params().add('Subject', 'hi') });
  p.add('x', '1');
  assert.is(w.toString(), 'sip:[::1];lr?Subject=hi'); // the Params were copied
  assert.is(new SipURI({ host: 'h.com', user: '' }).toString(), 'sip:h.com');
  const m = new SipURI({ host: 'h.com' });
  m.host = '2001:db8::5'; // assigned without brackets: still written as a reference
  assert.is(m.toString(), 'sip:[2001:db8::5]');
  const bad: ConstructorParameters<typeof SipURI>[0][] = [
    { host: '' },
    { host: 'bad host' },
    { host: '256.0.0.1' },
    { host: '[::1' },
    { host: '1::2::3' },
    { host: 'h.com', port: 0 },
    { host: 'h.com', port: 65536 },
    { host: 'h.com', port: 1.5 },
    { host: 'h.com', password: 'x' },
    { host: 'h.com', scheme: 'tel' as 'sip' },
  ];
  for (const init of bad) assert.throws(() => new SipURI(init), (e: unknown) => e instanceof SIPBuildError, JSON.stringify(init));
});

test('clone is deep; TelURI and AbsoluteURI constructors', () => {
  const u = sip('sip:alice@example.com;lr?h=1');
  const c = u.clone();
  assert.ok(c.equals(u));
  assert.is.not(c, u);
  c.params.set('transport', 'tcp');
  c.headers.set('h', '2');
  c.user = 'bob';
  assert.is(u.toString(), 'sip:alice@example.com;lr?h=1');
  assert.is(c.toString(), 'sip:bob@example.com;lr;transport=tcp?h=2');

  const t = new TelURI({ number: '+1-555', params: { ext: '12' } });
  assert.is(t.toString(), 'tel:+1-555;ext=12');
  const tc = t.clone();
  tc.params.set('ext', '13');
  assert.is(t.params.get('ext'), '12');
  assert.ok(t.equals(parseURI('tel:+1555;ext=12')));
  assert.is(t.toJSON(), 'tel:+1-555;ext=12');
  assert.throws(() => new TelURI({ number: '' }), (e: unknown) => e instanceof SIPBuildError);
  assert.throws(() => new TelURI({ number: '+' }), (e: unknown) => e instanceof SIPBuildError);
  assert.throws(() => new TelURI({ number: 'xyz' }), (e: unknown) => e instanceof SIPBuildError);

  const a = new AbsoluteURI({ scheme: 'HTTP', rest: '//example.com/x' });
  assert.is(a.scheme, 'http');
  assert.is(a.toString(), 'http://example.com/x');
  assert.is(a.toJSON(), 'http://example.com/x');
  assert.ok(a.clone().equals(a));
  assert.throws(() => new AbsoluteURI({ scheme: '1http', rest: 'x' }), (e: unknown) => e instanceof SIPBuildError);
  assert.throws(() => new AbsoluteURI({ scheme: 'http', rest: '' }), (e: unknown) => e instanceof SIPBuildError);
  assert.throws(() => new AbsoluteURI({ scheme: 'http', rest: 'a b' }), (e: unknown) => e instanceof SIPBuildError);
});

test('parseSipURI, isSipURI, error details', () => {
  assert.is(parseSipURI('sips:a@b.com').scheme, 'sips');
  assert.ok(isSipURI(parseURI('sip:a@b.com')));
  assert.not.ok(isSipURI(parseURI('tel:+1')));
  assert.not.ok(isSipURI(parseURI('http://x')));
  for (const bad of ['tel:+1', 'http://a.com', 'sipx:a@b.com', '']) {
    try {
      parseSipURI(bad, 'Contact');
      assert.unreachable(bad);
    } catch (e) {
      assert.instance(e, SIPParseError);
      assert.is((e as SIPParseError).header, 'Contact');
      assert.is((e as SIPParseError).statusCode, 400);
    }
  }
  const e = fails('sip:alice@example.com;a=%zz', /escape/, 'To');
  assert.is(e.header, 'To');
  assert.is(e.offset, 24);
  assert.ok(e.message.startsWith('To: '));
  // Non-string input (from untyped callers) is still a SIPParseError.
  for (const v of [undefined, null, 42, {}]) {
    assert.throws(() => parseURI(v as unknown as string), (x: unknown) => x instanceof SIPParseError);
  }
});

// ---------------------------------------------------------------------------------------------
// Properties

const chars = (s: string) => fc.constantFrom(...Array.from(s));
const ANY_CHARS = chars("aZ09-_.!~*'()&=+$,;?/:@[]#%\" <>\\\t\r\n\0é€😀");
const text = (min: number) => fc.string({ unit: fc.oneof(ANY_CHARS, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), minLength: min, maxLength: 12 });
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/);
const toplabel = fc.stringMatching(/^[a-zA-Z]([a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?$/);
const hostname = fc
  .tuple(fc.array(label, { maxLength: 3 }), toplabel, fc.boolean())
  .map(([labels, top, dot]) => [...labels, top].join('.') + (dot ? '.' : ''));
const host = fc.oneof(hostname, fc.domain(), fc.ipV4(), fc.ipV6().map((a) => `[${a}]`), fc.ipV6());
const pair = (value: fc.Arbitrary<string | null>) => fc.tuple(text(1), value);

const sipUri = fc
  .record({
    scheme: fc.constantFrom('sip' as const, 'sips' as const),
    user: fc.option(text(1), { nil: undefined }),
    password: fc.option(text(0), { nil: undefined }),
    host,
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    params: fc.array(pair(fc.option(text(0), { nil: null })), { maxLength: 4 }),
    headers: fc.array(pair(fc.option(text(0), { nil: null })), { maxLength: 3 }),
  })
  .map((r) => {
    const params = new Params();
    for (const [k, v] of r.params) params.add(k, v);
    const headers = new Params();
    for (const [k, v] of r.headers) headers.add(k, v);
    return new SipURI({ ...r, password: r.user === undefined ? undefined : r.password, params, headers });
  });

test('property: generated SipURIs round-trip through toString / parseURI', () => {
  fc.assert(
    fc.property(sipUri, (u) => {
      const again = parseURI(u.toString());
      assert.ok(isSipURI(again));
      assert.ok(again.equals(u), `${u.toString()} vs ${again.toString()}`);
      assert.ok(u.equals(again));
      assert.is(again.toString(), u.toString());
      const s = again as SipURI;
      assert.is(s.user, u.user);
      assert.is(s.password, u.password);
      assert.equal([...s.params.entries()], [...u.params.entries()]);
      assert.equal([...s.headers.entries()], [...u.headers.entries()]);
    }),
    { numRuns: 2000 },
  );
});

test('property: generated tel URIs round-trip', () => {
  const num = fc.oneof(
    fc.string({ unit: chars('0123456789-.()'), minLength: 1, maxLength: 12 }).filter((s) => /\d/.test(s)).map((s) => '+' + s),
    fc.string({ unit: chars('0123456789abcdefABCDEF*#-.()'), minLength: 1, maxLength: 12 }).filter((s) => /[0-9a-fA-F*#]/.test(s)),
  );
  const pname = fc.stringMatching(/^[a-zA-Z0-9-]{1,8}$/);
  fc.assert(
    fc.property(num, fc.array(fc.tuple(pname, fc.option(text(0), { nil: null })), { maxLength: 3 }), (number, ps) => {
      const params = new Params();
      for (const [k, v] of ps) params.add(k, v);
      const t = new TelURI({ number, params });
      const again = parseURI(t.toString());
      assert.ok(again.equals(t) && t.equals(again), t.toString());
      assert.is(again.toString(), t.toString());
    }),
    { numRuns: 500 },
  );
});

function onlyParseErrors(s: string): void {
  let u: URI;
  try {
    u = parseURI(s, 'X');
  } catch (e) {
    if (!(e instanceof SIPParseError) || e.statusCode !== 400) throw e;
    return;
  }
  // Whatever parses must round-trip.
  const again = parseURI(u.toString());
  if (!again.equals(u) || !u.equals(again)) throw new Error(`${JSON.stringify(s)} -> ${u.toString()} does not round-trip`);
}

test('property: arbitrary strings only ever throw SIPParseError, and what parses round-trips', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), onlyParseErrors), { numRuns: 2000 });
  const uriish = fc.string({ unit: chars("sipSIPtel:+@[]:;?&=%0123456789abcdefABCDEF.-_!~*'()$,/# \0<>\"é"), maxLength: 40 });
  fc.assert(fc.property(fc.constantFrom('sip:', 'sips:', 'tel:', 'SIP:', 'x:', 'sip:[', 'sip:u@', ''), uriish, (p, s) => onlyParseErrors(p + s)), { numRuns: 5000 });
  // Mutations of valid URIs: delete, insert or replace one character.
  fc.assert(
    fc.property(sipUri, fc.nat(), fc.constantFrom('', '@', ':', ';', '?', '&', '=', '%', '[', ']', ' ', '.', '-', '\0', 'é', '0'), (u, at, ch) => {
      const s = u.toString();
      const i = at % (s.length + 1);
      onlyParseErrors(s.slice(0, i) + ch + s.slice(i));
      onlyParseErrors(s.slice(0, i) + ch + s.slice(i + 1));
    }),
    { numRuns: 2000 },
  );
});

test('100 KB hostile URIs terminate with a result or a SIPParseError', () => {
  const N = 100_002; // divisible by 2 and 3
  const hostile = [
    'sip:' + 'a'.repeat(N),
    'sip:' + 'a'.repeat(N) + '@',
    'sip:' + 'a'.repeat(N) + '@example.com',
    'sip:' + '%41'.repeat(N / 3) + '@example.com',
    'sip:' + '%FF'.repeat(N / 3) + '@example.com',
    'sip:' + 'a.'.repeat(N / 2) + 'com',
    'sip:' + '1.'.repeat(N / 2) + '1',
    'sip:' + '-'.repeat(N),
    'sip:[' + ':'.repeat(N) + ']',
    'sip:[' + '1:'.repeat(N / 2) + ']',
    'sip:[' + 'f'.repeat(N) + ']',
    'sip:' + '1:'.repeat(N / 2),
    'sip:h.com:' + '0'.repeat(N) + '1',
    'sip:h.com:' + '9'.repeat(N),
    'sip:h.com' + ';lr'.repeat(N / 3),
    'sip:h.com' + ';a=b'.repeat(N >> 2),
    'sip:h.com' + ';'.repeat(N),
    'sip:h.com?' + 'a=b&'.repeat(N >> 2) + 'c=d',
    'sip:' + '@'.repeat(N),
    'sip:' + ';'.repeat(N) + '@h.com',
    'sip:' + 'a:'.repeat(N / 2) + '@h.com',
    'tel:+' + '1'.repeat(N),
    'tel:+1' + ';a=b'.repeat(N >> 2),
    'x' + 'a'.repeat(N) + ':y',
    'http:' + '/'.repeat(N),
    '<'.repeat(N),
    '\u0000'.repeat(N),
    '\ud800'.repeat(N),
    Buffer.from(Array.from({ length: N }, (_, i) => (i * 7919) % 256)).toString('latin1'),
    'sip:' + Buffer.from(Array.from({ length: N }, (_, i) => (i * 31) % 256)).toString('utf8'),
  ];
  for (const s of hostile) {
    try {
      const u = parseURI(s);
      // What parses must also compare and print.
      assert.ok(u.equals(u.clone()));
      assert.type(u.toString(), 'string');
    } catch (e) {
      assert.instance(e, SIPParseError);
      assert.ok((e as Error).message.length < 300, 'error messages stay short');
    }
  }
  // And the large valid ones really are parsed correctly.
  assert.is((parseURI('sip:h.com' + ';lr'.repeat(N / 3)) as SipURI).params.size, N / 3);
  assert.is((parseURI('sip:' + '%41'.repeat(N / 3) + '@example.com') as SipURI).user, 'A'.repeat(N / 3));
  assert.is((parseURI('sip:h.com:' + '0'.repeat(N) + '1') as SipURI).port, 1);
});

test.run();
