/**
 * TCP and TLS (RFC 3261 §18.3, RFC 5630): one stream-connection class over `net.Socket` or
 * `tls.TLSSocket`, framed by `StreamFramer`, a listener, and the client-side connect.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { FramingError, StreamFramer, type Frame } from '../../src/sip/framing.js';
import { Connection, type ConnectionHooks, type ConnectionSettings } from './connection.js';
import { fromSocketError, TransportError } from './errors.js';
import { type Endpoint, normalizeAddress, type TLSSettings } from './types.js';

/** How long a graceful close may take before the socket is destroyed. */
const LINGER_MS = 2000;

export class SocketConnection extends Connection {
  private readonly framer: StreamFramer;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: net.Socket,
    protocol: 'TCP' | 'TLS',
    remote: Endpoint,
    outbound: boolean,
    settings: ConnectionSettings,
    hooks: ConnectionHooks,
  ) {
    const established = !outbound;
    super(protocol, remote, outbound, settings, hooks, established, established ? localOf(socket, protocol) : undefined);
    // A client (RFC 5626 §4.4.1) sends the pings and only receives pongs: report each CRLF at once.
    this.framer = new StreamFramer({ pongsOnly: outbound });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail('error', fromSocketError(e, this.isOpen ? 'connection' : 'connect', this.remote, this.id)));
    socket.on('close', () => {
      if (this.lingerTimer) clearTimeout(this.lingerTimer);
      this.transportClosed();
    });
    socket.on('end', () => {
      // The peer half-closed: nothing more will arrive, so close our side too.
      if (this.usable) this.close('remote');
    });
    if (outbound) socket.once(protocol === 'TLS' ? 'secureConnect' : 'connect', () => this.opened(localOf(socket, protocol)));
    this.started();
  }

  protected write(data: Buffer, cb: (err?: Error | null) => void): void {
    this.socket.write(data, cb);
  }

  protected writeKeepAlive(data: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  protected shutdown(graceful: boolean): void {
    if (this.socket.destroyed) {
      // 'close' may already have fired or will fire; make sure done resolves.
      if (this.socket.closed) this.transportClosed();
      return;
    }
    if (!graceful || this.socket.connecting) {
      this.socket.destroy();
      return;
    }
    this.socket.end();
    this.lingerTimer = setTimeout(() => this.socket.destroy(), LINGER_MS);
    this.lingerTimer.unref();
  }

  private onData(chunk: Buffer): void {
    if (!this.usable) return;
    this.touch();
    let frames: Frame[];
    try {
      frames = this.framer.push(chunk);
    } catch (e) {
      // What the chunk completed before the error is still delivered, then the owner decides.
      if (e instanceof FramingError) this.deliver(e.frames);
      if (this.usable) this.hooks.framingError(this, e as Error);
      return;
    }
    this.deliver(frames);
  }

  private deliver(frames: readonly Frame[]): void {
    for (const f of frames) {
      if (!this.usable) return;
      if (f.kind === 'message') this.hooks.message(this, f.data);
      else if (f.kind === 'ping') this.pingReceived();
      else this.pongReceived();
    }
  }
}

function localOf(socket: net.Socket, protocol: 'TCP' | 'TLS'): Endpoint {
  return { protocol, address: normalizeAddress(socket.localAddress ?? ''), port: socket.localPort ?? 0 };
}

export function remoteOf(socket: net.Socket, protocol: 'TCP' | 'TLS' | 'WS' | 'WSS'): Endpoint {
  return { protocol, address: normalizeAddress(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
}

/** The remote endpoint while the socket still knows it (a failed handshake may have lost it). */
export function knownRemote(socket: net.Socket, protocol: 'TCP' | 'TLS' | 'WS' | 'WSS'): Endpoint | undefined {
  return socket.remoteAddress ? remoteOf(socket, protocol) : undefined;
}

/** Node TLS client options from our settings: verification on unless turned off. */
export function tlsClientOptions(settings: TLSSettings | undefined): tls.ConnectionOptions {
  const o: tls.ConnectionOptions = { rejectUnauthorized: settings?.verifyServer !== false };
  if (settings?.ca !== undefined) o.ca = settings.ca;
  if (settings?.cert !== undefined) o.cert = settings.cert;
  if (settings?.key !== undefined) o.key = settings.key;
  if (settings?.serverName !== undefined && net.isIP(settings.serverName) === 0) o.servername = settings.serverName;
  return o;
}

/** Open a TCP or TLS connection; sends queue until it is established. */
export function connectSocket(target: Endpoint & { protocol: 'TCP' | 'TLS' }, tlsSettings: TLSSettings | undefined, settings: ConnectionSettings, hooks: ConnectionHooks): SocketConnection {
  const socket =
    target.protocol === 'TLS'
      ? tls.connect({ ...tlsClientOptions(tlsSettings), host: target.address, port: target.port })
      : net.connect({ host: target.address, port: target.port });
  return new SocketConnection(socket, target.protocol, { ...target }, true, settings, hooks);
}

/** A TCP or TLS listening socket. */
export class StreamListener {
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly local: Endpoint,
  ) {}

  /**
   * Bind and listen. `accept` receives each accepted (for TLS: handshaken) socket; `report`
   * receives server-side errors that concern one client (a failed TLS handshake).
   */
  static listen(
    protocol: 'TCP' | 'TLS',
    address: string,
    port: number,
    tlsSettings: TLSSettings | undefined,
    accept: (socket: net.Socket) => void,
    report: (error: TransportError) => void,
  ): Promise<StreamListener> {
    let server: net.Server;
    if (protocol === 'TLS') {
      if (!tlsSettings?.cert || !tlsSettings.key) {
        return Promise.reject(new TransportError('ELISTEN', 'a TLS listener needs tls.cert and tls.key'));
      }
      const options: tls.TlsOptions = { cert: tlsSettings.cert, key: tlsSettings.key };
      if (tlsSettings.ca !== undefined) options.ca = tlsSettings.ca;
      const s = tls.createServer(options);
      s.on('secureConnection', (socket: tls.TLSSocket) => accept(socket));
      s.on('tlsClientError', (e: Error, socket: tls.TLSSocket) => {
        report(new TransportError('ETLS', `TLS handshake with a client failed: ${e.message}`, { target: knownRemote(socket, 'TLS'), cause: e }));
        socket.destroy();
      });
      server = s;
    } else {
      server = net.createServer((socket) => accept(socket));
    }
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      server.once('error', onError);
      server.listen({ host: address, port, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (e) => report(new TransportError('ESOCKET', `${protocol} listener error: ${e.message}`, { cause: e })));
        const a = server.address() as net.AddressInfo;
        const listener = new StreamListener(server, { protocol, address: normalizeAddress(a.address), port: a.port });
        server.on('connection', (socket: net.Socket) => {
          listener.sockets.add(socket);
          socket.once('close', () => listener.sockets.delete(socket));
        });
        resolve(listener);
      });
    });
  }

  /** Stop listening and destroy the sockets still open (in a TLS handshake, or lingering after their connection closed). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) if (!s.destroyed) s.destroy();
    });
  }
}
