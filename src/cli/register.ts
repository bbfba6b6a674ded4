/**
 * `sipstate register --account URI --password P [--proxy URI] [--expires S]`: start a
 * SIPApplication with that one account, print every registration notification as it arrives,
 * stay registered (refreshing) until Ctrl-C or SIGTERM, then unregister and exit. Exit 0 when
 * the account was registered and ended cleanly, 1 when it never registered.
 */
import { SIPApplication } from '../api/application.js';
import { NotificationCenter } from '../api/notification-center.js';
import { MemoryStorage } from '../storage/index.js';
import { parseArgs, UsageError } from './options.js';
import { interrupted, parseSipUri } from './session.js';

export async function runRegister(args: string[]): Promise<number> {
  const { shared, extra, positional } = parseArgs<{ expires?: string }>(args, { expires: 'value' });
  if (positional.length) throw new UsageError('usage: sipstate register --account URI --password P [--proxy URI] [--expires S]');
  if (!shared.account) throw new UsageError('sipstate register needs --account (or --config)');
  const aor = parseSipUri(shared.account, '--account');
  if (!aor.user) throw new UsageError('--account: the address of record needs a user part (sip:user@domain)');
  const expires = extra.expires === undefined ? 600 : Number(extra.expires);
  if (!Number.isInteger(expires) || expires < 30) throw new UsageError('--expires: at least 30 seconds');
  const listen = shared.listen[0] ?? { protocol: 'UDP' as const, address: '127.0.0.1', port: 0 };
  const transports = shared.listen.length ? [...new Set(shared.listen.map((l) => l.protocol.toLowerCase()))] : ['udp'];
  const port = (t: string) => shared.listen.find((l) => l.protocol.toLowerCase() === t)?.port ?? 0;
  const id = `${aor.user}@${aor.host}`;
  const storage = new MemoryStorage({
    configuration: {
      global: {
        sip: { transport_list: transports, listen_address: listen.address, udp_port: port('udp'), tcp_port: port('tcp'), tls_port: port('tls') },
        dns: { nameservers: shared.dns },
      },
      accounts: {
        [id]: {
          enabled: true,
          auth: { password: shared.password ?? '' },
          sip: { outbound_proxy: shared.proxy ?? null, register_interval: expires, transport_list: transports },
          message_summary: { enabled: false },
        },
      },
    },
  });
  const center = new NotificationCenter();
  const app = new SIPApplication({ notifications: center });
  let registered = false;
  let failed: string | undefined;
  const print = (line: string) => process.stdout.write(line + '\n');
  center.notifications$.subscribe((n) => {
    if (!n.name.startsWith('SIPAccountRegistration') && n.name !== 'SIPAccountWillRegister' && !shared.json) return;
    if (n.name === 'SIPAccountRegistrationDidSucceed') registered = true;
    if (n.name === 'SIPAccountRegistrationDidFail') failed = String((n.data as { error?: string }).error);
    if (shared.json) {
      const data: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(n.data)) data[k] = typeof v === 'object' && v !== null && !(v instanceof Date) && !Array.isArray(v) && !('address' in v) ? String(v) : v;
      print(JSON.stringify({ name: n.name, ...data }));
      return;
    }
    const d = n.data as Record<string, unknown>;
    const detail =
      n.name === 'SIPAccountRegistrationDidSucceed' ? ` ${d.contact_header} expires=${d.expires}` :
      n.name === 'SIPAccountRegistrationDidFail' ? ` ${d.error} (retry in ${d.timeout} s)` :
      n.name === 'SIPAccountRegistrationGotAnswer' ? ` ${d.code} ${d.reason}` :
      n.name === 'SIPAccountRegistrationDidNotEnd' ? ` ${d.code} ${d.reason}` : '';
    print(`${n.name}${detail}`);
  });
  await app.start(storage);
  for (const e of app.engine?.endpoints ?? []) process.stderr.write(`listening on ${e.protocol.toLowerCase()}:${e.address}:${e.port}\n`);
  const signal = await interrupted();
  process.stderr.write(`${signal}: unregistering\n`);
  await app.stop();
  if (!registered && failed) process.stderr.write(`sipstate register: never registered: ${failed}\n`);
  return registered ? 0 : 1;
}
