/** TCP loopback (RFC 3261 §18.3): IPv4 and IPv6, connection reuse, keep-alives, idle close, bad streams. */
import * as net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SIPRequest, SIPResponse } from '../../src/sip/message.js';
import { type ConnectionEvent, TransportError, TransportManager } from '../../actors/transport/index.js';
import { autoAnswer, collect, delay, nextConnectionEvent, nextError, nextMessage, request } from './helpers.js';

/** A raw TCP server standing in for a peer we did not write. */
async function rawServer(onSocket: (s: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function rawClient(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

function closed(s: net.Socket, ms = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

for (const address of ['127.0.0.1', '::1']) {
  const host = address.includes(':') ? `[${address}]` : address;

  test(`TCP ${address}: request/response both ways over ONE connection, including responses and new requests over the peer's inbound connection`, async () => {
    const a = new TransportManager();
    const b = new TransportManager();
    const events: ConnectionEvent[] = [];
    a.onConnection((e) => events.push(e));
    b.onConnection((e) => events.push(e));
    try {
      const ea = await a.listen({ protocol: 'TCP', address, port: 0 });
      const eb = await b.listen({ protocol: 'TCP', address, port: 0 });
      autoAnswer(b);
      const atA = collect(a);
      const atB = collect(b);
      for (let n = 0; n < 5; n++) {
        const res = nextMessage(a, (i) => !i.message.isRequest && i.message.topVia!.branch === `z9hG4bK-tcp${n}`);
        await a.send(eb, request({ via: `SIP/2.0/TCP ${host}:${ea.port};branch=z9hG4bK-tcp${n}` }));
        const r = await res;
        assert.is((r.message as SIPResponse).status, 200);
        assert.ok(r.connectionId !== undefined);
      }
      assert.is(atB.length, 5);
      const ids = new Set(atB.map((i) => i.connectionId));
      assert.is(ids.size, 1, 'every request arrived on one connection');
      assert.is(a.connections.length, 1);
      assert.is(b.connections.length, 1);
      const [conn] = a.connections;
      assert.ok(conn.outbound);
      assert.equal(conn.remote, eb);
      const inbound = b.connections[0];
      assert.not.ok(inbound.outbound);
      assert.equal(inbound.remote, { protocol: 'TCP', address, port: conn.local.port });
      assert.equal(atB[0].source, inbound.remote);
      // §18.2.1 compares hosts only: same host, so no received (the port differs, as on every stream).
      assert.is(atB[0].message.topVia!.received, undefined);

      // b sends a NEW request to where a's requests came from: the inbound connection is reused.
      const gotAtA = nextMessage(a, (i) => i.message.isRequest);
      await b.send(atB[0].source, request({ via: `SIP/2.0/TCP ${host}:${eb.port};branch=z9hG4bK-back` }));
      const back = await gotAtA;
      assert.is(back.connectionId, conn.id, 'arrived over the connection a opened');
      // a answers it on the same connection.
      const resAtB = nextMessage(b, (i) => !i.message.isRequest);
      await a.sendResponse((back.message as SIPRequest).createResponse(180, undefined, { toTag: 'x' }), back);
      assert.is(((await resAtB).message as SIPResponse).status, 180);
      assert.is(a.connections.length, 1);
      assert.is(b.connections.length, 1);
      assert.is(events.filter((e) => e.type === 'open').length, 2, 'one open event per side, nothing more');
      assert.is(atA.filter((i) => i.message.isRequest).length, 1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
}

test('TCP: a response whose connection is gone goes to received + the sent-by port on a new connection (§18.2.2)', async () => {
  const a = new TransportManager();
  const b = new TransportManager();
  try {
    const ea = await a.listen({ protocol: 'TCP', address: '127.0.0.1', port: 0 });
    const eb = await b.listen({ protocol: 'TCP', address: '127.0.0.1', port: 0 });
    const got = nextMessage(b);
    await a.send(eb, request({ via: `SIP/2.0/TCP 127.0.0.1:${ea.port};branch=z9hG4bK-gone` }));
    const req = await got;
    const closedAtB = nextConnectionEvent(b, (e) => e.type === 'close');
    assert.ok(a.closeConnection(a.connections[0].id));
    assert.is((await closedAtB).type, 'close');
    assert.is(b.connections.length, 0);
    const res = nextMessage(a);
    await b.sendResponse((req.message as SIPRequest).createResponse(200, undefined, { toTag: 't' }), req);
    const r = await res;
    assert.is((r.message as SIPResponse).status, 200);
    assert.is(r.local.port, ea.port, 'arrived at a’s listener');
    assert.equal(b.connections[0].remote, { protocol: 'TCP', address: '127.0.0.1', port: ea.port });
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('TCP keep-alive (RFC 5626 §3.5.1): a client pings with CRLFCRLF and the pongs keep the flow up', async () => {
  let pings = 0;
  const server = await rawServer((s) => {
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      while (buf.startsWith('\r\n\r\n')) {
        pings++;
        buf = buf.slice(4);
        s.write('\r\n');
      }
      const end = buf.indexOf('\r\n\r\n');
      if (end > 0) buf = buf.slice(end + 4); // a SIP message without body: ignored
    });
  });
  const m = new TransportManager({ keepAliveInterval: 40, keepAliveTimeout: 100, idleTimeout: 0 });
  const closes: ConnectionEvent[] = [];
  m.onConnection((e) => e.type === 'close' && closes.push(e));
  try {
    await m.send({ protocol: 'TCP', address: '127.0.0.1', port: server.port }, request({ via: 'SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-ka' }));
    await delay(400);
    assert.ok(pings >= 4, `${pings} pings`);
    assert.is(closes.length, 0, 'the flow is alive');
    assert.is(m.connections.length, 1);
  } finally {
    await m.close();
    await server.close();
  }
});

test('TCP keep-alive: no pong within keepAliveTimeout fails the flow (EKEEPALIVE, RFC 5626 §4.4.1)', async () => {
  const server = await rawServer(() => undefined); // reads, never answers
  const m = new TransportManager({ keepAliveInterval: 30, keepAliveTimeout: 80 });
  try {
    const err = nextError(m);
    const closedEv = nextConnectionEvent(m, (e) => e.type === 'close');
    await m.send({ protocol: 'TCP', address: '127.0.0.1', port: server.port }, request({ via: 'SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-ka2' }));
    const e = await err;
    assert.is(e.code, 'EKEEPALIVE');
    assert.match(e.message, /pong/);
    const ev = await closedEv;
    assert.is(ev.type === 'close' && ev.reason, 'keepalive');
    assert.is(m.connections.length, 0);
  } finally {
    await m.close();
    await server.close();
  }
});

test('TCP keep-alive: a received CRLFCRLF ping is answered with a CRLF pong, also between messages', async () => {
  const m = new TransportManager();
  try {
    const e = await m.listen({ protocol: 'TCP', address: '127.0.0.1', port: 0 });
    const got = collect(m);
    const s = await rawClient(e.port);
    const data: Buffer[] = [];
    s.on('data', (d) => data.push(d));
    s.write('\r\n\r\n');
    await delay(80);
    assert.is(Buffer.concat(data).toString('latin1'), '\r\n');
    s.write(Buffer.concat([request({ via: 'SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-p' }), Buffer.from('\r\n\r\n')]));
    await delay(80);
    assert.is(Buffer.concat(data).toString('latin1'), '\r\n\r\n');
    assert.is(got.length, 1);
    s.destroy();
  } finally {
    await m.close();
  }
});

test('TCP: an idle connection is closed after idleTimeout, on both sides', async () => {
  const a = new TransportManager({ idleTimeout: 150 });
  const b = new TransportManager({ idleTimeout: 5000 });
  try {
    const eb = await b.listen({ protocol: 'TCP', address: '127.0.0.1', port: 0 });
    const got = nextMessage(b);
    await a.send(eb, request({ via: 'SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-idle' }));
    await got;
    const t0 = Date.now();
    const closedA = nextConnectionEvent(a, (e) => e.type === 'close');
    const closedB = nextConnectionEvent(b, (e) => e.type === 'close');
    const ea = await closedA;
    assert.is(ea.type === 'close' && ea.reason, 'idle');
    assert.ok(Date.now() - t0 >= 100);
    const eb2 = await closedB;
    assert.is(eb2.type === 'close' && eb2.reason, 'remote');
    assert.is(a.connections.length + b.connections.length, 0);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('TCP: a connection sending garbage is closed; another connection is not affected', async () => {
  const a = new TransportManager();
  const m = new TransportManager();
  try {
    const em = await m.listen({ protocol: 'TCP', address: '127.0.0.1', port: 0 });
    autoAnswer(m);
    const first = nextMessage(a);
    await a.send(em, request({ via: 'SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-g1' }));
    await first;
    const bad = await rawClient(em.port);
    const err = nextError(m, (x) => x.code === 'EFRAMING');
    bad.write('\x16\x03\x01 this is not SIP at all\r\n\r\n');
    const x = await err;
    assert.equal(x.target, { protocol: 'TCP', address: '127.0.0.1', port: bad.localPort });
    assert.ok(await closed(bad), 'the garbage connection was closed');
    const again = nextMessage(a);
    await a.send(em, request({ via: 'SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-g2' }));
    assert.is(((await again).message as SIPResponse).status, 200);
    assert.is(m.connections.length, 1);
  } finally {
    await Promise.all([a.close(), m.close()]);
  }
});

test('TCP: a malformed but framed request gets 400 on its connection, which stays open; a request without Content-Length gets 400 and the connection is closed', async () => {
  const m = new TransportManager();
  try {
    const em = await m.listen({ protocol: 'TCP', address: '127.0.0.1', port: 0 });
    autoAnswer(m);
    const s = await rawClient(em.port);
    let text = '';
    s.on('data', (d) => (text += d.toString('latin1')));
    s.write(request({ via: 'SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-m1', cseq: '99999999999 OPTIONS' }));
    await delay(100);
    assert.match(text, /^SIP\/2\.0 400 [^\r]*\r\nVia: SIP\/2\.0\/TCP 127\.0\.0\.1:5099;branch=z9hG4bK-m1\r\n/);
    s.write(request({ via: 'SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-m2' }));
    await delay(100);
    assert.match(text, /SIP\/2\.0 200 OK\r\nVia: SIP\/2\.0\/TCP 127\.0\.0\.1:5099;branch=z9hG4bK-m2/);
    text = '';
    s.write(request({ via: 'SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-m3', contentLength: false }));
    assert.ok(await closed(s));
    assert.match(text, /^SIP\/2\.0 400 [^\r]*\r\nVia: SIP\/2\.0\/TCP 127\.0\.0\.1:5099;branch=z9hG4bK-m3\r\n/);
  } finally {
    await m.close();
  }
});

test('TCP: a refused connection fails every pending send with ECONNECT, over one attempt', async () => {
  const server = await rawServer(() => undefined);
  const port = server.port;
  await server.close(); // nothing listens there now
  const m = new TransportManager();
  const opened: ConnectionEvent[] = [];
  m.onConnection((e) => opened.push(e));
  try {
    const target = { protocol: 'TCP' as const, address: '127.0.0.1', port };
    const results = await Promise.allSettled([m.send(target, request({ via: 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-r1' })), m.send(target, request({ via: 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-r2' }))]);
    for (const r of results) {
      assert.is(r.status, 'rejected');
      const e = (r as PromiseRejectedResult).reason as TransportError;
      assert.instance(e, TransportError);
      assert.is(e.code, 'ECONNECT');
      assert.equal(e.target, target);
      assert.match(e.message, /ECONNREFUSED/);
    }
    assert.is(opened.filter((e) => e.type === 'close').length, 1, 'one connection attempt');
    assert.is(m.connections.length, 0);
  } finally {
    await m.close();
  }
});

test('TCP: maxConnections is enforced', async () => {
  const b = new TransportManager();
  const a = new TransportManager({ maxConnections: 1 });
  try {
    const e1 = await b.listen({ protocol: 'TCP', address: '127.0.0.1', port: 0 });
    const e2 = await b.listen({ protocol: 'TCP', address: '127.0.0.1', port: 0 });
    await a.send(e1, request({ via: 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-x1' }));
    const err = await a.send(e2, request({ via: 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-x2' })).catch((x: unknown) => x);
    assert.is((err as TransportError).code, 'EMAXCONN');
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('TCP: close() fails queued sends with ESHUTDOWN and leaves nothing open', async () => {
  const b = new TransportManager();
  const a = new TransportManager();
  const eb = await b.listen({ protocol: 'TCP', address: '127.0.0.1', port: 0 });
  const pending = a.send(eb, request({ via: 'SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-s1' })).catch((x: unknown) => x);
  await a.close();
  const e = await pending;
  // The send was queued on a connection still being established: it fails, it does not hang.
  assert.instance(e, TransportError);
  assert.is((e as TransportError).code, 'ESHUTDOWN');
  await b.close();
  assert.is(a.connections.length + b.connections.length, 0);
  assert.is(b.listening.length, 0);
});

test.run();
