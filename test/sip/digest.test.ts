import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import {
  DigestClient,
  DigestError,
  SUPPORTED_DIGEST_ALGORITHMS,
  buildDigestCredentials,
  computeDigestResponse,
  computeHA1,
  digestHash,
  formatNonceCount,
  isSupportedDigestAlgorithm,
  parseDigestAlgorithm,
  setAuthorization,
  verifyCredentials,
  type AuthorizationField,
  type DigestAnswer,
} from '../../src/sip/digest.js';
import { Challenge, Credentials, parseChallenge, parseCredentials } from '../../src/sip/headers/auth.js';
import { SIPRequest, SIPResponse } from '../../src/sip/message.js';

/** Independent H(): node:crypto directly, hex. */
const H = (hash: 'md5' | 'sha256' | 'sha512-256', s: string | Buffer): string => createHash(hash).update(s).digest('hex');

function digestError(fn: () => unknown, code: DigestError['code']): DigestError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, DigestError);
    const err = e as DigestError;
    assert.is(err.code, code, err.message);
    assert.is(err.name, 'DigestError');
    return err;
  }
  assert.unreachable(`expected a DigestError ${code}`);
  throw new Error('unreachable');
}

// --- computeDigestResponse: published vectors --------------------------------------------------

test('RFC 2617 §3.5 example (MD5, qop=auth)', () => {
  const response = computeDigestResponse({
    username: 'Mufasa',
    realm: 'testrealm@host.com',
    password: 'Circle Of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    cnonce: '0a4f113b',
    nc: '00000001',
    qop: 'auth',
  });
  assert.is(response, '6629fae49393a05397450978507c4ef1');
});

const RFC7616 = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  nc: 1,
  qop: 'auth',
} as const;

test('RFC 7616 §3.9.1 examples: MD5 and SHA-256', () => {
  assert.is(computeDigestResponse({ ...RFC7616, algorithm: 'MD5' }), '8ca523f5e9506fed4657c9700eebdbec');
  // The RFC prints this value across two lines for page width; it is one 64-digit value.
  assert.is(
    computeDigestResponse({ ...RFC7616, algorithm: 'SHA-256' }),
    '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
  );
  // Absent algorithm means MD5 (RFC 7616 §3.3); names are case-insensitive.
  assert.is(computeDigestResponse({ ...RFC7616 }), '8ca523f5e9506fed4657c9700eebdbec');
  assert.is(
    computeDigestResponse({ ...RFC7616, algorithm: 'sha-256' }),
    '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
  );
  assert.is(computeDigestResponse({ ...RFC7616, nc: '00000001' }), '8ca523f5e9506fed4657c9700eebdbec');
});

// --- computeDigestResponse: independent computations -------------------------------------------

test('MD5-sess matches a step-by-step computation (RFC 2617 §3.2.2.2)', () => {
  const p = { ...RFC7616, algorithm: 'MD5-sess', nc: 7, cnonce: 'abcdef0123' } as const;
  const ha1base = H('md5', 'Mufasa:http-auth@example.org:Circle of Life');
  const ha1 = H('md5', `${ha1base}:${p.nonce}:abcdef0123`);
  const ha2 = H('md5', 'GET:/dir/index.html');
  const expected = H('md5', `${ha1}:${p.nonce}:00000007:abcdef0123:auth:${ha2}`);
  assert.is(computeDigestResponse(p), expected);
  assert.is(computeDigestResponse({ ...p, algorithm: 'md5-SESS' }), expected);
  // With the stored HA1 instead of the password, the session key is derived from it.
  const { password: _, ...rest } = p;
  assert.is(computeDigestResponse({ ...rest, ha1: ha1base }), expected);
  assert.is(computeDigestResponse({ ...rest, ha1: ha1base.toUpperCase() }), expected);
  assert.is(computeHA1({ ...rest, ha1: ha1base }), ha1);
  // Unlike plain MD5: the session step changes the result.
  assert.is.not(expected, computeDigestResponse({ ...p, algorithm: 'MD5' }));
});

test('SHA-256-sess matches a step-by-step computation (RFC 7616 §3.4.2)', () => {
  const p = {
    username: 'alice',
    realm: 'atlanta.example.com',
    password: 'p4ss:word',
    method: 'REGISTER',
    uri: 'sip:atlanta.example.com',
    nonce: 'n0nce',
    cnonce: 'c0nce',
    nc: 0x1a,
    qop: 'auth',
    algorithm: 'SHA-256-sess',
  } as const;
  const ha1 = H('sha256', `${H('sha256', 'alice:atlanta.example.com:p4ss:word')}:n0nce:c0nce`);
  const ha2 = H('sha256', 'REGISTER:sip:atlanta.example.com');
  assert.is(computeDigestResponse(p), H('sha256', `${ha1}:n0nce:0000001a:c0nce:auth:${ha2}`));
});

test('SHA-512-256 and SHA-512-256-sess (FIPS 180-4 SHA-512/256, not truncated SHA-512)', () => {
  assert.ok(SUPPORTED_DIGEST_ALGORITHMS.includes('SHA-512-256'), 'node:crypto has sha512-256');
  assert.ok(isSupportedDigestAlgorithm('sha-512-256-SESS'));
  const base = { username: 'u', realm: 'r', password: 'p', method: 'INVITE', uri: 'sip:b@r', nonce: 'N', cnonce: 'C', nc: 1, qop: 'auth' } as const;
  const ha2 = H('sha512-256', 'INVITE:sip:b@r');
  const ha1 = H('sha512-256', 'u:r:p');
  assert.is(computeDigestResponse({ ...base, algorithm: 'SHA-512-256' }), H('sha512-256', `${ha1}:N:00000001:C:auth:${ha2}`));
  const ha1s = H('sha512-256', `${ha1}:N:C`);
  assert.is(computeDigestResponse({ ...base, algorithm: 'SHA-512-256-sess' }), H('sha512-256', `${ha1s}:N:00000001:C:auth:${ha2}`));
  assert.is.not(ha1, createHash('sha512').update('u:r:p').digest('hex').slice(0, 64));
});

test('auth-int hashes the body bytes; an empty body hashes the empty string', () => {
  const body = Buffer.from('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=\xe9\r\n', 'latin1'); // not valid UTF-8: bytes matter
  const p = { username: 'bob', realm: 'biloxi.example.com', password: 'zanzibar', method: 'INVITE', uri: 'sip:bob@biloxi.example.com', nonce: 'NN', cnonce: 'CC', nc: 2, qop: 'auth-int' } as const;
  const ha1 = H('md5', 'bob:biloxi.example.com:zanzibar');
  const ha2 = H('md5', `INVITE:sip:bob@biloxi.example.com:${H('md5', body)}`);
  assert.is(computeDigestResponse({ ...p, body }), H('md5', `${ha1}:NN:00000002:CC:auth-int:${ha2}`));

  const emptyHa2 = H('md5', `INVITE:sip:bob@biloxi.example.com:${H('md5', '')}`);
  const empty = H('md5', `${ha1}:NN:00000002:CC:auth-int:${emptyHa2}`);
  assert.is(computeDigestResponse(p), empty);
  assert.is(computeDigestResponse({ ...p, body: '' }), empty);
  assert.is(computeDigestResponse({ ...p, body: Buffer.alloc(0) }), empty);
  // auth ignores the body.
  assert.is(computeDigestResponse({ ...p, qop: 'auth', body }), computeDigestResponse({ ...p, qop: 'auth' }));
});

test('no qop: RFC 2069 compatibility H(HA1:nonce:HA2)', () => {
  const r = computeDigestResponse({ username: 'u', realm: 'r', password: 'p', method: 'BYE', uri: 'sip:x@y', nonce: 'abc' });
  assert.is(r, H('md5', `${H('md5', 'u:r:p')}:abc:${H('md5', 'BYE:sip:x@y')}`));
  // cnonce and nc are not part of it.
  assert.is(computeDigestResponse({ username: 'u', realm: 'r', password: 'p', method: 'BYE', uri: 'sip:x@y', nonce: 'abc', cnonce: 'z', nc: 5 }), r);
});

test('wrong use is a typed DigestError', () => {
  const p = { username: 'u', realm: 'r', password: 'p', method: 'BYE', uri: 'sip:x@y', nonce: 'abc', cnonce: 'c', nc: 1, qop: 'auth' } as const;
  digestError(() => computeDigestResponse({ ...p, algorithm: 'SHA-1' }), 'unsupported-algorithm');
  digestError(() => computeDigestResponse({ ...p, algorithm: 'AKAv1-MD5' }), 'unsupported-algorithm');
  digestError(() => parseDigestAlgorithm('md4'), 'unsupported-algorithm');
  digestError(() => digestHash('whirlpool', 'x'), 'unsupported-algorithm');
  digestError(() => computeDigestResponse({ ...p, qop: 'auth-conf' }), 'unsupported-qop');
  digestError(() => computeDigestResponse({ ...p, cnonce: undefined }), 'missing-parameter');
  digestError(() => computeDigestResponse({ ...p, nc: undefined }), 'missing-parameter');
  digestError(() => computeDigestResponse({ ...p, qop: undefined, cnonce: undefined, algorithm: 'MD5-sess' }), 'missing-parameter');
  digestError(() => computeDigestResponse({ ...p, nc: 0 }), 'invalid-parameter');
  digestError(() => computeDigestResponse({ ...p, nc: '1' }), 'invalid-parameter');
  const { password: _, ...rest } = p;
  digestError(() => computeDigestResponse({ ...rest, ha1: 'abc' }), 'invalid-parameter');
  digestError(() => computeDigestResponse({ ...rest, ha1: H('md5', 'x'), algorithm: 'SHA-256' }), 'invalid-parameter');
  assert.is(parseDigestAlgorithm(undefined), 'MD5');
  assert.is(parseDigestAlgorithm('sha-512-256-sess'), 'SHA-512-256-sess');
  assert.is(formatNonceCount(255), '000000ff');
  assert.is(formatNonceCount(0xffffffff), 'ffffffff');

  const input = { username: 'u', secret: { password: 'p' }, method: 'BYE', uri: 'sip:x@y', nc: 1, cnonce: 'c' };
  digestError(() => buildDigestCredentials(parseChallenge('Digest nonce="n"'), input), 'missing-parameter');
  digestError(() => buildDigestCredentials(parseChallenge('Digest realm="r"'), input), 'missing-parameter');
  digestError(() => buildDigestCredentials(parseChallenge('Basic realm="r"'), input), 'unsupported-scheme');
  digestError(() => buildDigestCredentials(parseChallenge('Digest realm="r", nonce="n", algorithm=FOO'), input), 'unsupported-algorithm');
  digestError(() => buildDigestCredentials(parseChallenge('Digest realm="r", nonce="n", qop="auth-conf"'), input), 'unsupported-qop');
  digestError(
    () => buildDigestCredentials(parseChallenge('Digest realm="r", nonce="n", qop="auth"'), { ...input, qop: 'auth-int' }),
    'unsupported-qop',
  );
  digestError(() => buildDigestCredentials(parseChallenge('Digest realm="r", nonce="n", qop="auth"'), { ...input, cnonce: undefined }), 'missing-parameter');
  digestError(() => new DigestClient([]), 'missing-parameter');
  digestError(() => new DigestClient({ username: 'u', password: 'p' }, { algorithms: ['SHA-1' as 'MD5'] }), 'unsupported-algorithm');
});

test('buildDigestCredentials reproduces the RFC 7616 §3.9.1 Authorization', () => {
  const challenge = parseChallenge(
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  );
  const c = buildDigestCredentials(challenge, {
    username: 'Mufasa',
    secret: { password: 'Circle of Life' },
    method: 'GET',
    uri: '/dir/index.html',
    nc: 1,
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  });
  assert.is(c.response, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  assert.is(c.qop, 'auth');
  assert.is(c.nc, '00000001');
  assert.is(c.algorithm, 'SHA-256');
  assert.is(c.opaque, 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS');
  assert.is(
    c.toString(),
    'Digest username="Mufasa", realm="http-auth@example.org", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", uri="/dir/index.html", response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", algorithm=SHA-256, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", qop=auth, nc=00000001',
  );
  // No qop in the challenge: no qop, cnonce or nc in the answer (RFC 2617 §3.2.2).
  const old = buildDigestCredentials(parseChallenge('Digest realm="r", nonce="n"'), {
    username: 'u', secret: { password: 'p' }, method: 'BYE', uri: 'sip:x@y', nc: 3, cnonce: 'c',
  });
  assert.is(old.toString(), `Digest username="u", realm="r", nonce="n", uri="sip:x@y", response="${H('md5', `${H('md5', 'u:r:p')}:n:${H('md5', 'BYE:sip:x@y')}`)}"`);
});

// --- DigestClient ---------------------------------------------------------------------------------

const ALICE = { username: 'alice', password: 'wonderland' } as const;
let cnonceSeq = 0;
const cnonce = (): string => `cn${++cnonceSeq}`;

function register(callId = 'reg-1@host', cseq = 1, uri = 'sip:atlanta.example.com'): SIPRequest {
  return new SIPRequest({
    method: 'REGISTER',
    uri,
    headers: [
      ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-' + cseq],
      ['Max-Forwards', '70'],
      ['From', '<sip:alice@atlanta.example.com>;tag=a1'],
      ['To', '<sip:alice@atlanta.example.com>'],
      ['Call-ID', callId],
      ['CSeq', `${cseq} REGISTER`],
      ['Contact', '<sip:alice@192.0.2.10>'],
    ],
  });
}

function challenge(req: SIPRequest, status: 401 | 407, fields: Array<[string, string]>): SIPResponse {
  return req.createResponse(status, undefined, { toTag: 'srv', headers: fields });
}

function ok(a: DigestAnswer): Extract<DigestAnswer, { ok: true }> {
  if (!a.ok) assert.unreachable(`expected ok, got ${a.reason}: ${a.message}`);
  return a as Extract<DigestAnswer, { ok: true }>;
}

function fail(a: DigestAnswer): Extract<DigestAnswer, { ok: false }> {
  if (a.ok) assert.unreachable(`expected a failure, got ${JSON.stringify(a.headers)}`);
  return a as Extract<DigestAnswer, { ok: false }>;
}

/** The one field of `name` in `headers`, parsed. */
function only(headers: readonly AuthorizationField[], name: string): Credentials {
  const found = headers.filter(([n]) => n === name);
  assert.is(found.length, 1, `${name} fields: ${JSON.stringify(headers)}`);
  return parseCredentials(found[0][1], found[0][0]);
}

/** A retry of `req` carrying `headers`, as a UAC builds it (new CSeq and branch, same Call-ID). */
function retry(req: SIPRequest, headers: readonly AuthorizationField[]): SIPRequest {
  const cseq = req.cseq!.seq + 1;
  const next = register(req.callId, cseq, req.requestUri);
  next.body = req.body;
  return setAuthorization(next, headers);
}

test('401 → Authorization with the RFC 3261 §22.4 fields', () => {
  const client = new DigestClient(ALICE, { cnonce });
  const req = register('c1@host', 1, 'sip:atlanta.example.com;transport=tcp');
  const res = challenge(req, 401, [
    ['WWW-Authenticate', 'Digest realm="atlanta.example.com", qop="auth,auth-int", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", opaque="5ccc069c", algorithm=MD5'],
  ]);
  const a = ok(client.answer(res, req));
  assert.equal(a.realms, ['atlanta.example.com']);
  assert.is(a.headers.length, 1);
  const c = only(a.headers, 'Authorization');
  assert.is(c.scheme, 'Digest');
  assert.is(c.username, 'alice');
  assert.is(c.realm, 'atlanta.example.com');
  assert.is(c.nonce, 'ea9c8e88df84f1cec4341ae6cbe5a359');
  assert.is(c.uri, 'sip:atlanta.example.com;transport=tcp'); // the Request-URI as sent
  assert.is(c.qop, 'auth'); // auth by default even though auth-int is offered
  assert.is(c.nc, '00000001');
  assert.ok(c.cnonce);
  assert.is(c.opaque, '5ccc069c'); // echoed (RFC 7616 §3.4)
  assert.is(c.algorithm, 'MD5'); // echoed
  assert.ok(verifyCredentials(c, 'REGISTER', undefined, 'wonderland'));
  // Independently: the response is the RFC 2617 formula over these very fields.
  const ha1 = H('md5', 'alice:atlanta.example.com:wonderland');
  const ha2 = H('md5', 'REGISTER:sip:atlanta.example.com;transport=tcp');
  assert.is(c.response, H('md5', `${ha1}:${c.nonce}:00000001:${c.cnonce}:auth:${ha2}`));
  assert.equal(client.realms, [{ header: 'Authorization', realm: 'atlanta.example.com', algorithm: 'MD5' }]);
});

test('a challenge without algorithm: MD5, nothing added; without qop: RFC 2069 form', () => {
  const client = new DigestClient(ALICE, { cnonce });
  const req = register();
  const a = ok(client.answer(challenge(req, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="n1"']]), req));
  const c = only(a.headers, 'Authorization');
  assert.is(c.algorithm, undefined);
  assert.is(c.qop, undefined);
  assert.is(c.cnonce, undefined);
  assert.is(c.nc, undefined);
  assert.ok(verifyCredentials(c, 'REGISTER', undefined, 'wonderland'));
});

test('407 → Proxy-Authorization', () => {
  const client = new DigestClient(ALICE, { cnonce });
  const req = register();
  const a = ok(client.answer(challenge(req, 407, [['Proxy-Authenticate', 'Digest realm="proxy.example", nonce="pn", qop="auth"']]), req));
  assert.is(a.headers.length, 1);
  assert.is(a.headers[0][0], 'Proxy-Authorization');
  const c = only(a.headers, 'Proxy-Authorization');
  assert.is(c.realm, 'proxy.example');
  assert.ok(verifyCredentials(c, 'REGISTER', undefined, 'wonderland'));
  // And setAuthorization puts it on the retry, replacing what was there.
  const again = retry(req, a.headers);
  assert.is(again.count('Proxy-Authorization'), 1);
  assert.is(again.count('Authorization'), 0);
  assert.is(again.header('proxy-authorization')[0].realm, 'proxy.example');
});

test('nonce count increments on every request reusing the nonce, per (realm, nonce)', () => {
  const client = new DigestClient(ALICE, { cnonce });
  const req = register('nc@host');
  const a = ok(client.answer(challenge(req, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="N1", qop="auth"']]), req));
  assert.is(only(a.headers, 'Authorization').nc, '00000001');
  const cnonces = new Set([only(a.headers, 'Authorization').cnonce]);
  for (let i = 2; i <= 4; i++) {
    const refresh = register('nc@host', i);
    const fields = client.authorizationFor(refresh);
    const c = only(fields, 'Authorization');
    assert.is(c.nc, formatNonceCount(i));
    assert.is(c.nonce, 'N1');
    cnonces.add(c.cnonce);
    setAuthorization(refresh, fields);
    assert.ok(verifyCredentials(refresh.header('authorization')[0], 'REGISTER', refresh.body, 'wonderland'));
  }
  assert.is(cnonces.size, 4, 'a fresh cnonce per request for non -sess algorithms');
  // A new nonce for the realm starts again at 1.
  const req5 = register('nc@host', 5);
  const b = ok(client.answer(challenge(req5, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="N2", qop="auth"']]), req5));
  assert.is(only(b.headers, 'Authorization').nc, '00000001');
  assert.is(only(client.authorizationFor(register('nc@host', 6)), 'Authorization').nc, '00000002');
});

test('stale=true: retried with the new nonce, not counted as a failure', () => {
  const client = new DigestClient(ALICE, { cnonce });
  const r1 = register('stale@host', 1);
  const a1 = ok(client.answer(challenge(r1, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="old", qop="auth"']]), r1));
  const r2 = retry(r1, a1.headers);
  // The server says our (correct) answer used an expired nonce.
  const a2 = ok(client.answer(challenge(r2, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="new", qop="auth", stale=TRUE']]), r2));
  const c2 = only(a2.headers, 'Authorization');
  assert.is(c2.nonce, 'new');
  assert.is(c2.nc, '00000001');
  assert.ok(verifyCredentials(c2, 'REGISTER', undefined, 'wonderland'));
  // After the stale retry, a non-stale challenge to that answer is a rejection.
  const r3 = retry(r2, a2.headers);
  const a3 = fail(client.answer(challenge(r3, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="newer", qop="auth"']]), r3));
  assert.is(a3.reason, 'rejected');
  assert.is(a3.realm, 'r');
});

test('stale=true forever is bounded (stale-loop)', () => {
  const client = new DigestClient(ALICE, { cnonce, maxStaleRetries: 2 });
  let req = register('loop@host', 1);
  let a = client.answer(challenge(req, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="s0"']]), req);
  let rounds = 0;
  while (a.ok && rounds < 10) {
    rounds++;
    req = retry(req, a.headers);
    a = client.answer(challenge(req, 401, [['WWW-Authenticate', `Digest realm="r", nonce="s${rounds}", stale=true`]]), req);
  }
  assert.is(fail(a).reason, 'stale-loop');
  assert.is(rounds, 3);
});

test('a second non-stale challenge for the same realm → rejected, never a loop', () => {
  const client = new DigestClient({ username: 'alice', password: 'WRONG' }, { cnonce });
  let req = register('wrong@host', 1);
  const server = (r: SIPRequest, n: number): SIPResponse =>
    challenge(r, 401, [['WWW-Authenticate', `Digest realm="atlanta.example.com", nonce="n${n}", qop="auth", algorithm=SHA-256`]]);
  let a = client.answer(server(req, 0), req);
  let sent = 0;
  while (a.ok && sent < 10) {
    sent++;
    req = retry(req, a.headers);
    // The server checks with the real password and challenges again.
    assert.not.ok(verifyCredentials(req.header('authorization')[0], 'REGISTER', undefined, 'wonderland'));
    a = client.answer(server(req, sent), req);
  }
  assert.is(sent, 1, 'exactly one retry');
  const f = fail(a);
  assert.is(f.reason, 'rejected');
  assert.is(f.realm, 'atlanta.example.com');
  assert.match(f.message, /alice/);
  // The realm is forgotten: no known-bad credentials are sent pre-emptively.
  assert.equal(client.authorizationFor(register('wrong@host', 9)), []);
});

test('pre-emptive credentials refused without stale: one fresh answer, then rejected', () => {
  const client = new DigestClient(ALICE, { cnonce });
  const r1 = register('pre@host', 1);
  ok(client.answer(challenge(r1, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="N1", qop="auth"']]), r1));
  // Later refresh, sent pre-emptively; this server forgot N1 and does not use stale.
  const r2 = setAuthorization(register('pre@host', 2), client.authorizationFor(register('pre@host', 2)));
  assert.is(r2.header('authorization')[0].nc, '00000002');
  const a2 = ok(client.answer(challenge(r2, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="N2", qop="auth"']]), r2));
  const r3 = retry(r2, a2.headers);
  assert.is(r3.header('authorization')[0].nonce, 'N2');
  assert.is(fail(client.answer(challenge(r3, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="N3", qop="auth"']]), r3)).reason, 'rejected');
});

test('two realms at once: an aggregated 407 (RFC 3261 §16.7) gets one header per realm', () => {
  const client = new DigestClient(
    [
      { username: 'alice-proxy', password: 'p1', realm: 'proxy.example' },
      { username: 'alice', password: 'p2', realm: 'atlanta.example.com' },
    ],
    { cnonce },
  );
  const req = register('two@host');
  const res = challenge(req, 407, [
    ['Proxy-Authenticate', 'Digest realm="proxy.example", nonce="pn", qop="auth"'],
    ['WWW-Authenticate', 'Digest realm="atlanta.example.com", nonce="wn", qop="auth"'],
  ]);
  const a = ok(client.answer(res, req));
  assert.equal([...a.realms].sort(), ['atlanta.example.com', 'proxy.example']);
  const p = only(a.headers, 'Proxy-Authorization');
  const w = only(a.headers, 'Authorization');
  assert.is(p.username, 'alice-proxy');
  assert.is(w.username, 'alice');
  assert.ok(verifyCredentials(p, 'REGISTER', undefined, 'p1'));
  assert.ok(verifyCredentials(w, 'REGISTER', undefined, 'p2'));
});

test('two realms in turn: 407 from the proxy, then 401 from the registrar; the retry carries both', () => {
  const client = new DigestClient(ALICE, { cnonce });
  const r1 = register('turn@host', 1);
  const a1 = ok(client.answer(challenge(r1, 407, [['Proxy-Authenticate', 'Digest realm="proxy.example", nonce="pn", qop="auth"']]), r1));
  const r2 = retry(r1, a1.headers);
  const a2 = ok(client.answer(challenge(r2, 401, [['WWW-Authenticate', 'Digest realm="atlanta.example.com", nonce="wn", qop="auth"']]), r2));
  assert.equal(a2.realms, ['atlanta.example.com']);
  const p = only(a2.headers, 'Proxy-Authorization');
  assert.is(p.nonce, 'pn');
  assert.is(p.nc, '00000002'); // the proxy's nonce used a second time
  assert.is(only(a2.headers, 'Authorization').nc, '00000001');
  const r3 = retry(r2, a2.headers);
  assert.is(r3.count('Proxy-Authorization'), 1);
  assert.is(r3.count('Authorization'), 1);
  for (const c of [...r3.header('proxy-authorization'), ...r3.header('authorization')]) {
    assert.ok(verifyCredentials(c, 'REGISTER', undefined, 'wonderland'));
  }
});

test('several Proxy-Authenticate from forking proxies: one Proxy-Authorization per realm', () => {
  const client = new DigestClient(ALICE, { cnonce });
  const req = register('fork@host');
  const a = ok(
    client.answer(
      challenge(req, 407, [
        ['Proxy-Authenticate', 'Digest realm="east.example", nonce="e1", qop="auth"'],
        ['Proxy-Authenticate', 'Digest realm="west.example", nonce="w1", qop="auth", algorithm=SHA-256'],
      ]),
      req,
    ),
  );
  assert.is(a.headers.length, 2);
  assert.ok(a.headers.every(([n]) => n === 'Proxy-Authorization'));
  const creds = a.headers.map(([n, v]) => parseCredentials(v, n));
  assert.equal(creds.map((c) => c.realm), ['east.example', 'west.example']);
  assert.equal(creds.map((c) => c.algorithm), [undefined, 'SHA-256']);
  for (const c of creds) assert.ok(verifyCredentials(c, 'REGISTER', undefined, 'wonderland'));
});

test('RFC 8760 §2.4: the topmost challenge the UAC supports, per realm', () => {
  const client = new DigestClient(ALICE, { cnonce });
  // The server lists its preference first (RFC 8760 §2.3): SHA-256 above MD5 → SHA-256.
  const r1 = register('alg1@host');
  const a1 = ok(
    client.answer(
      challenge(r1, 401, [
        ['WWW-Authenticate', 'Digest realm="r", nonce="n", qop="auth", algorithm=SHA-512-256-whatever'],
        ['WWW-Authenticate', 'Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256'],
        ['WWW-Authenticate', 'Digest realm="r", nonce="n", qop="auth", algorithm=MD5'],
      ]),
      r1,
    ),
  );
  const c1 = only(a1.headers, 'Authorization');
  assert.is(c1.algorithm, 'SHA-256');
  assert.is(c1.response!.length, 64);
  assert.ok(a1.skipped.some((s) => /SHA-512-256-whatever/.test(s.reason)));
  // Several challenges in one field value (RFC 7235 §4.1) count in the same order.
  const r2 = register('alg2@host');
  const a2 = ok(
    client.answer(challenge(r2, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="n", algorithm=sha-512-256, Digest realm="r", nonce="n", algorithm=MD5']]), r2),
  );
  assert.is(only(a2.headers, 'Authorization').algorithm, 'sha-512-256'); // echoed as received
  assert.ok(verifyCredentials(only(a2.headers, 'Authorization'), 'REGISTER', undefined, 'wonderland'));
  // The order is the server's: MD5 on top is what the RFC's SHOULD selects.
  const r3 = register('alg3@host');
  const a3 = ok(
    client.answer(
      challenge(r3, 401, [
        ['WWW-Authenticate', 'Digest realm="r", nonce="n", algorithm=MD5'],
        ['WWW-Authenticate', 'Digest realm="r", nonce="n", algorithm=SHA-256'],
      ]),
      r3,
    ),
  );
  assert.is(only(a3.headers, 'Authorization').algorithm, 'MD5');
  // ...unless local policy (RFC 8760 §2.4 "unless a local policy dictates otherwise") rules MD5 out.
  const strict = new DigestClient(ALICE, { cnonce, algorithms: ['SHA-256', 'SHA-512-256'] });
  const a4 = ok(strict.answer(challenge(r3, 401, [
    ['WWW-Authenticate', 'Digest realm="r", nonce="n", algorithm=MD5'],
    ['WWW-Authenticate', 'Digest realm="r", nonce="n", algorithm=SHA-256'],
  ]), r3));
  assert.is(only(a4.headers, 'Authorization').algorithm, 'SHA-256');
  const a5 = fail(strict.answer(challenge(r3, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="n"']]), r3));
  assert.is(a5.reason, 'unsupported');
  assert.match(a5.skipped[0].reason, /local policy/);
});

test('unknown schemes are ignored; only unsupported challenges → a clear failure', () => {
  const client = new DigestClient(ALICE, { cnonce });
  const req = register('scheme@host');
  const a = ok(
    client.answer(
      challenge(req, 401, [
        ['WWW-Authenticate', 'NoOneKnowsThisScheme realm="r", foo="bar"'],
        ['WWW-Authenticate', 'Digest realm="r", nonce="n", qop="auth"'],
      ]),
      req,
    ),
  );
  assert.is(only(a.headers, 'Authorization').realm, 'r');
  assert.equal(a.skipped.map((s) => s.header), ['WWW-Authenticate']);
  assert.match(a.skipped[0].reason, /NoOneKnowsThisScheme/);

  const f = fail(
    client.answer(
      challenge(req, 401, [
        ['WWW-Authenticate', 'NoOneKnowsThisScheme realm="r"'],
        ['WWW-Authenticate', 'Digest realm="r", nonce="n", algorithm=AKAv1-MD5'],
        ['WWW-Authenticate', 'Digest realm="r", nonce="n", qop="auth-conf"'],
        ['WWW-Authenticate', 'Digest realm="r"'],
        ['WWW-Authenticate', 'Basic realm="r"'],
        ['WWW-Authenticate', 'Digest realm="r", nonce="n", algorithm=MD5-sess'],
        ['WWW-Authenticate', 'Digest realm=, broken'],
      ]),
      req,
    ),
  );
  assert.is(f.reason, 'unsupported');
  assert.match(f.message, /no supported Digest challenge/);
  assert.is(f.skipped.length, 7);
  assert.is(fail(client.answer(challenge(req, 401, []), req)).reason, 'unsupported');
  assert.is(fail(client.answer(req.createResponse(200), req)).reason, 'not-a-challenge');
});

test('an account limited to one realm does not answer another', () => {
  const client = new DigestClient({ username: 'alice', password: 'p', realm: 'mine.example' }, { cnonce });
  const req = register('realm@host');
  const f = fail(client.answer(challenge(req, 401, [['WWW-Authenticate', 'Digest realm="other.example", nonce="n"']]), req));
  assert.is(f.reason, 'no-credentials');
  assert.match(f.message, /other\.example/);
  // With both realms challenged, the one it can answer is answered; the other is reported.
  const a = ok(client.answer(challenge(req, 401, [
    ['WWW-Authenticate', 'Digest realm="other.example", nonce="n"'],
    ['WWW-Authenticate', 'Digest realm="mine.example", nonce="m"'],
  ]), req));
  assert.equal(a.realms, ['mine.example']);
  assert.equal(a.skipped, [{ header: 'WWW-Authenticate', realm: 'other.example', reason: 'no account for this realm' }]);
});

test('opaque echoed and quoted values escaped', () => {
  const client = new DigestClient({ username: 'al"ice\\', password: 'p"w' }, { cnonce });
  const req = register('quote@host');
  const res = challenge(req, 401, [
    ['WWW-Authenticate', 'Digest realm="the \\"best\\" realm", nonce="a\\\\b", opaque="o\\"paque", qop="auth"'],
  ]);
  const www = res.header('www-authenticate')[0];
  assert.is(www.realm, 'the "best" realm');
  assert.is(www.nonce, 'a\\b');
  const a = ok(client.answer(res, req));
  const raw = a.headers[0][1];
  assert.ok(raw.includes('username="al\\"ice\\\\"'), raw);
  assert.ok(raw.includes('realm="the \\"best\\" realm"'), raw);
  assert.ok(raw.includes('nonce="a\\\\b"'), raw);
  assert.ok(raw.includes('opaque="o\\"paque"'), raw);
  const c = parseCredentials(raw);
  assert.is(c.username, 'al"ice\\');
  assert.is(c.realm, 'the "best" realm');
  assert.is(c.opaque, 'o"paque');
  // The response is computed over the unquoted values (RFC 7616 §3.4 unq()).
  const ha1 = H('md5', 'al"ice\\:the "best" realm:p"w');
  assert.is(c.response, H('md5', `${ha1}:a\\b:00000001:${c.cnonce}:auth:${H('md5', 'REGISTER:sip:atlanta.example.com')}`));
  assert.ok(verifyCredentials(c, 'REGISTER', undefined, 'p"w'));
});

test('qop auth-int only when asked (or the only one offered); the body is protected', () => {
  const req = register('int@host');
  req.setBody('<xml>state</xml>', 'application/xml');
  const both = [['WWW-Authenticate', 'Digest realm="r", nonce="n", qop="auth,auth-int"']] as Array<[string, string]>;
  const byDefault = ok(new DigestClient(ALICE, { cnonce }).answer(challenge(req, 401, both), req));
  assert.is(only(byDefault.headers, 'Authorization').qop, 'auth');
  const asked = ok(new DigestClient(ALICE, { cnonce, qop: 'auth-int' }).answer(challenge(req, 401, both), req));
  const c = only(asked.headers, 'Authorization');
  assert.is(c.qop, 'auth-int');
  assert.ok(verifyCredentials(c, 'REGISTER', req.body, 'wonderland'));
  assert.not.ok(verifyCredentials(c, 'REGISTER', '<xml>tampered</xml>', 'wonderland'));
  const onlyInt = ok(new DigestClient(ALICE, { cnonce }).answer(challenge(req, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="n", qop="auth-int"']]), req));
  assert.is(only(onlyInt.headers, 'Authorization').qop, 'auth-int');
  // auth-int asked but only auth offered: auth.
  const onlyAuth = ok(new DigestClient(ALICE, { cnonce, qop: 'auth-int' }).answer(challenge(req, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="n", qop="auth"']]), req));
  assert.is(only(onlyAuth.headers, 'Authorization').qop, 'auth');
});

test('userhash=true: the username is H(username:realm) (RFC 7616 §3.4.4)', () => {
  const req = register('uh@host');
  const res = challenge(req, 401, [['WWW-Authenticate', 'Digest realm="api@example.org", nonce="n", qop="auth", algorithm=SHA-512-256, userhash=true']]);
  const user = 'J\u00e4s\u00f8n Doe';
  const a = ok(new DigestClient({ username: user, password: 'Secret, or not?' }, { cnonce }).answer(res, req));
  const c = only(a.headers, 'Authorization');
  assert.is(c.userhash, true);
  assert.is(c.username, H('sha512-256', Buffer.from(`${user}:api@example.org`, 'utf8')));
  assert.ok(verifyCredentials(c, 'REGISTER', undefined, 'Secret, or not?', { username: user }));
  assert.not.ok(verifyCredentials(c, 'REGISTER', undefined, 'Secret, or not?'), 'the real name is needed');
  assert.not.ok(verifyCredentials(c, 'REGISTER', undefined, 'Secret, or not?', { username: 'Jason Doe' }));
  // Not asked: plain username. Asked but disabled by the client: plain username, no userhash.
  const plain = ok(new DigestClient({ username: user, password: 'x' }, { cnonce, userhash: false }).answer(res, req));
  const p = only(plain.headers, 'Authorization');
  assert.is(p.username, user);
  assert.is(p.userhash, false);
  assert.is(p.param('userhash'), undefined);
});

test('-sess keeps one cnonce for the life of a nonce', () => {
  const client = new DigestClient(ALICE, { cnonce });
  const req = register('sess@host');
  const a = ok(client.answer(challenge(req, 401, [['WWW-Authenticate', 'Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256-sess']]), req));
  const c1 = only(a.headers, 'Authorization');
  const c2 = only(client.authorizationFor(register('sess@host', 2)), 'Authorization');
  assert.is(c2.cnonce, c1.cnonce);
  assert.is(c2.nc, '00000002');
  assert.is.not(c2.response, c1.response);
  for (const c of [c1, c2]) assert.ok(verifyCredentials(c, 'REGISTER', undefined, 'wonderland'));
});

test('pre-emptive re-use is scoped to the Call-ID unless the realm is shared (RFC 3261 §22.3)', () => {
  const client = new DigestClient(ALICE, { cnonce, sharedRealms: ['registrar.example'] });
  const r1 = register('call-a@host');
  ok(client.answer(challenge(r1, 407, [
    ['Proxy-Authenticate', 'Digest realm="far-proxy.example", nonce="f", qop="auth"'],
    ['WWW-Authenticate', 'Digest realm="registrar.example", nonce="g", qop="auth"'],
  ]), r1));
  // Same Call-ID: both.
  assert.equal(client.authorizationFor(register('call-a@host', 2)).map(([n]) => n).sort(), ['Authorization', 'Proxy-Authorization']);
  // Another Call-ID: only the shared realm.
  const other = client.authorizationFor(register('call-b@host'));
  assert.equal(other.map(([n, v]) => [n, parseCredentials(v, n).realm]), [['Authorization', 'registrar.example']]);
  // Asked by realm: that realm, whatever the Call-ID.
  const byRealm = client.authorizationFor(register('call-c@host'), { realms: ['far-proxy.example'] });
  assert.equal(byRealm.map(([n]) => n), ['Proxy-Authorization']);
  client.forget('registrar.example');
  assert.equal(client.authorizationFor(register('call-b@host')), []);
  client.forget();
  assert.equal(client.realms, []);
});

// --- Round trips with verifyCredentials ---------------------------------------------------------

test('round trip: every algorithm and qop answered by the client verifies on the server', () => {
  for (const algorithm of SUPPORTED_DIGEST_ALGORITHMS) {
    for (const qop of ['auth', 'auth-int', undefined] as const) {
      if (qop === undefined && algorithm.endsWith('-sess')) continue;
      const client = new DigestClient(ALICE, { qop: qop ?? 'auth' });
      const req = register(`rt-${algorithm}-${qop}@host`);
      req.setBody('body bytes \u2603', 'text/plain');
      const qopParam = qop ? `, qop="${qop}"` : '';
      const res = challenge(req, 401, [['WWW-Authenticate', `Digest realm="rt", nonce="${algorithm}", algorithm=${algorithm}${qopParam}`]]);
      const a = ok(client.answer(res, req));
      const sent = retry(req, a.headers);
      const c = sent.header('authorization')[0];
      const label = `${algorithm} ${qop}`;
      assert.is(c.qop, qop, label);
      assert.ok(verifyCredentials(c, 'REGISTER', sent.body, 'wonderland'), label);
      assert.ok(verifyCredentials(c, 'REGISTER', sent.body, { password: 'wonderland' }), label);
      const ha1 = digestHash(algorithm, 'alice:rt:wonderland');
      assert.ok(verifyCredentials(c, 'REGISTER', sent.body, { ha1 }), label);
      assert.not.ok(verifyCredentials(c, 'REGISTER', sent.body, 'wonderlanD'), label);
      assert.not.ok(verifyCredentials(c, 'INVITE', sent.body, 'wonderland'), label);
      assert.is(verifyCredentials(c, 'REGISTER', sent.body, 'wonderland', { algorithms: ['MD5'] }), algorithm === 'MD5', label);
    }
  }
});

test('verifyCredentials: malformed or foreign credentials are false, not exceptions', () => {
  const good = computeDigestResponse({ username: 'u', realm: 'r', password: 'p', method: 'BYE', uri: 'sip:x', nonce: 'n', cnonce: 'c', nc: 1, qop: 'auth' });
  const base = { username: 'u', realm: 'r', nonce: 'n', uri: 'sip:x', response: good, cnonce: 'c', nc: 1, qop: 'auth' };
  assert.ok(verifyCredentials(Credentials.digest(base), 'BYE', undefined, 'p'));
  assert.ok(verifyCredentials(Credentials.digest({ ...base, response: good.toUpperCase() }), 'BYE', undefined, 'p'));
  assert.not.ok(verifyCredentials(Credentials.digest({ ...base, algorithm: 'FOO' }), 'BYE', undefined, 'p'));
  assert.not.ok(verifyCredentials(Credentials.digest({ ...base, qop: 'auth-conf' }), 'BYE', undefined, 'p'));
  assert.not.ok(verifyCredentials(Credentials.digest({ ...base, response: 'abc' }), 'BYE', undefined, 'p'));
  assert.not.ok(verifyCredentials(new Credentials('Basic', undefined, { token68: 'dTpw' }), 'BYE', undefined, 'p'));
  assert.not.ok(verifyCredentials(new Credentials('Digest', { username: 'u', realm: 'r' }), 'BYE', undefined, 'p'));
  assert.not.ok(verifyCredentials(Credentials.digest(base), 'BYE', undefined, { ha1: 'zz' }));
  // A challenge object is not credentials, but Challenge.digest still builds a valid server side.
  const ch = Challenge.digest({ realm: 'r', nonce: 'n', qop: ['auth'] });
  const c = buildDigestCredentials(ch, { username: 'u', secret: { password: 'p' }, method: 'BYE', uri: 'sip:x', nc: 1, cnonce: 'c' });
  assert.is(c.response, good);
});

test.run();
