/** TLS loopback (RFC 3261 §18, §26.3.1; RFC 5630): verification on by default, per-call settings. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SIPRequest, SIPResponse } from '../../src/sip/message.js';
import { TransportError, TransportManager } from '../../actors/transport/index.js';
import { autoAnswer, collect, nextMessage, request, testCerts } from './helpers.js';

const certs = testCerts();
const server = { cert: certs.serverCert, key: certs.serverKey };
const rogue = { cert: certs.rogueCert, key: certs.rogueKey };

async function rejection(p: Promise<unknown>): Promise<TransportError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  assert.instance(e, TransportError, 'expected a TransportError');
  return e as TransportError;
}

for (const address of ['127.0.0.1', '::1']) {
  const host = address.includes(':') ? `[${address}]` : address;

  test(`TLS ${address}: verified server, request/response both ways over one connection`, async () => {
    const a = new TransportManager({ tls: { ca: certs.caCert, ...server } });
    const b = new TransportManager({ tls: { ca: certs.caCert, ...server } });
    try {
      const ea = await a.listen({ protocol: 'TLS', address, port: 0 });
      const eb = await b.listen({ protocol: 'TLS', address, port: 0 });
      autoAnswer(b);
      const atB = collect(b);
      for (const n of [1, 2, 3]) {
        const res = nextMessage(a, (i) => !i.message.isRequest && i.message.topVia!.branch === `z9hG4bK-tls${n}`);
        await a.send(eb, request({ via: `SIP/2.0/TLS ${host}:${ea.port};branch=z9hG4bK-tls${n}` }));
        assert.is(((await res).message as SIPResponse).status, 200);
      }
      assert.is(a.connections.length, 1);
      assert.is(b.connections.length, 1);
      assert.is(new Set(atB.map((i) => i.connectionId)).size, 1);
      assert.is(atB[0].source.protocol, 'TLS');
      // b -> a over the connection a opened.
      const req = nextMessage(a, (i) => i.message.isRequest);
      await b.send(atB[0].source, request({ via: `SIP/2.0/TLS ${host}:${eb.port};branch=z9hG4bK-tlsback` }));
      const r = await req;
      assert.is(r.connectionId, a.connections[0].id);
      const res = nextMessage(b, (i) => !i.message.isRequest);
      await a.sendResponse((r.message as SIPRequest).createResponse(200, undefined, { toTag: 'y' }), r);
      assert.is(((await res).message as SIPResponse).status, 200);
      assert.is(a.connections.length + b.connections.length, 2);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
}

test('TLS: an untrusted (self-signed) server certificate is refused with ETLSVERIFY; verifyServer:false connects', async () => {
  const b = new TransportManager({ tls: rogue });
  const a = new TransportManager({ tls: { ca: certs.caCert } });
  try {
    const eb = await b.listen({ protocol: 'TLS', address: '127.0.0.1', port: 0 });
    autoAnswer(b);
    const e = await rejection(a.send(eb, request({ via: 'SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-rogue' })));
    assert.is(e.code, 'ETLSVERIFY');
    assert.match(e.message, /certificate verification failed/);
    assert.match(e.message, /self[- ]signed/i);
    assert.equal(e.target, eb);
    assert.is(a.connections.length, 0);

    const res = nextMessage(a);
    await a.send(eb, request({ via: 'SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-noverify' }), { tls: { verifyServer: false } });
    assert.is(((await res).message as SIPResponse).status, 200);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('TLS: verification is on by default (Node root store does not know our CA)', async () => {
  const b = new TransportManager({ tls: server });
  const a = new TransportManager();
  try {
    const eb = await b.listen({ protocol: 'TLS', address: '127.0.0.1', port: 0 });
    const e = await rejection(a.send(eb, request({ via: 'SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-default' })));
    assert.is(e.code, 'ETLSVERIFY');
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('TLS: per-call settings (per account), and serverName checked against the certificate', async () => {
  const b = new TransportManager({ tls: server });
  const a = new TransportManager();
  try {
    const eb = await b.listen({ protocol: 'TLS', address: '127.0.0.1', port: 0 });
    autoAnswer(b);
    const wrong = await rejection(a.send(eb, request({ via: 'SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-sn1' }), { tls: { ca: certs.caCert, serverName: 'wrong.example.org' } }));
    assert.is(wrong.code, 'ETLSVERIFY');
    assert.match(wrong.message, /wrong\.example\.org/);
    const res = nextMessage(a);
    await a.send(eb, request({ via: 'SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-sn2' }), { tls: { ca: certs.caCert, serverName: 'sip.test' } });
    assert.is(((await res).message as SIPResponse).status, 200);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('TLS: a client that refuses our certificate is reported on the server side (ETLS), the listener keeps serving', async () => {
  const b = new TransportManager({ tls: rogue });
  const a = new TransportManager();
  const errors: TransportError[] = [];
  b.onError((e) => errors.push(e));
  try {
    const eb = await b.listen({ protocol: 'TLS', address: '127.0.0.1', port: 0 });
    autoAnswer(b);
    await rejection(a.send(eb, request({ via: 'SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-c1' })));
    const res = nextMessage(a);
    await a.send(eb, request({ via: 'SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK-c2' }), { tls: { verifyServer: false } });
    assert.is(((await res).message as SIPResponse).status, 200);
    assert.ok(errors.every((e) => e.code === 'ETLS'), errors.map((e) => e.message).join('; '));
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('TLS: a TLS listener without a certificate is refused with ELISTEN', async () => {
  const m = new TransportManager();
  try {
    const e = await rejection(m.listen({ protocol: 'TLS', address: '127.0.0.1', port: 0 }));
    assert.is(e.code, 'ELISTEN');
    assert.match(e.message, /cert/);
  } finally {
    await m.close();
  }
});

test.run();
