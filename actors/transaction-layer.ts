/**
 * The transaction layer (RFC 3261 §17): matches every message to its transaction, runs one
 * actor per transaction, and provides the transaction machines' named actions with real I/O.
 *
 * Transactions are created with `createActor` and kept in this layer's Maps — not spawned as
 * XState children — because a parent holding thousands of children makes every spawn copy its
 * children map (design, "Measured constraints"). The actor's id is the transaction key
 * (§17.1.3 / §17.2.3) and its input carries the owner, so the inspector still shows ownership.
 * The machines are `provide`d once per layer: the action implementations look the transaction
 * up by `context.id`, so no closure is created per transaction.
 */
import { createActor, type ActorOptions, type AnyActorRef, type AnyActorLogic, type InspectionEvent, type Observer } from 'xstate';

/** XState's clock interface (setTimeout/clearTimeout), as `createActor` takes it. */
export type Clock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;
import { inviteClientTransaction } from '../machines/invite-client-transaction.js';
import { inviteServerTransaction } from '../machines/invite-server-transaction.js';
import { nonInviteClientTransaction } from '../machines/non-invite-client-transaction.js';
import { nonInviteServerTransaction } from '../machines/non-invite-server-transaction.js';
import { defaultTimers, type TimerSettings } from '../machines/transaction-timers.js';
import { Via } from '../src/sip/headers/via.js';
import { SIPRequest, SIPResponse } from '../src/sip/message.js';
import { ackForNon2xx } from '../src/sip/requests.js';
import { inspectionHub } from './inspection.js';
import { cancelTargetKey, clientKey, newBranch, randomToken, responseKey, serverKey } from '../src/sip/transaction-keys.js';
import type { Endpoint, Inbound, TLSSettings, TransportProtocol } from './transport/types.js';

/** What the layer needs from the transport manager. */
export interface SIPTransport {
  send(target: Endpoint, data: Buffer, options?: { connectionId?: number; tls?: TLSSettings }): Promise<void>;
  sendResponse(response: SIPResponse, request: Inbound): Promise<void>;
  readonly listening: readonly Endpoint[];
}

export interface TransactionLayerOptions {
  /** T1, T2, T4 (RFC 3261 §17, Table 4); defaults 500 ms, 4 s, 5 s. */
  timers?: Partial<TimerSettings>;
  /** The clock timers run on (XState's SimulatedClock in tests). */
  clock?: Clock;
  /** Inspection observer, attached only while an inspector is connected (it costs 30-46%). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /**
   * Most server transactions one source address may have waiting for a final response before
   * its new requests get 503 (default 1,000): a peer sending faster than we answer is cut off.
   */
  maxPendingPerSource?: number;
  /**
   * Most live server transactions in all (default 200,000). Completed ones live on for Timer J /
   * I so retransmissions are absorbed (§17.2); this bounds the memory they can take.
   */
  maxServerTransactions?: number;
  /** Retry-After (seconds) of that 503 (default 5). */
  retryAfter?: number;
  /** §18.1.1: requests larger than this that would go over UDP go over TCP (default 1300). */
  maxUdpRequestSize?: number;
  /** Id of the owner, shown as the transactions' logical parent by the inspector. */
  owner?: string;
}

/** Callbacks of one client transaction (the TU's view, RFC 3261 §17.1). */
export interface ClientTransactionHandlers {
  /** TLS settings for a new connection this transaction opens (per-account CA list, certificate, verify_server). */
  tls?: TLSSettings;
  onResponse?(response: SIPResponse, tx: ClientTransaction): void;
  /** Timer B or F fired with no final response (§17.1.1.2, §17.1.2.2): treat as 408. */
  onTimeout?(tx: ClientTransaction): void;
  onTransportError?(error: Error, tx: ClientTransaction): void;
  onTerminated?(tx: ClientTransaction): void;
  /** Id of the actor this transaction works for (a session, a registration): its parent in the inspector's tree. */
  owner?: string;
}

/** The TU: the UA core above the transaction layer. */
export interface TransactionUser {
  /** A new request (not ACK, not a retransmission); answer it with `tx.respond()`. */
  onRequest(tx: ServerTransaction): void;
  /** An ACK that matched no transaction: the ACK for a 2xx, which belongs to the dialog (§13.3.1.4). */
  onAck?(ack: SIPRequest, inbound: Inbound): void;
  /** A CANCEL that matched a pending INVITE transaction (§9.2). Default: 200 to the CANCEL, 487 to the INVITE. */
  onCancel?(cancel: ServerTransaction, invite: ServerTransaction): void;
  /** A 2xx to an INVITE that matched no transaction (a late retransmission, RFC 6026 §7.2). */
  onStrayResponse?(response: SIPResponse, inbound: Inbound): void;
  /** The INVITE server transaction saw no ACK for its final response (Timer H). */
  onServerTimeout?(tx: ServerTransaction): void;
  onServerTransportError?(error: Error, tx: ServerTransaction): void;
}

export interface ClientTransaction {
  readonly key: string;
  readonly request: SIPRequest;
  readonly target: Endpoint;
  readonly actor: AnyActorRef;
}

export interface ServerTransaction {
  readonly key: string;
  readonly request: SIPRequest;
  readonly inbound: Inbound;
  readonly actor: AnyActorRef;
  /** Send a response through the transaction (§17.2: the TU passes responses to it). */
  respond(response: SIPResponse): void;
  /** Build a response with Via, From, To, Call-ID, CSeq copied and our To tag (§8.2.6). */
  reply(status: number, reason?: string, headers?: ConstructorParameters<typeof SIPResponse>[0]['headers']): SIPResponse;
  /** The To tag this transaction answers with (stable across its responses, §8.2.6.2). */
  readonly toTag: string;
  /**
   * True once the TU has passed a final response to `respond()`. The TU often runs inside the
   * transaction's own action (the request is handed up while the actor processes it), so the
   * response waits in the actor's mailbox and the actor's state cannot tell yet.
   */
  readonly answered: boolean;
  /**
   * For an INVITE answered with a non-2xx final response: whether its ACK came (true, §17.2.1)
   * or Timer H fired first (false). 'unknown' when the transaction ended otherwise (after a 2xx,
   * whose ACK belongs to the dialog, §13.3.1.4).
   */
  ackOutcome(): Promise<boolean | 'unknown'>;
}

interface ClientRecord extends ClientTransaction {
  actor: AnyActorRef;
  handlers: ClientTransactionHandlers;
  wire: Buffer;
  ackWire: Buffer | undefined;
}

interface ServerRecord extends ServerTransaction {
  actor: AnyActorRef;
  source: string;
  /** False for requests the layer answers itself (a CANCEL, §9.2). */
  toUser: boolean;
  /** Still counted in `pending` (no final response sent yet). */
  pending: boolean;
  lastResponse: SIPResponse | undefined;
  answered: boolean;
  /** What ackOutcome() resolves to, once known; and who waits for it (created when asked). */
  ack: boolean | 'unknown' | undefined;
  ackWaiters: ((ack: boolean | 'unknown') => void)[] | undefined;
}

const RELIABLE: Record<TransportProtocol, boolean> = { UDP: false, TCP: true, TLS: true, WS: true, WSS: true };

/** The first outcome of a server transaction's ACK wait is the one ackOutcome() reports. */
function settleAck(r: ServerRecord, ack: boolean | 'unknown'): void {
  if (r.ack !== undefined) return;
  r.ack = ack;
  const waiters = r.ackWaiters;
  r.ackWaiters = undefined;
  if (waiters) for (const w of waiters) w(ack);
}

type Ctx = { context: { id: string } };
type CtxEvent<E> = { context: { id: string }; event: E };

export class TransactionLayer {
  readonly timers: TimerSettings;
  private readonly clients = new Map<string, ClientRecord>();
  private readonly servers = new Map<string, ServerRecord>();
  /** Server transactions still waiting for a final response, per source address. */
  private readonly perSource = new Map<string, number>();
  private readonly ict;
  private readonly nict;
  private readonly ist;
  private readonly nist;
  private tu: TransactionUser | undefined;
  /** Only the options that are set: XState treats a present-but-undefined clock as a clock. */
  private readonly actorOptions: { clock?: Clock; inspect?: TransactionLayerOptions['inspect'] };

  constructor(
    private readonly transport: SIPTransport,
    private readonly options: TransactionLayerOptions = {},
  ) {
    this.timers = { ...defaultTimers, ...options.timers };
    this.actorOptions = {};
    if (options.clock) this.actorOptions.clock = options.clock;
    if (options.inspect) this.actorOptions.inspect = options.inspect;

    const client = (id: string): ClientRecord | undefined => this.clients.get(id);
    const server = (id: string): ServerRecord | undefined => this.servers.get(id);
    const clientActions = {
      sendRequest: ({ context }: Ctx) => {
        const r = client(context.id);
        if (r) this.transmit(r, r.wire);
      },
      passResponse: ({ context, event }: CtxEvent<{ type: string; response?: SIPResponse }>) => {
        const r = client(context.id);
        if (r && event.response) r.handlers.onResponse?.(event.response, r);
      },
      reportTimeout: ({ context }: Ctx) => {
        const r = client(context.id);
        if (r) r.handlers.onTimeout?.(r);
      },
      reportTransportError: ({ context, event }: CtxEvent<{ type: string; error?: Error }>) => {
        const r = client(context.id);
        if (r) r.handlers.onTransportError?.(event.error ?? new Error('transport error'), r);
      },
      terminate: ({ context }: Ctx) => {
        const r = client(context.id);
        if (!r) return;
        this.clients.delete(context.id);
        inspectionHub.unregister(r.actor);
        r.handlers.onTerminated?.(r);
      },
    };
    this.nict = nonInviteClientTransaction.provide({ actions: clientActions });
    this.ict = inviteClientTransaction.provide({
      actions: {
        ...clientActions,
        // §17.1.1.3: the ACK of a 300-699 response is built by the transaction, sent where the
        // INVITE went, and re-sent unchanged for every retransmission of that response.
        sendAck: ({ context, event }: CtxEvent<{ type: string; response?: SIPResponse }>) => {
          const r = client(context.id);
          if (!r || !event.response) return;
          r.ackWire ??= ackForNon2xx(r.request, event.response).toBuffer();
          this.transmit(r, r.ackWire);
        },
      },
    });

    const serverActions = {
      passRequest: ({ context }: Ctx) => {
        const r = server(context.id);
        if (!r || !r.toUser) return;
        if (this.tu) this.tu.onRequest(r);
        else r.respond(r.reply(501));
      },
      sendResponse: ({ context, event }: CtxEvent<{ type: string; response?: SIPResponse }>) => {
        const r = server(context.id);
        if (!r || !event.response) return;
        r.lastResponse = event.response;
        if (event.response.status >= 200) this.settle(r);
        this.reply(r, event.response);
      },
      resendResponse: ({ context }: Ctx) => {
        const r = server(context.id);
        if (r?.lastResponse) this.reply(r, r.lastResponse);
      },
      // §17.2.1: 100 Trying when the TU has not answered within 200 ms.
      send100: ({ context }: Ctx) => {
        const r = server(context.id);
        if (r) this.reply(r, r.request.createResponse(100));
      },
      passAck: ({ context, event }: CtxEvent<{ type: string; request?: SIPRequest }>) => {
        const r = server(context.id);
        if (r && event.request) this.tu?.onAck?.(event.request, r.inbound);
      },
      reportAck: ({ context }: Ctx) => {
        const r = server(context.id);
        if (r) settleAck(r, true);
      },
      reportTimeout: ({ context }: Ctx) => {
        const r = server(context.id);
        if (!r) return;
        settleAck(r, false);
        this.tu?.onServerTimeout?.(r);
      },
      reportTransportError: ({ context, event }: CtxEvent<{ type: string; error?: Error }>) => {
        const r = server(context.id);
        if (r) this.tu?.onServerTransportError?.(event.error ?? new Error('transport error'), r);
      },
      terminate: ({ context }: Ctx) => {
        const r = server(context.id);
        if (!r) return;
        settleAck(r, 'unknown');
        this.servers.delete(context.id);
        inspectionHub.unregister(r.actor);
        this.settle(r);
      },
    };
    this.ist = inviteServerTransaction.provide({ actions: serverActions });
    this.nist = nonInviteServerTransaction.provide({ actions: serverActions });
  }

  /** Attach the TU that receives requests. */
  setUser(tu: TransactionUser): void {
    this.tu = tu;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  get serverCount(): number {
    return this.servers.size;
  }

  getClient(key: string): ClientTransaction | undefined {
    return this.clients.get(key);
  }

  getServer(key: string): ServerTransaction | undefined {
    return this.servers.get(key);
  }

  // ---- client side ------------------------------------------------------------------------

  /**
   * Start a client transaction for `request` towards `target`. The layer adds the top Via
   * (§8.1.1.7, §18.1.1: sent-by of the transport used, a fresh z9hG4bK branch, `rport` per
   * RFC 3581) unless the request already has one (a CANCEL carries its INVITE's Via, §9.1).
   * A request over 1300 octets bound for UDP goes over TCP instead (§18.1.1).
   */
  request(request: SIPRequest, target: Endpoint, handlers: ClientTransactionHandlers = {}): ClientTransaction {
    if (request.method === 'ACK') throw new TypeError('ACK is not a transaction: use sendStateless()');
    let dest = target;
    if (!request.topVia) {
      request.prepend('Via', this.viaFor(dest));
      if (dest.protocol === 'UDP') {
        const size = request.toBuffer().length;
        if (size > (this.options.maxUdpRequestSize ?? 1300)) {
          dest = { ...dest, protocol: 'TCP' };
          request.removeFirst('Via');
          request.prepend('Via', this.viaFor(dest));
        }
      }
    }
    const branch = request.topVia!.branch!;
    const key = clientKey(branch, request.method);
    if (this.clients.has(key)) throw new Error(`a client transaction ${request.method} ${branch} already exists`);
    const logic = request.method === 'INVITE' ? this.ict : this.nict;
    const record = { key, request, target: dest, handlers, wire: request.toBuffer(), ackWire: undefined } as ClientRecord;
    record.actor = createActor(logic as typeof this.nict, {
      id: key,
      input: { id: key, request, reliable: RELIABLE[dest.protocol], timers: this.timers },
      ...this.actorOptions,
      ...(this.actorOptions.inspect ? undefined : inspectionHub.options),
    });
    this.clients.set(key, record);
    inspectionHub.register(record.actor, { id: key, owner: handlers.owner ?? this.options.owner, kind: logic.id });
    record.actor.start();
    return record;
  }

  /** Send a request outside any transaction: the ACK for a 2xx (§13.2.2.4) and nothing else. */
  async sendStateless(request: SIPRequest, target: Endpoint): Promise<void> {
    if (!request.topVia) request.prepend('Via', this.viaFor(target));
    await this.transport.send(target, request.toBuffer());
  }

  private viaFor(target: Endpoint): Via {
    const local = this.localEndpoint(target);
    const host = local.address.includes(':') ? `[${local.address}]` : local.address;
    return new Via({ transport: target.protocol, host, port: local.port, branch: newBranch(), rport: target.protocol === 'UDP' });
  }

  /** The listening endpoint whose sent-by goes in the Via for `target` (same protocol and family). */
  localEndpoint(target: Endpoint): Endpoint {
    const v6 = target.address.includes(':');
    const list = this.transport.listening;
    return (
      list.find((e) => e.protocol === target.protocol && e.address.includes(':') === v6) ??
      list.find((e) => e.protocol === target.protocol) ??
      list.find((e) => e.address.includes(':') === v6) ??
      list[0] ?? { protocol: target.protocol, address: v6 ? '::1' : '127.0.0.1', port: 5060 }
    );
  }

  private transmit(r: ClientRecord, data: Buffer): void {
    this.transport.send(r.target, data, r.handlers.tls ? { tls: r.handlers.tls } : undefined).catch((error: Error) => {
      if (this.clients.get(r.key) === r) r.actor.send({ type: 'transportError', error });
    });
  }

  // ---- server side ------------------------------------------------------------------------

  private reply(r: ServerRecord, response: SIPResponse): void {
    this.transport.sendResponse(response, r.inbound).catch((error: Error) => {
      if (this.servers.get(r.key) === r) r.actor.send({ type: 'transportError', error });
    });
  }

  /** The transaction has its final response (or is gone): it no longer counts as pending. */
  private settle(r: ServerRecord): void {
    if (!r.pending) return;
    r.pending = false;
    const n = (this.perSource.get(r.source) ?? 1) - 1;
    if (n <= 0) this.perSource.delete(r.source);
    else this.perSource.set(r.source, n);
  }

  private createServer(request: SIPRequest, inbound: Inbound, key: string, toUser = true): ServerRecord {
    const source = inbound.source.address;
    const record = {
      key,
      request,
      inbound,
      source,
      toUser,
      pending: true,
      lastResponse: undefined,
      toTag: randomToken(10),
      answered: false,
      ack: undefined,
      ackWaiters: undefined,
      ackOutcome: () =>
        record.ack !== undefined ? Promise.resolve(record.ack) : new Promise<boolean | 'unknown'>((resolve) => (record.ackWaiters ??= []).push(resolve)),
      respond: (response: SIPResponse) => {
        if (response.status >= 200) record.answered = true;
        record.actor.send({ type: 'respond', response });
      },
      reply: (status: number, reason?: string, headers?: ConstructorParameters<typeof SIPResponse>[0]['headers']) =>
        request.createResponse(status, reason, { toTag: record.toTag, headers }),
    } as ServerRecord;
    const logic = request.method === 'INVITE' ? this.ist : this.nist;
    record.actor = createActor(logic as typeof this.nist, {
      id: key,
      input: { id: key, request, reliable: RELIABLE[inbound.source.protocol], timers: this.timers },
      ...this.actorOptions,
      ...(this.actorOptions.inspect ? undefined : inspectionHub.options),
    });
    this.servers.set(key, record);
    inspectionHub.register(record.actor, { id: key, owner: this.options.owner, kind: logic.id });
    this.perSource.set(source, (this.perSource.get(source) ?? 0) + 1);
    record.actor.start();
    return record;
  }

  /** Answer without a transaction (§8.2.6 via the transport); used for 503 when flooded. */
  private replyStateless(request: SIPRequest, inbound: Inbound, status: number, headers?: [string, string][]): void {
    const res = request.createResponse(status, undefined, { toTag: randomToken(10), headers });
    this.transport.sendResponse(res, inbound).catch(() => {});
  }

  /** Everything the transport received: route it to its transaction or create one (§17.1.3, §17.2.3). */
  receive(inbound: Inbound): void {
    const msg = inbound.message;
    if (msg instanceof SIPResponse) return this.receiveResponse(msg, inbound);
    this.receiveRequest(msg, inbound);
  }

  private receiveResponse(res: SIPResponse, inbound: Inbound): void {
    // §18.1.2: a response with more than one Via is discarded by a UA; so is one we did not send.
    // A second Via field is enough to know, without parsing it (the parser leaves it for `via`).
    if (res.count('via') !== 1 || res.via.length !== 1) return;
    const key = responseKey(res);
    const r = key === undefined ? undefined : this.clients.get(key);
    if (r) {
      r.actor.send({ type: 'response', response: res });
      return;
    }
    // RFC 6026 §7.2: a response matching no transaction is dropped — except a 2xx to an INVITE,
    // which the dialog layer may still need (a retransmission after Timer M, or a fork).
    if (res.status >= 200 && res.status < 300 && res.cseq?.method === 'INVITE') this.tu?.onStrayResponse?.(res, inbound);
  }

  private receiveRequest(req: SIPRequest, inbound: Inbound): void {
    const key = serverKey(req);
    if (key === undefined) return;
    const existing = this.servers.get(key);
    if (existing) {
      // A retransmission, or the ACK of a non-2xx final response (§17.2.1).
      existing.actor.send({ type: 'request', request: req });
      return;
    }
    if (req.method === 'ACK') {
      // An ACK that matches no INVITE transaction acknowledges a 2xx: it is the dialog's (§17.2.3).
      this.tu?.onAck?.(req, inbound);
      return;
    }
    // Flood protection: a peer may not keep more than a bounded number of requests waiting, and
    // all peers together not more than a bounded number of transactions alive.
    if (
      (this.perSource.get(inbound.source.address) ?? 0) >= (this.options.maxPendingPerSource ?? 1000) ||
      this.servers.size >= (this.options.maxServerTransactions ?? 200_000)
    ) {
      this.replyStateless(req, inbound, 503, [['Retry-After', String(this.options.retryAfter ?? 5)]]);
      return;
    }
    if (req.method === 'CANCEL') return this.receiveCancel(req, inbound, key);
    this.createServer(req, inbound, key);
  }

  /** §9.2: a CANCEL gets its own server transaction; 481 when it matches no INVITE transaction. */
  private receiveCancel(cancel: SIPRequest, inbound: Inbound, key: string): void {
    const targetKey = cancelTargetKey(cancel);
    const invite = targetKey === undefined ? undefined : this.servers.get(targetKey);
    const tx = this.createServerSilently(cancel, inbound, key);
    if (!invite) {
      tx.respond(tx.reply(481));
      return;
    }
    if (this.tu?.onCancel) this.tu.onCancel(tx, invite);
    else {
      tx.respond(tx.reply(200));
      if (!invite.lastResponse || invite.lastResponse.status < 200) invite.respond(invite.reply(487));
    }
  }

  /** A server transaction whose request the layer answers itself (not passed to the TU). */
  private createServerSilently(request: SIPRequest, inbound: Inbound, key: string): ServerRecord {
    return this.createServer(request, inbound, key, false);
  }

  /** Stop every transaction (the owner is stopping). */
  stop(): void {
    for (const r of this.clients.values()) {
      r.actor.stop();
      inspectionHub.unregister(r.actor);
    }
    for (const r of this.servers.values()) {
      r.actor.stop();
      inspectionHub.unregister(r.actor);
    }
    this.clients.clear();
    this.servers.clear();
    this.perSource.clear();
  }
}
