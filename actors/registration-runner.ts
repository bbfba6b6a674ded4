/**
 * Runs an account's registration machine (machines/registration.ts) against the network: builds
 * and sends the REGISTERs (RFC 3261 §10.2), answers digest challenges, turns the outcome into the
 * machine's events, and posts what the machine emits as the Middleware API's notifications with
 * the account as sender.
 *
 * Routes: the registrar (or the outbound proxy) is resolved once per start with RFC 3263; the
 * machine fails over across that list by index (`context.route`).
 */
import { createActor, type ActorRefFrom } from 'xstate';
import { registration } from '../machines/registration.js';
import type { NotificationCenter } from '../src/api/notification-center.js';
import { DigestClient } from '../src/sip/digest.js';
import type { SIPRequest } from '../src/sip/message.js';
import { registrationResponse } from '../src/sip/registration-response.js';
import { createRequest } from '../src/sip/request-builder.js';
import { randomToken } from '../src/sip/transaction-keys.js';
import { SipURI } from '../src/sip/uri.js';
import { inspectionHub } from './inspection.js';
import type { Clock } from './transaction-layer.js';
import type { Endpoint, TLSSettings } from './transport/types.js';
import { digestAuthorizer, type UserAgent } from './user-agent.js';

export interface RegistrationRunnerOptions {
  ua: UserAgent;
  /** The address of record (To and From). */
  aor: SipURI;
  /** Our Contact for REGISTER (§10.2.1). */
  contact: () => SipURI;
  credentials?: { username: string; password: string };
  outboundProxy?: SipURI;
  /** Requested interval (s). */
  expires: number;
  /** Backoff after failure (s). */
  retry?: { min: number; max: number };
  center: NotificationCenter;
  /** Who the notifications come from: the Account. */
  sender: object;
  /** Resolve the registrar's targets (RFC 3263); default the UA's resolver on the next hop. */
  resolve?: (uri: SipURI) => Promise<Endpoint[]>;
  clock?: Clock;
  /** TLS settings for new connections (the account's, R-TR-2). */
  tls?: TLSSettings;
}

declare module '../src/api/notification-center.js' {
  interface NotificationDataMap {
    SIPAccountWillRegister: Record<string, never>;
    SIPAccountRegistrationWillRefresh: Record<string, never>;
    SIPAccountRegistrationDidSucceed: { contact_header: string | undefined; contact_header_list: string[]; expires: number; registrar: Endpoint | undefined };
    SIPAccountRegistrationDidFail: { error: string; timeout: number };
    SIPAccountRegistrationDidEnd: { registration: RegistrationRunner };
    SIPAccountRegistrationDidNotEnd: { code: number; reason: string; registration: RegistrationRunner };
    SIPAccountRegistrationGotAnswer: { code: number; reason: string; registration: RegistrationRunner; registrar: Endpoint | undefined };
  }
}

type RegistrationActor = ActorRefFrom<typeof registration>;

export class RegistrationRunner {
  /** Same Call-ID for every REGISTER of this run (§10.2.4). */
  private readonly callId = randomToken(20);
  private cseq = 0;
  private targets: Endpoint[] = [];
  private readonly digest: DigestClient | undefined;
  private actor: RegistrationActor | undefined;
  private ended: Promise<void> | undefined;
  /** Where the last REGISTER went (the binding lives on that flow). */
  private current: Endpoint | undefined;
  private unwatch: (() => void) | undefined;

  constructor(private readonly o: RegistrationRunnerOptions) {
    this.digest = o.credentials ? new DigestClient(o.credentials) : undefined;
  }

  /** The machine's actor (for inspection and tests). */
  get machine(): RegistrationActor | undefined {
    return this.actor;
  }

  get state(): string {
    return this.actor ? String(this.actor.getSnapshot().value) : 'idle';
  }

  async start(): Promise<void> {
    if (this.actor) return;
    const nextHop = this.o.outboundProxy ?? new SipURI({ scheme: this.o.aor.scheme, host: this.o.aor.host, port: this.o.aor.port });
    try {
      this.targets = this.o.resolve ? await this.o.resolve(nextHop) : [];
    } catch {
      this.targets = [];
    }
    const logic = registration.provide({
      actions: {
        sendRegister: ({ context }) => void this.send(context.route, context.expires),
        sendUnregister: ({ context }) => void this.send(context.route, 0),
      },
    });
    const actor = createActor(logic, {
      id: `registration:${this.o.aor.toString()}`,
      input: {
        id: this.o.aor.toString(),
        expires: this.o.expires,
        routes: Math.max(1, this.targets.length),
        retry: this.o.retry ?? { min: 5, max: 300 },
        seed: Math.floor(Math.random() * 0xffffffff),
        T1: this.o.ua.transactions.timers.T1,
      },
      ...(this.o.clock ? { clock: this.o.clock } : {}),
      ...inspectionHub.options,
    });
    inspectionHub.register(actor, { id: actor.id, kind: logic.id });
    actor.on('*', (e) => this.forward(e));
    // A registration over a connection lives as long as the connection: when the registrar's
    // side of the flow closes (not by us), register again at once (RFC 5626 §4.4.1's reasoning;
    // the machine's `transportLost`).
    this.unwatch = this.o.ua.transports.onConnection((ev) => {
      const c = this.current;
      if (ev.type !== 'close' || !c || ev.reason === 'local' || ev.reason === 'shutdown') return;
      const r = ev.connection.remote;
      if (r.protocol === c.protocol && r.port === c.port && r.address === c.address) this.actor?.send({ type: 'transportLost' });
    });
    this.ended = new Promise<void>((resolve) => actor.subscribe({ complete: () => resolve(), error: () => resolve() })).then(() => inspectionHub.unregister(actor));
    this.actor = actor;
    actor.start();
    actor.send({ type: 'start' });
  }

  /** Unregister and end; resolves when the machine is done (bounded by 64·T1 in the machine). */
  async stop(): Promise<void> {
    if (!this.actor) return;
    this.actor.send({ type: 'stop' });
    await this.ended;
    this.unwatch?.();
    this.unwatch = undefined;
  }

  /** The local address changed or the flow died: re-register now. */
  networkChanged(): void {
    this.actor?.send({ type: 'networkChanged' });
  }

  private request(expires: number): SIPRequest {
    // §10.2.1: Request-URI is the registrar's domain without user part; To and From the AOR;
    // same Call-ID, CSeq incremented for every REGISTER; Contact with our address.
    const req = createRequest({
      method: 'REGISTER',
      uri: new SipURI({ scheme: this.o.aor.scheme, host: this.o.aor.host, port: this.o.aor.port }),
      from: this.o.aor,
      to: this.o.aor,
      callId: this.callId,
      cseq: ++this.cseq,
      contact: this.o.contact(),
      routes: this.o.outboundProxy ? [withLr(this.o.outboundProxy)] : [],
      headers: [['Expires', String(expires)]],
      userAgent: this.o.ua.userAgent,
    });
    // Pre-emptive credentials for the realm that challenged this Call-ID before (RFC 3261 §22.3).
    if (this.digest) for (const [name, value] of this.digest.authorizationFor(req)) req.append(name, value);
    return req;
  }

  private async send(route: number, expires: number): Promise<void> {
    const actor = this.actor;
    if (!actor) return;
    const req = this.request(expires);
    const target = this.targets[route];
    this.current = target;
    let credentialsRejected = false;
    const result = await this.o.ua.send(req, {
      targets: target ? [target] : undefined,
      tls: this.o.tls,
      owner: actor.id,
      authorize: digestAuthorizer(this.digest, (answer, res) => {
        if (!answer.ok) credentialsRejected = true;
        // The machine never sees a challenge the digest layer answers, but the spec's
        // GotAnswer is posted for every response to a REGISTER (§6.2).
        else this.o.center.post('SIPAccountRegistrationGotAnswer', this.o.sender, { code: res.status, reason: res.reason, registration: this, registrar: target });
      }),
    });
    // Keep our CSeq ahead of the authenticated retries the UA core made (§22.2).
    this.cseq = Math.max(this.cseq, result.request.cseq?.seq ?? this.cseq);
    const res = result.response;
    if (result.local) actor.send(res.status === 408 ? { type: 'timeout' } : { type: 'transportError', error: res.reason });
    else if ((res.status === 401 || res.status === 407) && (credentialsRejected || !this.digest))
      actor.send({ type: 'credentialsRejected', status: res.status, reason: res.reason });
    else actor.send({ type: 'response', ...registrationResponse(res, this.o.contact()) });
  }

  /** Machine emissions → notifications, with our objects in place of indexes. */
  private forward(e: { type: string } & Record<string, unknown>): void {
    const registrar = typeof e.registrar === 'number' ? this.targets[e.registrar] : undefined;
    const { type, ...data } = e;
    if ('registration' in data) data.registration = this;
    if ('registrar' in data) data.registrar = registrar;
    this.o.center.post(type, this.o.sender, data as never);
  }
}

function withLr(uri: SipURI): SipURI {
  const u = uri.clone();
  u.lr = true;
  return u;
}
