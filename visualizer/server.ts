/**
 * The live visualizer's server: a node:http server on 127.0.0.1 (by default) that serves the page
 * (`visualizer/page/`) and elkjs's bundled file from a fixed allow-list, and a WebSocket endpoint
 * (`/events`) streaming inspection messages as JSON.
 *
 * - Every WebSocket client gets its own subscription to the source (`listen`), so it receives the
 *   replay of the live actors first, then the stream. With no client connected nothing listens,
 *   and the hub leaves the actors uninspected (inspection costs 30-46%, see design.md).
 * - Messages are queued per client and sent every `batchMs` (50 ms) as frames of up to about 1 MB:
 *   JSON arrays of messages, in the order the source produced them.
 * - Machine definitions travel once per connection: an 'actor' message goes out with
 *   `definitionRef: n` in place of its `definition`, and the first one referring to n is preceded
 *   by `{ type: 'definition', ref: n, definition }` (see WireMessage).
 * - Backpressure: frames are sent only while the client's socket holds less than `maxBuffered`
 *   bytes unsent; meanwhile messages wait in its queue. A client whose queue grows past `maxQueue`
 *   messages or `maxQueueChars` characters (the replay on subscribing never counts) is dropped
 *   from the stream: its subscription ends and its queue is discarded. Once its socket has
 *   drained it receives `[{ "type": "resync", "at": ... }]` and a fresh subscription, so the
 *   replay of the live actors again; the page starts over from that replay.
 * - DNS rebinding: while bound to a loopback address, requests whose Host header names anything but
 *   a loopback address are refused (403). WebSocket upgrades must also come from our own origin.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { isIP, type AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';

/** What the source gives (the inspection hub's messages). */
export type InspectionMessage =
  | { type: 'actor'; id: string; kind: string; owner: string | null; definition: unknown; value: unknown; context: unknown; status: string; at: number }
  | { type: 'snapshot'; id: string; value: unknown; context: unknown; status: string; at: number }
  | { type: 'event'; id: string; event: { type: string; [k: string]: unknown }; source: string | null; at: number }
  | { type: 'stopped'; id: string; at: number };

/** What the page receives, in JSON-array frames. */
export type WireMessage =
  | Exclude<InspectionMessage, { type: 'actor' }>
  | (Omit<Extract<InspectionMessage, { type: 'actor' }>, 'definition'> & { definition?: unknown; definitionRef?: number })
  | { type: 'definition'; ref: number; definition: unknown }
  | { type: 'resync'; at: number };

/** Anything that streams inspection messages: `actors/inspection.ts`'s `inspectionHub`, or a fake. */
export interface InspectionSource {
  /** Replays an 'actor' message for every live actor, then streams; returns the unsubscribe. */
  listen(listener: (message: InspectionMessage) => void): () => void;
}

export interface VisualizerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Address to bind; default 127.0.0.1. A non-loopback address also accepts any Host header. */
  host?: string;
  /** How often queued messages are sent, in ms (default 50). */
  batchMs?: number;
  /** Queued messages per client before it counts as lagging (default 50,000). */
  maxQueue?: number;
  /** Queued characters of JSON per client before it counts as lagging (default 64 Mi). */
  maxQueueChars?: number;
  /** Bytes unsent in a client's socket before its queue stops being flushed (default 4 MiB). */
  maxBuffered?: number;
}

export interface Visualizer {
  /** http://host:port/ — the page. */
  readonly url: string;
  readonly port: number;
  /** Connected WebSocket clients. */
  readonly clients: number;
  close(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** The page's folder: beside this file in the sources, or in the package root when compiled into dist/. */
async function findPageDir(): Promise<string> {
  const candidates = [join(here, 'page'), join(here, '..', '..', 'visualizer', 'page')];
  for (const dir of candidates) {
    try {
      if ((await stat(join(dir, 'index.html'))).isFile()) return dir;
    } catch {
      // try the next one
    }
  }
  throw new Error(`visualizer: page not found (looked in ${candidates.join(', ')})`);
}

const TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
} as const;

/** The whole of what the server serves: URL path → file and type. Nothing else is reachable. */
function allowList(pageDir: string): Map<string, { file: string; type: string }> {
  const index = { file: join(pageDir, 'index.html'), type: TYPES.html };
  return new Map<string, { file: string; type: string }>([
    ['/', index],
    ['/index.html', index],
    ['/app.js', { file: join(pageDir, 'app.js'), type: TYPES.js }],
    ['/style.css', { file: join(pageDir, 'style.css'), type: TYPES.css }],
    ['/elk.bundled.js', { file: require.resolve('elkjs/lib/elk.bundled.js'), type: TYPES.js }],
  ]);
}

/** True for 'localhost', 127.0.0.0/8, ::1 (bracketed or not) and IPv4-mapped 127.x. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/** The host name of a Host header value ("127.0.0.1:8080", "[::1]:80", "localhost"). */
function hostName(header: string): string {
  const h = header.trim();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
};

/** One message as JSON, once, however many clients receive it. */
const encoded = new WeakMap<object, string>();
function encode(message: object): string {
  let text = encoded.get(message);
  if (text === undefined) {
    try {
      text = JSON.stringify(message, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    } catch (e) {
      // a cycle or a throwing toJSON: keep the message's identity, lose its payload
      const m = message as { type?: unknown; id?: unknown; at?: unknown };
      text = JSON.stringify({ type: m.type, id: m.id, at: m.at, error: `unserialisable: ${(e as Error).message}` });
    }
    encoded.set(message, text);
  }
  return text;
}

/**
 * Machine definitions travel once per connection: every distinct definition object (the hub
 * shares one per machine) gets a number; an 'actor' message carries `definitionRef` instead of
 * `definition`, after one `{ type: 'definition', ref, definition }` message on that connection.
 */
const definitionRefs = new WeakMap<object, number>();
let nextDefinitionRef = 1;
function definitionRef(definition: object): number {
  let ref = definitionRefs.get(definition);
  if (ref === undefined) definitionRefs.set(definition, (ref = nextDefinitionRef++));
  return ref;
}
const encodedDefinitionsByObject = new WeakMap<object, string>();
function encodeDefinition(ref: number, definition: object): string {
  let text = encodedDefinitionsByObject.get(definition);
  if (text === undefined) {
    text = encode({ type: 'definition', ref, definition });
    encodedDefinitionsByObject.set(definition, text);
  }
  return text;
}
const encodedActors = new WeakMap<object, string>();
function encodeActor(message: Extract<InspectionMessage, { type: 'actor' }>, ref: number): string {
  let text = encodedActors.get(message);
  if (text === undefined) {
    const { definition: _omitted, ...rest } = message;
    void _omitted;
    text = encode({ ...rest, definitionRef: ref });
    encodedActors.set(message, text);
  }
  return text;
}

/** Up to this many characters of queued messages go into one frame. */
const FRAME_CHARS = 1024 * 1024;

class Client {
  queue: string[] = [];
  queuedChars = 0;
  unlisten: (() => void) | undefined;
  lagging = false;
  private replaying = false;
  /** Queued messages (and their characters) that came from the replay and are still unsent. */
  private replayLeft = 0;
  private replayLeftChars = 0;
  /** Bumped on every (un)subscription: a listener of an older one is ignored from then on. */
  private generation = 0;
  constructor(
    readonly ws: WebSocket,
    private readonly source: InspectionSource,
    private readonly limits: { maxQueue: number; maxQueueChars: number },
  ) {}

  /** Subscribe: the source replays every live actor (never counted as lag), then streams. */
  listen(): void {
    this.lagging = false;
    this.definitionsSent = new Set();
    const generation = ++this.generation;
    this.replaying = true;
    try {
      this.unlisten = this.source.listen((m) => {
        if (generation === this.generation) this.deliver(m);
      });
    } finally {
      this.replaying = false;
    }
    // the replay is not lag: the limits count what comes after it
    this.replayLeft = this.queue.length;
    this.replayLeftChars = this.queuedChars;
  }

  /** Definitions already sent on this subscription (see definitionRef). */
  private definitionsSent = new Set<number>();

  private deliver(m: InspectionMessage): void {
    if (m.type === 'actor' && m.definition !== null && typeof m.definition === 'object') {
      const ref = definitionRef(m.definition);
      if (!this.definitionsSent.has(ref)) {
        this.definitionsSent.add(ref);
        this.push(encodeDefinition(ref, m.definition));
      }
      this.push(encodeActor(m, ref));
    } else {
      this.push(encode(m));
    }
  }

  push(text: string): void {
    if (this.lagging) return;
    this.queue.push(text);
    this.queuedChars += text.length;
    if (this.replaying) return;
    if (this.queue.length - this.replayLeft > this.limits.maxQueue || this.queuedChars - this.replayLeftChars > this.limits.maxQueueChars) this.lag();
  }

  /**
   * Too far behind: stop listening and forget what is queued; flush() resumes it once drained.
   * Called while the source is dispatching, so the source hears of it after the dispatch.
   */
  lag(): void {
    this.lagging = true;
    this.generation++;
    this.clear();
    const u = this.unlisten;
    this.unlisten = undefined;
    if (u) queueMicrotask(u);
  }

  clear(): void {
    this.queue = [];
    this.queuedChars = 0;
    this.replayLeft = 0;
    this.replayLeftChars = 0;
  }

  stopListening(): void {
    this.generation++;
    const u = this.unlisten;
    this.unlisten = undefined;
    u?.();
  }

  /** Send queued messages, in order, in frames of about FRAME_CHARS, while the socket keeps up. */
  flush(maxBuffered: number): void {
    let start = 0;
    while (start < this.queue.length && this.ws.bufferedAmount <= maxBuffered) {
      let end = start;
      let chars = 0;
      while (end < this.queue.length && (end === start || chars + this.queue[end].length <= FRAME_CHARS)) chars += this.queue[end++].length;
      this.ws.send('[' + this.queue.slice(start, end).join(',') + ']');
      this.queuedChars -= chars;
      this.replayLeft = Math.max(0, this.replayLeft - (end - start));
      this.replayLeftChars = Math.max(0, this.replayLeftChars - chars);
      start = end;
    }
    if (start === this.queue.length) this.clear();
    else if (start > 0) this.queue = this.queue.slice(start);
  }
}

export async function startVisualizer(source: InspectionSource, options: VisualizerOptions = {}): Promise<Visualizer> {
  const host = options.host ?? '127.0.0.1';
  const batchMs = options.batchMs ?? 50;
  const maxQueue = options.maxQueue ?? 50_000;
  const maxQueueChars = options.maxQueueChars ?? 64 * 1024 * 1024;
  const maxBuffered = options.maxBuffered ?? 4 * 1024 * 1024;
  const loopbackOnly = isLoopback(host);
  const routes = allowList(await findPageDir());
  const clients = new Set<Client>();

  const hostAllowed = (req: IncomingMessage): boolean => {
    const header = req.headers.host;
    if (!header) return false;
    return !loopbackOnly || isLoopback(hostName(header));
  };

  const server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const deny = (status: number, text: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS, ...extra });
      res.end(text + '\n');
    };
    if (!hostAllowed(req)) return deny(403, 'forbidden host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(405, 'method not allowed', { Allow: 'GET, HEAD' });
    const path = (req.url ?? '/').split(/[?#]/, 1)[0];
    const route = routes.get(path);
    if (!route) return deny(404, 'not found');
    let body: Buffer;
    try {
      body = await readFile(route.file);
    } catch {
      return deny(500, 'cannot read ' + path);
    }
    res.writeHead(200, { 'Content-Type': route.type, 'Content-Length': body.length, ...SECURITY_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!hostAllowed(req)) return refuse('403 Forbidden');
    // A browser page elsewhere may open a WebSocket to us: only our own origin may.
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let originHost: string;
      try {
        originHost = new URL(origin).host;
      } catch {
        return refuse('403 Forbidden');
      }
      if (originHost.toLowerCase() !== (req.headers.host ?? '').toLowerCase()) return refuse('403 Forbidden');
    }
    if ((req.url ?? '').split('?', 1)[0] !== '/events') return refuse('404 Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => {
      const client = new Client(ws, source, { maxQueue, maxQueueChars });
      clients.add(client);
      const drop = () => {
        if (!clients.delete(client)) return;
        client.stopListening();
        client.clear();
      };
      ws.on('close', drop);
      ws.on('error', drop);
      // the page sends nothing that matters; ignore what it sends
      ws.on('message', () => {});
      try {
        client.listen();
      } catch (e) {
        drop();
        ws.close(1011, String((e as Error)?.message ?? e).slice(0, 100));
        return;
      }
      armTimer();
    });
  });

  let timer: NodeJS.Timeout | undefined;
  const armTimer = () => {
    if (timer === undefined && clients.size > 0) {
      timer = setInterval(flush, batchMs);
      timer.unref();
    }
  };

  function flush(): void {
    for (const c of clients) {
      if (c.ws.readyState !== WebSocket.OPEN) continue;
      if (c.lagging) {
        // back on its feet once its socket has drained: tell it to start over, and replay
        if (c.ws.bufferedAmount < maxBuffered / 4) {
          c.ws.send(JSON.stringify([{ type: 'resync', at: Date.now() }]));
          c.listen();
        }
        continue;
      }
      // while the socket is not keeping up the queue waits; push() declares it lagging if it overflows
      c.flush(maxBuffered);
    }
    if (clients.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : isIP(host) === 6 ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}/`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    get clients() {
      return clients.size;
    },
    /**
     * Stop listening, send each client what is still queued (the last moments of a run that is
     * ending), close the sockets (terminated after 1 s if a client does not answer), then the
     * server.
     */
    close() {
      closing ??= (async () => {
        if (timer !== undefined) clearInterval(timer);
        timer = undefined;
        const open = [...clients];
        clients.clear();
        for (const c of open) {
          c.stopListening();
          if (c.ws.readyState === WebSocket.OPEN && !c.lagging) c.flush(Infinity);
          c.ws.close(1001, 'visualizer closed');
        }
        await Promise.race([
          Promise.all(open.map((c) => (c.ws.readyState === WebSocket.CLOSED ? undefined : new Promise((r) => c.ws.once('close', r))))),
          new Promise((r) => setTimeout(r, 1000)),
        ]);
        for (const c of open) c.ws.terminate();
        wss.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
