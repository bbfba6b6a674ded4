/**
 * What every connection (TCP, TLS, WS, WSS) shares: the send queue while connecting, the idle
 * timer, RFC 5626 keep-alives, and one place where a connection ends.
 *
 * Keep-alive rule (RFC 5626 §3.5.1, §4.4.1): on connections we opened, when `keepAliveInterval`
 * is set, a CRLFCRLF ping is sent every 80-100 % of the interval (the RFC's randomisation); a CRLF
 * pong must come back within `keepAliveTimeout`, else the flow has failed and the connection is
 * closed with EKEEPALIVE. A ping received on any connection is answered with a pong at once.
 * Every octet sent or received (keep-alives included) counts as traffic for the idle timer, so
 * a flow kept alive by pings stays open and an unused one closes after `idleTimeout`.
 */
import { TransportError } from './errors.js';
import type { CloseReason, ConnectionInfo, Endpoint, StreamProtocol } from './types.js';

export interface ConnectionSettings {
  keepAliveInterval: number;
  keepAliveTimeout: number;
  idleTimeout: number;
  connectTimeout: number;
}

/** How a connection reports to its owner (the transport manager). */
export interface ConnectionHooks {
  open(connection: Connection): void;
  /** One complete SIP message (a stream frame or a WebSocket message). */
  message(connection: Connection, data: Buffer): void;
  /** The stream could not be framed; the owner answers if it can, then closes the connection. */
  framingError(connection: Connection, error: Error): void;
  /** Called exactly once. `error` is set for failures (reason 'error', 'keepalive', 'framing'). */
  closed(connection: Connection, reason: CloseReason, error?: TransportError): void;
}

export const PING = Buffer.from('\r\n\r\n');
export const PONG = Buffer.from('\r\n');

type State = 'connecting' | 'open' | 'closed';

interface Pending {
  data: Buffer;
  resolve: () => void;
  reject: (e: TransportError) => void;
}

let lastId = 0;

export abstract class Connection implements ConnectionInfo {
  readonly id = ++lastId;
  local: Endpoint;
  /** Pool keys this connection is filed under (kept by the pool). */
  keys: string[] = [];
  protected state: State;
  /** True once the connection has been established (accepted, or connected and handshaken). */
  wasOpen: boolean;
  /** The error that ended the connection, used to fail writes still in flight. */
  protected failure: TransportError | undefined;
  private queue: Pending[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private finished!: () => void;
  /** Resolves once the underlying socket is gone. */
  readonly done: Promise<void>;

  constructor(
    readonly protocol: StreamProtocol,
    readonly remote: Endpoint,
    readonly outbound: boolean,
    protected readonly settings: ConnectionSettings,
    protected readonly hooks: ConnectionHooks,
    established: boolean,
    local?: Endpoint,
  ) {
    this.local = local ?? { protocol, address: '', port: 0 };
    this.done = new Promise((resolve) => (this.finished = resolve));
    this.state = established ? 'open' : 'connecting';
    this.wasOpen = established;
    if (!established && settings.connectTimeout > 0) {
      this.connectTimer = setTimeout(() => {
        this.fail('error', new TransportError('ETIMEDOUT', `connection not established within ${this.settings.connectTimeout} ms`, { target: this.remote, connectionId: this.id }));
      }, settings.connectTimeout);
      this.connectTimer.unref();
    }
  }

  /** Called by subclasses from the constructor when the connection starts open (accepted). */
  protected started(): void {
    if (this.state === 'open') this.startTimers();
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Open, or still connecting: sends are accepted. */
  get usable(): boolean {
    return this.state !== 'closed';
  }

  info(): ConnectionInfo {
    return { id: this.id, protocol: this.protocol, remote: { ...this.remote }, local: { ...this.local }, outbound: this.outbound };
  }

  /** Queue while connecting; resolves once the bytes are handed to the kernel. */
  send(data: Buffer): Promise<void> {
    if (this.state === 'closed') {
      return Promise.reject(this.failure ?? new TransportError('ECLOSED', 'connection is closed', { target: this.remote, connectionId: this.id }));
    }
    return new Promise<void>((resolve, reject) => {
      if (this.state === 'connecting') this.queue.push({ data, resolve, reject });
      else this.transmit({ data, resolve, reject });
    });
  }

  private transmit(p: Pending): void {
    this.touch();
    try {
      this.write(p.data, (err) => {
        if (!err) p.resolve();
        else p.reject(this.failure ?? new TransportError('ESEND', `send failed: ${err.message}`, { target: this.remote, connectionId: this.id, cause: err }));
      });
    } catch (e) {
      p.reject(new TransportError('ESEND', `send failed: ${(e as Error).message}`, { target: this.remote, connectionId: this.id, cause: e }));
    }
  }

  /** Close the connection (gracefully: queued bytes are flushed first). */
  close(reason: CloseReason = 'local', error?: TransportError): void {
    if (this.state === 'closed') return;
    this.end(reason, error, true);
  }

  // ---- for subclasses ----------------------------------------------------------------------

  /** Write bytes to the transport; `cb` is called once they are flushed or failed. */
  protected abstract write(data: Buffer, cb: (err?: Error | null) => void): void;
  /** Send a keep-alive (PING or PONG) — the same bytes on every transport, a text message on WebSocket. */
  protected abstract writeKeepAlive(data: Buffer): void;
  /** Close the underlying transport: flush and close, or destroy at once. */
  protected abstract shutdown(graceful: boolean): void;

  /** The transport is established (outbound connections). */
  protected opened(local: Endpoint): void {
    if (this.state !== 'connecting') return;
    this.local = local;
    this.state = 'open';
    this.wasOpen = true;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.startTimers();
    this.hooks.open(this);
    const queue = this.queue;
    this.queue = [];
    for (const p of queue) {
      if (this.state !== 'open') {
        p.reject(this.failure ?? new TransportError('ECLOSED', 'connection closed', { target: this.remote, connectionId: this.id }));
      } else this.transmit(p);
    }
  }

  /** Octets arrived. */
  protected touch(): void {
    this.idleTimer?.refresh();
  }

  /** A CRLFCRLF ping arrived: answer it (RFC 5626 §3.5.1). */
  protected pingReceived(): void {
    this.touch();
    if (this.state === 'open') this.safeKeepAlive(PONG);
  }

  /** A CRLF pong arrived: the flow is alive. */
  protected pongReceived(): void {
    this.touch();
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }

  /** The transport failed. */
  protected fail(reason: CloseReason, error: TransportError): void {
    if (this.state === 'closed') return;
    this.end(reason, error, false);
  }

  /** The transport is gone (closed by the peer, or after our own close). */
  protected transportClosed(error?: TransportError): void {
    if (this.state !== 'closed') this.end(error ? 'error' : 'remote', error, false);
    this.finished();
  }

  // ---- internals ---------------------------------------------------------------------------

  private end(reason: CloseReason, error: TransportError | undefined, graceful: boolean): void {
    const wasConnecting = this.state === 'connecting';
    this.state = 'closed';
    this.failure = error ?? new TransportError('ECLOSED', wasConnecting ? 'connection closed before it was established' : 'connection closed', { target: this.remote, connectionId: this.id });
    this.stopTimers();
    const queue = this.queue;
    this.queue = [];
    for (const p of queue) p.reject(this.failure);
    try {
      this.shutdown(graceful);
    } catch {
      // already gone
    }
    this.hooks.closed(this, reason, error);
  }

  private startTimers(): void {
    const { idleTimeout, keepAliveInterval } = this.settings;
    if (idleTimeout > 0) {
      this.idleTimer = setTimeout(() => this.close('idle'), idleTimeout);
      this.idleTimer.unref();
    }
    if (this.outbound && keepAliveInterval > 0) this.schedulePing();
  }

  private stopTimers(): void {
    for (const t of [this.idleTimer, this.pingTimer, this.pongTimer, this.connectTimer]) if (t) clearTimeout(t);
    this.idleTimer = this.pingTimer = this.pongTimer = this.connectTimer = undefined;
  }

  /** RFC 5626 §4.4.1: "randomly distributed between 80% and 100% of the recommended time". */
  private schedulePing(): void {
    const interval = this.settings.keepAliveInterval;
    this.pingTimer = setTimeout(() => this.ping(), Math.max(1, Math.round(interval * (0.8 + 0.2 * Math.random()))));
    this.pingTimer.unref();
  }

  private ping(): void {
    if (this.state !== 'open') return;
    this.touch();
    this.safeKeepAlive(PING);
    if (!this.pongTimer && this.settings.keepAliveTimeout > 0) {
      this.pongTimer = setTimeout(() => {
        this.fail('keepalive', new TransportError('EKEEPALIVE', `no keep-alive pong within ${this.settings.keepAliveTimeout} ms (RFC 5626 §4.4.1): flow failed`, { target: this.remote, connectionId: this.id }));
      }, this.settings.keepAliveTimeout);
      this.pongTimer.unref();
    }
    this.schedulePing();
  }

  private safeKeepAlive(data: Buffer): void {
    try {
      this.writeKeepAlive(data);
    } catch {
      // a dying socket: its close event follows
    }
  }
}
