/**
 * What every network command sets up from the shared options: the user agent (transports on
 * --listen, default a free UDP port on 127.0.0.1, printed at start), the identity and
 * credentials of --account/--password, the outbound proxy of --proxy (a loose router: `;lr` is
 * added, as the python SDK does), --trace on stderr, and --json notifications on stdout.
 */
import { UserAgent, type Resolver } from '../../actors/user-agent.js';
import { literalTargets } from '../../actors/user-agent.js';
import { NotificationCenter } from '../api/notification-center.js';
import { parseURI, isSipURI, type SipURI } from '../sip/uri.js';
import { UsageError, type SharedOptions } from './options.js';

export interface CliSession {
  ua: UserAgent;
  center: NotificationCenter;
  /** The account's address of record, or a local one (sip:sipstate@<listen address>). */
  identity: SipURI;
  credentials: { username: string; password: string } | undefined;
  routes: SipURI[];
  print(line: string): void;
  close(): Promise<void>;
}

export function parseSipUri(text: string, what: string): SipURI {
  let u;
  try {
    u = parseURI(text, what);
  } catch (e) {
    throw new UsageError(`${what} ${text}: ${(e as Error).message}`);
  }
  if (!isSipURI(u)) throw new UsageError(`${what} ${text}: a sip: or sips: URI is needed`);
  return u;
}

export async function openSession(shared: SharedOptions, resolverFor?: (dns: string[]) => Promise<Resolver>): Promise<CliSession> {
  const account = shared.account ? parseSipUri(shared.account, '--account') : undefined;
  if (shared.password !== undefined && !account) throw new UsageError('--password needs --account');
  const routes: SipURI[] = [];
  if (shared.proxy) {
    const proxy = parseSipUri(shared.proxy, '--proxy');
    proxy.lr = true;
    routes.push(proxy);
  }
  const center = new NotificationCenter();
  const print = (line: string) => process.stdout.write(line + '\n');
  const resolver = shared.dns.length && resolverFor ? await resolverFor(shared.dns) : async (uri: Parameters<Resolver>[0]) => literalTargets(uri);
  const ua = await UserAgent.start({
    listen: shared.listen.length ? shared.listen : undefined,
    resolver,
    notifications: center,
    trace: shared.trace
      ? (dir, data, peer) => process.stderr.write(`${dir === 'in' ? '<<<' : '>>>'} ${peer.protocol} ${peer.address}:${peer.port}\n${data.toString('utf8')}\n`)
      : undefined,
  });
  if (shared.inspect !== undefined) process.stderr.write('sipstate: --inspect: the visualizer is not available yet in this version\n');
  for (const e of ua.endpoints) process.stderr.write(`listening on ${e.protocol.toLowerCase()}:${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}\n`);
  if (shared.json) {
    center.notifications$.subscribe((n) => {
      const data: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(n.data)) data[k] = Buffer.isBuffer(v) ? undefined : v;
      print(JSON.stringify({ name: n.name, ...data }));
    });
  }
  const local = ua.endpoints[0];
  const identity = account ?? parseSipUri(`sip:sipstate@${local.address.includes(':') ? `[${local.address}]` : local.address}:${local.port}`, 'identity');
  return {
    ua,
    center,
    identity,
    credentials: account && shared.password !== undefined ? { username: account.user ?? '', password: shared.password } : undefined,
    routes,
    print,
    close: () => ua.close(),
  };
}

/** Resolve when the process is asked to stop (Ctrl-C, SIGTERM). */
export function interrupted(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => {
      process.off('SIGINT', int);
      process.off('SIGTERM', term);
      resolve(sig);
    };
    const int = on('SIGINT');
    const term = on('SIGTERM');
    process.once('SIGINT', int);
    process.once('SIGTERM', term);
  });
}
