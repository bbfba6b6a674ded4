/** RFC 3261 §18.2.1/§18.2.2 and RFC 3581 §4 as pure functions: stamping and the routing table. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseViaList, type Via } from '../../src/sip/headers/via.js';
import { parseMessage } from '../../src/sip/parser.js';
import type { SIPRequest } from '../../src/sip/message.js';
import {
  checkDestination,
  endpointKey,
  type Endpoint,
  isMulticast,
  normalizeAddress,
  responseRoute,
  stampReceived,
  stampVia,
  TransportError,
} from '../../actors/transport/index.js';
import { requestText } from './helpers.js';

const via = (text: string): Via => parseViaList(text)[0];
const udp = (address: string, port: number): Endpoint => ({ protocol: 'UDP', address, port });

function throwsCode(fn: () => unknown, code: string): TransportError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, TransportError);
    assert.is((e as TransportError).code, code);
    return e as TransportError;
  }
  assert.unreachable(`expected TransportError ${code}`);
  throw new Error('unreachable');
}

// ---- §18.2.1 / RFC 3581 §4 stamping --------------------------------------------------------

test('stampVia: sent-by equal to the source and no rport: nothing added', () => {
  assert.is(stampVia(via('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1'), '192.0.2.1', 5060), undefined);
});

test('stampVia: sent-by differing from the source gets received (§18.2.1)', () => {
  const v = stampVia(via('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1'), '198.51.100.7', 5060)!;
  assert.is(v.received, '198.51.100.7');
  assert.is(v.rport, undefined);
  assert.is(v.toString(), 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;received=198.51.100.7');
});

test('stampVia: a domain name in sent-by always gets received (§18.2.1)', () => {
  assert.is(stampVia(via('SIP/2.0/TCP pc33.example.com;branch=z9hG4bK1'), '192.0.2.4', 40000)!.received, '192.0.2.4');
});

test('stampVia: rport without a value is filled in, received added even when equal (RFC 3581 §4)', () => {
  const v = stampVia(via('SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1'), '10.0.0.1', 6000)!;
  assert.is(v.rport, 6000);
  assert.is(v.received, '10.0.0.1');
  assert.is(v.toString(), 'SIP/2.0/UDP 10.0.0.1:5060;rport=6000;branch=z9hG4bK1;received=10.0.0.1');
});

test('stampVia: forged received / rport values in a top Via are overwritten', () => {
  const v = stampVia(via('SIP/2.0/UDP 10.0.0.1:5060;rport=9;received=255.255.255.255;branch=z9hG4bK1'), '10.0.0.1', 6000)!;
  assert.is(v.received, '10.0.0.1');
  assert.is(v.rport, 6000);
});

test('stampVia: IPv6 source, sent-by in brackets compares equal; received written without brackets (RFC 5118 §4.5)', () => {
  assert.is(stampVia(via('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1'), '2001:DB8:0::1', 5060), undefined);
  const v = stampVia(via('SIP/2.0/UDP [2001:db8::1]:5060;rport;branch=z9hG4bK1'), '2001:db8::9', 5062)!;
  assert.is(v.received, '2001:db8::9');
  assert.is(v.rport, 5062);
  assert.is(parseViaList(v.toString())[0].received, '2001:db8::9');
});

test('stampVia: an IPv4-mapped IPv6 source is the IPv4 address', () => {
  assert.is(stampVia(via('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1'), '::ffff:192.0.2.1', 5060), undefined);
});

test('stampReceived writes the top Via back through the message API, other Vias untouched', () => {
  const text = requestText({ via: 'SIP/2.0/UDP 10.0.0.1:5070;rport;branch=z9hG4bK-top, SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-2' });
  const req = parseMessage(text) as SIPRequest;
  assert.ok(stampReceived(req, '203.0.113.5', 33333));
  assert.is(req.via.length, 2);
  assert.is(req.topVia!.received, '203.0.113.5');
  assert.is(req.topVia!.rport, 33333);
  assert.is(req.via[1].toString(), 'SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-2');
  const again = parseMessage(req.toBuffer()) as SIPRequest;
  assert.is(again.topVia!.rport, 33333);
  assert.is(again.via[1].branch, 'z9hG4bK-2');
  assert.not.ok(stampReceived(again, '203.0.113.5', 33333), 'stamping twice changes nothing');
});

// ---- §18.2.2 routing table -------------------------------------------------------------------

test('unreliable: received + rport value (RFC 3581 §4)', () => {
  const r = responseRoute(via('SIP/2.0/UDP 10.0.0.1:5070;rport=40000;received=203.0.113.5;branch=z9hG4bK1'), { source: udp('203.0.113.5', 40000) });
  assert.equal(r, { target: udp('203.0.113.5', 40000) });
});

test('unreliable: received without rport goes to the sent-by port', () => {
  const r = responseRoute(via('SIP/2.0/UDP 10.0.0.1:5070;received=203.0.113.5;branch=z9hG4bK1'), { source: udp('203.0.113.5', 40000) });
  assert.equal(r.target, udp('203.0.113.5', 5070));
});

test('unreliable: received without a sent-by port goes to 5060', () => {
  const r = responseRoute(via('SIP/2.0/UDP host.example.com;received=203.0.113.5;branch=z9hG4bK1'), { source: udp('203.0.113.5', 40000) });
  assert.equal(r.target, udp('203.0.113.5', 5060));
});

test('unreliable: no received: the sent-by host and port', () => {
  assert.equal(responseRoute(via('SIP/2.0/UDP 192.0.2.1:5080;branch=z9hG4bK1'), { source: udp('192.0.2.1', 5080) }).target, udp('192.0.2.1', 5080));
  assert.equal(responseRoute(via('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1'), { source: udp('192.0.2.1', 5080) }).target, udp('192.0.2.1', 5060));
});

test('unreliable: an rport flag with no value (not stamped) is ignored', () => {
  assert.equal(responseRoute(via('SIP/2.0/UDP 192.0.2.1:5080;rport;branch=z9hG4bK1'), { source: udp('192.0.2.1', 7000) }).target, udp('192.0.2.1', 5080));
});

test('unreliable: maddr wins over received and rport, with the sent-by port or 5060', () => {
  const r = responseRoute(via('SIP/2.0/UDP 10.0.0.1:5070;maddr=192.0.2.50;received=203.0.113.5;rport=4000;branch=z9hG4bK1'), { source: udp('203.0.113.5', 4000) });
  assert.equal(r, { target: udp('192.0.2.50', 5070) });
  assert.equal(responseRoute(via('SIP/2.0/UDP 10.0.0.1;maddr=192.0.2.50;branch=z9hG4bK1'), { source: udp('10.0.0.1', 1) }).target, udp('192.0.2.50', 5060));
});

test('unreliable: a multicast maddr carries the ttl parameter, or 1', () => {
  assert.equal(responseRoute(via('SIP/2.0/UDP 10.0.0.1;maddr=224.0.1.75;ttl=16;branch=z9hG4bK1'), { source: udp('10.0.0.1', 1) }), { target: udp('224.0.1.75', 5060), ttl: 16 });
  assert.equal(responseRoute(via('SIP/2.0/UDP 10.0.0.1;maddr=224.0.1.75;branch=z9hG4bK1'), { source: udp('10.0.0.1', 1) }).ttl, 1);
});

test('reliable: the existing connection first, then received + sent-by port', () => {
  const source: Endpoint = { protocol: 'TCP', address: '203.0.113.5', port: 50123 };
  const r = responseRoute(via('SIP/2.0/TCP 10.0.0.1:5070;rport=50123;received=203.0.113.5;branch=z9hG4bK1'), { source, connectionId: 7 });
  assert.equal(r, { target: { protocol: 'TCP', address: '203.0.113.5', port: 5070 }, connectionId: 7 });
});

test('reliable: default sent-by ports 5060 (TCP), 5061 (TLS), 80 (WS), 443 (WSS)', () => {
  for (const [protocol, port] of [['TCP', 5060], ['TLS', 5061], ['WS', 80], ['WSS', 443]] as const) {
    const r = responseRoute(via(`SIP/2.0/${protocol} 192.0.2.1;branch=z9hG4bK1`), { source: { protocol, address: '192.0.2.1', port: 40000 } });
    assert.equal(r.target, { protocol, address: '192.0.2.1', port });
    assert.is(r.connectionId, undefined);
  }
});

test('reliable: maddr and rport do not apply', () => {
  const r = responseRoute(via('SIP/2.0/TLS 192.0.2.1:5061;maddr=192.0.2.99;rport=1234;branch=z9hG4bK1'), { source: { protocol: 'TLS', address: '192.0.2.1', port: 1234 }, connectionId: 3 });
  assert.equal(r.target, { protocol: 'TLS', address: '192.0.2.1', port: 5061 });
});

test('IPv6: received and sent-by without brackets in the target', () => {
  const r = responseRoute(via('SIP/2.0/UDP [2001:db8::1]:5070;rport=6000;received=2001:db8::9;branch=z9hG4bK1'), { source: udp('2001:db8::9', 6000) });
  assert.equal(r.target, udp('2001:db8::9', 6000));
  assert.equal(responseRoute(via('SIP/2.0/UDP [::1]:5070;branch=z9hG4bK1'), { source: udp('::1', 5070) }).target, udp('::1', 5070));
});

test('bcast (RFC 4475 §3.3.10): a response is never sent to 255.255.255.255', () => {
  const e = throwsCode(() => responseRoute(via('SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1'), { source: udp('255.255.255.255', 5060) }), 'EBROADCAST');
  assert.match(e.message, /broadcast/);
  throwsCode(() => responseRoute(via('SIP/2.0/UDP 192.0.2.1;maddr=255.255.255.255;branch=z9hG4bK1'), { source: udp('192.0.2.1', 5060) }), 'EBROADCAST');
  throwsCode(() => responseRoute(via('SIP/2.0/UDP 192.0.2.1;received=255.255.255.255;rport=5060;branch=z9hG4bK1'), { source: udp('192.0.2.1', 5060) }), 'EBROADCAST');
  throwsCode(() => responseRoute(via('SIP/2.0/TCP 255.255.255.255;branch=z9hG4bK1'), { source: { protocol: 'TCP', address: '192.0.2.1', port: 1 } }), 'EBROADCAST');
});

test('a name with no received cannot be routed without DNS: EADDRESS', () => {
  throwsCode(() => responseRoute(via('SIP/2.0/UDP host.example.com;branch=z9hG4bK1'), { source: udp('192.0.2.1', 5060) }), 'EADDRESS');
});

test('checkDestination: unspecified and directed broadcast addresses, bad ports', () => {
  assert.is(checkDestination(udp('192.0.2.1', 5060)), undefined);
  assert.is(checkDestination(udp('0.0.0.0', 5060))!.code, 'EBROADCAST');
  assert.is(checkDestination(udp('::', 5060))!.code, 'EBROADCAST');
  assert.is(checkDestination(udp('192.168.1.255', 5060), new Set(['192.168.1.255']))!.code, 'EBROADCAST');
  assert.is(checkDestination(udp('192.0.2.1', 0))!.code, 'EADDRESS');
  assert.is(checkDestination(udp('192.0.2.1', 70000))!.code, 'EADDRESS');
});

test('address helpers: normalisation, keys, multicast', () => {
  assert.is(normalizeAddress('[::1]'), '::1');
  assert.is(normalizeAddress('0:0:0:0:0:0:0:1'), '::1');
  assert.is(normalizeAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.is(normalizeAddress('2001:DB8::A'), '2001:db8::a');
  assert.is(endpointKey({ protocol: 'TCP', address: '[2001:db8::a]', port: 5060 }), 'TCP 2001:db8::a 5060');
  assert.ok(isMulticast('224.0.1.75'));
  assert.ok(isMulticast('ff02::1'));
  assert.not.ok(isMulticast('192.0.2.1'));
});

test.run();
