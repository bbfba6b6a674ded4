/**
 * Runs a subscriber machine (machines/subscription.ts, RFC 6665) against the network: the
 * initial SUBSCRIBE (a new dialog), refreshes and the unsubscribe inside the dialog (RFC 6665
 * §4.1.2), digest answers, and the NOTIFYs of the subscription — answered 200 and fed to the
 * machine, even when one arrives before the 2xx (§4.1.2.4). What the machine emits is handed to
 * the owner, which names the notifications for its event package (message-summary → MWI).
 */
import { createActor, type ActorRefFrom } from 'xstate';
import { notifyFields, subscription, type SubscriptionEmitted } from '../machines/subscription.js';
import { DigestClient } from '../src/sip/digest.js';
import { buildInDialogRequest, uacDialogState, type DialogState } from '../src/sip/dialog-state.js';
import type { SIPRequest } from '../src/sip/message.js';
import { responseFields } from '../src/sip/registration-response.js';
import { createRequest } from '../src/sip/request-builder.js';
import { randomToken } from '../src/sip/transaction-keys.js';
import type { SipURI } from '../src/sip/uri.js';
import { inspectionHub } from './inspection.js';
import type { ServerTransaction, Clock } from './transaction-layer.js';
import type { Endpoint, TLSSettings } from './transport/types.js';
import { digestAuthorizer, type Authorizer, type UserAgent } from './user-agent.js';

export interface SubscriptionRunnerOptions {
  ua: UserAgent;
  /** Our address (From). */
  from: SipURI;
  /** The resource subscribed to (Request-URI and To). */
  resource: SipURI;
  event: string;
  accept?: string[];
  expires: number;
  contact: () => SipURI;
  credentials?: { username: string; password: string };
  outboundProxy?: SipURI;
  retry?: { min: number; max: number };
  /** Everything the machine emits (subscriptionDidStart, gotNotify, subscriptionDidFail, subscriptionDidEnd). */
  onEmitted(event: SubscriptionEmitted, runner: SubscriptionRunner): void;
  targets?: Endpoint[];
  clock?: Clock;
  /** TLS settings for new connections (the account's, R-TR-2). */
  tls?: TLSSettings;
}

export class SubscriptionRunner {
  private actor: ActorRefFrom<typeof subscription> | undefined;
  private ended: Promise<void> | undefined;
  private readonly authorize: Authorizer | undefined;
  /** The current subscription's dialog: Call-ID and our tag are set at the initial SUBSCRIBE. */
  private callId = '';
  private localTag = '';
  private cseq = 0;
  private dialog: DialogState | undefined;
  private lastSubscribe: SIPRequest | undefined;
  private release: (() => void) | undefined;
  /** Resolves when a NOTIFY with Subscription-State: terminated arrives. */
  private sawTerminated: (() => void) | undefined;

  constructor(private readonly o: SubscriptionRunnerOptions) {
    this.authorize = digestAuthorizer(o.credentials ? new DigestClient(o.credentials) : undefined);
  }

  get state(): string {
    return this.actor ? JSON.stringify(this.actor.getSnapshot().value) : '"idle"';
  }

  get machine(): ActorRefFrom<typeof subscription> | undefined {
    return this.actor;
  }

  start(): void {
    if (this.actor) return;
    this.release = this.o.ua.claimInDialog((tx) => this.claim(tx));
    const logic = subscription.provide({
      actions: {
        sendSubscribe: ({ context }) => void this.sendInitial(context.expires),
        sendRefresh: ({ context }) => void this.sendInDialog(context.expires),
        sendUnsubscribe: () => void this.sendInDialog(0),
      },
    });
    const actor = createActor(logic, {
      id: `subscription:${this.o.event}:${this.o.resource.toString()}`,
      input: { id: this.o.resource.toString(), event: this.o.event, expires: this.o.expires, retry: this.o.retry ?? { min: 5, max: 300 }, T1: this.o.ua.transactions.timers.T1, seed: Math.floor(Math.random() * 0xffffffff) },
      ...(this.o.clock ? { clock: this.o.clock } : {}),
      ...inspectionHub.options,
    });
    inspectionHub.register(actor, { id: actor.id, kind: logic.id });
    actor.on('*', (e) => this.o.onEmitted(e, this));
    this.ended = new Promise<void>((resolve) => actor.subscribe({ complete: () => resolve(), error: () => resolve() })).then(() => inspectionHub.unregister(actor));
    this.actor = actor;
    actor.start();
    actor.send({ type: 'start' });
  }

  /** Unsubscribe and end (bounded by the machine's 64·T1 limit). */
  async stop(): Promise<void> {
    if (!this.actor) return;
    const terminated = new Promise<void>((resolve) => (this.sawTerminated = resolve));
    const hadDialog = this.dialog !== undefined;
    this.actor.send({ type: 'stop' });
    await this.ended;
    // §4.1.2.3: "a successful unsubscription will also trigger a final NOTIFY". Wait a little for
    // it, so that it is answered before the owner closes the transports.
    if (hadDialog) await Promise.race([terminated, new Promise((r) => setTimeout(r, 8 * this.o.ua.transactions.timers.T1).unref())]);
    // Any later NOTIFY of this dialog is still answered for a while.
    const release = this.release;
    this.release = undefined;
    setTimeout(() => release?.(), 64 * this.o.ua.transactions.timers.T1).unref();
  }


  /** RFC 6665 §4.1.2.1: an initial SUBSCRIBE creates a new dialog (new Call-ID and From tag). */
  private async sendInitial(expires: number): Promise<void> {
    this.callId = randomToken(20);
    this.localTag = randomToken(10);
    this.dialog = undefined;
    const req = createRequest({
      method: 'SUBSCRIBE',
      uri: this.o.resource,
      from: `<${this.o.from.toString()}>;tag=${this.localTag}`,
      to: this.o.resource,
      callId: this.callId,
      cseq: (this.cseq = 1),
      contact: this.o.contact(),
      routes: this.o.outboundProxy ? [withLr(this.o.outboundProxy)] : [],
      headers: [['Event', this.o.event], ['Expires', String(expires)], ...(this.o.accept ? [['Accept', this.o.accept.join(', ')] as [string, string]] : [])],
      userAgent: this.o.ua.userAgent,
    });
    await this.transact(req);
  }

  private async sendInDialog(expires: number): Promise<void> {
    if (!this.dialog) {
      // No dialog (the initial SUBSCRIBE never got a 2xx nor a NOTIFY): nothing to refresh.
      this.actor?.send({ type: 'timeout' });
      return;
    }
    const { request, state } = buildInDialogRequest(this.dialog, 'SUBSCRIBE', {
      headers: [['Event', this.o.event], ['Expires', String(expires)], ['Contact', `<${this.o.contact().toString()}>`]],
    });
    this.dialog = state;
    await this.transact(request);
  }

  private async transact(req: SIPRequest): Promise<void> {
    const result = await this.o.ua.send(req, { targets: this.o.targets, authorize: this.authorize, tls: this.o.tls, owner: this.actor?.id });
    this.lastSubscribe = result.request;
    this.cseq = Math.max(this.cseq, result.request.cseq?.seq ?? 0);
    if (this.dialog) this.dialog = { ...this.dialog, localSeq: Math.max(this.dialog.localSeq, this.cseq) };
    const res = result.response;
    if (result.local) {
      this.actor?.send({ type: 'timeout' });
      return;
    }
    // §4.1.2.1: a 2xx to the initial SUBSCRIBE establishes the dialog (unless a NOTIFY did).
    if (res.status >= 200 && res.status < 300 && !this.dialog && res.to?.tag) this.dialog = uacDialogState(result.request, res);
    this.actor?.send({ type: 'response', ...responseFields(res) });
  }

  /** NOTIFYs of this subscription: To tag = our From tag, same Call-ID (RFC 6665 §4.1.3). */
  private claim(tx: ServerTransaction): boolean {
    const req = tx.request;
    if (req.method !== 'NOTIFY' || req.callId !== this.callId || req.to?.tag !== this.localTag) return false;
    const fields = notifyFields(req);
    if (!fields) {
      // §4.1.3: a NOTIFY without a valid Subscription-State is a 400.
      tx.respond(tx.reply(400, 'Missing or malformed Subscription-State'));
      return true;
    }
    tx.respond(tx.reply(200));
    if (fields.state === 'terminated') this.sawTerminated?.();
    if (!this.dialog && this.lastSubscribe) this.dialog = dialogFromNotify(this.lastSubscribe, req);
    this.actor?.send({ type: 'notify', ...fields });
    return true;
  }
}

/**
 * A NOTIFY that arrives before the 2xx creates the dialog (RFC 6665 §4.1.2.4): remote tag and
 * target from the NOTIFY's From and Contact, route set from its Record-Route in order.
 */
function dialogFromNotify(subscribe: SIPRequest, notify: SIPRequest): DialogState {
  const contact = notify.contact.find((c) => !('wildcard' in c));
  return {
    callId: subscribe.callId ?? '',
    localTag: subscribe.from?.tag ?? '',
    remoteTag: notify.from?.tag ?? '',
    localSeq: subscribe.cseq?.seq ?? 1,
    remoteSeq: notify.cseq?.seq,
    localUri: subscribe.get('From')?.replace(/;\s*tag=[^;]*/i, '') ?? '',
    remoteUri: notify.get('From')?.replace(/;\s*tag=[^;]*/i, '') ?? '',
    remoteTarget: contact && 'uri' in contact ? contact.uri.toString() : subscribe.uri.toString(),
    routeSet: notify.getAll('Record-Route'),
    secure: false,
  };
}

function withLr(uri: SipURI): SipURI {
  const u = uri.clone();
  u.lr = true;
  return u;
}
