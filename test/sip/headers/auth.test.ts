import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { buildError, onlyParseErrors, parseError } from './expect-errors.js';
import {
  Challenge,
  Credentials,
  parseChallenge,
  parseChallenges,
  parseCredentials,
} from '../../../src/sip/headers/auth.js';

/** Header folding (CRLF + WSP, or the RFC's bare line breaks) replaced by SP, as the parsers expect. */
const unfold = (s: string): string => s.replace(/\r?\n[ \t]+/g, ' ').trim();

// --- RFC 2617 §3.5 -----------------------------------------------------------------------------

const RFC2617_CHALLENGE = `Digest
                 realm="testrealm@host.com",
                 qop="auth,auth-int",
                 nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
                 opaque="5ccc069c403ebaf9f0171e9517f40e41"`;

const RFC2617_CREDENTIALS = `Digest username="Mufasa",
                 realm="testrealm@host.com",
                 nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
                 uri="/dir/index.html",
                 qop=auth,
                 nc=00000001,
                 cnonce="0a4f113b",
                 response="6629fae49393a05397450978507c4ef1",
                 opaque="5ccc069c403ebaf9f0171e9517f40e41"`;

test('RFC 2617 §3.5 challenge', () => {
  const c = parseChallenge(unfold(RFC2617_CHALLENGE));
  assert.is(c.scheme, 'Digest');
  assert.ok(c.isDigest);
  assert.is(c.realm, 'testrealm@host.com');
  assert.equal(c.qop, ['auth', 'auth-int']);
  assert.is(c.nonce, 'dcd98b7102dd2f0e8b11d0f600bfb0c093');
  assert.is(c.opaque, '5ccc069c403ebaf9f0171e9517f40e41');
  assert.is(c.algorithm, undefined);
  assert.is(c.stale, false);
  assert.equal(c.domain, []);
  assert.is(
    c.toString(),
    'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  );
});

test('RFC 2617 §3.5 credentials', () => {
  const c = parseCredentials(unfold(RFC2617_CREDENTIALS));
  assert.is(c.username, 'Mufasa');
  assert.is(c.realm, 'testrealm@host.com');
  assert.is(c.nonce, 'dcd98b7102dd2f0e8b11d0f600bfb0c093');
  assert.is(c.uri, '/dir/index.html');
  assert.is(c.qop, 'auth');
  assert.is(c.nc, '00000001');
  assert.is(c.nonceCount, 1);
  assert.is(c.cnonce, '0a4f113b');
  assert.is(c.response, '6629fae49393a05397450978507c4ef1');
  assert.is(c.opaque, '5ccc069c403ebaf9f0171e9517f40e41');
  // qop and nc stay tokens, the rest is quoted (RFC 7616 §3.4).
  assert.is(
    c.toString(),
    'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  );
});

// --- RFC 7616 §3.9.1 / §3.9.2 ----------------------------------------------------------------

const RFC7616_CHALLENGE_SHA256 = `Digest
       realm="http-auth@example.org",
       qop="auth, auth-int",
       algorithm=SHA-256,
       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;

const RFC7616_CHALLENGE_MD5 = `Digest
       realm="http-auth@example.org",
       qop="auth, auth-int",
       algorithm=MD5,
       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;

const RFC7616_CREDENTIALS_MD5 = `Digest username="Mufasa",
       realm="http-auth@example.org",
       uri="/dir/index.html",
       algorithm=MD5,
       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
       nc=00000001,
       cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
       qop=auth,
       response="8ca523f5e9506fed4657c9700eebdbec",
       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;

// The RFC breaks the 64-digit response across two lines for page width only; joined here.
const RFC7616_CREDENTIALS_SHA256 = `Digest username="Mufasa",
       realm="http-auth@example.org",
       uri="/dir/index.html",
       algorithm=SHA-256,
       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
       nc=00000001,
       cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
       qop=auth,
       response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;

test('RFC 7616 §3.9.1 challenges (SHA-256 and MD5)', () => {
  const a = parseChallenge(unfold(RFC7616_CHALLENGE_SHA256));
  assert.is(a.algorithm, 'SHA-256');
  assert.equal(a.qop, ['auth', 'auth-int']);
  assert.is(a.realm, 'http-auth@example.org');
  assert.is(a.nonce, '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v');
  const b = parseChallenge(unfold(RFC7616_CHALLENGE_MD5));
  assert.is(b.algorithm, 'MD5');
  assert.ok(b.toString().includes(', algorithm=MD5, '));
  // The two header fields combined into one value, RFC 7235 style.
  const both = parseChallenges(`${unfold(RFC7616_CHALLENGE_SHA256)}, ${unfold(RFC7616_CHALLENGE_MD5)}`);
  assert.is(both.length, 2);
  assert.equal(both.map((c) => c.algorithm), ['SHA-256', 'MD5']);
  assert.equal(both[0].toJSON(), a.toJSON());
  assert.equal(both[1].toJSON(), b.toJSON());
});

test('RFC 7616 §3.9.1 credentials', () => {
  const md5 = parseCredentials(unfold(RFC7616_CREDENTIALS_MD5));
  assert.is(md5.algorithm, 'MD5');
  assert.is(md5.response, '8ca523f5e9506fed4657c9700eebdbec');
  assert.is(md5.cnonce, 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ');
  const sha = parseCredentials(unfold(RFC7616_CREDENTIALS_SHA256));
  assert.is(sha.algorithm, 'SHA-256');
  assert.is(sha.response, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  assert.is(sha.username, 'Mufasa');
  assert.is(sha.uri, '/dir/index.html');
  assert.ok(sha.toString().includes('algorithm=SHA-256, '));
  assert.ok(sha.toString().includes('nc=00000001, '));
  assert.ok(sha.toString().includes('qop=auth, '));
});

test('RFC 7616 §3.9.2 charset, userhash and username*', () => {
  const c = parseChallenge(
    unfold(`Digest
       realm="api@example.org",
       qop="auth",
       algorithm=SHA-512-256,
       nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
       opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS",
       charset=UTF-8,
       userhash=true`),
  );
  assert.is(c.algorithm, 'SHA-512-256');
  assert.is(c.charset, 'UTF-8');
  assert.is(c.userhash, true);
  assert.equal(c.qop, ['auth']);
  assert.ok(c.toString().endsWith('charset=UTF-8, userhash=true'));

  const hashed = parseCredentials(
    unfold(`Digest
       username="488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec",
       realm="api@example.org",
       uri="/doe.json",
       algorithm=SHA-512-256,
       nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
       nc=00000001,
       cnonce="NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
       qop=auth,
       response="ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd",
       opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS",
       userhash=true`),
  );
  assert.is(hashed.userhash, true);
  assert.is(hashed.username, '488869477bf257147b804c45308cd62ac4e25eb717b12b298c79e62dcea254ec');

  const ext = parseCredentials(
    unfold(`Digest
       username*=UTF-8''J%C3%A4s%C3%B8n%20Doe,
       realm="api@example.org",
       uri="/doe.json",
       algorithm=SHA-512-256,
       nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
       nc=00000001,
       cnonce="NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
       qop=auth,
       response="ae66e67d6b427bd3f120414a82e4acff38e8ecd9101d6c861229025f607a79dd",
       opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS",
       userhash=false`),
  );
  assert.is(ext.username, 'J\u00e4s\u00f8n Doe');
  assert.is(ext.userhash, false);
  assert.ok(ext.toString().startsWith("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="));
  assert.is(parseCredentials("Digest username*=UTF-8''%ZZ").username, undefined);
});

// --- RFC 3261 and RFC 4475 ------------------------------------------------------------------

test('RFC 3261 §20.27 / §20.44 challenge examples', () => {
  const c = parseChallenge(
    'Digest realm="atlanta.com", domain="sip:ss1.carrier.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5',
    'Proxy-Authenticate',
  );
  assert.is(c.realm, 'atlanta.com');
  assert.equal(c.domain, ['sip:ss1.carrier.com']);
  assert.is(c.opaque, '');
  assert.is(c.stale, false);
  assert.is(c.algorithm, 'MD5');
  assert.ok(c.toString().includes('opaque="", stale=FALSE, algorithm=MD5'));
  const w = parseChallenge(
    'Digest realm="atlanta.com", domain="sip:boxesbybob.com", qop="auth", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5',
  );
  assert.equal(w.domain, ['sip:boxesbybob.com']);
});

test('RFC 3261 §20.7 / §20.28 credentials examples', () => {
  const a = parseCredentials(
    'Digest username="Alice", realm="atlanta.com", nonce="84a4cc6f3082121f32b42a2187831a9e", response="7587245234b3434cc3412213e5f113a5432"',
  );
  assert.is(a.username, 'Alice');
  assert.is(a.response, '7587245234b3434cc3412213e5f113a5432');
  const p = parseCredentials(
    'Digest username="Alice", realm="atlanta.com", nonce="c60f3082ee1212b402a21831ae", response="245f23415f11432b3434341c022"',
    'Proxy-Authorization',
  );
  assert.is(p.nonce, 'c60f3082ee1212b402a21831ae');
});

test('RFC 4475 §3.3.7 regaut01: unknown scheme parses', () => {
  const c = parseCredentials('NoOneKnowsThisScheme opaque-data=here');
  assert.is(c.scheme, 'NoOneKnowsThisScheme');
  assert.not.ok(c.isDigest);
  assert.is(c.param('opaque-data'), 'here');
  assert.is(c.param('OPAQUE-DATA'), 'here');
  assert.is(c.toString(), 'NoOneKnowsThisScheme opaque-data=here');
  // token68 form (RFC 7235) and a scheme alone.
  const b = parseCredentials('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  assert.is(b.token68, 'QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  assert.is(b.params.size, 0);
  assert.is(b.toString(), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  assert.is(parseCredentials('Negotiate').toString(), 'Negotiate');
  assert.is(parseCredentials('NoOneKnowsThisScheme x=y, z="w"').toString(), 'NoOneKnowsThisScheme x=y, z="w"');
});

test('several challenges in one WWW-Authenticate value', () => {
  const list = parseChallenges('Digest realm="a", nonce="1", Digest realm="b", nonce="2"');
  assert.equal(
    list.map((c) => [c.realm, c.nonce]),
    [
      ['a', '1'],
      ['b', '2'],
    ],
  );
  const mixed = parseChallenges('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple", Negotiate, Basic abc=');
  assert.equal(
    mixed.map((c) => c.scheme),
    ['Newauth', 'Basic', 'Negotiate', 'Basic'],
  );
  assert.is(mixed[0].param('title'), 'Login to "apps"');
  assert.is(mixed[0].param('type'), '1');
  assert.is(mixed[3].token68, 'abc=');
  assert.is(mixed[0].toString(), 'Newauth realm="apps", type=1, title="Login to \\"apps\\""');
  parseError(() => parseChallenge('Digest realm="a", Digest realm="b"'), 'WWW-Authenticate', /2 challenges/);
  parseError(() => parseCredentials('Digest username="a", Digest username="b"'), 'Authorization', /only one/);
});

test('LWS variants and case-insensitive names', () => {
  const variants = [
    'Digest realm="r",nonce="n",qop="auth"',
    'Digest   realm = "r" ,  nonce="n" ,qop= "auth"  ',
    '  Digest\trealm=\t"r",\tnonce="n",\t qop="auth"',
    'digest REALM="r", Nonce="n", QOP="auth"',
    'Digest realm=r, nonce=n, qop=auth',
  ];
  for (const v of variants) {
    const c = parseChallenge(v);
    assert.ok(c.isScheme('DIGEST'), v);
    assert.is(c.realm, 'r', v);
    assert.is(c.nonce, 'n', v);
    assert.equal(c.qop, ['auth'], v);
  }
  // Tokens received for quoted-only parameters go out quoted; bare-only ones go out bare.
  assert.is(parseChallenge('Digest realm=r, nonce=n, qop=auth').toString(), 'Digest realm="r", nonce="n", qop="auth"');
  assert.is(parseChallenge('Digest realm="r", algorithm="MD5", stale="true"').toString(), 'Digest realm="r", algorithm=MD5, stale=true');
  assert.is(parseCredentials('Digest username=bob, qop="auth", nc=00000002, cnonce=x').toString(), 'Digest username="bob", qop=auth, nc=00000002, cnonce="x"');
  assert.is(parseChallenge('Digest realm="r", stale=TRUE').stale, true);
  // Unknown Digest parameters keep the form they came in.
  assert.is(parseChallenge('Digest realm="r", ik="00ff", x=y').toString(), 'Digest realm="r", ik="00ff", x=y');
  // IMS-style initial Authorization with empty nonce and response.
  const ims = parseCredentials('Digest username="u@ims.example.com", realm="ims.example.com", nonce="", uri="sip:ims.example.com", response=""');
  assert.is(ims.response, '');
  assert.is(ims.nonce, '');
});

test('round trips', () => {
  const values = [
    unfold(RFC2617_CHALLENGE),
    unfold(RFC7616_CHALLENGE_SHA256),
    'Digest realm="x\\\\y \\"q\\"", nonce="a,b", domain="sip:a.example.com sip:b.example.com /x"',
    'Newauth realm="apps", type=1',
    'Basic abc==',
    'Negotiate',
  ];
  for (const v of values) {
    const a = parseChallenge(v);
    const b = parseChallenge(a.toString());
    assert.equal(b.toJSON(), a.toJSON(), v);
    assert.is(b.toString(), a.toString());
  }
  for (const v of [unfold(RFC2617_CREDENTIALS), unfold(RFC7616_CREDENTIALS_SHA256), 'NoOneKnowsThisScheme opaque-data=here']) {
    const a = parseCredentials(v);
    const b = parseCredentials(a.toString());
    assert.equal(b.toJSON(), a.toJSON(), v);
    assert.is(b.toString(), a.toString());
  }
  const d = parseChallenge('Digest realm="x\\\\y \\"q\\"", domain="sip:a.example.com sip:b.example.com /x"');
  assert.is(d.realm, 'x\\y "q"');
  assert.equal(d.domain, ['sip:a.example.com', 'sip:b.example.com', '/x']);
});

test('invalid values give SIPParseError with a useful message', () => {
  const W = 'WWW-Authenticate';
  const A = 'Authorization';
  parseError(() => parseChallenge(''), W, /expected auth-scheme/);
  parseError(() => parseChallenge('   '), W, /expected auth-scheme/);
  parseError(() => parseChallenge('"Digest" realm="a"'), W, /expected auth-scheme/);
  parseError(() => parseChallenge('Digest realm="a'), W, /unterminated quoted-string/);
  parseError(() => parseChallenge('Digest realm="a" nonce="b"'), W, /expected ','/);
  parseError(() => parseChallenge('Digest realm="a", realm="b"'), W, /duplicate auth-param 'realm'/);
  parseError(() => parseChallenge('Digest realm="a", REALM="b"'), W, /duplicate/);
  parseError(() => parseChallenge('Digest realm="a",, nonce="b"'), W, /empty element/);
  parseError(() => parseChallenge('Digest realm="a",'), W, /empty element/);
  parseError(() => parseChallenge('Digest realm='), W, /value for auth-param 'realm'/);
  parseError(() => parseChallenge('Digest realm=a@b'), W, /unexpected '@'/);
  parseError(() => parseChallenge('Digest realm="a", stale=maybe'), W, /stale must be true or false/);
  parseError(() => parseChallenge('Digest realm="a", qop="auth, a b"'), W, /qop-value 'a b'/);
  parseError(() => parseChallenge('Digest abc=='), W, /value for auth-param 'abc'/);
  parseError(() => parseChallenge('Digest realm'), W, /expected '=' after auth-param name 'realm'/);
  parseError(() => parseChallenge('Digest="x"'), W, /found auth-param/);
  parseError(() => parseChallenge('Digest, realm="a"'), W, /found auth-param 'realm'/);
  parseError(() => parseChallenge('Digest"x"'), W, /whitespace after auth-scheme/);
  parseError(() => parseChallenge('Digest realm="a\r\n b"'), W, /control character/);
  parseError(() => parseCredentials('Digest username="a", nc=1'), A, /nc must be 8 hex digits/);
  parseError(() => parseCredentials('Digest username="a", response="xyz"'), A, /response must be hex/);
  parseError(() => parseCredentials('Digest username="a", qop="auth,auth-int"'), A, /single qop-value/);
  parseError(() => parseCredentials('Digest username="a", userhash=yes'), A, /userhash must be true or false/);
  parseError(() => parseCredentials('Basic abc== def'), A);
  parseError(() => parseCredentials('x=y', 'Proxy-Authorization'), 'Proxy-Authorization', /found auth-param/);
  const e = parseError(() => parseChallenge('Digest realm="a" x'), W, /offset 17/);
  assert.is(typeof e.offset, 'number');
});

test('builders', () => {
  const c = Challenge.digest({
    realm: 'atlanta.com',
    domain: ['sip:ss1.carrier.com'],
    nonce: 'f84f1cec41e6cbe5aea9c8e88d359',
    opaque: '',
    stale: false,
    algorithm: 'MD5',
    qop: ['auth', 'auth-int'],
  });
  assert.is(
    c.toString(),
    'Digest realm="atlanta.com", domain="sip:ss1.carrier.com", nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=false, algorithm=MD5, qop="auth,auth-int"',
  );
  assert.equal(parseChallenge(c.toString()).toJSON(), c.toJSON());
  const r = Credentials.digest({
    username: 'Mufasa',
    realm: 'testrealm@host.com',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    uri: '/dir/index.html',
    response: '6629fae49393a05397450978507c4ef1',
    qop: 'auth',
    nc: 1,
    cnonce: '0a4f113b',
    opaque: '5ccc069c403ebaf9f0171e9517f40e41',
  });
  assert.is(
    r.toString(),
    'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", response="6629fae49393a05397450978507c4ef1", cnonce="0a4f113b", opaque="5ccc069c403ebaf9f0171e9517f40e41", qop=auth, nc=00000001',
  );
  assert.equal(parseCredentials(r.toString()).toJSON(), r.toJSON());
  const generic = new Credentials('Bearer', undefined, { token68: 'abc.def-ghi' });
  assert.is(generic.toString(), 'Bearer abc.def-ghi');
  const custom = new Challenge('Newauth', { realm: 'apps', type: '1' }, { tokenParams: ['type'] });
  assert.is(custom.toString(), 'Newauth realm="apps", type=1');
  // Values with control characters go out as quoted-pairs and read back the same.
  const ctl = Challenge.digest({ realm: 'a\u0001b\tc', nonce: 'n' });
  assert.is(parseChallenge(ctl.toString()).realm, 'a\u0001b\tc');

  buildError(() => Challenge.digest({ realm: 'a\r\nX-Injected: 1', nonce: 'n' }).toString(), /CR or LF/);
  buildError(() => new Challenge('Dig est'), /not a token/);
  buildError(() => new Credentials('Basic', { a: 'b' }, { token68: 'abc' }), /token68/);
  buildError(() => new Credentials('Basic', undefined, { token68: 'a b' }), /token68/);
  buildError(() => Challenge.digest({ realm: 'r', nonce: 'n', qop: [] }), /qop/);
  buildError(() => Challenge.digest({ realm: 'r', nonce: 'n', algorithm: 'SHA 256' }), /algorithm/);
  buildError(() => Challenge.digest({ realm: 'r', nonce: 'n', domain: ['a b'] }), /domain/);
  const base = { username: 'u', realm: 'r', nonce: 'n', uri: 'sip:x', response: 'ab' };
  buildError(() => Credentials.digest({ ...base, qop: 'auth' }), /cnonce and nc/);
  buildError(() => Credentials.digest({ ...base, nc: 0 }), /nc/);
  buildError(() => Credentials.digest({ ...base, nc: '1' }), /nc/);
  buildError(() => Credentials.digest({ ...base, response: 'zz' }), /hex/);
  buildError(() => Credentials.digest({ ...base, params: { realm: 'again' } }), /twice/);
});

// --- properties -------------------------------------------------------------------------------

const PIECES = ['Digest', 'Basic', ' ', '\t', ',', '=', '"', '\\', 'realm', 'nonce', 'qop', 'stale', 'nc', 'true', 'a', '00000001', 'ab', '==', '/', '\u00e9', '\r', '\n', '\u0000', '\ud800'];

const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 80 }).map((a) => String.fromCharCode(...a)),
  fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString('utf8')),
  fc.string({ unit: fc.constantFrom(...PIECES), maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...PIECES), maxLength: 40 }).map((s) => 'Digest ' + s),
);

test('property: random input throws nothing but SIPParseError, and what parses round-trips', () => {
  fc.assert(
    fc.property(hostile, (v) => {
      onlyParseErrors(() => {
        for (const c of parseChallenges(v)) assert.equal(parseChallenge(c.toString()).toJSON(), c.toJSON());
      }, 'WWW-Authenticate');
      onlyParseErrors(() => {
        const c = parseCredentials(v, 'Proxy-Authorization');
        assert.equal(parseCredentials(c.toString(), 'Proxy-Authorization').toJSON(), c.toJSON());
      }, 'Proxy-Authorization');
    }),
    { numRuns: 3000 },
  );
});

test('property: generated Digest credentials round-trip', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !/[\r\n]/.test(s));
  fc.assert(
    fc.property(text, text, fc.integer({ min: 1, max: 0xffffffff }), (user, realm, nc) => {
      const c = Credentials.digest({ username: user, realm, nonce: 'n', uri: 'sip:a@b', response: 'abcdef', qop: 'auth', cnonce: 'c', nc });
      const back = parseCredentials(c.toString());
      assert.is(back.username, user);
      assert.is(back.realm, realm);
      assert.is(back.nonceCount, nc);
    }),
    { numRuns: 500 },
  );
});

test('huge inputs stay linear', () => {
  const many = 'Digest ' + Array.from({ length: 50_000 }, (_, i) => `p${i}="v"`).join(', ');
  let t = Date.now();
  assert.is(parseChallenge(many).params.size, 50_000);
  assert.ok(Date.now() - t < 2000, `took ${Date.now() - t} ms`);
  const challenges = Array.from({ length: 50_000 }, () => 'Digest realm="a"').join(', ');
  t = Date.now();
  assert.is(parseChallenges(challenges).length, 50_000);
  assert.ok(Date.now() - t < 2000);
  t = Date.now();
  parseError(() => parseChallenge('Digest realm="' + 'a'.repeat(2_000_000)), 'WWW-Authenticate', /unterminated/);
  parseError(() => parseChallenge('Digest ' + 'a'.repeat(2_000_000)), 'WWW-Authenticate', /expected '='/);
  parseError(() => parseChallenge('Basic ' + 'a'.repeat(2_000_000) + ' x'), 'WWW-Authenticate', /expected '='/);
  parseError(() => parseChallenge('Digest a=b' + ', a=b'.repeat(200_000)), 'WWW-Authenticate', /duplicate/);
  parseError(() => parseCredentials('X ' + ', '.repeat(500_000)), 'Authorization');
  assert.ok(Date.now() - t < 2000);
});

test.run();
