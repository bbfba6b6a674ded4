/**
 * The dialog layer (RFC 3261 §12, §13.2.2.4, RFC 5057): one dialog actor per dialog, kept in a
 * Map by dialog id (not as XState children: see the design's "Measured constraints"). It turns
 * an INVITE's responses into early and confirmed dialogs — one per To tag when the INVITE forks —
 * ACKs every 2xx, ends the extra dialogs a forked INVITE confirms (ACK then BYE), builds and
 * sends requests inside a dialog, and routes the requests it receives to their dialog.
 */
import { createActor, type ActorRefFrom } from 'xstate';
import { dialog, INVITE_USAGE, type DialogContext } from '../machines/dialog.js';
import type { SIPRequest, SIPResponse } from '../src/sip/message.js';
import {
  buildAck,
  buildInDialogRequest,
  dialogId,
  dialogIdOf,
  uacDialogState,
  uasDialogState,
  type DialogState,
  type InDialogRequestOptions,
} from '../src/sip/dialog-state.js';
import { inspectionHub } from './inspection.js';
import type { ServerTransaction } from './transaction-layer.js';
import type { Authorizer, SendResult, UserAgent } from './user-agent.js';
import type { Clock } from './transaction-layer.js';
import type { Endpoint } from './transport/types.js';

export type DialogActor = ActorRefFrom<typeof dialog>;

/** A dialog as the layer's users see it. */
export interface Dialog {
  readonly id: string;
  readonly actor: DialogActor;
  /** The dialog state now (route set, remote target, sequence numbers...). */
  readonly context: DialogContext;
  /** 'early' | 'confirmed' | 'terminated' */
  readonly status: string;
}

/** A request received in a dialog, for its owner: answer it through `tx`. */
export type InDialogHandler = (dialog: Dialog, tx: ServerTransaction) => void;

/** The ACK of a 2xx we sent in the dialog (§13.3.1.4), for the dialog's owner. */
export type AckHandler = (dialog: Dialog, ack: SIPRequest) => void;

export interface InviteOptions {
  authorize?: Authorizer;
  /** Each time the INVITE goes out to a target: a CANCEL goes to the same place (§9.1). */
  onAttempt?(request: SIPRequest, target: Endpoint): void;
  /** Every provisional response, with the early dialog it created or belongs to (if it has a To tag). */
  onProvisional?(response: SIPResponse, dialog: Dialog | undefined): void;
  /** Another fork confirmed a second dialog: it has been ACKed and will be ended with BYE. */
  onExtraDialog?(dialog: Dialog, response: SIPResponse): void;
  /** Id of the actor the INVITE is for (its session): the transactions' owner in the inspector. */
  owner?: string;
}

export interface InviteResult extends SendResult {
  /** The confirmed dialog (a 2xx), undefined otherwise. */
  dialog: Dialog | undefined;
  /** Every dialog the INVITE created, early ones included. */
  dialogs: Dialog[];
}

interface Rec {
  id: string;
  actor: DialogActor;
  /** The server transaction of the request being handled, while the actor processes it. */
  tx: ServerTransaction | undefined;
  handler: InDialogHandler | undefined;
  ackHandler: AckHandler | undefined;
}

/** A re-INVITE (or other INVITE) in an existing dialog. */
export interface ReinviteOptions extends InDialogRequestOptions {
  authorize?: Authorizer;
  onAttempt?(request: SIPRequest, target: Endpoint): void;
  onProvisional?(response: SIPResponse): void;
  /** The ACK's body when the 2xx carries an offer (our re-INVITE had none, RFC 3264 §5). */
  ackBody?(response: SIPResponse): { body: string; contentType: string } | undefined;
  /** Id of the actor the re-INVITE is for: the transaction's owner in the inspector. */
  owner?: string;
}

export interface DialogLayerOptions {
  clock?: Clock;
  /** How long early dialogs outlive a 2xx from another fork (64·T1 by default: Timer M). */
  forkLinger?: number;
}

/**
 * The Dialog a session keeps for the call's life: a class, because an object literal with
 * getters costs every established call ~450 bytes more (per-call heap budget, issue 6).
 */
class DialogView implements Dialog {
  constructor(
    readonly id: string,
    readonly actor: DialogActor,
  ) {}

  get context(): DialogContext {
    return this.actor.getSnapshot().context;
  }

  get status(): string {
    return String(this.actor.getSnapshot().value);
  }
}

export class DialogLayer {
  private readonly dialogs = new Map<string, Rec>();
  private readonly logic;
  private defaultHandler: InDialogHandler | undefined;

  constructor(
    private readonly ua: UserAgent,
    private readonly options: DialogLayerOptions = {},
  ) {
    const rec = (ctx: DialogContext): Rec | undefined => this.dialogs.get(dialogId(ctx));
    this.logic = dialog.provide({
      actions: {
        passRequest: ({ context }) => {
          const r = rec(context);
          if (!r?.tx) return;
          const handler = r.handler ?? this.defaultHandler;
          if (handler) handler(this.view(r), r.tx);
          else r.tx.respond(r.tx.reply(r.tx.request.method === 'BYE' ? 200 : 501));
        },
        // §12.2.2: a lower CSeq than the remote sequence number gets 500.
        rejectOutOfOrder: ({ context }) => {
          const r = rec(context);
          if (r?.tx) r.tx.respond(r.tx.reply(500, 'Server Internal Error', [['Retry-After', '1']]));
        },
        terminate: ({ context }) => {
          const r = rec(context);
          this.dialogs.delete(dialogId(context));
          if (r) inspectionHub.unregister(r.actor);
        },
      },
    });
    ua.claimInDialog((tx) => this.claim(tx));
    ua.claimAck((ack) => this.claimAck(ack));
  }

  /** Who answers in-dialog requests of dialogs that have no handler of their own. */
  onRequest(handler: InDialogHandler): void {
    this.defaultHandler = handler;
  }

  /** Route the requests of one dialog to `handler` (and its 2xx ACKs to `onAck`). */
  setHandler(d: Dialog, handler: InDialogHandler, onAck?: AckHandler): void {
    const r = this.dialogs.get(d.id);
    if (!r) return;
    r.handler = handler;
    r.ackHandler = onAck;
  }

  get(id: string): Dialog | undefined {
    const r = this.dialogs.get(id);
    return r && this.view(r);
  }

  get size(): number {
    return this.dialogs.size;
  }

  private view(r: Rec): Dialog {
    return new DialogView(r.id, r.actor);
  }

  private create(state: DialogState, side: 'uac' | 'uas', confirmed: boolean): Rec {
    const id = dialogId(state);
    const actor = createActor(this.logic, { id: `dialog:${id}`, input: { state, side, usages: [INVITE_USAGE] }, ...(this.options.clock ? { clock: this.options.clock } : {}), ...inspectionHub.options });
    const r: Rec = { id, actor, tx: undefined, handler: undefined, ackHandler: undefined };
    this.dialogs.set(id, r);
    inspectionHub.register(actor, { id: actor.id, kind: this.logic.id });
    actor.start();
    if (confirmed) actor.send({ type: 'confirm' });
    return r;
  }

  /** A UAS dialog for an INVITE we answer with `response` (1xx with our To tag, or 2xx). */
  createUas(request: SIPRequest, response: SIPResponse, overTls = false): Dialog {
    const state = uasDialogState(request, response, overTls);
    const existing = this.dialogs.get(dialogId(state));
    if (existing) {
      if (response.status >= 200 && response.status < 300) existing.actor.send({ type: 'confirm' });
      return this.view(existing);
    }
    return this.view(this.create(state, 'uas', response.status >= 200 && response.status < 300));
  }

  // ---- UAC: INVITE ------------------------------------------------------------------------

  /**
   * Send an INVITE and follow its dialogs (§13.2.2): an early dialog per 1xx To tag, the 2xx's
   * dialog confirmed and ACKed, other forks' 2xx ACKed and ended with BYE (§13.2.2.4), early
   * dialogs failed by a non-2xx final response.
   */
  async invite(request: SIPRequest, options: InviteOptions = {}): Promise<InviteResult> {
    const created = new Map<string, Rec>();
    let confirmed: Rec | undefined;
    const earlyFor = (res: SIPResponse, req: SIPRequest): Rec | undefined => {
      if (res.to?.tag === undefined) return undefined;
      const id = dialogIdOf(res, 'uac');
      if (id === undefined) return undefined;
      let r = this.dialogs.get(id);
      if (!r) {
        r = this.create(uacDialogState(req, res, req.topVia?.transport === 'TLS'), 'uac', false);
        created.set(id, r);
      }
      return r;
    };
    const result = await this.ua.send(request, {
      authorize: options.authorize,
      owner: options.owner,
      onAttempt: options.onAttempt,
      onProvisional: (res, req) => {
        const r = res.status > 100 ? earlyFor(res, req) : undefined;
        options.onProvisional?.(res, r && this.view(r));
      },
      onLaterFinal: (res, req) => {
        if (res.status < 200 || res.status >= 300) return;
        const r = earlyFor(res, req);
        if (!r) return;
        if (r === confirmed || r.actor.getSnapshot().value === 'confirmed') {
          // A retransmitted 2xx: our ACK was lost; send it again (§13.2.2.4).
          void this.sendAck(r, req);
          return;
        }
        // Another fork answered: confirm, ACK, then end it with BYE (§13.2.2.4).
        r.actor.send({ type: 'confirm', response: res });
        void this.sendAck(r, req).then(() => this.request(this.view(r), 'BYE'));
        options.onExtraDialog?.(this.view(r), res);
      },
    });
    const res = result.response;
    if (res.status >= 200 && res.status < 300 && !result.local) {
      confirmed = earlyFor(res, result.request);
      if (confirmed) {
        confirmed.actor.send({ type: 'confirm', response: res });
        await this.sendAck(confirmed, result.request);
      }
      // Early dialogs of other forks may still get a 2xx while the INVITE transaction lives
      // (Timer M); after that they are gone.
      const linger = this.options.forkLinger ?? 64 * this.ua.transactions.timers.T1;
      const others = [...created.values()].filter((r) => r !== confirmed);
      if (others.length) {
        setTimeout(() => {
          for (const r of others) if (r.actor.getSnapshot().value === 'early') r.actor.send({ type: 'fail' });
        }, linger).unref();
      }
    } else {
      for (const r of created.values()) r.actor.send({ type: 'fail' });
    }
    return { ...result, dialog: confirmed && this.view(confirmed), dialogs: [...created.values()].map((r) => this.view(r)) };
  }

  /**
   * The ACK for a 2xx (§13.2.2.4), for the initial INVITE and re-INVITEs alike: "The sequence
   * number of the CSeq header field MUST be the same as the INVITE being acknowledged ... The ACK
   * MUST contain the same credentials as the INVITE." Sent outside any transaction; `body` is the
   * answer when the 2xx carried an offer.
   */
  private async sendAck(r: Rec, invite: SIPRequest, body?: { body: string; contentType: string }): Promise<void> {
    const credentials = ['Authorization', 'Proxy-Authorization'].flatMap((h) => invite.getAll(h).map((v) => [h, v] as [string, string]));
    const ack = buildAck(r.actor.getSnapshot().context, invite.cseq!.seq, { ...(body ?? {}), headers: credentials });
    try {
      await this.ua.sendStateless(ack);
    } catch {
      // Nothing to do: the 2xx will be retransmitted and we will ACK again.
    }
  }

  // ---- requests inside a dialog ------------------------------------------------------------

  /**
   * Build a request in the dialog (§12.2.1.1: CSeq, route set, remote target) and send it. A BYE
   * ends the invite usage when it completes; a 481 or a timeout ends the dialog (§12.2.1.2).
   */
  async request(d: Dialog, method: string, options: InDialogRequestOptions & { authorize?: Authorizer; owner?: string } = {}): Promise<SendResult> {
    const r = this.dialogs.get(d.id);
    if (!r) throw new Error(`dialog ${d.id} is gone`);
    const { request } = buildInDialogRequest(r.actor.getSnapshot().context, method, options);
    r.actor.send({ type: 'send', method });
    const result = await this.ua.send(request, { authorize: options.authorize, owner: options.owner });
    const status = result.response.status;
    if (status === 481 || status === 408) r.actor.send({ type: 'terminate' });
    else if (method === 'BYE') r.actor.send({ type: 'removeUsage', usage: INVITE_USAGE });
    return result;
  }

  /**
   * An INVITE in the dialog (a re-INVITE, §14.1): sent like any request in the dialog; a 2xx
   * refreshes the remote target (§12.2.1.2) and is ACKed (§13.2.2.4) — and so is every
   * retransmission of it. A 481 or a timeout ends the dialog (§12.2.1.2, RFC 5057 §5.1).
   */
  async reinvite(d: Dialog, options: ReinviteOptions = {}): Promise<SendResult> {
    const r = this.dialogs.get(d.id);
    if (!r) throw new Error(`dialog ${d.id} is gone`);
    const { request } = buildInDialogRequest(r.actor.getSnapshot().context, 'INVITE', options);
    r.actor.send({ type: 'send', method: 'INVITE' });
    const ackFor = (res: SIPResponse, req: SIPRequest) => void this.sendAck(r, req, options.ackBody?.(res));
    const result = await this.ua.send(request, {
      authorize: options.authorize,
      owner: options.owner,
      onAttempt: options.onAttempt,
      onProvisional: (res) => options.onProvisional?.(res),
      onLaterFinal: (res, req) => {
        if (res.status >= 200 && res.status < 300) ackFor(res, req);
      },
    });
    const status = result.response.status;
    if (status >= 200 && status < 300 && !result.local) {
      r.actor.send({ type: 'refresh', message: result.response });
      ackFor(result.response, result.request);
    } else if (status === 481 || status === 408) r.actor.send({ type: 'terminate' });
    return result;
  }

  /** End a dialog now (the session is over without a BYE: 481, a failed early dialog...). */
  terminate(d: Dialog): void {
    this.dialogs.get(d.id)?.actor.send({ type: 'terminate' });
  }

  // ---- incoming -----------------------------------------------------------------------------

  private claim(tx: ServerTransaction): boolean {
    const id = dialogIdOf(tx.request, 'uas');
    const r = id === undefined ? undefined : this.dialogs.get(id);
    if (!r) return false;
    r.tx = tx;
    try {
      r.actor.send({ type: 'request', request: tx.request });
    } finally {
      r.tx = undefined;
    }
    return true;
  }

  private claimAck(ack: SIPRequest): boolean {
    const id = dialogIdOf(ack, 'uas');
    const r = id === undefined ? undefined : this.dialogs.get(id);
    if (!r) return false;
    r.ackHandler?.(this.view(r), ack);
    return true;
  }

  /** End every dialog (the owner is stopping). */
  stop(): void {
    for (const r of [...this.dialogs.values()]) {
      r.actor.stop();
      inspectionHub.unregister(r.actor);
    }
    this.dialogs.clear();
  }
}
