/**
 * The user-agent core (RFC 3261 §8): sends requests to where RFC 3263 says, fails over across
 * the resolved targets, answers authentication challenges, and checks and dispatches incoming
 * requests. It owns the transports and the transaction layer; API objects (Message, Account,
 * Session...) use it to talk to the network.
 */
import { TransactionLayer, type ServerTransaction, type SIPTransport, type TransactionLayerOptions } from './transaction-layer.js';
import { TransportManager, type Endpoint, type Inbound, type ListenOptions, type TLSSettings, type TransportManagerOptions, type TransportProtocol } from './transport/index.js';
import type { NotificationCenter } from '../src/api/notification-center.js';
import { parseMessage } from '../src/sip/parser.js';
import type { SIPRequest, SIPResponse } from '../src/sip/message.js';
import type { DigestAnswer, DigestClient } from '../src/sip/digest.js';
import { nextHop } from '../src/sip/request-builder.js';
import { capabilityHeaders, checkRequest, DEFAULT_CAPABILITIES, mergeKey, type Capabilities } from '../src/sip/uas-checks.js';
import { isSipURI, SipURI, type URI } from '../src/sip/uri.js';
import { ownString } from '../src/sip/dialog-state.js';

/** Turns a next-hop URI into the ordered targets to try (RFC 3263 §4; the DNS module provides it). */
export type Resolver = (uri: URI) => Promise<Endpoint[]>;

/** Answers a 401/407 for a request: the headers to add to the retry, or undefined to give up. */
export type Authorizer = (request: SIPRequest, challenge: SIPResponse) => readonly (readonly [string, string])[] | undefined;

/**
 * The Authorizer of a DigestClient (RFC 3261 §22.2): its answer's headers, or undefined when it
 * gives up (wrong credentials, nothing it supports). `observe` sees every answer.
 */
export function digestAuthorizer(digest: DigestClient | undefined, observe?: (answer: DigestAnswer, challenge: SIPResponse) => void): Authorizer | undefined {
  if (!digest) return undefined;
  return (request, challenge) => {
    const answer = digest.answer(challenge, request);
    observe?.(answer, challenge);
    return answer.ok ? answer.headers : undefined;
  };
}

export interface SendOptions {
  /** Targets to try in order; default: resolve the next hop. */
  targets?: Endpoint[];
  /** TLS settings for connections this request opens (an account's own CA list, certificate, verify_server: R-TR-2). */
  tls?: TLSSettings;
  /** Answer 401/407 challenges (RFC 3261 §22.2). */
  authorize?: Authorizer;
  /** Called each time the request goes out to a target (a new transaction): a CANCEL must follow it there (§9.1). */
  onAttempt?(request: SIPRequest, target: Endpoint): void;
  /** Called with every provisional response, and the request it answers (as sent). */
  onProvisional?(response: SIPResponse, request: SIPRequest): void;
  /**
   * Called with every final response that arrives after the first one: 2xx retransmissions and
   * the 2xx of other forks of an INVITE (RFC 3261 §13.2.2.4), passed up by the INVITE client
   * transaction in its Accepted state (RFC 6026).
   */
  onLaterFinal?(response: SIPResponse, request: SIPRequest): void;
  /** Id of the actor the request is sent for (a session, a registration): the transactions' owner in the inspector. */
  owner?: string;
}

export interface SendResult {
  /** The final response: received, or made locally for a timeout (408) or transport failure (503). */
  response: SIPResponse;
  /** True when `response` was generated here (§8.1.3.1: timeout → 408, transport error → 503). */
  local: boolean;
  /** The request as last sent (after authentication retries). */
  request: SIPRequest;
  /** The target that answered (or the last one tried). */
  target: Endpoint | undefined;
}

export type RequestHandler = (tx: ServerTransaction) => void;

export interface UserAgentOptions {
  listen?: ListenOptions[];
  transport?: TransportManagerOptions;
  transactions?: TransactionLayerOptions;
  capabilities?: Partial<Capabilities>;
  resolver?: Resolver;
  userAgent?: string;
  notifications?: NotificationCenter;
  /** Called for every SIP message sent or received (the CLI's --trace). */
  trace?: (direction: 'in' | 'out', data: Buffer | string, peer: Endpoint) => void;
}

const DEFAULT_PORTS: Record<string, number> = { udp: 5060, tcp: 5060, tls: 5061, ws: 80, wss: 443 };

/**
 * Targets for a URI whose host is an IP literal (RFC 3263 §4.1/§4.2: no DNS): the transport
 * parameter or UDP (TLS for sips), the port or the transport's default.
 */
export function literalTargets(uri: URI): Endpoint[] {
  if (!isSipURI(uri) || uri.hostType === 'name') throw new Error(`cannot route to ${uri.toString()} without DNS`);
  const transport = (uri.transport ?? (uri.secure ? 'tls' : 'udp')).toUpperCase() as TransportProtocol;
  return [{ protocol: transport, address: uri.hostAddress, port: uri.port ?? DEFAULT_PORTS[transport.toLowerCase()] ?? 5060 }];
}

export class UserAgent {
  readonly capabilities: Capabilities;
  readonly userAgent: string;
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly inDialog: ((tx: ServerTransaction) => boolean)[] = [];
  private readonly ackClaims: ((ack: SIPRequest, inbound: Inbound) => boolean)[] = [];
  private readonly cancelWatchers = new Map<string, (invite: ServerTransaction) => void>();
  private readonly recent = new Map<string, { key: string; at: number }>();
  private resolver: Resolver;

  private constructor(
    readonly transports: TransportManager,
    readonly transactions: TransactionLayer,
    options: UserAgentOptions,
  ) {
    this.capabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities };
    this.userAgent = options.userAgent ?? 'sipstate/0.1';
    this.resolver = options.resolver ?? (async (uri) => literalTargets(uri));
    transports.onMessage((inbound) => {
      if (options.trace) options.trace('in', inbound.message.toBuffer(), inbound.source);
      transactions.receive(inbound);
    });
    transactions.setUser({
      onRequest: (tx) => this.receiveRequest(tx),
      // §13.3.1.4 / RFC 6026 §7.1: the ACK for a 2xx belongs to the dialog; none claims it: dropped.
      onAck: (ack, inbound) => {
        for (const claim of this.ackClaims) if (claim(ack, inbound)) return;
      },
      // §9.2: "the UAS ... SHOULD then respond to the INVITE with a 487". 200 to the CANCEL at
      // once; the INVITE's owner answers it if it watches, else 487 here.
      onCancel: (cancel, invite) => {
        cancel.respond(cancel.reply(200));
        const watcher = this.cancelWatchers.get(invite.key);
        if (watcher) watcher(invite);
        else invite.respond(invite.reply(487));
      },
    });
  }

  /** Listen on the configured transports (default UDP on a free 127.0.0.1 port) and start. */
  static async start(options: UserAgentOptions = {}): Promise<UserAgent> {
    const transports = new TransportManager(options.transport);
    try {
      for (const l of options.listen ?? [{ protocol: 'UDP', address: '127.0.0.1', port: 0 }]) await transports.listen(l);
    } catch (e) {
      await transports.close();
      throw e;
    }
    const traced = options.trace ? tracing(transports, options.trace) : transports;
    const layer = new TransactionLayer(traced, options.transactions);
    return new UserAgent(transports, layer, options);
  }

  setResolver(resolver: Resolver): void {
    this.resolver = resolver;
  }

  /** The listening endpoints. */
  get endpoints(): Endpoint[] {
    return this.transports.listening;
  }

  /** A Contact URI for `user` on the transport we would use to reach `target`. */
  contact(user: string | undefined, protocol: TransportProtocol = 'UDP'): SipURI {
    const e = this.transports.listening.find((l) => l.protocol === protocol) ?? this.transports.listening[0];
    return new SipURI({
      scheme: protocol === 'TLS' || protocol === 'WSS' ? 'sips' : 'sip',
      user,
      host: e.address,
      port: e.port,
      params: protocol === 'UDP' || protocol === 'TLS' ? undefined : { transport: protocol.toLowerCase() },
    });
  }

  /** Handle incoming requests of `method` (one handler per method). */
  handle(method: string, handler: RequestHandler): void {
    this.handlers.set(method, handler);
  }

  /** Claim in-dialog requests: return true when the request belongs to a dialog you own. Returns the way to stop. */
  claimInDialog(claim: (tx: ServerTransaction) => boolean): () => void {
    this.inDialog.push(claim);
    return () => {
      const i = this.inDialog.indexOf(claim);
      if (i >= 0) this.inDialog.splice(i, 1);
    };
  }

  /** Claim ACKs for 2xx responses (§13.3.1.4): return true when the ACK is for a dialog you own. */
  claimAck(claim: (ack: SIPRequest, inbound: Inbound) => boolean): () => void {
    this.ackClaims.push(claim);
    return () => {
      const i = this.ackClaims.indexOf(claim);
      if (i >= 0) this.ackClaims.splice(i, 1);
    };
  }

  /**
   * Be told when a CANCEL matches the INVITE server transaction `tx` (§9.2); the watcher then
   * answers the INVITE itself (487 if it has no final response yet). Returns the way to stop.
   */
  watchCancel(tx: ServerTransaction, watcher: (invite: ServerTransaction) => void): () => void {
    this.cancelWatchers.set(tx.key, watcher);
    return () => {
      if (this.cancelWatchers.get(tx.key) === watcher) this.cancelWatchers.delete(tx.key);
    };
  }

  // ---- sending ----------------------------------------------------------------------------

  /**
   * Send a request and resolve with its final response. Targets come from RFC 3263 resolution of
   * the next hop; a timeout, a transport error or a 503 moves on to the next target with a new
   * transaction (RFC 3263 §4.3). A 401/407 is answered once per challenge through `authorize`,
   * with the CSeq incremented (RFC 3261 §22.2); a repeated rejection ends the attempt.
   */
  async send(request: SIPRequest, options: SendOptions = {}): Promise<SendResult> {
    let targets: Endpoint[];
    try {
      targets = options.targets ?? (await this.resolver(nextHop(request)));
    } catch (e) {
      return { response: localResponse(request, 503, `Cannot resolve ${nextHop(request).toString()}: ${(e as Error).message}`), local: true, request, target: undefined };
    }
    if (!request.get('User-Agent')) request.append('User-Agent', this.userAgent);
    let current = request;
    let last: SendResult | undefined;
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i];
      const result = await this.attempt(current, target, options);
      last = result;
      const failover = result.local || result.response.status === 503;
      if (failover && i + 1 < targets.length) {
        current = resend(current, false);
        continue;
      }
      if ((result.response.status === 401 || result.response.status === 407) && options.authorize) {
        const headers = options.authorize(current, result.response);
        if (headers) {
          current = resend(current, true);
          for (const [name, value] of headers) current.append(name, value);
          i--; // same target again
          continue;
        }
      }
      return result;
    }
    return last ?? { response: localResponse(request, 503, 'No target'), local: true, request, target: undefined };
  }

  private attempt(request: SIPRequest, target: Endpoint, options: SendOptions): Promise<SendResult> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (response: SIPResponse, local: boolean) => {
        if (done) return;
        done = true;
        resolve({ response, local, request, target });
      };
      options.onAttempt?.(request, target);
      try {
        this.transactions.request(request, target, {
          tls: options.tls,
          owner: options.owner,
          onResponse: (res) => {
            if (res.status < 200) options.onProvisional?.(res, request);
            else if (done) options.onLaterFinal?.(res, request);
            else finish(res, false);
          },
          onTimeout: () => finish(localResponse(request, 408, 'Request Timeout'), true),
          onTransportError: (e) => finish(localResponse(request, 503, `Transport error: ${e.message}`), true),
        });
      } catch (e) {
        finish(localResponse(request, 503, (e as Error).message), true);
      }
    });
  }

  /**
   * Send a request outside any transaction: the ACK for a 2xx (§13.2.2.4), to the first target
   * its next hop resolves to (or the one given).
   */
  async sendStateless(request: SIPRequest, target?: Endpoint): Promise<void> {
    if (!request.get('User-Agent')) request.append('User-Agent', this.userAgent);
    const to = target ?? (await this.resolver(nextHop(request)))[0];
    if (!to) throw new Error(`no target for ${nextHop(request).toString()}`);
    return this.transactions.sendStateless(request, to);
  }

  // ---- receiving --------------------------------------------------------------------------

  private receiveRequest(tx: ServerTransaction): void {
    const req = tx.request;
    const rejected = checkRequest(req, this.capabilities, (status, headers) => tx.reply(status, undefined, headers));
    if (rejected) return tx.respond(rejected);
    if (this.isMerged(tx)) return tx.respond(tx.reply(482));
    // §12.2.2: a request with a To tag belongs to a dialog; if none claims it, 481.
    if (req.to?.tag !== undefined) {
      for (const claim of this.inDialog) if (claim(tx)) return;
      return tx.respond(tx.reply(481));
    }
    const handler = this.handlers.get(req.method);
    if (handler) return handler(tx);
    if (req.method === 'OPTIONS') return tx.respond(tx.reply(200, 'OK', capabilityHeaders(this.capabilities)));
    // A method we list but nobody here takes right now.
    tx.respond(tx.reply(480));
  }

  /** §8.2.2.2 merged requests: the same From tag, Call-ID and CSeq on another transaction. */
  private isMerged(tx: ServerTransaction): boolean {
    const key = mergeKey(tx.request);
    if (key === undefined) return false;
    const now = Date.now();
    const seen = this.recent.get(key);
    if (seen && seen.key !== tx.key && now - seen.at < 32_000) return true;
    // Insertion order is time order (a re-seen key is moved to the end), so expired entries are
    // at the front: drop them until the first live one — amortised O(1) per request.
    this.recent.delete(key);
    // Own copies: the key is cut from the request's text and would keep the whole message alive.
    this.recent.set(ownString(key), { key: ownString(tx.key), at: now });
    for (const [k, v] of this.recent) {
      if (now - v.at < 32_000) break;
      this.recent.delete(k);
    }
    return false;
  }

  async close(): Promise<void> {
    this.transactions.stop();
    await this.transports.close();
  }
}

/** A response made here for a request that got none (RFC 3261 §8.1.3.1). */
function localResponse(request: SIPRequest, status: number, reason: string): SIPResponse {
  return request.createResponse(status, reason.replace(/[\r\n]/g, ' '));
}

/** A copy of `request` for a new transaction: no Via (a new branch), and CSeq+1 after a challenge. */
function resend(request: SIPRequest, bumpCSeq: boolean): SIPRequest {
  const copy = parseMessage(request.toBuffer()) as SIPRequest;
  copy.remove('Via');
  if (bumpCSeq) {
    const cseq = copy.cseq!;
    copy.set('CSeq', `${cseq.seq + 1} ${cseq.method}`);
    copy.remove('Authorization');
    copy.remove('Proxy-Authorization');
  }
  return copy;
}

/** The transport as the transaction layer sees it, with every outgoing message traced. */
function tracing(t: TransportManager, trace: NonNullable<UserAgentOptions['trace']>): SIPTransport {
  return {
    send(to, data, o) {
      trace('out', data, to);
      return t.send(to, data, o);
    },
    sendResponse(res, inbound) {
      trace('out', res.toBuffer(), inbound.source);
      return t.sendResponse(res, inbound);
    },
    get listening() {
      return t.listening;
    },
  };
}
