/**
 * The SIP transport layer (RFC 3261 §18) for one application: listeners for UDP, TCP, TLS, WS
 * and WSS, a pool of connections, and the receive/send rules of §18.1, §18.2 and RFC 3581.
 *
 * Events are plain callback lists: `onMessage`, `onError` and `onConnection` each return a
 * function that unsubscribes. Handlers are called synchronously from socket events; a handler
 * that throws is reported through `onError` (EHANDLER) and never reaches the socket.
 *
 * Nothing received can throw out of this class: malformed datagrams and frames are answered
 * (400/505/513 built from what could be salvaged) or dropped, and reported through `onError`;
 * a stream that cannot be framed is closed alone; listeners keep running.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { SIPParseError } from '../../src/sip/errors.js';
import { responseFromSalvage, type SIPRequest, type SIPResponse } from '../../src/sip/message.js';
import { parseMessage, type ParseOptions } from '../../src/sip/parser.js';
import type { Connection, ConnectionHooks, ConnectionSettings } from './connection.js';
import { ConnectionPool } from './connection-pool.js';
import { TransportError } from './errors.js';
import { replaceTopVia, stampReceived, stampVia } from './received.js';
import { checkDestination, localBroadcasts, responseRoute, type ResponseRoute } from './response-route.js';
import { connectSocket, remoteOf, SocketConnection, StreamListener } from './tcp.js';
import {
  type CloseReason,
  type ConnectionEvent,
  type ConnectionInfo,
  type Endpoint,
  formatEndpoint,
  type Inbound,
  ipFamily,
  isProtocol,
  type ListenOptions,
  normalizeAddress,
  type TLSSettings,
  type TransportManagerOptions,
} from './types.js';
import { isLoopback, UdpListener } from './udp.js';
import { connectWebSocket, WebSocketConnection, WebSocketListener } from './ws.js';

export interface SendOptions {
  /** Send on this connection when it is still open; otherwise the destination is looked up as usual. */
  connectionId?: number;
  /** TLS/WSS: settings for a new connection, over the manager's `tls` (per-account settings). */
  tls?: TLSSettings;
  /** WS/WSS: the resource path for a new connection (default `/`). */
  wsPath?: string;
  /** UDP: send from the listener bound to this address and port. */
  local?: { address: string; port: number };
}

type Listener = UdpListener | StreamListener | WebSocketListener;

const STREAM: ParseOptions = { stream: true };
const DATAGRAM: ParseOptions = {};
const SIP_VERSION = /^[\r\n]*SIP\//i;

export class TransportManager {
  private readonly settings: ConnectionSettings;
  private readonly maxUdpRequestSize: number;
  private readonly maxConnections: number;
  private readonly tls: TLSSettings | undefined;
  private readonly pool = new ConnectionPool();
  private readonly listeners: Listener[] = [];
  private readonly messageHandlers = new Set<(inbound: Inbound) => void>();
  private readonly errorHandlers = new Set<(error: TransportError) => void>();
  private readonly connectionHandlers = new Set<(event: ConnectionEvent) => void>();
  private readonly hooks: ConnectionHooks;
  private broadcasts: Set<string> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: TransportManagerOptions = {}) {
    this.settings = {
      keepAliveInterval: options.keepAliveInterval ?? 0,
      keepAliveTimeout: options.keepAliveTimeout ?? 10_000,
      idleTimeout: options.idleTimeout ?? 60_000,
      connectTimeout: options.connectTimeout ?? 10_000,
    };
    this.maxUdpRequestSize = options.maxUdpRequestSize ?? 1300;
    this.maxConnections = options.maxConnections ?? 10_000;
    this.tls = options.tls;
    this.hooks = {
      open: (c) => this.emit(this.connectionHandlers, { type: 'open', connection: c.info() }),
      message: (c, data) => this.safely(() => this.receive(data, c.remote, c.local, c), c.remote),
      framingError: (c, e) => this.safely(() => this.framingFailed(c, e), c.remote),
      closed: (c, reason, error) => this.safely(() => this.connectionClosed(c, reason, error), c.remote),
    };
  }

  // ---- subscriptions -----------------------------------------------------------------------

  /** Every message received (requests with received/rport already filled in). */
  onMessage(handler: (inbound: Inbound) => void): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  /** Everything that went wrong without a promise to reject: bad input, dead flows, socket errors. */
  onError(handler: (error: TransportError) => void): () => void {
    this.errorHandlers.add(handler);
    return () => this.errorHandlers.delete(handler);
  }

  /** Connections opening and closing (flows, for RFC 5626 users). */
  onConnection(handler: (event: ConnectionEvent) => void): () => void {
    this.connectionHandlers.add(handler);
    return () => this.connectionHandlers.delete(handler);
  }

  // ---- listeners ---------------------------------------------------------------------------

  /** Start listening; resolves with the bound endpoint (the real port when 0 was asked). */
  async listen(options: ListenOptions): Promise<Endpoint> {
    if (this.closing) throw new TransportError('ESHUTDOWN', 'transport manager is closed');
    const { protocol, port } = options;
    if (!isProtocol(protocol)) throw new TransportError('ELISTEN', `unknown transport '${String(protocol)}'`);
    const address = normalizeAddress(options.address);
    if (ipFamily(address) === 0) throw new TransportError('ELISTEN', `listen address '${options.address}' is not an IP address`);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TransportError('ELISTEN', `bad listen port ${port}`);
    const tls = options.tls || this.tls ? { ...this.tls, ...options.tls } : undefined;
    const report = (e: TransportError): void => this.report(e);
    let listener: Listener;
    try {
      switch (protocol) {
        case 'UDP':
          listener = await UdpListener.bind(address, port, (data, source, l) => this.datagram(data, source, l), report);
          break;
        case 'TCP':
        case 'TLS':
          listener = await StreamListener.listen(protocol, address, port, tls, (socket) => this.acceptSocket(socket, protocol), report);
          break;
        case 'WS':
        case 'WSS':
          listener = await WebSocketListener.listen(protocol, address, port, options.wsPath, tls, (ws, socket) => this.acceptWebSocket(ws, socket, protocol), report);
          break;
      }
    } catch (e) {
      if (e instanceof TransportError) throw e;
      throw new TransportError('ELISTEN', `cannot listen on ${formatEndpoint({ protocol, address, port })}: ${(e as Error).message}`, { cause: e });
    }
    if (this.closing) {
      await listener.close();
      throw new TransportError('ESHUTDOWN', 'transport manager closed while listening');
    }
    this.listeners.push(listener);
    return { ...listener.local };
  }

  /** The bound endpoints, in the order they were opened. */
  get listening(): Endpoint[] {
    return this.listeners.map((l) => ({ ...l.local }));
  }

  /** The open (and connecting) connections. */
  get connections(): ConnectionInfo[] {
    return this.pool.all().map((c) => c.info());
  }

  connection(id: number): ConnectionInfo | undefined {
    return this.pool.get(id)?.info();
  }

  /** Close one connection gracefully; false when there is none with that id. */
  closeConnection(id: number): boolean {
    const c = this.pool.get(id);
    if (!c) return false;
    c.close('local');
    return true;
  }

  // ---- sending -----------------------------------------------------------------------------

  /**
   * Send bytes (one SIP message) to a destination. Stream transports reuse an open connection to
   * the same (protocol, address, port), including one the peer opened to us, or open one (TLS and
   * WSS verify the server unless `verifyServer: false`; a failed verification rejects with
   * ETLSVERIFY). Resolves once the bytes are handed to the kernel.
   */
  async send(target: Endpoint, data: Buffer, options: SendOptions = {}): Promise<void> {
    if (this.closing) throw new TransportError('ESHUTDOWN', 'transport manager is closed', { target });
    if (options.connectionId !== undefined) {
      const c = this.pool.get(options.connectionId);
      if (c?.usable) return c.send(data);
    }
    if (!isProtocol(target.protocol)) throw new TransportError('EADDRESS', `unknown transport '${String(target.protocol)}'`, { target });
    const dest: Endpoint = { protocol: target.protocol, address: normalizeAddress(target.address), port: target.port };
    const refused = checkDestination(dest, this.broadcastAddresses());
    if (refused) throw refused;
    if (dest.protocol === 'UDP') return this.sendDatagram(dest, data, options.local);
    return this.connectionTo(dest, options).send(data);
  }

  /**
   * Send a response where RFC 3261 §18.2.2 and RFC 3581 §4 say, given the request's Inbound:
   * the request's connection if still open, else the address its top Via names.
   */
  async sendResponse(response: SIPResponse, request: Inbound): Promise<void> {
    if (this.closing) throw new TransportError('ESHUTDOWN', 'transport manager is closed', { target: request.source });
    let via;
    try {
      via = response.topVia ?? (request.message.isRequest ? request.message.topVia : undefined);
    } catch (e) {
      throw new TransportError('ENOVIA', `response has a malformed Via: ${(e as Error).message}`, { target: request.source, cause: e });
    }
    if (!via) throw new TransportError('ENOVIA', 'response has no Via', { target: request.source });
    const route = responseRoute(via, request);
    return this.deliver(response.toBuffer(), route, request.local);
  }

  /** Close every connection and listener; pending sends fail with ESHUTDOWN. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const connections = this.pool.all();
    for (const c of connections) c.close('shutdown', new TransportError('ESHUTDOWN', 'transport manager closed', { target: c.remote, connectionId: c.id }));
    const listeners = this.listeners.splice(0);
    await Promise.all([...connections.map((c) => c.done), ...listeners.map((l) => l.close())]);
  }

  // ---- internals: sending ------------------------------------------------------------------

  /** Route a response: the connection first, then the target (§18.2.2). Sends synchronously up to the write. */
  private deliver(data: Buffer, route: ResponseRoute, local: Endpoint | undefined): Promise<void> {
    if (route.connectionId !== undefined) {
      const c = this.pool.get(route.connectionId);
      if (c?.usable) return c.send(data);
    }
    const refused = checkDestination(route.target, this.broadcastAddresses());
    if (refused) return Promise.reject(refused);
    if (route.target.protocol === 'UDP') return this.sendDatagram(route.target, data, local, route.ttl);
    try {
      return this.connectionTo(route.target, {}).send(data);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private sendDatagram(target: Endpoint, data: Buffer, local?: { address: string; port: number }, ttl?: number): Promise<void> {
    // RFC 3261 §18.1.1: a request larger than 1300 octets (MTU unknown) MUST go over a
    // congestion-controlled transport; the layer above changes the Via and retries over TCP.
    if (data.length > this.maxUdpRequestSize && !SIP_VERSION.test(data.toString('latin1', 0, 8))) {
      return Promise.reject(
        new TransportError('EMSGSIZE', `request of ${data.length} octets exceeds ${this.maxUdpRequestSize} for UDP (RFC 3261 §18.1.1): send it over TCP`, { target }),
      );
    }
    const listener = this.udpListenerFor(target, local);
    if (!listener) return Promise.reject(new TransportError('ENOTRANSPORT', `no UDP listener for IPv${ipFamily(target.address)} to send from`, { target }));
    return listener.send(data, target, ttl);
  }

  /** The UDP socket to send from: the one asked for, else one of the right family (loopback to loopback). */
  private udpListenerFor(target: Endpoint, local?: { address: string; port: number }): UdpListener | undefined {
    const udp = this.listeners.filter((l): l is UdpListener => l instanceof UdpListener);
    if (local) {
      const address = normalizeAddress(local.address);
      const exact = udp.find((l) => l.local.port === local.port && l.local.address === address);
      if (exact) return exact;
    }
    const family = ipFamily(target.address) === 6 ? 6 : 4;
    const candidates = udp.filter((l) => l.reaches(family));
    const loop = isLoopback(target.address);
    return candidates.find((l) => l.family === family && (l.wildcard || l.loopback === loop)) ?? candidates.find((l) => l.family === family) ?? candidates[0];
  }

  /** An open or connecting connection to the destination, or a new one. */
  private connectionTo(target: Endpoint, options: SendOptions): Connection {
    const existing = this.pool.find(target);
    if (existing) return existing;
    if (this.pool.size >= this.maxConnections) {
      throw new TransportError('EMAXCONN', `${this.maxConnections} connections open (maxConnections)`, { target });
    }
    const tls = options.tls || this.tls ? { ...this.tls, ...options.tls } : undefined;
    let c: Connection;
    switch (target.protocol) {
      case 'TCP':
      case 'TLS':
        c = connectSocket({ ...target, protocol: target.protocol }, tls, this.settings, this.hooks);
        break;
      case 'WS':
      case 'WSS':
        c = connectWebSocket({ ...target, protocol: target.protocol }, options.wsPath, tls, this.settings, this.hooks);
        break;
      default:
        throw new TransportError('EADDRESS', `${target.protocol} is not a connection-oriented transport`, { target });
    }
    this.pool.add(c);
    return c;
  }

  private broadcastAddresses(): Set<string> {
    return (this.broadcasts ??= localBroadcasts());
  }

  // ---- internals: receiving ----------------------------------------------------------------

  private acceptSocket(socket: Socket, protocol: 'TCP' | 'TLS'): void {
    this.safely(() => {
      if (!this.admit(remoteOf(socket, protocol))) {
        socket.destroy();
        return;
      }
      const c = new SocketConnection(socket, protocol, remoteOf(socket, protocol), false, this.settings, this.hooks);
      this.adopt(c);
    });
  }

  private acceptWebSocket(ws: WebSocket, socket: Socket, protocol: 'WS' | 'WSS'): void {
    this.safely(() => {
      const remote = remoteOf(socket, protocol);
      if (!this.admit(remote)) {
        ws.terminate();
        return;
      }
      const local: Endpoint = { protocol, address: normalizeAddress(socket.localAddress ?? ''), port: socket.localPort ?? 0 };
      this.adopt(new WebSocketConnection(ws, protocol, remote, false, this.settings, this.hooks, local));
    });
  }

  private admit(remote: Endpoint): boolean {
    if (this.closing) return false;
    if (this.pool.size >= this.maxConnections) {
      this.report(new TransportError('EMAXCONN', `connection refused: ${this.maxConnections} connections open (maxConnections)`, { target: remote }));
      return false;
    }
    return true;
  }

  private adopt(c: Connection): void {
    this.pool.add(c);
    this.emit(this.connectionHandlers, { type: 'open', connection: c.info() });
  }

  private datagram(data: Buffer, source: Endpoint, listener: UdpListener): void {
    if (this.closing) return;
    this.safely(() => {
      // CRLF keep-alives and empty datagrams carry nothing; STUN (RFC 5389, RFC 5626 §4.4.2) is not ours.
      if (isBlank(data) || isStun(data)) return;
      this.receive(data, source, listener.local, undefined);
    }, source);
  }

  /** Parse, stamp (§18.2.1, RFC 3581 §4) and hand over one message. */
  private receive(data: Buffer, source: Endpoint, local: Endpoint, connection: Connection | undefined): void {
    const stream = connection !== undefined && !connection.protocol.startsWith('WS');
    let message: SIPRequest | SIPResponse;
    try {
      message = parseMessage(data, stream ? STREAM : DATAGRAM);
    } catch (e) {
      this.refuse(e, data, source, local, connection);
      return;
    }
    if (message.isRequest) stampReceived(message, source.address, source.port);
    const inbound: Inbound = { message, source: { ...source }, local: { ...local } };
    if (connection) inbound.connectionId = connection.id;
    this.emit(this.messageHandlers, inbound);
  }

  /** A message the parser refused: answer it if it can be (§8.2.6.2 via salvage), else drop it. */
  private refuse(e: unknown, data: Buffer, source: Endpoint, local: Endpoint, connection: Connection | undefined): void {
    if (!(e instanceof SIPParseError)) {
      this.report(new TransportError('EPARSE', `parser failure on a message from ${formatEndpoint(source)}: ${(e as Error)?.message ?? String(e)}`, { target: source, cause: e }));
      return;
    }
    const response = SIP_VERSION.test(data.toString('latin1', 0, 16));
    const stream = connection !== undefined && !connection.protocol.startsWith('WS');
    if (stream && e.statusCode === undefined && !response) {
      // Not even a start-line: what this stream carries can no longer be trusted.
      const err = new TransportError('EFRAMING', `unreadable message on a stream, connection closed: ${e.message}`, { target: source, connectionId: connection.id, cause: e });
      this.report(err);
      connection.close('framing', err);
      return;
    }
    const answered = this.answer(e, source, local, connection, data);
    const what = response ? 'response' : 'request';
    this.report(
      new TransportError('EPARSE', `malformed ${what} ${answered ? `answered ${e.statusCode}` : 'dropped'}: ${e.message}`, {
        target: source,
        connectionId: connection?.id,
        cause: e,
      }),
    );
  }

  /** Send the 4xx/5xx a refused request gets, by the normal response rules. True if sent. */
  private answer(e: SIPParseError, source: Endpoint, local: Endpoint, connection: Connection | undefined, data?: Buffer): boolean {
    const salvage = e.salvage;
    if (e.statusCode === undefined || !salvage) return false;
    // An ACK is never answered (RFC 3261 §17.1.1.3, §17.2.1).
    if (/^\s*\d*\s*ACK\s*$/i.test(salvage.cseq) || (data && /^[\r\n]*ACK /.test(data.toString('latin1', 0, 8)))) return false;
    let res: SIPResponse;
    try {
      res = responseFromSalvage(salvage, e.statusCode, undefined, randomBytes(6).toString('hex'));
    } catch {
      return false;
    }
    let route: ResponseRoute;
    try {
      const via = res.topVia;
      if (!via) return false;
      const stamped = stampVia(via, source.address, source.port);
      if (stamped) replaceTopVia(res, stamped);
      route = responseRoute(stamped ?? via, { source, connectionId: connection?.id });
    } catch (err) {
      if (err instanceof TransportError) {
        this.report(err);
        return false;
      }
      // The Via itself is unreadable: the only address known is where the request came from.
      route = connection ? { target: source, connectionId: connection.id } : { target: source };
    }
    this.deliver(res.toBuffer(), route, local).catch((err: unknown) => this.report(asTransportError(err, source)));
    return true;
  }

  private framingFailed(c: Connection, e: Error): void {
    if (e instanceof SIPParseError) this.answer(e, c.remote, c.local, c);
    const err = new TransportError('EFRAMING', `stream cannot be framed, connection closed: ${e.message}`, { target: c.remote, connectionId: c.id, cause: e });
    this.report(err);
    c.close('framing', err);
  }

  private connectionClosed(c: Connection, reason: CloseReason, error: TransportError | undefined): void {
    this.pool.remove(c);
    // Failures of an established connection reach no promise: report them. (Connect failures
    // reject the sends that asked for the connection; framing failures were reported already.)
    if (error && c.wasOpen && (reason === 'error' || reason === 'keepalive')) this.report(error);
    const event: ConnectionEvent = { type: 'close', connection: c.info(), reason };
    if (error) event.error = error;
    this.emit(this.connectionHandlers, event);
  }

  // ---- internals: events -------------------------------------------------------------------

  private emit<T>(handlers: Set<(value: T) => void>, value: T): void {
    for (const h of handlers) {
      try {
        h(value);
      } catch (e) {
        this.report(new TransportError('EHANDLER', `a transport event handler threw: ${(e as Error)?.message ?? String(e)}`, { cause: e }));
      }
    }
  }

  private report(error: TransportError): void {
    for (const h of this.errorHandlers) {
      try {
        h(error);
      } catch {
        // an error handler that throws has nowhere left to report to
      }
    }
  }

  /** Run code called from a socket event: nothing may escape into the event loop. */
  private safely(fn: () => void, source?: Endpoint): void {
    try {
      fn();
    } catch (e) {
      this.report(asTransportError(e, source));
    }
  }
}

function asTransportError(e: unknown, target?: Endpoint): TransportError {
  if (e instanceof TransportError) return e;
  return new TransportError('ESOCKET', `internal transport failure: ${(e as Error)?.message ?? String(e)}`, { target, cause: e });
}

/** Only CR, LF, SP, HT (or nothing): a keep-alive, not a message. */
function isBlank(data: Buffer): boolean {
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (c !== 13 && c !== 10 && c !== 32 && c !== 9) return false;
  }
  return true;
}

/** A STUN message (RFC 5389 §6): top two bits zero, length multiple of 4, the magic cookie. */
function isStun(data: Buffer): boolean {
  return data.length >= 20 && (data[0] & 0xc0) === 0 && data.readUInt32BE(4) === 0x2112a442 && data.readUInt16BE(2) + 20 === data.length;
}

