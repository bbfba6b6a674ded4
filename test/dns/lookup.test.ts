/**
 * DNSLookup against a real DNS server: dnsmasq on 127.0.0.1 serving `example.test` records
 * (RFC 3263 NAPTR -> SRV -> A/AAAA, RFC 2782 ordering, MSRP relay / STUN SRV, XCAP TXT).
 * Every address in the records is 127.0.0.1 or ::1; routes are told apart by their ports.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NotificationCenter, type Notification } from '../../src/api/notification-center.js';
import { DNSLookup, DNSLookupError, DNSManager, type DNSLookupTraceData, type Route } from '../../src/dns/index.js';
import { parseSipURI } from '../../src/sip/uri.js';
import { freePort, startDnsmasq, startSilentNameserver, type Dnsmasq } from '../peers/dnsmasq.js';

const L = '127.0.0.1';
const L6 = '::1';

let dns: Dnsmasq;
let center: NotificationCenter;
let manager: DNSManager;
let lookup: DNSLookup;
let seen: Notification[] = [];

test.before(async () => {
  dns = await startDnsmasq({
    local: ['example.test'],
    hosts: [
      { name: 'naptr.example.test', ipv4: L },
      { name: 'tls.naptr.example.test', ipv4: L, ipv6: L6 },
      { name: 'tcp.naptr.example.test', ipv4: L },
      { name: 'udp.naptr.example.test', ipv4: L },
      { name: 'udp2.naptr.example.test', ipv4: L },
      { name: 'sctp.naptr.example.test', ipv4: L },
      { name: 'srv-a.example.test', ipv4: L },
      { name: 'srv-b.example.test', ipv4: L, ipv6: L6 },
      { name: 'srv-c.example.test', ipv4: L },
      { name: 'aonly.example.test', ipv4: L, ipv6: L6 },
      { name: 'w-heavy.example.test', ipv4: L },
      { name: 'w-light.example.test', ipv4: L },
      { name: 'w-backup.example.test', ipv4: L },
      { name: 'msrp.example.test', ipv4: L },
      { name: 'stun.example.test', ipv4: L, ipv6: L6 },
      { name: 'dangling.example.test', ipv4: L },
    ],
    naptr: [
      // RFC 3263 §4.1: order, then preference. SCTP is not a transport we support.
      { name: 'naptr.example.test', order: 5, preference: 10, flags: 's', service: 'SIP+D2S', replacement: '_sip._sctp.naptr.example.test' },
      { name: 'naptr.example.test', order: 10, preference: 20, flags: 's', service: 'SIP+D2T', replacement: '_sip._tcp.naptr.example.test' },
      { name: 'naptr.example.test', order: 10, preference: 10, flags: 'S', service: 'SIPS+D2T', replacement: '_sips._tcp.naptr.example.test' },
      { name: 'naptr.example.test', order: 20, preference: 10, flags: 's', service: 'SIP+D2U', replacement: '_sip._udp.naptr.example.test' },
      // A NAPTR whose replacement has no SRV records: falls back to plain SRV queries.
      { name: 'dangling.example.test', order: 10, preference: 10, flags: 's', service: 'SIP+D2U', replacement: '_sip._udp.nothing.example.test' },
    ],
    srv: [
      { name: '_sip._sctp.naptr.example.test', target: 'sctp.naptr.example.test', port: 5090 },
      { name: '_sips._tcp.naptr.example.test', target: 'tls.naptr.example.test', port: 5061 },
      { name: '_sip._tcp.naptr.example.test', target: 'tcp.naptr.example.test', port: 5070 },
      { name: '_sip._udp.naptr.example.test', target: 'udp2.naptr.example.test', port: 5062, priority: 20 },
      { name: '_sip._udp.naptr.example.test', target: 'udp.naptr.example.test', port: 5060, priority: 10 },
      // No NAPTR for srv.example.test. UDP: srv-b (priority 10) before srv-a (20); srv-c at 30
      // duplicates srv-a's address and port and is dropped.
      { name: '_sip._udp.srv.example.test', target: 'srv-a.example.test', port: 5060, priority: 20 },
      { name: '_sip._udp.srv.example.test', target: 'srv-c.example.test', port: 5060, priority: 30 },
      { name: '_sip._udp.srv.example.test', target: 'srv-b.example.test', port: 5080, priority: 10 },
      { name: '_sip._tcp.srv.example.test', target: 'srv-a.example.test', port: 5070 },
      { name: '_sips._tcp.srv.example.test', target: 'srv-a.example.test', port: 5071 },
      { name: '_sip._udp.dangling.example.test', target: 'srv-a.example.test', port: 5066 },
      // Weights: heavy 90, light 10 at priority 10; backup at priority 20.
      { name: '_sip._udp.weights.example.test', target: 'w-heavy.example.test', port: 5060, priority: 10, weight: 90 },
      { name: '_sip._udp.weights.example.test', target: 'w-light.example.test', port: 5062, priority: 10, weight: 10 },
      { name: '_sip._udp.weights.example.test', target: 'w-backup.example.test', port: 5064, priority: 20, weight: 0 },
      // Services.
      { name: '_msrps._tcp.relay.example.test', target: 'msrp.example.test', port: 2856 },
      { name: '_stun._udp.stun.example.test', target: 'stun.example.test', port: 3479 },
    ],
    txt: [
      { name: 'xcap.example.test', strings: ['http://127.0.0.1:8080/xcap-root'] },
      { name: 'xcap.example.test', strings: ['v=spf1 -all', 'https://[::1]:8443/xcap-root'] },
      { name: 'xcap.aonly.example.test', strings: ['not a uri', 'ftp://127.0.0.1/'] },
    ],
  });
  center = new NotificationCenter();
  center.notifications$.subscribe((n) => seen.push(n));
  manager = new DNSManager({ notificationCenter: center, nameservers: [dns.server] });
  lookup = new DNSLookup({ manager, notificationCenter: center });
});

test.after(async () => {
  await dns?.stop();
});

test.before.each(() => {
  seen = [];
});

const show = (routes: Route[]) => routes.map((r) => `${r.transport} ${r.address}:${r.port}`);
const traces = () => seen.filter((n) => n.name === 'DNSLookupTrace').map((n) => n.data as unknown as DNSLookupTraceData);
const queries = () => traces().map((t) => `${t.query_type} ${t.query_name}`);

async function rejection(p: Promise<unknown>): Promise<DNSLookupError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, DNSLookupError);
    return e as DNSLookupError;
  }
  throw new Error('expected the lookup to fail');
}

// --- NAPTR -> SRV -> A/AAAA ---------------------------------------------------------------

test('NAPTR: order then preference, each SRV target resolved to A and AAAA, SCTP ignored', async () => {
  const routes = await lookup.lookupSipProxy(parseSipURI('sip:naptr.example.test'), ['udp', 'tcp', 'tls']);
  assert.equal(show(routes), [
    `tls ${L}:5061`,
    `tls ${L6}:5061`,
    `tcp ${L}:5070`,
    `udp ${L}:5060`,
    `udp ${L}:5062`,
  ]);
  const q = queries();
  assert.is(q[0], 'NAPTR naptr.example.test');
  assert.ok(q.includes('SRV _sips._tcp.naptr.example.test'));
  assert.ok(q.includes('SRV _sip._udp.naptr.example.test'));
  assert.not.ok(q.some((x) => x.includes('sctp')), 'the SCTP pointer is not followed');
  assert.ok(q.includes('A tls.naptr.example.test') && q.includes('AAAA tls.naptr.example.test'));
});

test('NAPTR: only services whose transport is supported', async () => {
  assert.equal(show(await lookup.lookupSipProxy('sip:naptr.example.test', ['udp', 'tcp'])), [`tcp ${L}:5070`, `udp ${L}:5060`, `udp ${L}:5062`]);
  assert.not.ok(queries().some((x) => x.includes('_sips._tcp')), 'no query for an unsupported transport');
  seen = [];
  assert.equal(show(await lookup.lookupSipProxy('sip:naptr.example.test', ['UDP'])), [`udp ${L}:5060`, `udp ${L}:5062`]);
  assert.not.ok(queries().some((x) => x.includes('_sip._tcp')), 'no query for an unsupported transport');
});

test('NAPTR: a sips: URI keeps only SIPS+D2T (TLS)', async () => {
  assert.equal(show(await lookup.lookupSipProxy('sips:naptr.example.test', ['udp', 'tcp', 'tls'])), [`tls ${L}:5061`, `tls ${L6}:5061`]);
  const e = await rejection(lookup.lookupSipProxy('sips:naptr.example.test', ['udp', 'tcp']));
  assert.match(e.message, /sips:naptr\.example\.test/);
  assert.match(e.message, /TLS/);
});

test('NAPTR whose replacement has no SRV records falls back to SRV queries on the domain', async () => {
  assert.equal(show(await lookup.lookupSipProxy('sip:dangling.example.test', ['udp'])), [`udp ${L}:5066`]);
  assert.equal(queries().slice(0, 3), ['NAPTR dangling.example.test', 'SRV _sip._udp.nothing.example.test', 'SRV _sip._udp.dangling.example.test']);
});

// --- SRV without NAPTR ------------------------------------------------------------------------

test('SRV without NAPTR: supported transports in the application order, priority order, duplicates dropped', async () => {
  const routes = await lookup.lookupSipProxy('sip:srv.example.test', ['tls', 'udp', 'tcp']);
  assert.equal(show(routes), [`tls ${L}:5071`, `udp ${L}:5080`, `udp ${L6}:5080`, `udp ${L}:5060`, `tcp ${L}:5070`]);
  const q = queries();
  assert.is(q[0], 'NAPTR srv.example.test');
  assert.equal(traces()[0].error, 'ENODATA');
  assert.ok(q.includes('SRV _sips._tcp.srv.example.test') && q.includes('SRV _sip._udp.srv.example.test') && q.includes('SRV _sip._tcp.srv.example.test'));
  assert.is(q.filter((x) => x === 'A srv-a.example.test').length, 1, 'each target is resolved once per lookup');
  assert.equal(show(await lookup.lookupSipProxy('sip:srv.example.test', ['udp', 'tcp'])), [`udp ${L}:5080`, `udp ${L6}:5080`, `udp ${L}:5060`, `tcp ${L}:5070`]);
});

test('SRV priority order holds on every lookup; weights spread the first choice (statistical)', async () => {
  const first: Record<number, number> = {};
  const rounds = 200;
  for (let i = 0; i < rounds; i++) {
    const routes = await lookup.lookupSipProxy('sip:weights.example.test', ['udp']);
    assert.is(routes.length, 3);
    assert.is(routes[2].port, 5064, 'the priority-20 backup is always last');
    const port = routes[0].port ?? 0;
    first[port] = (first[port] ?? 0) + 1;
  }
  const heavy = first[5060] ?? 0;
  const light = first[5062] ?? 0;
  assert.is(heavy + light, rounds);
  // Expected 180 / 20; loose bounds.
  assert.ok(heavy >= 150 && heavy <= 196, `weight 90 first in ${heavy} of ${rounds}`);
  assert.ok(light >= 4, `weight 10 first in ${light} of ${rounds}`);
});

// --- A only -------------------------------------------------------------------------------

test('no NAPTR and no SRV: A/AAAA with the default port', async () => {
  assert.equal(show(await lookup.lookupSipProxy('sip:aonly.example.test', ['udp', 'tcp'])), [`udp ${L}:5060`, `udp ${L6}:5060`]);
  assert.is(queries()[0], 'NAPTR aonly.example.test');
  assert.equal([...queries()].sort(), [
    'A aonly.example.test',
    'AAAA aonly.example.test',
    'NAPTR aonly.example.test',
    'SRV _sip._tcp.aonly.example.test',
    'SRV _sip._udp.aonly.example.test',
  ]);
  assert.equal(show(await lookup.lookupSipProxy('sips:aonly.example.test', ['udp', 'tls'])), [`tls ${L}:5061`, `tls ${L6}:5061`]);
  assert.equal(show(await lookup.lookupSipProxy('sip:aonly.example.test', ['tcp'])), [`tcp ${L}:5060`, `tcp ${L6}:5060`]);
});

// --- explicit port, numeric host ------------------------------------------------------------

test('a name with an explicit port: A/AAAA only, at that port', async () => {
  assert.equal(show(await lookup.lookupSipProxy('sip:naptr.example.test:5099', ['udp', 'tcp', 'tls'])), [`udp ${L}:5099`]);
  assert.equal(queries().sort(), ['A naptr.example.test', 'AAAA naptr.example.test']);
  assert.equal(show(await lookup.lookupSipProxy('sips:naptr.example.test:5099', ['udp', 'tls'])), [`tls ${L}:5099`]);
  assert.equal(show(await lookup.lookupSipProxy('sip:naptr.example.test:5099;transport=TCP', ['udp', 'tcp'])), [`tcp ${L}:5099`]);
});

test('a numeric host: no DNS query at all, even with no nameserver', async () => {
  const offline = new DNSLookup({ manager: new DNSManager({ notificationCenter: center, systemNameservers: () => [] }), notificationCenter: center });
  assert.equal(show(await offline.lookupSipProxy('sip:127.0.0.1', ['udp', 'tcp'])), [`udp ${L}:5060`]);
  assert.equal(show(await offline.lookupSipProxy('sips:127.0.0.1', ['udp', 'tls'])), [`tls ${L}:5061`]);
  assert.equal(show(await offline.lookupSipProxy('sip:[::1]:5070;transport=tcp', ['udp', 'tcp'])), [`tcp ${L6}:5070`]);
  assert.equal(show(await offline.lookupSipProxy('sip:alice@127.0.0.1:5080;transport=TLS', ['tls'])), [`tls ${L}:5080`]);
  assert.equal(show(await offline.lookupSipProxy('sip:proxy.example.test;maddr=127.0.0.1', ['udp'])), [`udp ${L}:5060`], 'maddr is the target (RFC 3263 §4)');
  assert.is(traces().length, 0);
  const e = await rejection(offline.lookupSipProxy('sip:127.0.0.1;transport=tls', ['udp', 'tcp']));
  assert.match(e.message, /tls/);
  assert.match(e.message, /not supported/);
  const e2 = await rejection(offline.lookupSipProxy('sip:aonly.example.test', ['udp']));
  assert.match(e2.message, /no nameservers/);
});

// --- transport parameter, sips ----------------------------------------------------------------

test('transport parameter: no NAPTR, SRV for that transport only, else A at its default port', async () => {
  assert.equal(show(await lookup.lookupSipProxy('sip:naptr.example.test;transport=tcp', ['udp', 'tcp', 'tls'])), [`tcp ${L}:5070`]);
  assert.equal(queries()[0], 'SRV _sip._tcp.naptr.example.test');
  assert.not.ok(queries().some((q) => q.startsWith('NAPTR')));
  seen = [];
  assert.equal(show(await lookup.lookupSipProxy('sip:aonly.example.test;transport=tls', ['udp', 'tls'])), [`tls ${L}:5061`, `tls ${L6}:5061`]);
  assert.equal(queries()[0], 'SRV _sips._tcp.aonly.example.test');
  const e = await rejection(lookup.lookupSipProxy('sip:naptr.example.test;transport=tcp', ['udp']));
  assert.match(e.message, /transport tcp required by sip:naptr\.example\.test;transport=tcp is not supported/);
  const e2 = await rejection(lookup.lookupSipProxy('sip:naptr.example.test;transport=sctp', ['udp', 'tcp']));
  assert.match(e2.message, /sctp/);
});

test('sips: transport=tcp means TLS over it, transport=udp is refused', async () => {
  assert.equal(show(await lookup.lookupSipProxy('sips:naptr.example.test;transport=tcp', ['udp', 'tcp', 'tls'])), [`tls ${L}:5061`, `tls ${L6}:5061`]);
  assert.equal(queries()[0], 'SRV _sips._tcp.naptr.example.test');
  const e = await rejection(lookup.lookupSipProxy('sips:naptr.example.test;transport=udp', ['udp', 'tls']));
  assert.match(e.message, /sips:/);
  assert.match(e.message, /udp/);
});

// --- services and XCAP ------------------------------------------------------------------------

test('lookupService: MSRP relay and STUN SRV, A fallback with the default port, numeric host', async () => {
  assert.equal(await lookup.lookupService('sip:relay.example.test', 'msrprelay'), [{ host: L, port: 2856 }]);
  assert.equal(queries()[0], 'SRV _msrps._tcp.relay.example.test');
  const stunTraces = traces();
  assert.ok(stunTraces.every((t) => t.context === 'lookupService' && t.service === 'msrprelay'));
  assert.equal(await lookup.lookupService(parseSipURI('sip:stun.example.test'), 'stun'), [{ host: L, port: 3479 }, { host: L6, port: 3479 }]);
  assert.equal(await lookup.lookupService('sip:aonly.example.test', 'stun'), [{ host: L, port: 3478 }, { host: L6, port: 3478 }]);
  assert.equal(await lookup.lookupService('sip:aonly.example.test', 'msrprelay'), [{ host: L, port: 2855 }, { host: L6, port: 2855 }]);
  assert.equal(await lookup.lookupService('sip:127.0.0.1', 'msrprelay'), [{ host: L, port: 2855 }]);
  const e = await rejection(lookup.lookupService('sip:nope.example.test', 'stun'));
  assert.match(e.message, /nope\.example\.test/);
  const e2 = await rejection(lookup.lookupService('sip:relay.example.test', 'turn' as 'stun'));
  assert.match(e2.message, /unknown service/);
});

test('lookupXcapServer: the http/https values of the TXT records of xcap.<host>', async () => {
  const found = await lookup.lookupXcapServer('sip:alice@example.test');
  assert.equal(found.sort(), ['http://127.0.0.1:8080/xcap-root', 'https://[::1]:8443/xcap-root']);
  assert.equal(queries(), ['TXT xcap.example.test']);
  assert.is(traces()[0].context, 'lookupXcapServer');
  const e = await rejection(lookup.lookupXcapServer('sip:aonly.example.test'));
  assert.match(e.message, /no http or https URI/);
  const e2 = await rejection(lookup.lookupXcapServer('sip:srv.example.test'));
  assert.match(e2.message, /no XCAP server found for srv\.example\.test/);
});

// --- failures ---------------------------------------------------------------------------------

test('a name that does not exist: DNSLookupDidFail naming the URI', async () => {
  const p = lookup.lookupSipProxy('sip:nope.example.test', ['udp', 'tcp', 'tls']);
  const e = await rejection(p);
  assert.match(e.message, /sip:nope\.example\.test/);
  assert.match(e.message, /does not exist/);
  const fail = seen.find((n) => n.name === 'DNSLookupDidFail');
  assert.ok(fail);
  assert.is(fail.sender, lookup);
  assert.is((fail.data as { error: string }).error, e.message);
  assert.ok(fail.data.timestamp instanceof Date);
  assert.not.ok(seen.some((n) => n.name === 'DNSLookupDidSucceed'));
  assert.ok(traces().every((t) => t.error === 'ENOTFOUND' && t.answer === null));
});

test('a nameserver that never answers: the lifetime ends the lookup (no hang)', async () => {
  const silent = await startSilentNameserver();
  try {
    const dead = new DNSLookup({ manager: new DNSManager({ notificationCenter: center, nameservers: [silent.server] }), notificationCenter: center });
    const started = Date.now();
    const e = await rejection(dead.lookupSipProxy('sip:naptr.example.test', ['udp', 'tcp', 'tls'], { timeout: 0.2, lifetime: 1 }));
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 2500, `failed after ${elapsed} ms`);
    assert.match(e.message, /lifetime of 1 s/);
    assert.match(e.message, /sip:naptr\.example\.test/);
    assert.ok(silent.received() > 0, 'the queries went to the configured nameserver');
    // A lifetime longer than the query timeouts: every query times out, the lookup fails on them.
    const started2 = Date.now();
    const e2 = await rejection(dead.lookupSipProxy('sip:naptr.example.test', ['udp'], { timeout: 0.1, lifetime: 10 }));
    const elapsed2 = Date.now() - started2;
    assert.ok(elapsed2 < 5000, `failed after ${elapsed2} ms`);
    assert.match(e2.message, /ETIMEOUT/);
    const timeoutTraces = traces().filter((t) => t.error === 'ETIMEOUT');
    assert.ok(timeoutTraces.length >= 3, 'NAPTR, SRV and A each timed out');
    assert.equal(timeoutTraces[0].nameservers, [silent.server]);
  } finally {
    await silent.close();
  }
});

test('a nameserver port with nothing listening: fails at once with ECONNREFUSED', async () => {
  const port = await freePort(); // free, and nothing is started on it
  const closed = new DNSLookup({ manager: new DNSManager({ notificationCenter: center, nameservers: [`127.0.0.1:${port}`] }), notificationCenter: center });
  const started = Date.now();
  const e = await rejection(closed.lookupSipProxy('sip:naptr.example.test', ['udp', 'tcp']));
  assert.ok(Date.now() - started < 3000);
  assert.match(e.message, /ECONNREFUSED/);
  assert.match(e.message, /sip:naptr\.example\.test/);
});

// --- notifications and API contract -----------------------------------------------------------

test('notifications: one trace per query with the spec fields, then DNSLookupDidSucceed { result }', async () => {
  const uri = parseSipURI('sip:srv.example.test');
  const p = lookup.lookupSipProxy(uri, ['udp']);
  assert.is(seen.length, 0, 'nothing is posted before the method returns');
  const fromLookup: string[] = [];
  const sub = center.from(lookup).subscribe((n) => fromLookup.push(n.name));
  const routes = await p;
  sub.unsubscribe();
  const names = seen.map((n) => n.name);
  assert.is(names[names.length - 1], 'DNSLookupDidSucceed');
  assert.equal(fromLookup, names, 'every notification is sent by the DNSLookup');
  const ok = seen[seen.length - 1];
  assert.is((ok.data as { result: Route[] }).result, routes);
  assert.ok(ok.data.timestamp instanceof Date);
  const t = traces();
  assert.equal(t.map((x) => `${x.query_type} ${x.query_name}`), [
    'NAPTR srv.example.test',
    'SRV _sip._udp.srv.example.test',
    ...t.slice(2).map((x) => `${x.query_type} ${x.query_name}`),
  ]);
  for (const x of t) {
    assert.equal(Object.keys(x).sort(), ['answer', 'context', 'error', 'nameservers', 'query_name', 'query_type', 'timestamp', 'uri']);
    assert.is(x.context, 'lookupSipProxy');
    assert.is(x.uri, uri);
    assert.equal(x.nameservers, [dns.server]);
  }
  const srvTrace = t.find((x) => x.query_type === 'SRV');
  assert.ok(srvTrace && Array.isArray(srvTrace.answer) && srvTrace.answer.length === 3 && srvTrace.error === null);
  const aTrace = t.find((x) => x.query_type === 'A' && x.query_name === 'srv-b.example.test');
  assert.equal(aTrace?.answer, [L]);
  assert.is(t.filter((x) => x.query_type === 'A').length, 3);
});

test('bad arguments reject (never throw at the call) and post DNSLookupDidFail', async () => {
  let unhandled = 0;
  const onUnhandled = () => unhandled++;
  process.on('unhandledRejection', onUnhandled);
  try {
    const calls: [() => Promise<unknown>, RegExp][] = [
      [() => lookup.lookupSipProxy('sip:srv.example.test', ['udp', 'ws']), /unknown transport "ws"/],
      [() => lookup.lookupSipProxy('sip:srv.example.test', []), /no supported transports/],
      [() => lookup.lookupSipProxy('not a uri', ['udp']), /bad URI/],
      [() => lookup.lookupSipProxy('sip:srv.example.test', ['udp'], { timeout: -1 }), /timeout/],
      [() => lookup.lookupSipProxy('sip:srv.example.test', ['udp'], { lifetime: Number.NaN }), /lifetime/],
    ];
    for (const [call, message] of calls) {
      let p: Promise<unknown> | undefined;
      assert.not.throws(() => (p = call()));
      const e = await rejection(p as Promise<unknown>);
      assert.match(e.message, message);
    }
    assert.is(seen.filter((n) => n.name === 'DNSLookupDidFail').length, calls.length);
    // A caller that only listens to notifications, never awaiting: no unhandled rejection.
    const failed = new Promise<void>((resolve) => {
      const sub = center.named('DNSLookupDidFail').subscribe(() => {
        sub.unsubscribe();
        resolve();
      });
    });
    void lookup.lookupSipProxy('sip:nope.example.test', ['udp']);
    await failed;
    await new Promise((r) => setTimeout(r, 20));
    assert.is(unhandled, 0);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('the lookup follows the manager: nameservers changed between lookups are used', async () => {
  const silent = await startSilentNameserver();
  try {
    const m = new DNSManager({ notificationCenter: center, nameservers: [silent.server] });
    const l = new DNSLookup({ manager: m });
    assert.is(l.notificationCenter, center, 'defaults to the manager center');
    await rejection(l.lookupSipProxy('sip:aonly.example.test', ['udp'], { timeout: 0.1, lifetime: 0.5 }));
    m.setNameservers([dns.server]);
    assert.equal(show(await l.lookupSipProxy('sip:aonly.example.test', ['udp'])), [`udp ${L}:5060`, `udp ${L6}:5060`]);
  } finally {
    await silent.close();
  }
});

test.run();
