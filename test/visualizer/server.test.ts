/**
 * The visualizer's server with a fake inspection source: it serves the page, its script and
 * elkjs from a fixed allow-list (404 for anything else, traversal included), refuses foreign Host
 * headers and foreign WebSocket origins, streams the source's messages in order as JSON-array
 * frames, listens to the source only while a client is connected, and drops a lagging client to a
 * 'resync' marker followed by a fresh replay.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { startVisualizer, isLoopback, type InspectionMessage, type WireMessage } from '../../visualizer/server.js';
import { session } from '../../machines/session.js';
import { dialog } from '../../machines/dialog.js';
import { FakeSource } from './fake-source.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const waitFor = async (cond: () => boolean, what: string, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
};

const sessionDef = JSON.parse(JSON.stringify(session.toJSON())) as unknown;
const dialogDef = JSON.parse(JSON.stringify(dialog.toJSON())) as unknown;
const actorMsg = (id: string, kind: string, owner: string | null, definition: unknown, value: unknown): InspectionMessage => ({
  type: 'actor', id, kind, owner, definition, value, context: { n: 0 }, status: 'active', at: Date.now(),
});

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.match(String((e as Error).message), pattern);
    return;
  }
  assert.unreachable(`expected a rejection matching ${pattern}`);
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
/** A raw GET (no URL normalisation, so '/../package.json' reaches the server as written). */
function get(port: number, path: string, host = `127.0.0.1:${port}`, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A WebSocket client collecting every message of every frame, in order, with definitions put
 * back in place of their references (the page does the same); `definitions` counts those sent.
 */
async function connect(port: number, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; got: InspectionMessage[]; frames: number; definitions: number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/events`, { headers });
  const c = { ws, got: [] as InspectionMessage[], frames: 0, definitions: 0 };
  const defs = new Map<number, unknown>();
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as WireMessage[];
    assert.ok(Array.isArray(frame), 'each frame is a JSON array');
    c.frames++;
    for (const m of frame) {
      if (m.type === 'definition') {
        defs.set(m.ref, m.definition);
        c.definitions++;
      } else if (m.type === 'actor' && m.definitionRef !== undefined) {
        assert.ok(defs.has(m.definitionRef), 'a definition comes before its first use');
        const { definitionRef, ...rest } = m;
        c.got.push({ ...rest, definition: defs.get(definitionRef) } as InspectionMessage);
      } else {
        c.got.push(m as InspectionMessage);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
  });
  return c;
}

test('serves the page, its assets and elkjs; nothing else', async () => {
  const v = await startVisualizer(new FakeSource(), { port: 0 });
  try {
    assert.match(v.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await get(v.port, '/');
    assert.is(index.status, 200);
    assert.match(String(index.headers['content-type']), /text\/html/);
    assert.match(index.body, /<script type="module" src="app\.js">/);
    assert.match(index.body, /id="status"/);
    assert.is((await get(v.port, '/index.html')).body, index.body);
    const app = await get(v.port, '/app.js');
    assert.is(app.status, 200);
    assert.match(String(app.headers['content-type']), /javascript/);
    assert.match(app.body, /export function activePaths/);
    const css = await get(v.port, '/style.css');
    assert.is(css.status, 200);
    assert.match(String(css.headers['content-type']), /text\/css/);
    const elk = await get(v.port, '/elk.bundled.js');
    assert.is(elk.status, 200);
    assert.ok(elk.body.length > 500_000, 'the whole bundled elkjs');
    assert.match(elk.body, /g\.ELK = f\(\)/);
    assert.is((await get(v.port, '/app.js?v=1')).status, 200, 'a query string is ignored');
    const head = await get(v.port, '/', `127.0.0.1:${v.port}`, 'HEAD');
    assert.is(head.status, 200);
    assert.is(head.body, '');
    for (const path of [
      '/../package.json',
      '/..%2fpackage.json',
      '/%2e%2e/package.json',
      '/page/index.html',
      '/server.ts',
      '/visualizer/page/app.js',
      '/node_modules/elkjs/lib/elk.bundled.js',
      '//etc/passwd',
      '/app.js/',
      '/favicon.ico',
    ]) {
      const r = await get(v.port, path);
      assert.is(r.status, 404, path);
      assert.not.match(r.body, /"name": "sipstate"/, path);
    }
    assert.is((await get(v.port, '/', `127.0.0.1:${v.port}`, 'POST')).status, 405);
  } finally {
    await v.close();
  }
});

test('refuses a foreign Host header (DNS rebinding) and a foreign WebSocket origin', async () => {
  const source = new FakeSource();
  const v = await startVisualizer(source, { port: 0 });
  try {
    for (const host of [`localhost:${v.port}`, `127.0.0.1:${v.port}`, `[::1]:${v.port}`, 'localhost', '127.0.0.2']) {
      assert.is((await get(v.port, '/', host)).status, 200, host);
    }
    for (const host of [`evil.example:${v.port}`, 'evil.example', `192.168.1.10:${v.port}`, `127.0.0.1.evil.example:${v.port}`]) {
      const r = await get(v.port, '/', host);
      assert.is(r.status, 403, host);
      assert.not.match(r.body, /<html/);
    }
    await rejects(connect(v.port, { Host: `evil.example:${v.port}` }), /403/);
    await rejects(connect(v.port, { Origin: 'http://evil.example' }), /403/);
    await rejects(connect(v.port, { Origin: `http://localhost:${v.port + 1}` }), /403/);
    assert.is(source.listens, 0, 'a refused client never subscribes');
    const ok = await connect(v.port, { Origin: `http://127.0.0.1:${v.port}` });
    ok.ws.close();
    const bad = new WebSocket(`ws://127.0.0.1:${v.port}/other`);
    await rejects(
      new Promise((resolve, reject) => {
        bad.once('open', resolve);
        bad.once('error', reject);
      }),
      /404/,
    );
  } finally {
    await v.close();
  }
  assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('[::1]') && isLoopback('localhost'));
  assert.not.ok(isLoopback('0.0.0.0') || isLoopback('10.0.0.1') || isLoopback('example.com'));
});

test('a non-loopback bind accepts other Host headers', async () => {
  const v = await startVisualizer(new FakeSource(), { port: 0, host: '0.0.0.0' });
  try {
    assert.match(v.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.is((await get(v.port, '/', `my-box.lan:${v.port}`)).status, 200);
  } finally {
    await v.close();
  }
});

test('WebSocket: the replay, then every message in order, batched', async () => {
  const source = new FakeSource();
  source.emit(actorMsg('app', 'application', null, null, 'running'));
  source.emit(actorMsg('s1', 'session', 'app', sessionDef, 'idle'));
  const v = await startVisualizer(source, { port: 0, batchMs: 30 });
  try {
    const c = await connect(v.port);
    await waitFor(() => c.got.length === 2, 'the replay');
    assert.equal(c.got.map((m) => m.type + ':' + m.id), ['actor:app', 'actor:s1']);
    const first = c.got[1] as Extract<InspectionMessage, { type: 'actor' }>;
    assert.equal(first.definition, sessionDef, 'the definition arrives whole');

    const sent: InspectionMessage[] = [];
    const send = (m: InspectionMessage) => {
      sent.push(m);
      source.emit(m);
    };
    send(actorMsg('d1', 'dialog', 's1', dialogDef, 'early'));
    for (let i = 0; i < 500; i++) {
      send({ type: 'event', id: 's1', event: { type: 'provisional', n: i, response: { summary: 'SIP/2.0 180 Ringing', text: 'SIP/2.0 180 Ringing\r\n\r\n' } }, source: null, at: Date.now() });
      send({ type: 'snapshot', id: 's1', value: { outgoing: 'ringing' }, context: { n: i }, status: 'active', at: Date.now() });
    }
    send({ type: 'stopped', id: 'd1', at: Date.now() });
    // a second session of the same machine: its definition is not sent again
    send(actorMsg('s2', 'session', 'app', sessionDef, 'idle'));
    await waitFor(() => c.got.length === 2 + sent.length, 'every message');
    assert.equal(c.got.slice(2), sent, 'same messages, same order');
    assert.ok(c.frames < 20, `batched into a few frames (${c.frames})`);
    assert.is(c.definitions, 2, 'each definition once (session, dialog)');
    c.ws.close();
  } finally {
    await v.close();
  }
});

test('listens to the source only while a client is connected', async () => {
  const source = new FakeSource();
  const v = await startVisualizer(source, { port: 0 });
  try {
    await sleep(50);
    assert.is(source.size, 0, 'nobody connected: not listening');
    const a = await connect(v.port);
    await waitFor(() => source.size === 1, 'a subscription');
    const b = await connect(v.port);
    await waitFor(() => source.size === 2, 'one subscription per client');
    assert.is(v.clients, 2);
    a.ws.close();
    await waitFor(() => source.size === 1, 'the first one ends');
    b.ws.terminate();
    await waitFor(() => source.size === 0 && v.clients === 0, 'no subscription left');
    // a client arriving later gets the replay of what is live now
    source.emit(actorMsg('s2', 'session', null, sessionDef, 'idle'));
    const c = await connect(v.port);
    await waitFor(() => c.got.length === 1, 'the replay');
    assert.is(c.got[0].id, 's2');
    c.ws.close();
    await waitFor(() => source.size === 0, 'unsubscribed again');
  } finally {
    await v.close();
  }
  // close() ends subscriptions of clients still connected, after sending what is still queued
  const v2 = await startVisualizer(source, { port: 0, batchMs: 1000 });
  const d = await connect(v2.port);
  await waitFor(() => source.size === 1, 'subscribed');
  await waitFor(() => d.got.length === 1, 'the replay');
  source.emit({ type: 'snapshot', id: 's2', value: 'terminated', context: {}, status: 'done', at: 1 });
  source.emit({ type: 'stopped', id: 's2', at: 2 });
  await v2.close();
  assert.is(source.size, 0);
  await waitFor(() => d.ws.readyState === WebSocket.CLOSED, 'client closed');
  assert.equal(d.got.slice(1).map((m) => m.type), ['snapshot', 'stopped'], 'the last messages before close() arrive');
});

test('a lagging client is dropped to a resync marker and a fresh replay', async () => {
  const source = new FakeSource();
  source.emit(actorMsg('s1', 'session', null, sessionDef, 'idle'));
  const v = await startVisualizer(source, { port: 0, batchMs: 20, maxQueue: 100 });
  try {
    const c = await connect(v.port);
    await waitFor(() => c.got.length === 1, 'the replay');
    // 1,000 messages within one tick: far more than the client may have queued
    for (let i = 0; i < 1000; i++) source.emit({ type: 'snapshot', id: 's1', value: 'idle', context: { n: i }, status: 'active', at: i });
    await waitFor(() => c.got.some((m) => (m as { type: string }).type === 'resync'), 'the resync marker');
    await waitFor(() => c.got.length >= 3, 'the replay after it');
    const i = c.got.findIndex((m) => (m as { type: string }).type === 'resync');
    assert.is(c.got.length, i + 2, 'nothing of the overflow was sent');
    const replay = c.got[i + 1] as Extract<InspectionMessage, { type: 'actor' }>;
    assert.is(replay.type, 'actor');
    assert.equal(replay.context, { n: 999 }, 'the replay carries the newest state');
    assert.is(source.size, 1, 'listening again, once');
    assert.is(source.listens, 2);
    // and it streams again
    source.emit({ type: 'stopped', id: 's1', at: 1 });
    await waitFor(() => c.got.at(-1)?.type === 'stopped', 'streaming again');
    // a replay bigger than maxQueue is not lag
    for (let k = 0; k < 300; k++) source.emit(actorMsg(`t${k}`, 'transaction', null, null, 'trying'));
    const big = await connect(v.port);
    await waitFor(() => big.got.length === 300, 'a 300-actor replay');
    source.emit({ type: 'stopped', id: 't0', at: 2 });
    await waitFor(() => big.got.length === 301, 'then the stream');
    assert.not.ok(big.got.some((m) => (m as { type: string }).type === 'resync'));
    c.ws.close();
    big.ws.close();
  } finally {
    await v.close();
  }
});

test.run();
