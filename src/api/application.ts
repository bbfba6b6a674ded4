/**
 * SIPApplication (Middleware API §2): one per process, reachable from anywhere (`new
 * SIPApplication()` always yields the same object). `start(storage)` loads the configuration,
 * starts the transports and the user-agent core (the "engine"), the DNS manager and the
 * AccountManager; `stop()` lets accounts unregister within a grace period and ends anyway.
 *
 * The lifecycle is the machine in machines/application.ts; this class provides its effects and
 * forwards what it emits as notifications. Both methods also return promises: `start()` resolves
 * on SIPApplicationDidStart and rejects with the cause when the start fails — after which
 * `start()` may simply be called again (R-APP-2); `stop()` resolves on SIPApplicationDidEnd.
 * Every observer the application added is removed when it stops (R-APP-1).
 */
import { createActor, type ActorRefFrom } from 'xstate';
import { application as applicationMachine } from '../../machines/application.js';
import { literalTargets, UserAgent } from '../../actors/user-agent.js';
import { DialogLayer } from '../../actors/dialog-layer.js';
import { inspectionHub } from '../../actors/inspection.js';
import { SessionManager } from './session-manager.js';
import { mediaStreamRegistry } from '../streams/registry.js';
import { AudioStreamType } from '../streams/audio/index.js';
import type { AnyAccount } from './account.js';
import type { SIPRequest } from '../sip/message.js';
import type { Endpoint, ListenOptions, TransportProtocol } from '../../actors/transport/types.js';
import { ConfigurationManager } from '../config/index.js';
import { DNSLookup, DNSManager } from '../dns/index.js';
import type { ISIPSimpleStorage } from '../storage/index.js';
import { isSipURI, type SipURI, type URI } from '../sip/uri.js';
import { AccountManager } from './account-manager.js';
import type { AccountEngine } from './account.js';
import { defaultNotificationCenter, type NotificationCenter } from './notification-center.js';

declare module './notification-center.js' {
  interface NotificationDataMap {
    SIPApplicationWillStart: Record<string, never>;
    SIPApplicationDidStart: Record<string, never>;
    SIPApplicationWillEnd: Record<string, never>;
    SIPApplicationDidEnd: Record<string, never>;
    SIPApplicationFailedToStartTLS: { error: Error };
    /** Not in the seed: a start that failed (the cause is also the rejection of `start()`). */
    SIPApplicationFailedToStart: { error: string };
  }
}

export class ApplicationError extends Error {
  override readonly name = 'ApplicationError';
}

export interface ApplicationOptions {
  /** Where notifications go (default: the process-wide center). */
  notifications?: NotificationCenter;
  /** How long components get to end gracefully on stop (default 5 s). */
  shutdownGrace?: number;
}

let instance: SIPApplication | undefined;

export class SIPApplication {
  readonly notifications!: NotificationCenter;
  readonly accountManager = new AccountManager();
  private actor!: ActorRefFrom<typeof applicationMachine>;
  private storageValue: ISIPSimpleStorage | undefined;
  private configurationValue: ConfigurationManager | undefined;
  private uaValue: UserAgent | undefined;
  private sessionManagerValue: SessionManager | undefined;
  private shutdownGrace = 5000;
  private dns: DNSManager | undefined;
  private pending: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private stopping: (() => void)[] = [];

  constructor(options: ApplicationOptions = {}) {
    if (instance) return instance;
    instance = this;
    this.notifications = options.notifications ?? defaultNotificationCenter;
    this.shutdownGrace = options.shutdownGrace ?? 5000;
    const logic = applicationMachine.provide({
      actions: {
        // Effects run after the transition's notifications (WillStart before any component
        // starts, WillEnd before any account deactivates), never inside the machine's step.
        loadConfiguration: () => void setImmediate(() => void this.loadConfiguration()),
        startComponents: () => void setImmediate(() => void this.startComponents()),
        stopComponents: () => void setImmediate(() => void this.stopComponents()),
        abandonComponents: () => void setImmediate(() => this.abandonComponents()),
      },
    });
    this.actor = createActor(logic, { id: 'application', input: { shutdownGrace: options.shutdownGrace ?? 5000 }, ...inspectionHub.options });
    // The application's actor lives as long as the process (a singleton): never unregistered.
    inspectionHub.register(this.actor, { id: 'application', kind: logic.id });
    this.actor.on('*', (e) => this.emitted(e));
    this.actor.start();
  }

  /** The instance, if one was made (the spec's singleton access). */
  static get instance(): SIPApplication | undefined {
    return instance;
  }

  /** True once started and until told to stop. */
  get running(): boolean {
    return this.actor.getSnapshot().matches('running');
  }

  get state(): string {
    return JSON.stringify(this.actor.getSnapshot().value);
  }

  get storage(): ISIPSimpleStorage | undefined {
    return this.storageValue;
  }

  get configuration(): ConfigurationManager | undefined {
    return this.configurationValue;
  }

  /**
   * Open the live visualizer: a local server (127.0.0.1 unless `host` says otherwise) serving the
   * page and streaming every actor's inspection events over WebSocket, secrets redacted. Resolves
   * with its URL; it closes with the application. Inspection costs nothing until a page connects.
   */
  async inspect(options: { port?: number; host?: string } = {}): Promise<string> {
    if (this.visualizer) return this.visualizer.url;
    // The server (http, ws, the page) loads only when asked for.
    const { startVisualizer } = await import('../../visualizer/server.js');
    const server = await startVisualizer(inspectionHub, options);
    this.visualizer = server;
    return server.url;
  }

  private visualizer: { url: string; close(): Promise<void> } | undefined;

  /** Middleware API §4.1: started and stopped with the application. */
  get sessionManager(): SessionManager | undefined {
    return this.sessionManagerValue;
  }

  /**
   * The account an incoming INVITE is for: the one whose contact user or address of record
   * matches the Request-URI's user, else the default account, else the local account.
   */
  private accountFor(request: SIPRequest): AnyAccount | undefined {
    const uri = request.uri;
    const user = isSipURI(uri) ? uri.user : undefined;
    const accounts = this.accountManager.getAccounts().filter((a) => a.active);
    return (
      accounts.find((a) => user !== undefined && (a.contact.username === user || a.uri.aor.user === user)) ??
      (this.accountManager.defaultAccount?.active ? this.accountManager.defaultAccount : undefined) ??
      accounts[0]
    );
  }

  /** The user-agent core: transports, transactions, the UAS checks (the python "Engine"). */
  get engine(): UserAgent | undefined {
    return this.uaValue;
  }

  /** Start with `storage`; resolves on SIPApplicationDidStart, rejects with the cause of a failed start. */
  start(storage: ISIPSimpleStorage): Promise<void> {
    if (!this.actor.getSnapshot().matches('stopped')) return Promise.reject(new ApplicationError(`start() while ${this.state}`));
    this.storageValue = storage;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.actor.send({ type: 'start' });
    });
  }

  /** Stop; resolves on SIPApplicationDidEnd (after accounts unregistered, or the grace period). */
  stop(): Promise<void> {
    const snap = this.actor.getSnapshot();
    if (snap.matches('stopped')) return Promise.resolve();
    return new Promise((resolve) => {
      this.stopping.push(resolve);
      this.actor.send({ type: 'stop' });
    });
  }

  // ---- effects ----------------------------------------------------------------------------

  private async loadConfiguration(): Promise<void> {
    try {
      const configuration = new ConfigurationManager(this.storageValue!, { notifications: this.notifications });
      await configuration.load();
      this.configurationValue = configuration;
      this.accountManager.load(configuration, this.notifications);
      this.actor.send({ type: 'configured' });
    } catch (e) {
      this.actor.send({ type: 'failed', error: (e as Error).message });
      this.pendingFailure(e as Error);
    }
  }

  private async startComponents(): Promise<void> {
    const global = this.configurationValue!.global;
    try {
      const listen: ListenOptions[] = [];
      for (const t of global.sip.transport_list) {
        const protocol = t.toUpperCase() as TransportProtocol;
        const port = { UDP: global.sip.udp_port, TCP: global.sip.tcp_port, TLS: global.sip.tls_port, WS: global.sip.ws_port, WSS: global.sip.wss_port }[protocol];
        if (protocol === 'TLS' || protocol === 'WSS') {
          // §2: without a usable certificate the engine starts without TLS and says why.
          if (!global.tls.certificate) {
            this.notifications.post('SIPApplicationFailedToStartTLS', this, { error: new ApplicationError('no TLS certificate configured (tls.certificate)') });
            continue;
          }
        }
        listen.push({ protocol, address: global.sip.listen_address, port });
      }
      if (listen.length === 0) listen.push({ protocol: 'UDP', address: global.sip.listen_address, port: 0 });
      this.dns = new DNSManager({ notificationCenter: this.notifications, nameservers: global.dns.nameservers.length ? global.dns.nameservers : undefined });
      const lookup = new DNSLookup({ manager: this.dns, notificationCenter: this.notifications });
      const resolve = async (uri: URI): Promise<Endpoint[]> => {
        if (uri.scheme !== 'sip' && uri.scheme !== 'sips') throw new ApplicationError(`cannot route to ${uri.toString()}`);
        const sip = uri as SipURI;
        if (sip.hostType !== 'name') return literalTargets(sip);
        return (await lookup.lookupSipProxy(sip, global.sip.transport_list.filter((t) => t !== 'ws' && t !== 'wss'))).map((r) => r.toEndpoint());
      };
      this.uaValue = await UserAgent.start({
        listen,
        resolver: resolve,
        userAgent: global.user_agent,
        notifications: this.notifications,
        transactions: { timers: { T1: global.sip.timers.t1, T2: global.sip.timers.t2, T4: global.sip.timers.t4 } },
      });
      const dialogs = new DialogLayer(this.uaValue);
      // The built-in stream types are always there for incoming sessions (§4.4); an application
      // adds its own to the same registry.
      mediaStreamRegistry.add(AudioStreamType);
      this.sessionManagerValue = new SessionManager(
        { ua: this.uaValue, dialogs, center: this.notifications, resolve, rtp: { portRange: global.rtp.port_range, timeout: global.rtp.timeout } },
        { accountFor: (request) => this.accountFor(request) },
      );
      const engine: AccountEngine = {
        ua: this.uaValue,
        center: this.notifications,
        resolve,
        tls: { ca_list: global.tls.ca_list, certificate: global.tls.certificate, verify_server: global.tls.verify_server },
        sessions: this.sessionManagerValue.engine,
      };
      await this.accountManager.start(engine);
      this.sessionManagerValue.start();
      this.actor.send({ type: 'started' });
    } catch (e) {
      this.actor.send({ type: 'failed', error: (e as Error).message });
      this.pendingFailure(e as Error);
    }
  }

  private async stopComponents(): Promise<void> {
    try {
      // Sessions end first (BYE / CANCEL), while accounts and transports still work.
      await this.sessionManagerValue?.stop(this.shutdownGrace);
      await this.accountManager.stop();
    } finally {
      await this.uaValue?.close().catch(() => {});
      this.uaValue = undefined;
      this.dns?.stop();
      await this.visualizer?.close().catch(() => {});
      this.visualizer = undefined;
      this.actor.send({ type: 'ended' });
    }
  }

  private abandonComponents(): void {
    void this.uaValue?.close().catch(() => {});
    this.uaValue = undefined;
    this.dns?.stop();
  }

  private pendingFailure(e: Error): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }

  /** Machine emissions → notifications; settle the promises of start() and stop(). */
  private emitted(e: { type: string } & Record<string, unknown>): void {
    const { type, ...data } = e;
    this.notifications.post(type, this, data as never);
    if (type === 'SIPApplicationDidStart') {
      const p = this.pending;
      this.pending = undefined;
      p?.resolve();
    }
    if (type === 'SIPApplicationDidEnd') {
      // R-APP-1: every observer the application added goes with it.
      this.accountManager.releaseObservers();
      const waiting = this.stopping;
      this.stopping = [];
      for (const r of waiting) r();
    }
  }
}
