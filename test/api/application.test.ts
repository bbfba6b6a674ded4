/**
 * SIPApplication, AccountManager and Account together, with kamailio as the registrar:
 * notifications in the spec's order, a failed start that can be retried (R-APP-2), accounts
 * created while starting and after (R-ACC-3) registering, disabling an account unregistering it,
 * stop unregistering everything and releasing observers (R-APP-1).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { requireKamailio, startKamailio, type Kamailio } from '../peers/kamailio.js';
import { SIPApplication } from '../../src/api/application.js';
import { Account } from '../../src/api/account.js';
import { NotificationCenter, type Notification } from '../../src/api/notification-center.js';
import { MemoryStorage } from '../../src/storage/index.js';

requireKamailio();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitFor = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
};

let k: Kamailio;
const center = new NotificationCenter();
const seen: Notification[] = [];
center.notifications$.subscribe((n) => seen.push(n));
const app = new SIPApplication({ notifications: center, shutdownGrace: 3000 });
const names = (sender?: object) => seen.filter((n) => !sender || n.sender === sender).map((n) => n.name);

test.before(async () => {
  k = await startKamailio({ defines: ['WITH_SHORT_EXPIRES'] });
});
test.after(async () => {
  await app.stop();
  await k?.stop();
});

function storage(extra: Record<string, unknown> = {}) {
  return new MemoryStorage({
    configuration: {
      global: { sip: { transport_list: ['udp'], udp_port: 0, timers: { t1: 100, t2: 800, t4: 1000 } }, ...extra },
      accounts: {
        'alice@example.test': { enabled: true, auth: { password: 'alicepw' }, sip: { outbound_proxy: `sip:127.0.0.1:${k.ports.udp}`, register_interval: 30 } },
        'bob@example.test': { enabled: false, auth: { password: 'bobpw' }, sip: { outbound_proxy: `sip:127.0.0.1:${k.ports.udp}` } },
      },
    },
  });
}

test('one application per process', () => {
  assert.is(new SIPApplication(), app);
  assert.is(SIPApplication.instance, app);
});

test('a start that fails (port in use) can be retried once the cause is gone (R-APP-2)', async () => {
  const blocker = createSocket('udp4');
  await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', () => r()));
  const port = blocker.address().port;
  seen.length = 0;
  const err = await app.start(storage({ sip: { transport_list: ['udp'], udp_port: port } })).catch((e: Error) => e);
  assert.instance(err, Error);
  await waitFor(() => app.state === '"stopped"');
  assert.ok(names().includes('SIPApplicationFailedToStart'));
  assert.not.ok(names().includes('SIPApplicationDidStart'));
  blocker.close();
  await app.start(storage({ sip: { transport_list: ['udp'], udp_port: port } }));
  assert.ok(app.running);
  await app.stop();
  assert.not.ok(app.running);
});

test('start: notifications in order, enabled accounts activate and register', async () => {
  seen.length = 0;
  await app.start(storage());
  assert.equal(names(app), ['SIPApplicationWillStart', 'SIPApplicationDidStart']);
  const alice = app.accountManager.getAccount('alice@example.test') as Account;
  const bob = app.accountManager.getAccount('bob@example.test') as Account;
  assert.equal(app.accountManager.getAccounts().map((a) => a.id), ['bonjour@local', 'alice@example.test', 'bob@example.test']);
  await waitFor(() => names(alice).includes('SIPAccountRegistrationDidSucceed'));
  const order = names(alice);
  assert.equal(order.slice(0, 2), ['SIPAccountWillActivate', 'SIPAccountWillRegister']);
  assert.ok(order.indexOf('SIPAccountDidActivate') > 0);
  assert.ok(order.indexOf('SIPAccountRegistrationGotAnswer') < order.indexOf('SIPAccountRegistrationDidSucceed'));
  assert.equal(names(bob), [], 'a disabled account does nothing');
  assert.match(await k.ulDump(), /alice/);
  assert.is(alice.uri.aor.toString(), 'sip:alice@example.test');
  assert.ok(alice.uri.contact?.toString().startsWith(`sip:${alice.contact.username}@127.0.0.1:`));
  assert.match(alice.contact.username, /^[a-z]{8}$/);
  assert.equal(alice.credentials, { username: 'alice', password: 'alicepw' });
  assert.is(app.accountManager.findAccount(alice.uri.contact!), alice);
});

test('an account created after start activates and registers (R-ACC-3); disabling it unregisters', async () => {
  const carol = app.accountManager.createAccount('carol@example.test');
  assert.is(app.accountManager.createAccount('carol@example.test'), carol, 'one Account per id');
  await carol.settings.edit().set('enabled', true).set('auth.password', 'carolpw').set('sip.outbound_proxy', `sip:127.0.0.1:${k.ports.udp}`).set('sip.register_interval', 30).save();
  await waitFor(() => names(carol).includes('SIPAccountRegistrationDidSucceed'));
  assert.match(await k.ulDump(), /carol/);
  await carol.settings.edit().set('enabled', false).save();
  await waitFor(() => names(carol).includes('SIPAccountDidDeactivate'));
  assert.ok(names(carol).includes('SIPAccountRegistrationDidEnd'));
  assert.not.match(await k.ulDump(), /AoR: carol/);
});

test('stop: accounts unregister, DidEnd comes last, observers are released (R-APP-1)', async () => {
  const alice = app.accountManager.getAccount('alice@example.test');
  seen.length = 0;
  await app.stop();
  assert.equal(names(app), ['SIPApplicationWillEnd', 'SIPApplicationDidEnd']);
  assert.ok(names(alice).includes('SIPAccountRegistrationDidEnd'));
  assert.is(seen[seen.length - 1].name, 'SIPApplicationDidEnd');
  assert.not.match(await k.ulDump(), /AoR: alice/);
  // The manager no longer reacts to settings changes.
  seen.length = 0;
  await (alice as Account).settings.edit().set('display_name', 'Alice').save();
  await sleep(100);
  assert.not.ok(names(alice).includes('SIPAccountWillActivate'));
});

test('TLS without a certificate: SIPApplicationFailedToStartTLS, and the engine starts without TLS', async () => {
  seen.length = 0;
  await app.start(storage({ sip: { transport_list: ['tls', 'udp'] } }));
  const failed = seen.find((n) => n.name === 'SIPApplicationFailedToStartTLS');
  assert.ok(failed);
  assert.instance((failed!.data as { error: Error }).error, Error);
  assert.ok(app.running);
  assert.equal(app.engine!.endpoints.map((e) => e.protocol), ['UDP']);
  await app.stop();
});

test('an account created while the application starts is activated with the rest (R-ACC-3)', async () => {
  seen.length = 0;
  const sub = center.named('SIPApplicationWillStart').subscribe(() => {
    const dave = app.accountManager.createAccount('dave@example.test');
    void dave.settings.edit().set('enabled', true).set('sip.register', false).set('message_summary.enabled', false).save();
  });
  await app.start(storage());
  sub.unsubscribe();
  const dave = app.accountManager.getAccount('dave@example.test');
  await waitFor(() => names(dave).includes('SIPAccountDidActivate'));
  assert.ok(dave.active);
});

test('default account, removal, and the local peer-to-peer account', async () => {
  const manager = app.accountManager;
  const alice = manager.getAccount('alice@example.test');
  assert.is(manager.defaultAccount, alice, 'the first enabled account');
  const dave = manager.getAccount('dave@example.test');
  seen.length = 0;
  await manager.setDefaultAccount(dave);
  assert.is(manager.defaultAccount, dave);
  const change = seen.find((n) => n.name === 'SIPAccountManagerDidChangeDefaultAccount')!;
  assert.is((change.data as { old_account: unknown }).old_account, alice);
  assert.is((change.data as { account: unknown }).account, dave);
  await manager.removeAccount('dave@example.test');
  assert.not.ok(manager.hasAccount('dave@example.test'));
  assert.ok(seen.some((n) => n.name === 'SIPAccountManagerDidRemoveAccount' && (n.data as { account: unknown }).account === dave));
  assert.throws(() => manager.getAccount('dave@example.test'), /no account/);
  const local = manager.getAccount('bonjour@local');
  assert.is(local.uri.contact?.host, '127.0.0.1');
  assert.equal(local.credentials.password, '');
  await app.stop();
});

test('per-account TLS (R-TR-2): verification on by default fails without the CA, passes with the account\'s ca_list', async () => {
  seen.length = 0;
  const tlsProxy = `sip:127.0.0.1:${k.ports.tls};transport=tls`;
  await app.start(
    new MemoryStorage({
      configuration: {
        global: { sip: { transport_list: ['udp'], timers: { t1: 100, t2: 800, t4: 1000 } } },
        accounts: {
          'bob@example.test': { enabled: true, auth: { password: 'bobpw' }, sip: { outbound_proxy: tlsProxy, register_interval: 30 }, message_summary: { enabled: false } },
        },
      },
    }),
  );
  const bob = app.accountManager.getAccount('bob@example.test') as Account;
  await waitFor(() => names(bob).includes('SIPAccountRegistrationDidFail'), 8000);
  const fail = seen.find((n) => n.sender === bob && n.name === 'SIPAccountRegistrationDidFail')!;
  assert.match((fail.data as { error: string }).error, /503.*(certificate|verif)/i);
  seen.length = 0;
  await bob.settings.edit().set('enabled', false).save();
  await waitFor(() => names(bob).includes('SIPAccountDidDeactivate'));
  await bob.settings.edit().set('tls.ca_list', k.tls.certPath).set('enabled', true).save();
  await waitFor(() => names(bob).includes('SIPAccountRegistrationDidSucceed'), 8000);
  const ok = seen.find((n) => n.sender === bob && n.name === 'SIPAccountRegistrationDidSucceed')!;
  assert.is((ok.data as { registrar: { protocol: string } }).registrar.protocol, 'TLS');
  await app.stop();
});

test.run();
