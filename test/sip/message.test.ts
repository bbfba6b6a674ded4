import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { parseMessage, SIPRequest, SIPResponse, SIPBuildError, Via, nameAddr, CSeq, splitList } from '../../src/index.js';

const CRLF = '\r\n';
const invite = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds, SIP/2.0/TCP 192.0.2.4:5061;branch=z9hG4bK1;received=192.0.2.99;rport=6000',
  'Max-Forwards: 70',
  't: Bob <sip:bob@biloxi.example.com>',
  'f: "Alice, A." <sip:alice@atlanta.example.com>;tag=1928301774',
  'i: a84b4c76e66710@pc33.atlanta.example.com',
  'CSEQ: 314159 INVITE',
  'm: <sip:alice@pc33.atlanta.example.com>;expires=60, "B" <sip:b@192.0.2.1:5070;transport=tcp>;q=0.5',
  'Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>',
  'X-Custom: keep me , as is',
  'c: application/sdp',
  'l: 5',
  '',
  'v=0\r\n',
].join(CRLF);

test('compact forms and odd spellings come out canonical, in order', () => {
  const m = parseMessage(invite);
  assert.equal(m.fields().map(([n]) => n), ['Via', 'Max-Forwards', 'To', 'From', 'Call-ID', 'CSeq', 'Contact', 'Record-Route', 'X-Custom', 'Content-Type', 'Content-Length']);
  assert.is(m.get('x-custom'), 'keep me , as is');
  assert.is(m.get('Content-Type'), 'application/sdp');
  assert.is(m.get('c'), 'application/sdp');
  assert.is(m.mimeType, 'application/sdp');
});

test('typed core headers', () => {
  const m = parseMessage(invite) as SIPRequest;
  assert.is(m.method, 'INVITE');
  assert.is(m.via.length, 2);
  assert.is(m.topVia!.branch, 'z9hG4bK776asdhds');
  assert.is(m.topVia!.rfc3261Branch, true);
  assert.is(m.via[1].rport, 6000);
  assert.is(m.via[1].received, '192.0.2.99');
  assert.is(m.via[1].port, 5061);
  assert.is(m.via[1].transport, 'TCP');
  assert.is(m.from!.displayName, 'Alice, A.');
  assert.is(m.from!.tag, '1928301774');
  assert.is(m.to!.tag, undefined);
  assert.is(m.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
  assert.equal(m.cseq!.toJSON(), { seq: 314159, method: 'INVITE' });
  assert.is(m.maxForwards, 70);
  assert.is(m.contact.length, 2);
  const c1 = m.contact[1];
  assert.ok(!('wildcard' in c1) && c1.q === 0.5 && c1.displayName === 'B');
  assert.is(m.recordRoute.length, 2);
  assert.ok(m.recordRoute[0].lr);
  assert.is(m.body.toString(), 'v=0\r\n');
});

test('a built request is canonical, with a correct Content-Length', () => {
  const r = new SIPRequest({
    method: 'MESSAGE',
    uri: 'sip:bob@127.0.0.1:5062',
    headers: [
      ['Via', new Via({ transport: 'udp', host: '127.0.0.1', port: 5060, branch: 'z9hG4bKabc', rport: true })],
      ['Max-Forwards', 70],
      ['From', nameAddr('sip:alice@example.test', 'Alice Ä', { tag: 'x1' })],
      ['To', nameAddr('sip:bob@example.test')],
      ['Call-ID', 'c1@127.0.0.1'],
      ['CSeq', CSeq.create(1, 'MESSAGE')],
      ['content-type', 'text/plain'],
    ],
    body: 'héllo',
  });
  const text = r.toString();
  assert.is(
    text,
    'MESSAGE sip:bob@127.0.0.1:5062 SIP/2.0\r\n' +
      'Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc;rport\r\n' +
      'Max-Forwards: 70\r\n' +
      'From: "Alice Ä" <sip:alice@example.test>;tag=x1\r\n' +
      'To: <sip:bob@example.test>\r\n' +
      'Call-ID: c1@127.0.0.1\r\n' +
      'CSeq: 1 MESSAGE\r\n' +
      'Content-Type: text/plain\r\n' +
      'Content-Length: 6\r\n\r\nhéllo',
  );
  const back = parseMessage(r.toBuffer()) as SIPRequest;
  assert.is(back.from!.displayName, 'Alice Ä');
  assert.is(back.body.toString(), 'héllo');
  assert.is(back.contentLength, 6);
});

test('mutation: set, append, prepend, remove, removeFirst, and the typed cache follows', () => {
  const m = parseMessage(invite);
  assert.is(m.via.length, 2);
  m.prepend('Via', new Via({ transport: 'UDP', host: '10.0.0.1', branch: 'z9hG4bKtop' }));
  assert.is(m.via.length, 3);
  assert.is(m.topVia!.host, '10.0.0.1');
  assert.is(m.fields()[0][0], 'Via');
  m.removeFirst('Via');
  assert.is(m.via.length, 2);
  m.removeFirst('Via');
  assert.is(m.via.length, 1);
  assert.is(m.topVia!.transport, 'TCP');
  m.set('Max-Forwards', 69);
  assert.is(m.maxForwards, 69);
  m.append('Record-Route', '<sip:p0.example.com;lr>');
  assert.is(m.recordRoute.length, 3);
  assert.is(m.remove('record-route'), 2);
  assert.equal(m.recordRoute, []);
  m.setBody('');
  assert.is(m.get('Content-Type'), undefined);
  assert.ok(m.toString().includes('Content-Length: 0\r\n'));
});

test('header injection through values is refused', () => {
  const r = parseMessage(invite);
  assert.throws(() => r.set('Subject', 'hi\r\nVia: evil'), (e: unknown) => e instanceof SIPBuildError);
  assert.throws(() => new SIPResponse({ status: 200, reason: 'OK\r\nX: y' }), (e: unknown) => e instanceof SIPBuildError);
  assert.throws(() => new SIPResponse({ status: 99 }), (e: unknown) => e instanceof SIPBuildError);
  assert.throws(() => new SIPRequest({ method: 'BAD METHOD', uri: 'sip:a@b' }), (e: unknown) => e instanceof SIPBuildError);
  assert.throws(() => new SIPRequest({ method: 'INVITE', uri: 'not a uri' }), (e: unknown) => e instanceof SIPBuildError);
});

test('createResponse copies Via, From, To, Call-ID, CSeq and adds a To tag (RFC 3261 §8.2.6)', () => {
  const req = parseMessage(invite) as SIPRequest;
  req.append('Timestamp', '54');
  const res = req.createResponse(180, undefined, { toTag: 'abc' });
  assert.is(res.startLine(), 'SIP/2.0 180 Ringing');
  assert.equal(res.via.map(String), req.via.map(String));
  assert.is(res.to!.tag, 'abc');
  assert.is(res.from!.tag, '1928301774');
  assert.is(res.callId, req.callId);
  assert.is(res.get('Timestamp'), undefined);
  const trying = req.createResponse(100);
  assert.is(trying.get('Timestamp'), '54');
  assert.is(trying.to!.tag, undefined);
  const back = parseMessage(res.toBuffer());
  assert.ok(!back.isRequest && back.status === 180 && back.reason === 'Ringing');
});

test('splitList never splits inside quotes or angle brackets', () => {
  assert.equal(splitList('"a, b" <sip:x@y;p=1,2>, <sip:z>'), ['"a, b" <sip:x@y;p=1,2>', '<sip:z>']);
  assert.equal(splitList('"a \\" , b" <sip:x>, c'), ['"a \\" , b" <sip:x>', 'c']);
});

test('responses: status line forms', () => {
  const base = 'Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n';
  const r = parseMessage('SIP/2.0 100 \r\n' + base);
  assert.ok(!r.isRequest && r.status === 100 && r.reason === '');
  const r2 = parseMessage('SIP/2.0 486 Busy Here, really\r\n' + base);
  assert.ok(!r2.isRequest && r2.reason === 'Busy Here, really');
  const r3 = parseMessage('sip/2.0 200 OK\r\n' + base);
  assert.ok(!r3.isRequest && r3.status === 200);
});

// ---- property: generated messages round-trip -------------------------------------------------

const token = fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~]{1,12}$/);
const host = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){0,3}$/).filter((h) => !h.endsWith('-') && !h.includes('-.')),
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.')),
  fc.constantFrom('[2001:db8::1]', '[::1]', '[2001:db8::10:5070]'),
);
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
const user = fc.option(fc.stringMatching(/^[A-Za-z0-9_.!~*'()&=+$,;?/-]{1,10}$/), { nil: undefined });
const displayName = fc.option(fc.string({ maxLength: 12, unit: 'grapheme' }).filter((s) => !/[\r\n\u0000-\u001f\u007f]/.test(s)), { nil: undefined });
const textValue = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
const body = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));

const messageArb = fc.record({
  request: fc.boolean(),
  method: token,
  status: fc.integer({ min: 100, max: 699 }),
  reason: fc.stringMatching(/^[ -~]{0,20}$/),
  uriUser: user,
  uriHost: host,
  uriPort: port,
  vias: fc.array(fc.record({ transport: fc.constantFrom('UDP', 'TCP', 'TLS', 'WS', 'SCTP'), host, port, branch: token, rport: fc.boolean() }), { minLength: 1, maxLength: 4 }),
  fromName: displayName,
  fromTag: token,
  toTag: fc.option(token, { nil: undefined }),
  callId: fc.stringMatching(/^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]{1,20}(@[A-Za-z0-9.-]{1,10})?$/),
  seq: fc.integer({ min: 0, max: 0xffffffff }),
  extra: fc.array(fc.tuple(fc.stringMatching(/^X-[A-Za-z0-9-]{1,10}$/), textValue), { maxLength: 5 }),
  body,
});

test('property: built messages serialise, parse back equal, and re-serialise to the same bytes', () => {
  fc.assert(
    fc.property(messageArb, (g) => {
      const headers: [string, string | Via | number | object][] = [
        ...g.vias.map((v) => ['Via', new Via({ transport: v.transport, host: v.host, port: v.port, branch: 'z9hG4bK' + v.branch, rport: v.rport })] as [string, Via]),
        ['From', nameAddr(`sip:${g.uriUser ? 'a@' : ''}${g.uriHost}`, g.fromName, { tag: g.fromTag })],
        ['To', nameAddr(`sip:b@${g.uriHost}`, undefined, g.toTag ? { tag: g.toTag } : undefined)],
        ['Call-ID', g.callId],
        ['CSeq', `${g.seq} ${g.method}`],
        ['Max-Forwards', 70],
        ...g.extra,
      ];
      const uri = `sip:${g.uriUser ? encodeURIComponent(g.uriUser).replace(/%2F/g, '/') + '@' : ''}${g.uriHost}${g.uriPort ? ':' + g.uriPort : ''}`;
      const m = g.request
        ? new SIPRequest({ method: g.method, uri, headers, body: g.body })
        : new SIPResponse({ status: g.status, reason: g.reason, headers, body: g.body });
      const wire = m.toBuffer();
      const back = parseMessage(wire);
      assert.is(back.startLine(), m.startLine());
      assert.equal(back.fields(), parseMessage(back.toBuffer()).fields());
      assert.ok(back.body.equals(g.body));
      assert.is(back.from!.displayName, g.fromName);
      assert.is(back.from!.tag, g.fromTag);
      assert.is(back.cseq!.seq, g.seq);
      assert.is(back.via.length, g.vias.length);
      assert.ok(back.toBuffer().equals(wire));
    }),
    { numRuns: 400 },
  );
});

test.run();
