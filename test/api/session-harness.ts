/**
 * Two (or more) sipstate user agents on loopback, each with a dialog layer and a session manager,
 * for session tests: `makeParty('alice')` → { ua, manager, account, notes, stop }.
 */
import { UserAgent } from '../../actors/user-agent.js';
import { DialogLayer } from '../../actors/dialog-layer.js';
import { NotificationCenter, type Notification } from '../../src/api/notification-center.js';
import { SessionManager } from '../../src/api/session-manager.js';
import type { SessionAccount } from '../../src/api/session.js';
import { MediaStreamRegistry } from '../../src/streams/registry.js';
import type { MediaStreamType } from '../../src/streams/media-stream.js';
import { SipURI } from '../../src/sip/uri.js';
import type { TransportProtocol } from '../../actors/transport/types.js';

export interface Party {
  ua: UserAgent;
  manager: SessionManager;
  account: SessionAccount;
  center: NotificationCenter;
  notes: Notification[];
  uri: string;
  /** Resolves with the first notification named `name` (from now or already seen, after `since`). */
  next(name: string, since?: number, timeout?: number): Promise<Notification>;
  stop(): Promise<void>;
}

export async function makeParty(user: string, types: MediaStreamType[], options: { protocol?: TransportProtocol; T1?: number; rtp?: { start: number; end: number }; rtpTimeout?: number; domain?: string; password?: string; proxy?: SipURI } = {}): Promise<Party> {
  const protocol = options.protocol ?? 'UDP';
  const ua = await UserAgent.start({
    listen: [{ protocol, address: '127.0.0.1', port: 0 }],
    transactions: options.T1 ? { timers: { T1: options.T1, T2: 4 * options.T1, T4: 5 * options.T1 } } : undefined,
  });
  const center = new NotificationCenter();
  const notes: Notification[] = [];
  center.notifications$.subscribe((n) => notes.push(n));
  const dialogs = new DialogLayer(ua);
  const registry = new MediaStreamRegistry();
  for (const t of types) registry.add(t);
  const contactUser = user;
  const account: SessionAccount = {
    id: `${user}@127.0.0.1`,
    uri: {
      aor: options.domain ? new SipURI({ user, host: options.domain }) : new SipURI({ user, host: '127.0.0.1', port: ua.endpoints[0].port }),
      contact: ua.contact(contactUser, protocol),
    },
    credentials: { username: user, password: options.password ?? '' },
    ...(options.proxy ? { outboundProxy: options.proxy } : {}),
    displayName: user[0].toUpperCase() + user.slice(1),
    contact: { get: (t?: string) => ua.contact(contactUser, ((t ?? 'udp').toUpperCase() as TransportProtocol)) },
  };
  const manager = new SessionManager(
    { ua, dialogs, center, rtp: { portRange: options.rtp ?? { start: 42000, end: 42998 }, timeout: options.rtpTimeout ?? 0 } },
    { accountFor: () => account, registry },
  );
  manager.start();
  const e = ua.endpoints[0];
  const uri = `sip:${user}@127.0.0.1:${e.port}${protocol === 'UDP' ? '' : `;transport=${protocol.toLowerCase()}`}`;
  const next = (name: string, since = 0, timeout = 5000) =>
    new Promise<Notification>((resolve, reject) => {
      const seen = notes.slice(since).find((n) => n.name === name);
      if (seen) return resolve(seen);
      const t = setTimeout(() => {
        sub.unsubscribe();
        reject(new Error(`${user}: no ${name} within ${timeout} ms; saw ${notes.map((n) => n.name).join(', ')}`));
      }, timeout);
      const sub = center.named(name).subscribe((n) => {
        clearTimeout(t);
        sub.unsubscribe();
        resolve(n);
      });
    });
  return {
    ua,
    manager,
    account,
    center,
    notes,
    uri,
    next,
    async stop() {
      await manager.stop(1000);
      dialogs.stop();
      await ua.close();
    },
  };
}

export const names = (p: Party, prefix = 'SIPSession') => p.notes.map((n) => n.name).filter((n) => n.startsWith(prefix));
