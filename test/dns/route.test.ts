/** Route (spec §5.3), RFC 2782 SRV ordering and nameserver parsing: no DNS traffic here. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkNameserver, DNSArgumentError, orderSrvRecords, Route } from '../../src/dns/index.js';

const isArgError = (e: unknown): boolean => e instanceof DNSArgumentError;

test('Route stores the transport lower-cased and builds its URI', () => {
  const r = new Route('127.0.0.1', 5061, 'TLS');
  assert.is(r.address, '127.0.0.1');
  assert.is(r.port, 5061);
  assert.is(r.transport, 'tls');
  const uri = r.getUri();
  assert.is(uri.host, '127.0.0.1');
  assert.is(uri.port, 5061);
  assert.is(uri.transport, 'tls');
  assert.is(uri.toString(), 'sip:127.0.0.1:5061;transport=tls');
  assert.equal(r.toEndpoint(), { protocol: 'TLS', address: '127.0.0.1', port: 5061 });
});

test('Route defaults: udp, and the default port of the transport in the endpoint', () => {
  const r = new Route('127.0.0.1');
  assert.is(r.transport, 'udp');
  assert.is(r.port, undefined);
  assert.is(r.getUri().toString(), 'sip:127.0.0.1;transport=udp');
  assert.equal(r.toEndpoint(), { protocol: 'UDP', address: '127.0.0.1', port: 5060 });
  r.transport = 'Tls';
  assert.equal(r.toEndpoint(), { protocol: 'TLS', address: '127.0.0.1', port: 5061 });
  r.transport = 'TCP';
  r.port = 5070;
  assert.equal(r.toEndpoint(), { protocol: 'TCP', address: '127.0.0.1', port: 5070 });
});

test('Route with an IPv6 address: stored bare, bracketed in the URI', () => {
  const r = new Route('[::1]', 5060, 'udp');
  assert.is(r.address, '::1');
  assert.is(r.getUri().toString(), 'sip:[::1]:5060;transport=udp');
  assert.is(r.getUri().hostType, 'ipv6');
  assert.equal(r.toEndpoint(), { protocol: 'UDP', address: '::1', port: 5060 });
  assert.ok(r.equals(new Route('::1', undefined, 'UDP')));
  assert.not.ok(r.equals(new Route('::1', 5060, 'tcp')));
});

test('Route rejects bad addresses, ports and transports with DNSArgumentError', () => {
  assert.throws(() => new Route('proxy.example.test'), (e: unknown) => e instanceof DNSArgumentError && /not an IPv4 or IPv6/.test(e.message));
  assert.throws(() => new Route('127.0.0.1', 0), isArgError);
  assert.throws(() => new Route('127.0.0.1', 70000), isArgError);
  assert.throws(() => new Route('127.0.0.1', 5060, 'ws'), (e: unknown) => e instanceof DNSArgumentError && /udp, tcp, tls/.test(e.message));
  const r = new Route('127.0.0.1');
  assert.throws(() => (r.transport = 'sctp'), isArgError);
  assert.is(r.transport, 'udp');
  assert.equal(JSON.parse(JSON.stringify(new Route('127.0.0.1', 5080, 'TCP'))), { address: '127.0.0.1', port: 5080, transport: 'tcp' });
});

const srv = (name: string, port: number, priority: number, weight: number) => ({ name, port, priority, weight });

test('SRV ordering: ascending priority, "." targets dropped', () => {
  const out = orderSrvRecords([srv('c', 3, 30, 0), srv('a', 1, 10, 0), srv('.', 9, 0, 0), srv('b', 2, 20, 5)], () => 0.5);
  assert.equal(out.map((r) => r.name), ['a', 'b', 'c']);
});

test('SRV ordering: the RFC 2782 running-sum selection within a priority', () => {
  // Weights 0, 10, 30 at one priority: order [w0, w10, w30], sum 40, running sums 0, 10, 40.
  const recs = [srv('w10', 1, 1, 10), srv('w30', 2, 1, 30), srv('w0', 3, 1, 0)];
  // random 0 -> pick 0 -> first running sum >= 0 is the weight-0 record.
  assert.equal(orderSrvRecords(recs, () => 0).map((r) => r.name), ['w0', 'w10', 'w30']);
  // random 0.99 -> pick floor(0.99*41)=40 -> w30; then sum 10 -> pick 10 -> w10; then w0.
  assert.equal(orderSrvRecords(recs, () => 0.99).map((r) => r.name), ['w30', 'w10', 'w0']);
  // random 0.1 -> pick 4 -> w10 (running 10); then [w0, w30] sum 30 -> pick 3 -> w30; then w0.
  assert.equal(orderSrvRecords(recs, () => 0.1).map((r) => r.name), ['w10', 'w30', 'w0']);
});

test('SRV ordering: weights decide the first choice in proportion (simulated)', () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const counts = { heavy: 0, light: 0 };
  for (let i = 0; i < 10000; i++) {
    const first = orderSrvRecords([srv('light', 1, 5, 25), srv('heavy', 2, 5, 75)], rand)[0].name as 'heavy' | 'light';
    counts[first]++;
  }
  assert.ok(counts.heavy > 7000 && counts.heavy < 8000, `heavy first ${counts.heavy} / 10000`);
});

test('nameserver text: IPv4, IPv4:port, IPv6, [IPv6]:port; names and bad ports rejected', () => {
  assert.is(checkNameserver('127.0.0.1'), '127.0.0.1');
  assert.is(checkNameserver('127.0.0.1:5353'), '127.0.0.1:5353');
  assert.is(checkNameserver('::1'), '::1');
  assert.is(checkNameserver('[::1]:5353'), '[::1]:5353');
  assert.is(checkNameserver('[::1]'), '::1');
  assert.throws(() => checkNameserver('ns.example.test'), isArgError);
  assert.throws(() => checkNameserver('127.0.0.1:0'), isArgError);
  assert.throws(() => checkNameserver('127.0.0.1:65536'), isArgError);
  assert.throws(() => checkNameserver('[::1'), isArgError);
  assert.throws(() => checkNameserver(''), isArgError);
});

test.run();
