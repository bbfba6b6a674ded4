/** SIP over WebSocket (RFC 7118): WS and WSS loopback, the `sip` subprotocol, keep-alives, bad input. */
import * as http from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { parseMessage } from '../../src/sip/parser.js';
import type { SIPRequest, SIPResponse } from '../../src/sip/message.js';
import { TransportError, TransportManager } from '../../actors/transport/index.js';
import { autoAnswer, collect, delay, nextError, nextMessage, request, testCerts } from './helpers.js';

const certs = testCerts();

/** A raw WebSocket client (a browser softphone, say). */
function rawClient(url: string, protocols: string[] = ['sip']): Promise<{ ws: WebSocket; messages: { data: Buffer; binary: boolean }[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const messages: { data: Buffer; binary: boolean }[] = [];
    ws.on('message', (data, binary) => messages.push({ data: data as Buffer, binary }));
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(new Error(`HTTP ${res.statusCode}`));
      ws.terminate();
    });
  });
}

function closeRaw(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    ws.once('close', () => resolve());
    ws.terminate();
  });
}

for (const [protocol, address] of [['WS', '127.0.0.1'], ['WS', '::1'], ['WSS', '127.0.0.1'], ['WSS', '::1']] as const) {
  test(`${protocol} ${address}: request/response both ways over one WebSocket`, async () => {
    const tls = { ca: certs.caCert, cert: certs.serverCert, key: certs.serverKey };
    const a = new TransportManager({ tls });
    const b = new TransportManager({ tls });
    try {
      const eb = await b.listen({ protocol, address, port: 0, wsPath: '/sip' });
      assert.is(eb.protocol, protocol);
      autoAnswer(b);
      const atB = collect(b);
      for (const n of [1, 2, 3]) {
        const res = nextMessage(a, (i) => !i.message.isRequest && i.message.topVia!.branch === `z9hG4bK-ws${n}`);
        await a.send(eb, request({ via: `SIP/2.0/${protocol} df7jal23ls0d.invalid;rport;branch=z9hG4bK-ws${n}` }), { wsPath: '/sip' });
        const r = await res;
        assert.is((r.message as SIPResponse).status, 200);
        assert.is(r.source.protocol, protocol);
      }
      assert.is(a.connections.length, 1);
      assert.is(b.connections.length, 1);
      assert.is(new Set(atB.map((i) => i.connectionId)).size, 1);
      // RFC 7118 §5.2: the .invalid sent-by gets received and rport.
      const via = atB[0].message.topVia!;
      assert.is(via.received, address);
      assert.is(via.rport, atB[0].source.port);
      // b -> a over the WebSocket a opened (a WebSocket server cannot reach a client otherwise).
      const req = nextMessage(a, (i) => i.message.isRequest);
      await b.send(atB[0].source, request({ method: 'MESSAGE', via: `SIP/2.0/${protocol} 127.0.0.1;branch=z9hG4bK-wsback`, body: 'hello' }));
      const r = await req;
      assert.is(r.message.body.toString(), 'hello');
      const res = nextMessage(b, (i) => !i.message.isRequest);
      await a.sendResponse((r.message as SIPRequest).createResponse(202, undefined, { toTag: 'z' }), r);
      assert.is(((await res).message as SIPResponse).status, 202);
      assert.is(a.connections.length + b.connections.length, 2);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
}

test('WS: the `sip` subprotocol is required (RFC 7118 §4); messages go out as text frames', async () => {
  const m = new TransportManager();
  try {
    const e = await m.listen({ protocol: 'WS', address: '127.0.0.1', port: 0 });
    autoAnswer(m);
    const refused = await rawClient(`ws://127.0.0.1:${e.port}/`, ['chat']).then(
      () => 'accepted',
      (x: Error) => x.message,
    );
    assert.is(refused, 'HTTP 400');
    const { ws, messages } = await rawClient(`ws://127.0.0.1:${e.port}/`);
    assert.is(ws.protocol, 'sip');
    ws.send(request({ via: 'SIP/2.0/WS abc.invalid;branch=z9hG4bK-raw' }).toString());
    await delay(100);
    assert.is(messages.length, 1);
    assert.is(messages[0].binary, false, 'a UTF-8 message is a text frame');
    const res = parseMessage(messages[0].data) as SIPResponse;
    assert.is(res.status, 200);
    assert.is(res.topVia!.received, '127.0.0.1');
    // Binary frames are accepted as well (RFC 7118 §5.1).
    ws.send(request({ via: 'SIP/2.0/WS abc.invalid;branch=z9hG4bK-bin' }), { binary: true });
    await delay(100);
    assert.is(messages.length, 2);
    await closeRaw(ws);
  } finally {
    await m.close();
  }
});

test('WS: keep-alive CRLFCRLF is answered with CRLF; a client manager pings and keeps the flow', async () => {
  const b = new TransportManager();
  const a = new TransportManager({ keepAliveInterval: 40, keepAliveTimeout: 100, idleTimeout: 0 });
  try {
    const e = await b.listen({ protocol: 'WS', address: '127.0.0.1', port: 0 });
    const { ws, messages } = await rawClient(`ws://127.0.0.1:${e.port}/`);
    ws.send('\r\n\r\n');
    await delay(80);
    assert.is(messages.length, 1);
    assert.is(messages[0].data.toString(), '\r\n');
    await closeRaw(ws);

    const errors: TransportError[] = [];
    a.onError((x) => errors.push(x));
    const got = nextMessage(b);
    await a.send(e, request({ via: 'SIP/2.0/WS abc.invalid;branch=z9hG4bK-wska' }));
    await got;
    await delay(350);
    assert.is(errors.length, 0, errors.map((x) => x.message).join('; '));
    assert.is(a.connections.length, 1);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('WS: a garbage message is dropped, a malformed request gets 400, and the WebSocket stays usable', async () => {
  const m = new TransportManager();
  try {
    const e = await m.listen({ protocol: 'WS', address: '127.0.0.1', port: 0 });
    autoAnswer(m);
    const { ws, messages } = await rawClient(`ws://127.0.0.1:${e.port}/`);
    const err = nextError(m);
    ws.send(Buffer.from([0, 1, 2, 3, 255]), { binary: true });
    assert.is((await err).code, 'EPARSE');
    ws.send(request({ via: 'SIP/2.0/WS abc.invalid;branch=z9hG4bK-bad', cseq: '99999999999 OPTIONS' }).toString());
    ws.send(request({ via: 'SIP/2.0/WS abc.invalid;branch=z9hG4bK-good' }).toString());
    await delay(150);
    assert.is(messages.length, 2);
    assert.match(messages[0].data.toString(), /^SIP\/2\.0 400 .*\r\nVia: SIP\/2\.0\/WS abc\.invalid;branch=z9hG4bK-bad;received=127\.0\.0\.1\r\n/s);
    assert.match(messages[1].data.toString(), /^SIP\/2\.0 200 OK/);
    assert.is(m.connections.length, 1);
    await closeRaw(ws);
  } finally {
    await m.close();
  }
});

test('WS: wsPath is enforced; plain HTTP gets 426', async () => {
  const a = new TransportManager();
  const b = new TransportManager();
  try {
    const e = await b.listen({ protocol: 'WS', address: '127.0.0.1', port: 0, wsPath: '/sip' });
    const wrong = await a.send(e, request({ via: 'SIP/2.0/WS abc.invalid;branch=z9hG4bK-p1' }), { wsPath: '/other' }).catch((x: unknown) => x);
    assert.is((wrong as TransportError).code, 'ECONNECT');
    assert.match((wrong as TransportError).message, /404/);
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: e.port, path: '/sip', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    assert.is(status, 426);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('WSS: an untrusted certificate gives ETLSVERIFY; verifyServer:false connects', async () => {
  const b = new TransportManager({ tls: { cert: certs.rogueCert, key: certs.rogueKey } });
  const a = new TransportManager({ tls: { ca: certs.caCert } });
  try {
    const e = await b.listen({ protocol: 'WSS', address: '127.0.0.1', port: 0 });
    autoAnswer(b);
    const err = await a.send(e, request({ via: 'SIP/2.0/WSS abc.invalid;branch=z9hG4bK-wss1' })).catch((x: unknown) => x);
    assert.instance(err, TransportError);
    assert.is((err as TransportError).code, 'ETLSVERIFY');
    assert.match((err as TransportError).message, /certificate verification failed/);
    const res = nextMessage(a);
    await a.send(e, request({ via: 'SIP/2.0/WSS abc.invalid;branch=z9hG4bK-wss2' }), { tls: { verifyServer: false } });
    assert.is(((await res).message as SIPResponse).status, 200);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test.run();
