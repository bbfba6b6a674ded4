/**
 * Account (Middleware API §6.2) and the local peer-to-peer account that stands where the
 * BonjourAccount of §6.3 stands (no mDNS: it has no registrar and its contact is our own
 * transport address, so the embedded default needs nothing installed).
 *
 * An account activates when it is enabled and the application's engine runs, and deactivates
 * when it is disabled or the engine stops, with SIPAccountWill/DidActivate and
 * SIPAccountWill/DidDeactivate. While active it registers (sip.register) through a
 * RegistrationRunner, whose notifications carry the account as sender.
 *
 * R-ACC-1: `account.uri.aor` and `account.uri.contact` hold the address of record and the contact
 * in one structure. R-ACC-3: an account created at any moment after the configuration is loaded
 * (even while the application is starting) is activated with the rest.
 */
import { RegistrationRunner } from '../../actors/registration-runner.js';
import { SubscriptionRunner } from '../../actors/subscription-runner.js';
import { MESSAGE_SUMMARY_CONTENT_TYPE, parseMessageSummary, type MessageSummary } from '../sip/message-summary.js';
import type { UserAgent } from '../../actors/user-agent.js';
import type { Endpoint, TLSSettings, TransportProtocol } from '../../actors/transport/types.js';
import { readFileSync } from 'node:fs';
import type { AccountSettings, BonjourAccountSettings } from '../config/index.js';
import { randomToken } from '../sip/transaction-keys.js';
import { parseURI, isSipURI, SipURI } from '../sip/uri.js';
import type { NotificationCenter } from './notification-center.js';
import type { SessionEngine } from './session.js';

declare module './notification-center.js' {
  interface NotificationDataMap {
    SIPAccountWillActivate: Record<string, never>;
    SIPAccountDidActivate: Record<string, never>;
    SIPAccountWillDeactivate: Record<string, never>;
    SIPAccountDidDeactivate: Record<string, never>;
    /** A message-summary NOTIFY arrived (RFC 3842), parsed. */
    SIPAccountMWIDidGetSummary: { message_summary: MessageSummary };
    /** Not in the seed: the message-summary subscription failed and will be retried in `timeout` s. */
    SIPAccountMWIDidFail: { code: number | undefined; reason: string; timeout: number };
  }
}

/** What an account needs from the running application (the "engine"). */
export interface AccountEngine {
  readonly ua: UserAgent;
  readonly center: NotificationCenter;
  /** The global tls.* settings an account falls back on (R-TR-2). */
  readonly tls: { ca_list: string | null; certificate: string | null; verify_server: boolean };
  /** RFC 3263 resolution of a next hop (DNS manager with the configured nameservers). */
  resolve(uri: SipURI): Promise<Endpoint[]>;
  /** The session engine (dialog layer, session manager), when the application runs one. */
  readonly sessions?: SessionEngine;
}

/** The contact URIs of an account per transport (the python ContactURIFactory). */
export class ContactURIFactory {
  constructor(
    readonly username: string,
    private readonly engine: () => AccountEngine | undefined,
  ) {}

  /** The contact for `transport` ('udp', 'tcp', 'tls', 'ws', 'wss'), on our listening address. */
  get(transport: string = 'udp'): SipURI {
    const protocol = transport.toUpperCase() as TransportProtocol;
    const ua = this.engine()?.ua;
    if (!ua) throw new AccountError('the account has no engine: the application is not running');
    return ua.contact(this.username, ua.endpoints.some((e) => e.protocol === protocol) ? protocol : ua.endpoints[0].protocol);
  }
}

export class AccountError extends Error {
  override readonly name = 'AccountError';
}

abstract class BaseAccount {
  abstract readonly id: string;
  readonly contact: ContactURIFactory;
  protected engine: AccountEngine | undefined;
  private state: 'inactive' | 'activating' | 'active' | 'deactivating' = 'inactive';

  constructor(contactUser: string) {
    this.contact = new ContactURIFactory(contactUser, () => this.engine);
  }

  abstract get enabled(): boolean;
  protected abstract startServices(): Promise<void>;
  protected abstract stopServices(): Promise<void>;

  get active(): boolean {
    return this.state === 'active';
  }

  /** @internal what `new Session(account)` runs on. */
  sessionEngine(): SessionEngine | undefined {
    return this.engine?.sessions;
  }

  /** @internal the AccountManager hands the running engine over (or takes it away). */
  async activate(engine: AccountEngine): Promise<void> {
    this.engine = engine;
    if (!this.enabled || this.state !== 'inactive') return;
    this.state = 'activating';
    engine.center.post('SIPAccountWillActivate', this, {});
    await this.startServices();
    this.state = 'active';
    engine.center.post('SIPAccountDidActivate', this, {});
  }

  /** @internal */
  async deactivate(): Promise<void> {
    const engine = this.engine;
    if (!engine || this.state !== 'active') return;
    this.state = 'deactivating';
    engine.center.post('SIPAccountWillDeactivate', this, {});
    await this.stopServices();
    this.state = 'inactive';
    engine.center.post('SIPAccountDidDeactivate', this, {});
  }
}

export class Account extends BaseAccount {
  readonly id: string;
  private registration: RegistrationRunner | undefined;
  private mwi: SubscriptionRunner | undefined;

  /** @internal made by the AccountManager (use `AccountManager.createAccount` or `new Account(id)` through it). */
  constructor(readonly settings: AccountSettings) {
    super(randomLower(8));
    this.id = settings.id;
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** R-ACC-1: the address of record and the contact, in one place. */
  get uri(): { aor: SipURI; contact: SipURI | undefined } {
    let contact: SipURI | undefined;
    try {
      contact = this.contact.get(this.settings.sip.transport_list[0]);
    } catch {
      contact = undefined;
    }
    return { aor: this.aor, contact };
  }

  get aor(): SipURI {
    return new SipURI({ user: this.settings.address.username, host: this.settings.address.domain });
  }

  /** Digest credentials (auth.username, auth.password). */
  get credentials(): { username: string; password: string } {
    return { username: this.settings.auth.username, password: this.settings.auth.password };
  }

  get displayName(): string | null {
    return this.settings.display_name;
  }

  /** rtp.port_range and rtp.timeout (null: the global ones). */
  get rtpSettings(): { portRange: { start: number; end: number } | null; timeout: number | null } {
    return { portRange: this.settings.rtp.port_range, timeout: this.settings.rtp.timeout };
  }

  /** sip.follow_redirects: how many 3xx an outgoing session follows (RFC 3261 §8.1.3.4). */
  get followRedirects(): number {
    return this.settings.sip.follow_redirects;
  }

  /** The outbound proxy as a loose-routing SIP URI, if one is set. */
  get outboundProxy(): SipURI | undefined {
    const p = this.settings.sip.outbound_proxy;
    if (!p) return undefined;
    const u = parseURI(p);
    return isSipURI(u) ? u : undefined;
  }

  /**
   * TLS settings for this account's connections (R-TR-2): its own tls.ca_list, tls.certificate
   * (a PEM file with certificate and key) and tls.verify_server, each falling back on the global
   * one. Verification is on unless a setting turns it off.
   */
  tlsSettings(): TLSSettings | undefined {
    const g = this.engine?.tls;
    if (!g) return undefined;
    const ca = this.settings.tls.ca_list ?? g.ca_list;
    const certificate = this.settings.tls.certificate ?? g.certificate;
    const out: TLSSettings = { verifyServer: this.settings.tls.verify_server ?? g.verify_server };
    if (ca) out.ca = readFileSync(ca);
    if (certificate) {
      out.cert = readFileSync(certificate);
      out.key = out.cert;
    }
    return out;
  }

  /** The registration's machine state ('idle', 'registering', 'registered', ...). */
  get registrationState(): string {
    return this.registration?.state ?? 'idle';
  }

  /** @internal re-register now (the network changed or the flow died). */
  reregister(): void {
    this.registration?.networkChanged();
  }

  protected async startServices(): Promise<void> {
    const engine = this.engine!;
    if (this.settings.sip.register) {
      const transport = this.settings.sip.transport_list.find((t) => engine.ua.endpoints.some((e) => e.protocol === t.toUpperCase())) ?? 'udp';
      this.registration = new RegistrationRunner({
        ua: engine.ua,
        aor: this.aor,
        contact: () => this.contact.get(transport),
        credentials: this.credentials,
        outboundProxy: this.outboundProxy,
        expires: this.settings.sip.register_interval,
        center: engine.center,
        sender: this,
        resolve: (uri) => engine.resolve(uri),
        tls: this.tlsSettings(),
      });
      await this.registration.start();
    }
    if (this.settings.message_summary.enabled) {
      const transport = this.settings.sip.transport_list.find((t) => engine.ua.endpoints.some((e) => e.protocol === t.toUpperCase())) ?? 'udp';
      this.startMWI(engine, transport);
    }
  }

  protected async stopServices(): Promise<void> {
    const r = this.registration;
    const m = this.mwi;
    this.registration = undefined;
    this.mwi = undefined;
    await Promise.all([r?.stop(), m?.stop()]);
  }

  /** RFC 3842: subscribe to message-summary at the voicemail URI (or our own address). */
  private startMWI(engine: AccountEngine, transport: string): void {
    const voicemail = this.settings.message_summary.voicemail_uri;
    const resource = voicemail ? parseURI(voicemail) : this.aor;
    if (!isSipURI(resource)) return;
    this.mwi = new SubscriptionRunner({
      ua: engine.ua,
      from: this.aor,
      resource,
      event: 'message-summary',
      accept: [MESSAGE_SUMMARY_CONTENT_TYPE],
      expires: this.settings.sip.subscribe_interval,
      contact: () => this.contact.get(transport),
      credentials: this.credentials,
      outboundProxy: this.outboundProxy,
      tls: this.tlsSettings(),
      onEmitted: (e) => {
        if (e.type === 'gotNotify' && e.body) {
          try {
            engine.center.post('SIPAccountMWIDidGetSummary', this, { message_summary: parseMessageSummary(e.body) });
          } catch {
            // A malformed summary is ignored; the next NOTIFY may be better.
          }
        } else if (e.type === 'subscriptionDidFail') {
          engine.center.post('SIPAccountMWIDidFail', this, { code: e.code, reason: e.reason, timeout: e.timeout });
        }
      },
    });
    this.mwi.start();
  }
}

/** The peer-to-peer account (spec §6.3's place): no registrar, contact = our transport address. */
export class LocalAccount extends BaseAccount {
  readonly id = 'bonjour@local';

  constructor(readonly settings: BonjourAccountSettings) {
    super(randomLower(8));
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  get uri(): { aor: SipURI; contact: SipURI | undefined } {
    let contact: SipURI | undefined;
    try {
      contact = this.contact.get('udp');
    } catch {
      contact = undefined;
    }
    return { aor: contact ?? new SipURI({ user: this.contact.username, host: '127.0.0.1' }), contact };
  }

  get credentials(): { username: string; password: string } {
    return { username: this.contact.username, password: '' };
  }

  get displayName(): string | null {
    return this.settings.display_name;
  }

  get rtpSettings(): { portRange: { start: number; end: number } | null; timeout: number | null } {
    return { portRange: this.settings.rtp.port_range, timeout: this.settings.rtp.timeout };
  }

  protected async startServices(): Promise<void> {}
  protected async stopServices(): Promise<void> {}
}

export type AnyAccount = Account | LocalAccount;

/** The spec's contact user: "a randomly generated 8-character string of lowercase letters". */
function randomLower(n: number): string {
  return randomToken(n * 2).toLowerCase().replace(/[^a-z]/g, '').padEnd(n, 'x').slice(0, n);
}
