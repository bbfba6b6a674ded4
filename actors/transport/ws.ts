/**
 * SIP over WebSocket (RFC 7118): the `sip` subprotocol, one SIP message per WebSocket message
 * (text or binary, §5.1), so no framer; WSS is the same over TLS. Keep-alives are the RFC 5626
 * CRLFCRLF/CRLF pair sent as WebSocket messages of their own (what SIP.js and others do);
 * WebSocket ping frames are answered by `ws` itself.
 */
import { isUtf8 } from 'node:buffer';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { Connection, PING, PONG, type ConnectionHooks, type ConnectionSettings } from './connection.js';
import { fromSocketError, TransportError } from './errors.js';
import { knownRemote, tlsClientOptions } from './tcp.js';
import { type Endpoint, normalizeAddress, type TLSSettings, urlHost } from './types.js';

/** RFC 7118 §4: the WebSocket subprotocol of SIP. */
export const SUBPROTOCOL = 'sip';
/** Largest WebSocket message accepted: a large SIP message, not the 100 MiB `ws` default. */
const MAX_PAYLOAD = 4 * 1024 * 1024 + 65536;
const LINGER_MS = 2000;

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export class WebSocketConnection extends Connection {
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    protocol: 'WS' | 'WSS',
    remote: Endpoint,
    outbound: boolean,
    settings: ConnectionSettings,
    hooks: ConnectionHooks,
    local?: Endpoint,
  ) {
    super(protocol, remote, outbound, settings, hooks, !outbound, local);
    let upgradedLocal: Endpoint | undefined;
    ws.on('upgrade', (res: http.IncomingMessage) => {
      const s = res.socket as Socket;
      upgradedLocal = { protocol, address: normalizeAddress(s.localAddress ?? ''), port: s.localPort ?? 0 };
    });
    ws.on('open', () => {
      // RFC 7118 §4.1: a server that did not accept `sip` is not a SIP WebSocket server.
      if (ws.protocol !== SUBPROTOCOL) {
        this.fail('error', new TransportError('ECONNECT', `WebSocket server did not accept the '${SUBPROTOCOL}' subprotocol`, { target: this.remote, connectionId: this.id }));
        return;
      }
      this.opened(upgradedLocal ?? { protocol, address: '', port: 0 });
    });
    ws.on('message', (data: WebSocket.RawData) => this.onMessage(toBuffer(data)));
    ws.on('ping', () => this.touch());
    ws.on('pong', () => this.touch());
    ws.on('error', (e: Error) => this.fail('error', fromSocketError(e, this.isOpen ? 'connection' : 'connect', this.remote, this.id)));
    ws.on('unexpected-response', (_req: http.ClientRequest, res: http.IncomingMessage) => {
      this.fail('error', new TransportError('ECONNECT', `WebSocket handshake refused: HTTP ${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trim(), { target: this.remote, connectionId: this.id }));
      res.resume();
    });
    ws.on('close', () => {
      if (this.lingerTimer) clearTimeout(this.lingerTimer);
      this.transportClosed();
    });
    this.started();
  }

  protected write(data: Buffer, cb: (err?: Error | null) => void): void {
    // RFC 7118 §5.1: text frames for UTF-8 messages, binary frames otherwise.
    this.ws.send(data, { binary: !isUtf8(data) }, (err) => cb(err));
  }

  protected writeKeepAlive(data: Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data.toString('latin1'));
  }

  protected shutdown(graceful: boolean): void {
    const state = this.ws.readyState;
    if (state === WebSocket.CLOSED) {
      this.transportClosed();
      return;
    }
    if (!graceful || state === WebSocket.CONNECTING) {
      this.ws.terminate();
      return;
    }
    if (state === WebSocket.OPEN) this.ws.close(1000);
    this.lingerTimer = setTimeout(() => this.ws.terminate(), LINGER_MS);
    this.lingerTimer.unref();
  }

  private onMessage(data: Buffer): void {
    if (!this.usable) return;
    this.touch();
    if (data.length === 4 && data.equals(PING)) this.pingReceived();
    else if (data.length === 2 && data.equals(PONG)) this.pongReceived();
    else this.hooks.message(this, data);
  }
}

/** Open a WebSocket to a SIP WebSocket server; sends queue until the handshake is done. */
export function connectWebSocket(
  target: Endpoint & { protocol: 'WS' | 'WSS' },
  path: string | undefined,
  tlsSettings: TLSSettings | undefined,
  settings: ConnectionSettings,
  hooks: ConnectionHooks,
): WebSocketConnection {
  const scheme = target.protocol === 'WSS' ? 'wss' : 'ws';
  const resource = path ? (path.startsWith('/') ? path : `/${path}`) : '/';
  const url = `${scheme}://${urlHost(target.address)}:${target.port}${resource}`;
  const options: WebSocket.ClientOptions & { servername?: string } = {
    perMessageDeflate: false,
    maxPayload: MAX_PAYLOAD,
    followRedirects: false,
  };
  if (settings.connectTimeout > 0) options.handshakeTimeout = settings.connectTimeout;
  if (target.protocol === 'WSS') Object.assign(options, tlsClientOptions(tlsSettings));
  const ws = new WebSocket(url, SUBPROTOCOL, options);
  return new WebSocketConnection(ws, target.protocol, { ...target }, true, settings, hooks);
}

/** A WS or WSS listener: an HTTP(S) server that accepts only `sip` WebSocket upgrades. */
export class WebSocketListener {
  private readonly wss: WebSocketServer;
  private readonly pending = new Set<Duplex>();

  private constructor(
    private readonly server: http.Server | https.Server,
    readonly local: Endpoint,
    path: string | undefined,
    accept: (ws: WebSocket, socket: Socket) => void,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: MAX_PAYLOAD,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.writeHead(426, { Connection: 'close', Upgrade: 'websocket', 'Content-Type': 'text/plain' });
      res.end('SIP over WebSocket (RFC 7118) only\n');
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim().toLowerCase());
      const reqPath = (req.url ?? '/').split('?')[0];
      if (path !== undefined && reqPath !== path) return refuse(socket, 404, 'Not Found');
      // RFC 7118 §4: the client MUST offer `sip`; no other subprotocol is spoken here.
      if (!offered.includes(SUBPROTOCOL)) return refuse(socket, 400, 'Bad Request');
      this.pending.add(socket);
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.pending.delete(socket);
        accept(ws, req.socket as Socket);
      });
    });
  }

  static listen(
    protocol: 'WS' | 'WSS',
    address: string,
    port: number,
    path: string | undefined,
    tlsSettings: TLSSettings | undefined,
    accept: (ws: WebSocket, socket: Socket) => void,
    report: (error: TransportError) => void,
  ): Promise<WebSocketListener> {
    let server: http.Server | https.Server;
    if (protocol === 'WSS') {
      if (!tlsSettings?.cert || !tlsSettings.key) return Promise.reject(new TransportError('ELISTEN', 'a WSS listener needs tls.cert and tls.key'));
      const options: https.ServerOptions = { cert: tlsSettings.cert, key: tlsSettings.key };
      if (tlsSettings.ca !== undefined) options.ca = tlsSettings.ca;
      server = https.createServer(options);
      server.on('tlsClientError', (e: Error, socket: Socket) => {
        report(new TransportError('ETLS', `TLS handshake with a WebSocket client failed: ${e.message}`, { target: knownRemote(socket, 'WSS'), cause: e }));
        socket.destroy();
      });
    } else server = http.createServer();
    server.on('clientError', (_e: Error, socket: Duplex) => socket.destroy());
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      server.once('error', onError);
      server.listen({ host: address, port, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (e) => report(new TransportError('ESOCKET', `${protocol} listener error: ${e.message}`, { cause: e })));
        const a = server.address() as AddressInfo;
        resolve(new WebSocketListener(server, { protocol, address: normalizeAddress(a.address), port: a.port }, path, accept));
      });
    });
  }

  /** Stop listening; connections already handed out are closed by their owner. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const s of this.pending) s.destroy();
      this.wss.close();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
