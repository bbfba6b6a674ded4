/**
 * Settings objects: defaults, typed reads, staged editing (R-ACC-2), CFGSettingsObjectDidChange,
 * failed saves, account order (R-ACC-4), persistence through FileStorage and MemoryStorage,
 * unknown keys, malformed stored values and retrying a failed load (R-APP-2).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotificationCenter, type Notification } from '../../src/api/notification-center.js';
import { ConfigurationManager, loadSettings, SettingsError, type AccountSettings } from '../../src/config/index.js';
import { FileStorage, MemoryStorage, StorageError, type ConfigurationBackend, type ISIPSimpleStorage, type XCAPStorage } from '../../src/storage/index.js';

async function load(storage: ISIPSimpleStorage = new MemoryStorage()) {
  const center = new NotificationCenter();
  const seen: Notification[] = [];
  center.notifications$.subscribe((n) => seen.push(n));
  const settings = await loadSettings(storage, { notifications: center });
  return { ...settings, storage, center, seen };
}

async function rejects<E>(p: Promise<unknown>, type: new (...a: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, type);
    return e as E;
  }
  throw new Error('should have failed');
}

function throws<E>(f: () => unknown, type: new (...a: never[]) => E): E {
  try {
    f();
  } catch (e) {
    assert.instance(e, type);
    return e as E;
  }
  throw new Error('should have thrown');
}

/** A backend that can be told to fail, and counts writes. */
class FlakyBackend implements ConfigurationBackend {
  failing = false;
  saves = 0;
  constructor(readonly inner: ConfigurationBackend) {}
  load() {
    return this.inner.load();
  }
  async save(data: Record<string, unknown>) {
    if (this.failing) throw new StorageError('flaky', 'disk full');
    this.saves++;
    return this.inner.save(data);
  }
}
class FlakyStorage implements ISIPSimpleStorage {
  readonly memory = new MemoryStorage();
  readonly configurationBackend = new FlakyBackend(this.memory.configurationBackend);
  xcapStorageFactory(id: string): XCAPStorage {
    return this.memory.xcapStorageFactory(id);
  }
}

test('global defaults', async () => {
  const { global } = await load();
  assert.is(global.user_agent, 'sipstate/0.1');
  assert.is(global.default_account, null);
  assert.equal(global.sip.transport_list, ['tls', 'tcp', 'udp']);
  assert.is(global.sip.listen_address, '127.0.0.1');
  assert.equal([global.sip.udp_port, global.sip.tcp_port, global.sip.tls_port], [0, 0, 0]);
  assert.equal(global.sip.timers, { t1: 500, t2: 4000, t4: 5000 });
  assert.equal(global.dns.nameservers, []);
  assert.equal(global.rtp.port_range, { start: 50000, end: 50500 });
  assert.is(global.rtp.timeout, 30);
  assert.equal(global.tls, { ca_list: null, certificate: null, verify_server: true });
  assert.is(global.logs.trace_sip, false);
  assert.equal([global.audio.input_device, global.audio.output_device, global.audio.alert_device], [null, null, null]);
  assert.ok(Object.isFrozen(global.values) && Object.isFrozen(global.sip) && Object.isFrozen(global.sip.transport_list));
  assert.is(global.get('sip.timers.t1'), 500);
  assert.is(global.isSet('sip.timers.t1'), false);
});

test('account defaults; auth.username defaults to the id\'s user; the bonjour account', async () => {
  const { manager, bonjourAccount } = await load();
  const a = manager.createAccount('alice@example.com');
  assert.is(a.id, 'alice@example.com');
  assert.equal(a.address, { username: 'alice', domain: 'example.com' });
  assert.is(a.enabled, false);
  assert.is(a.display_name, null);
  assert.equal(a.auth, { username: 'alice', password: '' });
  assert.is(a.sip.outbound_proxy, null);
  assert.is(a.sip.register, true);
  assert.equal([a.sip.register_interval, a.sip.subscribe_interval, a.sip.publish_interval], [600, 600, 600]);
  assert.equal([a.presence.enabled, a.dialog_event.enabled, a.message_summary.enabled, a.xcap.enabled], [true, true, true, true]);
  assert.equal(a.message_summary.voicemail_uri, null);
  assert.equal(a.xcap.xcap_root, null);
  assert.equal(a.rtp, { port_range: null, timeout: null });
  assert.equal(a.msrp, { relay: null, transport: 'tls' });
  assert.equal(a.tls, { ca_list: null, certificate: null, verify_server: null });
  assert.equal(a.nat_traversal, { use_ice: false, stun_server_list: [], use_msrp_relay_for_outbound: false });
  assert.is(a.saved, false);
  assert.is(bonjourAccount.id, 'bonjour@local');
  assert.is(bonjourAccount.enabled, false);
  assert.equal(bonjourAccount.sip.transport_list, ['tls', 'tcp', 'udp']);
});

test('bad ids and bad values are SettingsErrors naming the setting', async () => {
  const { manager, global } = await load();
  for (const id of ['alice', 'sip:alice@example.com', 'bonjour@local', '', 'a@b:5060']) {
    const e = throws(() => manager.createAccount(id), SettingsError);
    assert.is(e.path, 'id');
  }
  const edit = global.edit();
  const e = throws(() => edit.set('rtp.port_range', { start: 50000, end: 70000 }), SettingsError);
  assert.is(e.message, 'global: rtp.port_range: 70000 is not a port');
  assert.is(e.path, 'rtp.port_range');
  assert.is(e.owner, 'global');
  assert.is(e.problem, '70000 is not a port');
  const a = manager.createAccount('alice@example.com');
  const e2 = throws(() => a.edit().set('sip.register_interval', 5), SettingsError);
  assert.is(e2.message, 'account alice@example.com: sip.register_interval: 5 is below the minimum 30');
  throws(() => a.edit().set('sip.outbound_proxy', 'tel:+1234'), SettingsError);
  // @ts-expect-error not a transport
  throws(() => a.edit().set('sip.transport_list', ['udp', 'sctp']), SettingsError);
  const e3 = throws(() => a.edit().set('sip.nonsense' as 'sip.register', true), SettingsError);
  assert.is(e3.message, 'account alice@example.com: sip.nonsense: no such setting');
  throws(() => a.edit().set('sip' as 'sip.register', true), SettingsError);
  throws(() => a.get('nope' as 'enabled'), SettingsError);
  // The compiler checks paths and value types as well.
  // @ts-expect-error a string is not a register interval
  throws(() => a.edit().set('sip.register_interval', '300'), SettingsError);
  // @ts-expect-error no such path
  throws(() => a.edit().set('sip.register_intervall', 300), SettingsError);
});

test('staged changes are invisible until save, to readers and to other editors', async () => {
  const { manager, seen } = await load();
  const a = manager.createAccount('alice@example.com');
  await a.edit().save();
  const before = a.sip;
  const e1 = a.edit().set('sip.register_interval', 300).set('display_name', 'Alice');
  const e2 = a.edit();
  assert.is(a.sip.register_interval, 600);
  assert.is(a.display_name, null);
  assert.is(e1.get('sip.register_interval'), 300);
  assert.is(e2.get('sip.register_interval'), 600);
  assert.equal(e1.pending, ['sip.register_interval', 'display_name']);
  assert.is(seen.filter((n) => n.name === 'CFGSettingsObjectDidChange').length, 0);
  const modified = await e1.save();
  assert.equal(modified, { 'sip.register_interval': { old: 600, new: 300 }, display_name: { old: null, new: 'Alice' } });
  assert.is(a.sip.register_interval, 300);
  assert.is(e2.get('sip.register_interval'), 300, 'an editor without its own change reads the committed value');
  assert.is(before.register_interval, 600, 'a snapshot taken before the save stays consistent');
  assert.equal(e1.pending, []);
});

test('two editors in parallel: each save applies atomically, on top of the other', async () => {
  const { manager, center } = await load();
  const a = manager.createAccount('alice@example.com');
  await a.edit().save();
  const views: { enabled: boolean; interval: number; password: string; name: string | null }[] = [];
  const changes: string[][] = [];
  center.named('CFGSettingsObjectDidChange').subscribe((n) => {
    changes.push(Object.keys(n.data.modified));
    // What any observer sees at each notification: one writer's changes all at once.
    views.push({ enabled: a.enabled, interval: a.sip.register_interval, password: a.auth.password, name: a.display_name });
  });
  const first = a.edit().set('sip.register_interval', 300).set('display_name', 'Alice');
  const second = a.edit().set('enabled', true).set('auth.password', 'secret');
  await Promise.all([first.save(), second.save()]);
  assert.equal(changes, [['display_name', 'sip.register_interval'], ['enabled', 'auth.password']]);
  assert.equal(views, [
    { enabled: false, interval: 300, password: '', name: 'Alice' },
    { enabled: true, interval: 300, password: 'secret', name: 'Alice' },
  ]);
  // The same setting from two editors: the later save wins, the rest of each stays.
  const x = a.edit().set('sip.register_interval', 900).set('sip.subscribe_interval', 60);
  const y = a.edit().set('sip.register_interval', 1200);
  await x.save();
  await y.save();
  assert.is(a.sip.register_interval, 1200);
  assert.is(a.sip.subscribe_interval, 60);
});

test('cross-setting rules are checked on the combined result of parallel editors', async () => {
  const { global, seen } = await load();
  const a = global.edit().set('sip.timers.t1', 3000);
  const b = global.edit().set('sip.timers.t2', 2000);
  await a.save();
  const e = await rejects(b.save(), SettingsError);
  assert.is(e.message, 'global: sip.timers.t2: 2000 must not be below t1 (3000)');
  assert.is(e.path, 'sip.timers.t2');
  assert.equal(global.sip.timers, { t1: 3000, t2: 4000, t4: 5000 });
  assert.equal(b.pending, ['sip.timers.t2'], 'the failed editor keeps its changes');
  assert.is(seen.filter((n) => n.name === 'CFGSettingsObjectDidChange').length, 1);
  const e2 = await rejects(global.update({ 'sip.tcp_port': 5070, 'sip.tls_port': 5070 }), SettingsError);
  assert.is(e2.path, 'sip.tls_port');
  assert.match(e2.message, '5070 is already tcp_port');
});

test('CFGSettingsObjectDidChange: sender, modified paths with old and new; no change, no notification', async () => {
  const storage = new FlakyStorage();
  const { global, seen } = await load(storage);
  await global.edit().set('rtp.port_range', { start: 40000, end: 40100 }).set('dns.nameservers', ['127.0.0.1:5353']).save();
  const n = seen.at(-1)!;
  assert.is(n.name, 'CFGSettingsObjectDidChange');
  assert.is(n.sender, global);
  assert.instance(n.data.timestamp, Date);
  assert.equal((n.data as { modified: unknown }).modified, {
    'dns.nameservers': { old: [], new: ['127.0.0.1:5353'] },
    'rtp.port_range': { old: { start: 50000, end: 50500 }, new: { start: 40000, end: 40100 } },
  });
  const writes = storage.configurationBackend.saves;
  assert.equal(await global.edit().set('rtp.timeout', 30).save(), {}, 'setting the default explicitly changes no value');
  const count = seen.length;
  assert.equal(await global.edit().set('rtp.timeout', 30).save(), {});
  assert.equal(await global.edit().save(), {});
  assert.is(seen.length, count, 'nothing posted');
  assert.is(storage.configurationBackend.saves, writes + 1, 'only the first (which stored an explicit value) wrote');
});

test('a failed save changes nothing: values, storage, notifications; the editor can retry', async () => {
  const storage = new FlakyStorage();
  const { manager, seen } = await load(storage);
  const a = manager.createAccount('alice@example.com');
  await a.update({ enabled: true });
  const stored = await storage.memory.configurationBackend.load();
  const count = seen.length;
  storage.configurationBackend.failing = true;
  const edit = a.edit().set('sip.register_interval', 300).set('auth.password', 'pw');
  const e = await rejects(edit.save(), StorageError);
  assert.match(e.message, 'disk full');
  assert.is(a.sip.register_interval, 600);
  assert.is(a.auth.password, '');
  assert.equal(await storage.memory.configurationBackend.load(), stored);
  assert.is(seen.length, count);
  // a new account whose first save fails is not added
  const b = manager.createAccount('bob@example.com');
  await rejects(b.edit().save(), StorageError);
  assert.is(b.saved, false);
  assert.equal(manager.accounts.map((x) => x.id), ['alice@example.com']);
  // deleting fails cleanly too
  await rejects(a.delete(), StorageError);
  assert.is(a.deleted, false);
  assert.ok(manager.hasAccount('alice@example.com'));
  storage.configurationBackend.failing = false;
  assert.equal(await edit.save(), { 'sip.register_interval': { old: 600, new: 300 }, 'auth.password': { old: '', new: 'pw' } });
  assert.is(a.sip.register_interval, 300);
});

test('new accounts: listed and announced on first save, unique ids, insertion order kept (R-ACC-4)', async () => {
  const storage = new MemoryStorage();
  const { manager, seen } = await load(storage);
  const ids = ['carol@example.com', 'alice@example.com', 'bob@example.org'];
  const made = ids.map((id) => manager.createAccount(id));
  assert.equal(manager.accounts, []);
  for (const a of made) await a.edit().save();
  assert.equal(manager.accounts.map((a) => a.id), ids);
  assert.equal(seen.map((n) => n.name), ['CFGSettingsObjectWasCreated', 'CFGSettingsObjectWasCreated', 'CFGSettingsObjectWasCreated']);
  assert.is(seen[0]!.sender, made[0]);
  throws(() => manager.createAccount('alice@example.com'), SettingsError);
  // Two unsaved objects with one id: the second save fails.
  const d1 = manager.createAccount('dave@example.com');
  const d2 = manager.createAccount('dave@example.com');
  await d1.edit().save();
  const e = await rejects(d2.edit().save(), SettingsError);
  assert.match(e.message, 'already exists');
  assert.is(manager.getAccount('dave@example.com'), d1);
  // Reloading keeps the order; saving an account in the middle does not move it.
  await manager.getAccount('alice@example.com')!.update({ enabled: true });
  const again = await loadSettings(storage);
  assert.equal(again.accounts.map((a) => a.id), [...ids, 'dave@example.com']);
  assert.is(again.accounts[1]!.enabled, true);
  // Delete, then create again: it goes to the end.
  await manager.getAccount('carol@example.com')!.delete();
  assert.is(seen.at(-1)!.name, 'CFGSettingsObjectWasDeleted');
  await manager.createAccount('carol@example.com').edit().save();
  assert.equal(manager.accounts.map((a) => a.id), ['alice@example.com', 'bob@example.org', 'dave@example.com', 'carol@example.com']);
  assert.equal((await loadSettings(storage)).accounts.map((a) => a.id), ['alice@example.com', 'bob@example.org', 'dave@example.com', 'carol@example.com']);
});

test('delete: gone from storage; a deleted object refuses edits; global settings cannot be deleted', async () => {
  const storage = new MemoryStorage();
  const { manager, global, bonjourAccount } = await load(storage);
  const a = manager.createAccount('alice@example.com');
  await a.update({ enabled: true });
  await a.delete();
  await a.delete(); // twice is fine
  assert.is(a.deleted, true);
  assert.is(manager.hasAccount('alice@example.com'), false);
  assert.equal((await storage.configurationBackend.load()).accounts, {});
  throws(() => a.edit(), SettingsError);
  await rejects(global.delete(), SettingsError);
  await rejects(bonjourAccount.delete(), SettingsError);
  // An editor taken before the delete cannot resurrect it.
  const b = manager.createAccount('bob@example.com');
  await b.edit().save();
  const late = b.edit().set('enabled', true);
  await b.delete();
  await rejects(late.save(), SettingsError);
  assert.is(manager.hasAccount('bob@example.com'), false);
});

test('reset: back to the default, and the explicit value leaves the stored file', async () => {
  const storage = new MemoryStorage();
  const { manager } = await load(storage);
  const a = manager.createAccount('alice@example.com');
  await a.update({ 'auth.username': 'alice-auth', 'sip.register_interval': 120 });
  assert.is(a.isSet('auth.username'), true);
  assert.equal((await storage.configurationBackend.load()).accounts, { 'alice@example.com': { auth: { username: 'alice-auth' }, sip: { register_interval: 120 } } });
  const edit = a.edit().reset('auth.username');
  assert.is(edit.get('auth.username'), 'alice');
  assert.equal(await edit.save(), { 'auth.username': { old: 'alice-auth', new: 'alice' } });
  assert.is(a.isSet('auth.username'), false);
  assert.is(a.defaultOf('auth.username'), 'alice');
  assert.equal((await storage.configurationBackend.load()).accounts, { 'alice@example.com': { sip: { register_interval: 120 } } });
});

for (const [kind, make] of [
  ['MemoryStorage', async () => new MemoryStorage()],
  ['FileStorage', async () => new FileStorage(await mkdtemp(join(tmpdir(), 'sipstate-settings-')))],
] as const) {
  test(`round trip through ${kind}: every kind of value comes back`, async () => {
    const storage: ISIPSimpleStorage = await make();
    const { manager, global, bonjourAccount } = await load(storage);
    await global.update({
      user_agent: 'test/1',
      default_account: 'alice@example.com',
      'sip.transport_list': ['udp', 'ws'],
      'sip.udp_port': 5062,
      'sip.timers.t1': 250,
      'dns.nameservers': ['127.0.0.1:5353'],
      'rtp.port_range': { start: 40000, end: 40010 },
      'tls.verify_server': false,
      'tls.ca_list': '/etc/ssl/ca.pem',
      'logs.trace_sip': true,
      'audio.output_device': 'system_default',
      'audio.sample_rate': 16000,
    });
    const a = manager.createAccount('alice@example.com');
    await a.update({
      enabled: true,
      display_name: 'Alice Ä',
      'auth.password': 'p"w\\d',
      'sip.outbound_proxy': 'sip:127.0.0.1:5060;transport=udp',
      'sip.register': false,
      'message_summary.voicemail_uri': 'sip:voicemail@example.com',
      'xcap.xcap_root': 'https://xcap.example.com/xcap-root',
      'rtp.port_range': { start: 42000, end: 42100 },
      'msrp.relay': 'relay.example.com:2855;transport=tls',
      'tls.verify_server': true,
      'nat_traversal.stun_server_list': ['stun.example.com:3478'],
    });
    await bonjourAccount.update({ enabled: true, 'msrp.transport': 'tcp' });
    const again = await loadSettings(storage);
    assert.equal(again.global.values, global.values);
    assert.equal(again.accounts[0]!.values, a.values);
    assert.equal(again.bonjourAccount.values, bonjourAccount.values);
    assert.is(again.accounts[0]!.auth.password, 'p"w\\d');
    if (storage instanceof FileStorage) {
      const file = JSON.parse(await readFile(storage.configurationBackend.file, 'utf8'));
      assert.equal(Object.keys(file), ['global', 'accounts', 'bonjour_account']);
      assert.equal(file.bonjour_account, { enabled: true, msrp: { transport: 'tcp' } }, 'only explicit values are stored');
      await rm(storage.directory, { recursive: true, force: true });
    }
  });
}

test('unknown keys in the stored configuration survive saves (forward compatibility)', async () => {
  const configuration = {
    format_version: 7,
    contacts: { groups: ['friends'] },
    global: { future_global: { x: 1 }, sip: { future_sip: 'y', udp_port: 5070 } },
    accounts: { 'alice@example.com': { enabled: true, future_account: [1, 2], sip: { future: null } } },
    bonjour_account: { future: true },
  };
  const storage = new MemoryStorage({ configuration });
  const { global, accounts, bonjourAccount, manager } = await load(storage);
  assert.is(global.sip.udp_port, 5070);
  await global.update({ 'sip.udp_port': 5080, 'rtp.timeout': 10 });
  await accounts[0]!.update({ enabled: false, 'sip.register_interval': 900 });
  await bonjourAccount.update({ enabled: true });
  await manager.createAccount('bob@example.com').edit().save();
  assert.equal(await storage.configurationBackend.load(), {
    format_version: 7,
    contacts: { groups: ['friends'] },
    global: { future_global: { x: 1 }, sip: { future_sip: 'y', udp_port: 5080 }, rtp: { timeout: 10 } },
    accounts: { 'alice@example.com': { enabled: false, future_account: [1, 2], sip: { future: null, register_interval: 900 } }, 'bob@example.com': {} },
    bonjour_account: { future: true, enabled: true },
  });
});

test('a malformed stored value fails the load with a SettingsError naming it; load can be retried (R-APP-2)', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ accounts: { 'alice@example.com': { sip: { register_interval: '600' } } } }, 'account alice@example.com: sip.register_interval: "600" is not an integer'],
    [{ global: { rtp: { port_range: { start: 50001, end: 50500 } } } }, 'global: rtp.port_range: start 50001 must be even (RTP uses even ports, RTCP the next odd one)'],
    [{ global: { sip: 5 } }, 'global: sip: 5 is not a group of settings (expected a JSON object)'],
    [{ global: { sip: { timers: { t1: 5000, t2: 100 } } } }, 'global: sip.timers.t2: 100 must not be below t1 (5000)'],
    [{ global: { sip: { listen_address: null } } }, 'global: sip.listen_address: null is not an IP address'],
    [{ accounts: { 'not-an-id': {} } }, 'account not-an-id: id: "not-an-id" is not a SIP address (user@domain)'],
    [{ accounts: { 'alice@example.com': 'yes' } }, 'account alice@example.com: "yes" is not a JSON object'],
    [{ accounts: [] }, 'configuration: accounts: [] is not a JSON object'],
    [{ bonjour_account: { enabled: 'yes' } }, 'bonjour account: enabled: "yes" is not a boolean'],
  ];
  for (const [configuration, message] of cases) {
    const manager = new ConfigurationManager(new MemoryStorage({ configuration }), { notifications: new NotificationCenter() });
    const e = await rejects(manager.load(), SettingsError);
    assert.is(e.message, message);
    assert.is(manager.loaded, false);
    throws(() => manager.global, SettingsError);
  }
  // Fix the stored value, load again on the same manager: it works.
  const storage = new MemoryStorage({ configuration: { accounts: { 'alice@example.com': { sip: { register_interval: 'x' } } } } });
  const manager = new ConfigurationManager(storage, { notifications: new NotificationCenter() });
  await rejects(manager.load(), SettingsError);
  await storage.configurationBackend.save({ accounts: { 'alice@example.com': { sip: { register_interval: 90 } } } });
  await manager.load();
  assert.is(manager.accounts[0]!.sip.register_interval, 90);
  await manager.load(); // loaded: resolves at once, same objects
  assert.is(manager.accounts.length, 1);
});

test('a corrupt config file fails the load with a StorageError; fixed, the load succeeds', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sipstate-settings-'));
  try {
    await writeFile(join(dir, 'config.json'), '{"global": ');
    const storage = new FileStorage(dir);
    const manager = new ConfigurationManager(storage, { notifications: new NotificationCenter() });
    const e = await rejects(manager.load(), StorageError);
    assert.is(e.file, join(dir, 'config.json'));
    await writeFile(join(dir, 'config.json'), '{"global": {"user_agent": "fixed"}}');
    await manager.load();
    assert.is(manager.global.user_agent, 'fixed');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('per-account TLS settings override the global ones (R-TR-2); typed reads everywhere', async () => {
  const { manager, global } = await load();
  const a: AccountSettings = manager.createAccount('alice@example.com');
  await a.update({ 'tls.ca_list': '/etc/alice-ca.pem', 'tls.verify_server': false });
  // What a transport would compute: the account's value, else the global one.
  const effective = {
    ca_list: a.tls.ca_list ?? global.tls.ca_list,
    certificate: a.tls.certificate ?? global.tls.certificate,
    verify_server: a.tls.verify_server ?? global.tls.verify_server,
  };
  assert.equal(effective, { ca_list: '/etc/alice-ca.pem', certificate: null, verify_server: false });
  const interval: number = a.sip.register_interval;
  const transports: readonly ('udp' | 'tcp' | 'tls' | 'ws' | 'wss')[] = a.sip.transport_list;
  const msrp: 'tls' | 'tcp' = a.msrp.transport;
  assert.ok(interval > 0 && transports.length > 0 && msrp === 'tls');
  throws(() => new ConfigurationManager(new MemoryStorage()).global, SettingsError);
});

test.run();
