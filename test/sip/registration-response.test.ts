// What the registration and subscription machines read from a response (RFC 3261 §10.2.4).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMessage } from '../../src/sip/parser.js';
import type { SIPResponse } from '../../src/sip/message.js';
import { parseURI } from '../../src/sip/uri.js';
import { grantedExpires, registeredContact, registrationResponse, responseFields } from '../../src/sip/registration-response.js';

const OURS = 'sip:alice@192.0.2.10:5062;transport=tcp';

const response = (status: string, ...headers: string[]): SIPResponse =>
  parseMessage(
    [
      `SIP/2.0 ${status}`,
      'Via: SIP/2.0/TCP 192.0.2.10:5062;branch=z9hG4bKnashds7',
      'From: <sip:alice@example.com>;tag=456248',
      'To: <sip:alice@example.com>;tag=2493k59kd',
      'Call-ID: 843817637684230@998sdasdh09',
      'CSeq: 1826 REGISTER',
      ...headers,
      'Content-Length: 0',
    ].join('\r\n') + '\r\n\r\n',
  ) as SIPResponse;

test('§10.2.4: the expires parameter of the Contact that is ours (URI comparison of §19.1.4), else Expires', () => {
  const ok = response(
    '200 OK',
    'Contact: <sip:alice@198.51.100.7:5060>;expires=90',
    // ours, written differently: host case and parameter order do not matter (§19.1.4)
    'Contact: "Alice" <sip:alice@192.0.2.10:5062;TRANSPORT=TCP>;expires=3400;q=0.5',
    'Expires: 7200',
  );
  assert.is(registeredContact(ok, OURS)?.expires, 3400);
  assert.is(grantedExpires(ok, OURS), 3400);
  assert.is(grantedExpires(ok, parseURI(OURS)), 3400, 'a parsed URI works as well');
  // our Contact without an expires parameter: the Expires header
  assert.is(grantedExpires(response('200 OK', `Contact: <${OURS}>`, 'Expires: 1800'), OURS), 1800);
  // none is ours (a registrar that rewrote it): the Expires header still tells the grant
  assert.is(grantedExpires(response('200 OK', 'Contact: <sip:alice@203.0.113.5>;expires=60', 'Expires: 600'), OURS), 600);
  assert.is(grantedExpires(response('200 OK', 'Contact: <sip:alice@203.0.113.5>;expires=60'), OURS), undefined);
  // a different user, port or transport is not ours
  assert.is(registeredContact(response('200 OK', 'Contact: <sip:bob@192.0.2.10:5062;transport=tcp>'), OURS), undefined);
  assert.is(registeredContact(response('200 OK', 'Contact: <sip:alice@192.0.2.10:5063;transport=tcp>'), OURS), undefined);
  assert.is(registeredContact(response('200 OK', 'Contact: <sip:alice@192.0.2.10:5062;transport=udp>'), OURS), undefined);
});

test('registrationResponse: the `response` event data of the registration machine', () => {
  const ok = response('200 OK', `Contact: <${OURS}>;expires=3600, <sip:alice@198.51.100.7>;expires=90`);
  assert.equal(registrationResponse(ok, OURS), {
    status: 200,
    reason: 'OK',
    expires: 3600,
    contact: `<${OURS}>;expires=3600`,
    contacts: [`<${OURS}>;expires=3600`, '<sip:alice@198.51.100.7>;expires=90'],
  });
  assert.equal(registrationResponse(response('423 Interval Too Brief', 'Min-Expires: 1800'), OURS), { status: 423, reason: 'Interval Too Brief', minExpires: 1800 });
  assert.equal(registrationResponse(response('503 Service Unavailable', 'Retry-After: 120 (maintenance)'), OURS), {
    status: 503,
    reason: 'Service Unavailable',
    retryAfter: 120,
  });
  // an error response's Expires is not a grant
  assert.equal(registrationResponse(response('403 Forbidden', 'Expires: 60'), OURS), { status: 403, reason: 'Forbidden' });
});

test('malformed headers are reported as absent, never thrown', () => {
  const broken = response('200 OK', 'Contact: <sip:alice@192.0.2.10:5062;transport=tcp', 'Expires: 600');
  assert.is(grantedExpires(broken, OURS), 600);
  assert.equal(registrationResponse(broken, OURS), { status: 200, reason: 'OK', expires: 600, contacts: [] });
  assert.equal(responseFields(response('423 Interval Too Brief', 'Min-Expires: soon', 'Expires: -1', 'Retry-After: never')), {
    status: 423,
    reason: 'Interval Too Brief',
  });
  assert.is(registeredContact(response('200 OK', `Contact: <${OURS}>`), 'not a uri'), undefined);
  assert.is(registeredContact(response('200 OK', 'Contact: *'), OURS), undefined);
});

test('responseFields: what a SUBSCRIBE response carries (202 included, R-MSG-2)', () => {
  assert.equal(responseFields(response('202 Accepted', 'Expires: 3600')), { status: 202, reason: 'Accepted', expires: 3600 });
  assert.equal(responseFields(response('489 Bad Event')), { status: 489, reason: 'Bad Event' });
});

test.run();
