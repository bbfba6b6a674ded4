/** Out-of-dialog request creation (RFC 3261 §8.1.1) with loose and strict pre-loaded routes (§12.2.1.1). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequest, nextHop, parseMessage, SIPBuildError, type SIPRequest } from '../../src/index.js';

test('the mandatory headers of §8.1.1, a From tag, a Call-ID, CSeq 1, Max-Forwards 70', () => {
  const r = createRequest({ method: 'OPTIONS', uri: 'sip:bob@example.test', from: '"Alice" <sip:alice@example.test>', to: 'sip:bob@example.test' });
  const back = parseMessage(Buffer.concat([Buffer.from(r.toString().replace('OPTIONS sip:bob@example.test SIP/2.0\r\n', 'OPTIONS sip:bob@example.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\n'))])) as SIPRequest;
  assert.ok(back.from!.tag && back.from!.tag.length >= 8, 'random From tag (§19.3)');
  assert.is(back.from!.displayName, 'Alice');
  assert.is(back.to!.tag, undefined);
  assert.ok(back.callId && back.callId.length >= 16);
  assert.equal(back.cseq!.toJSON(), { seq: 1, method: 'OPTIONS' });
  assert.is(back.maxForwards, 70);
  assert.equal(back.route, []);
});

test('a loose-routing outbound proxy: Request-URI unchanged, Route carries the proxy', () => {
  const r = createRequest({ method: 'MESSAGE', uri: 'sip:bob@example.test', from: 'sip:alice@example.test', to: 'sip:bob@example.test', routes: ['<sip:127.0.0.1:5060;lr>'] });
  assert.is(r.requestUri, 'sip:bob@example.test');
  assert.equal(r.getAll('Route'), ['<sip:127.0.0.1:5060;lr>']);
  assert.is(nextHop(r).toString(), 'sip:127.0.0.1:5060;lr');
});

test('a strict router first: it becomes the Request-URI and the target the last Route (§12.2.1.1)', () => {
  const r = createRequest({
    method: 'INVITE',
    uri: 'sip:bob@example.test',
    from: 'sip:alice@example.test',
    to: 'sip:bob@example.test',
    routes: ['<sip:strict.example.test;maddr=127.0.0.1>', '<sip:p2.example.test;lr>'],
  });
  assert.is(r.requestUri, 'sip:strict.example.test;maddr=127.0.0.1');
  assert.equal(r.getAll('Route'), ['<sip:p2.example.test;lr>', '<sip:bob@example.test>']);
  assert.is(nextHop(r).toString(), 'sip:strict.example.test;maddr=127.0.0.1');
});

test('a route given as a bare URI keeps its parameters (lr) as URI parameters', () => {
  const r = createRequest({ method: 'MESSAGE', uri: 'sip:bob@example.test', from: 'sip:alice@example.test', to: 'sip:bob@example.test', routes: ['sip:127.0.0.1:5060;lr'] });
  assert.is(r.requestUri, 'sip:bob@example.test');
  assert.equal(r.getAll('Route'), ['<sip:127.0.0.1:5060;lr>']);
});

test('bad addresses are build errors', () => {
  assert.throws(() => createRequest({ method: 'OPTIONS', uri: 'sip:bob@example.test', from: 'not an address', to: 'sip:b@h' }), (e: unknown) => e instanceof SIPBuildError);
  assert.throws(() => createRequest({ method: 'OPTIONS', uri: 'bad uri', from: 'sip:a@h', to: 'sip:b@h' }), (e: unknown) => e instanceof SIPBuildError);
});

test.run();
