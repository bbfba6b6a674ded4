/**
 * DNSManager (spec §5.1): nameservers from the system or from configuration, probing only
 * when a probe name is set, never a public resolver, and its two notifications.
 */
import { getServers } from 'node:dns';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NotificationCenter, type Notification } from '../../src/api/notification-center.js';
import { checkNameserver, DNSArgumentError, DNSManager, defaultDNSManager } from '../../src/dns/index.js';
import { startDnsmasq, startSilentNameserver, type Dnsmasq } from '../peers/dnsmasq.js';

let dns: Dnsmasq;
let dns2: Dnsmasq;

test.before(async () => {
  [dns, dns2] = await Promise.all([
    startDnsmasq({ local: ['example.test'], hosts: [{ name: 'probe.example.test', ipv4: '127.0.0.1' }] }),
    startDnsmasq({ local: ['example.test'] }),
  ]);
});

test.after(async () => {
  await Promise.all([dns?.stop(), dns2?.stop()]);
});

function collect(center: NotificationCenter): Notification[] {
  const seen: Notification[] = [];
  center.notifications$.subscribe((n) => seen.push(n));
  return seen;
}

const isArgError = (e: unknown): boolean => e instanceof DNSArgumentError;
const PUBLIC = /^(8\.8\.|8\.8\.4\.|1\.1\.1\.1|9\.9\.9\.9)/;

test('the default manager uses the system nameservers and sends nothing until started', () => {
  assert.instance(defaultDNSManager, DNSManager);
  assert.is(defaultDNSManager.isRunning, false);
  assert.is(defaultDNSManager.probeName, undefined, 'no probe name by default: no probe traffic');
  assert.equal(defaultDNSManager.nameservers, getServers().map(checkNameserver));
  assert.not.ok(defaultDNSManager.nameservers.some((s) => PUBLIC.test(s) && !getServers().includes(s)), 'no public fallback added');
});

test('setNameservers checks its input at once and normalises it', () => {
  const m = new DNSManager({ notificationCenter: new NotificationCenter(), systemNameservers: () => ['127.0.0.1'] });
  assert.throws(() => m.setNameservers(['ns.example.test']), isArgError);
  assert.throws(() => m.setNameservers(['127.0.0.1:0']), isArgError);
  assert.throws(() => new DNSManager({ nameservers: ['not an address'] }), isArgError);
  assert.throws(() => new DNSManager({ probeTimeout: 0 }), isArgError);
  m.setNameservers(['127.0.0.1:5353', '[::1]:5353']);
  assert.equal(m.nameservers, ['127.0.0.1:5353', '[::1]:5353']);
  assert.equal(m.configuredNameservers, ['127.0.0.1:5353', '[::1]:5353']);
  m.setNameservers(null);
  assert.equal(m.nameservers, ['127.0.0.1']);
  assert.is(m.configuredNameservers, undefined);
});

test('start without a probe name: DNSResolverDidInitialize with the configured servers, no query sent', async () => {
  const silent = await startSilentNameserver();
  try {
    const center = new NotificationCenter();
    const seen = collect(center);
    const m = new DNSManager({ notificationCenter: center, nameservers: [silent.server] });
    await m.start();
    assert.is(m.isRunning, true);
    assert.equal(m.nameservers, [silent.server]);
    assert.equal(seen.map((n) => n.name), ['DNSResolverDidInitialize']);
    assert.is(seen[0].sender, m);
    assert.equal((seen[0].data as { nameservers: string[] }).nameservers, [silent.server]);
    assert.ok(seen[0].data.timestamp instanceof Date);
    await new Promise((r) => setTimeout(r, 50));
    assert.is(silent.received(), 0, 'nothing was sent');
    m.setNameservers([dns.server]);
    assert.equal(seen.map((n) => n.name), ['DNSResolverDidInitialize', 'DNSNameserversDidChange']);
    assert.equal((seen[1].data as { nameservers: string[] }).nameservers, [dns.server]);
    m.setNameservers([dns.server]);
    assert.is(seen.length, 2, 'no change, no notification');
    m.stop();
    assert.is(m.isRunning, false);
  } finally {
    await silent.close();
  }
});

test('probing keeps the servers that answer, in order; a failing one is probed again', async () => {
  const silent = await startSilentNameserver();
  try {
    const center = new NotificationCenter();
    const seen = collect(center);
    const m = new DNSManager({
      notificationCenter: center,
      nameservers: [silent.server, dns.server, dns2.server],
      probeName: 'probe.example.test',
      probeTimeout: 0.3,
      probeInterval: 0.5,
    });
    const started = Date.now();
    await m.start();
    assert.ok(Date.now() - started < 2000, 'the probe is short');
    // dns2 answers NXDOMAIN for the probe name: it answered, so it works.
    assert.equal(m.nameservers, [dns.server, dns2.server]);
    assert.equal(seen.map((n) => n.name), ['DNSResolverDidInitialize']);
    assert.equal((seen[0].data as { nameservers: string[] }).nameservers, [dns.server, dns2.server]);
    assert.ok(silent.received() >= 1, 'the silent server was probed');
    // Re-probed after probeInterval while one fails; same outcome, so no notification.
    const before = silent.received();
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(silent.received() > before, 'probed again');
    assert.is(seen.length, 1);
    // Reconfigured while running: probed and applied.
    m.setNameservers([dns2.server]);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(seen.map((n) => n.name), ['DNSResolverDidInitialize', 'DNSNameserversDidChange']);
    assert.equal(m.nameservers, [dns2.server]);
    m.stop();
    const after = silent.received();
    await new Promise((r) => setTimeout(r, 700));
    assert.is(silent.received(), after, 'no probe after stop');
  } finally {
    await silent.close();
  }
});

test('when no server answers the probe, they are kept: never a public resolver', async () => {
  const silent = await startSilentNameserver();
  try {
    const center = new NotificationCenter();
    const seen = collect(center);
    const m = new DNSManager({ notificationCenter: center, systemNameservers: () => [silent.server], probeName: 'probe.example.test', probeTimeout: 0.2 });
    await m.start();
    assert.equal(m.nameservers, [silent.server]);
    assert.equal((seen[0].data as { nameservers: string[] }).nameservers, [silent.server]);
    m.stop();
  } finally {
    await silent.close();
  }
});

test.run();
