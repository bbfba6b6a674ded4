/** UDP loopback (RFC 3261 §18.1.1, §18.2): IPv4 and IPv6, stamping, malformed input, bcast. */
import * as dgram from 'node:dgram';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMessage } from '../../src/sip/parser.js';
import { SIPResponse, type SIPRequest } from '../../src/sip/message.js';
import { TransportError, TransportManager } from '../../actors/transport/index.js';
import { autoAnswer, collect, delay, nextError, nextMessage, request } from './helpers.js';

/** A raw UDP socket for playing a peer that is not us. */
async function rawSocket(address: string): Promise<{ socket: dgram.Socket; port: number; next: (ms?: number) => Promise<Buffer>; close: () => Promise<void> }> {
  const socket = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  const queue: Buffer[] = [];
  const waiting: { resolve: (b: Buffer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  socket.on('message', (b) => {
    const w = waiting.shift();
    if (!w) return void queue.push(b);
    clearTimeout(w.timer);
    w.resolve(b);
  });
  await new Promise<void>((r) => socket.bind(0, address, () => r()));
  return {
    socket,
    port: socket.address().port,
    next: (ms = 3000) =>
      new Promise<Buffer>((resolve, reject) => {
        const b = queue.shift();
        if (b) return resolve(b);
        const w = {
          resolve,
          reject,
          timer: setTimeout(() => {
            waiting.splice(waiting.indexOf(w), 1);
            reject(new Error(`no datagram within ${ms} ms`));
          }, ms),
        };
        waiting.push(w);
      }),
    close: () =>
      new Promise<void>((r) => {
        for (const w of waiting.splice(0)) {
          clearTimeout(w.timer);
          w.reject(new Error('socket closed'));
        }
        socket.close(() => r());
      }),
  };
}

for (const address of ['127.0.0.1', '::1']) {
  const host = address.includes(':') ? `[${address}]` : address;

  test(`UDP ${address}: request and response both directions through sendResponse`, async () => {
    const a = new TransportManager();
    const b = new TransportManager();
    try {
      const ea = await a.listen({ protocol: 'UDP', address, port: 0 });
      const eb = await b.listen({ protocol: 'UDP', address, port: 0 });
      assert.is(ea.address, address);
      assert.ok(ea.port > 0);
      assert.equal(a.listening, [ea]);
      autoAnswer(b);
      autoAnswer(a);
      // a -> b
      const gotReq = nextMessage(b);
      const gotRes = nextMessage(a);
      await a.send(eb, request({ via: `SIP/2.0/UDP ${host}:${ea.port};rport;branch=z9hG4bK-ab` }));
      const req = await gotReq;
      assert.ok(req.message.isRequest);
      assert.equal(req.source, { protocol: 'UDP', address, port: ea.port });
      assert.equal(req.local, eb);
      assert.is(req.connectionId, undefined);
      const res = await gotRes;
      assert.not.ok(res.message.isRequest);
      assert.is((res.message as SIPResponse).status, 200);
      assert.is(res.message.topVia!.branch, 'z9hG4bK-ab');
      // RFC 3581: the response tells the client its address and port as seen by the server.
      assert.is(res.message.topVia!.rport, ea.port);
      assert.is(res.message.topVia!.received, address);
      // b -> a
      const gotReq2 = nextMessage(a, (i) => i.message.isRequest);
      const gotRes2 = nextMessage(b, (i) => !i.message.isRequest);
      await b.send(ea, request({ via: `SIP/2.0/UDP ${host}:${eb.port};branch=z9hG4bK-ba` }));
      assert.is((await gotReq2).message.topVia!.branch, 'z9hG4bK-ba');
      assert.is(((await gotRes2).message as SIPResponse).status, 200);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test(`UDP ${address}: received and rport are filled in; the response goes to received:rport, not to sent-by`, async () => {
    const m = new TransportManager();
    const peer = await rawSocket(address);
    try {
      const e = await m.listen({ protocol: 'UDP', address, port: 0 });
      autoAnswer(m);
      const got = nextMessage(m);
      // The peer claims another address and port (it is "behind a NAT").
      const other = address.includes(':') ? '[2001:db8::77]' : '192.0.2.77';
      peer.socket.send(request({ via: `SIP/2.0/UDP ${other}:5099;rport;branch=z9hG4bK-nat` }), e.port, address);
      const i = await got;
      const via = i.message.topVia!;
      assert.is(via.received, address);
      assert.is(via.rport, peer.port);
      assert.ok(i.message.get('Via')!.includes(`rport=${peer.port}`), 'the Via header text was rewritten');
      const res = parseMessage(await peer.next()) as SIPResponse;
      assert.is(res.status, 200);
      assert.is(res.topVia!.rport, peer.port);
      assert.is(res.topVia!.received, address);
    } finally {
      await m.close();
      await peer.close();
    }
  });
}

test('UDP: a garbage datagram is dropped and reported, a malformed-but-readable request (CSeq overflow) gets 400, and the listener keeps working', async () => {
  const m = new TransportManager();
  const peer = await rawSocket('127.0.0.1');
  try {
    const e = await m.listen({ protocol: 'UDP', address: '127.0.0.1', port: 0 });
    autoAnswer(m);
    const received = collect(m);
    const errors: TransportError[] = [];
    m.onError((x) => errors.push(x));

    const dropped = nextError(m);
    peer.socket.send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x13, 0x37]), e.port, '127.0.0.1');
    const err1 = await dropped;
    assert.is(err1.code, 'EPARSE');
    assert.match(err1.message, /dropped/);
    assert.equal(err1.target, { protocol: 'UDP', address: '127.0.0.1', port: peer.port });

    peer.socket.send(request({ via: `SIP/2.0/UDP 127.0.0.1:${peer.port};rport;branch=z9hG4bK-overflow`, cseq: '36893488147419103232 OPTIONS' }), e.port, '127.0.0.1');
    // The 400 copies the CSeq as it was, so it is read as text, not parsed.
    const res = (await peer.next()).toString();
    assert.match(res, /^SIP\/2\.0 400 /);
    assert.match(res, new RegExp(`\r\nVia: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${peer.port};rport=${peer.port};branch=z9hG4bK-overflow;received=127\\.0\\.0\\.1\r\n`));
    assert.match(res, /\r\nCSeq: 36893488147419103232 OPTIONS\r\n/);
    assert.match(res, /\r\nTo: <sip:bob@example\.com>;tag=[0-9a-f]+\r\n/, 'the 400 carries a To tag');
    assert.is(received.length, 0, 'nothing malformed reached the handlers');
    assert.ok(errors.some((x) => x.code === 'EPARSE' && /answered 400/.test(x.message)));

    // Keep-alive CRLFs and empty datagrams are silently ignored.
    peer.socket.send(Buffer.from('\r\n\r\n'), e.port, '127.0.0.1');
    // Still listening and answering.
    peer.socket.send(request({ via: `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-after` }), e.port, '127.0.0.1');
    const ok = parseMessage(await peer.next()) as SIPResponse;
    assert.is(ok.status, 200);
    assert.is(ok.topVia!.branch, 'z9hG4bK-after');
    assert.is(received.length, 1);
    assert.is(errors.length, 2);
  } finally {
    await m.close();
    await peer.close();
  }
});

test('UDP: a malformed ACK is never answered; a malformed response is dropped', async () => {
  const m = new TransportManager();
  const peer = await rawSocket('127.0.0.1');
  try {
    const e = await m.listen({ protocol: 'UDP', address: '127.0.0.1', port: 0 });
    const errs: TransportError[] = [];
    m.onError((x) => errs.push(x));
    peer.socket.send(request({ method: 'ACK', via: `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-ack`, cseq: '99999999999 ACK' }), e.port, '127.0.0.1');
    peer.socket.send(Buffer.from('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nCSeq: x\r\n\r\n'), e.port, '127.0.0.1');
    await delay(150);
    assert.is(errs.length, 2);
    assert.ok(errs.every((x) => x.code === 'EPARSE' && /dropped/.test(x.message)));
    const none = await peer.next(150).then(() => 'answered', () => 'silent');
    assert.is(none, 'silent');
  } finally {
    await m.close();
    await peer.close();
  }
});

test('UDP: a handler that throws is reported and the listener keeps going', async () => {
  const a = new TransportManager();
  const b = new TransportManager();
  try {
    const ea = await a.listen({ protocol: 'UDP', address: '127.0.0.1', port: 0 });
    const eb = await b.listen({ protocol: 'UDP', address: '127.0.0.1', port: 0 });
    b.onMessage(() => {
      throw new Error('boom');
    });
    const reported = nextError(b);
    const delivered = nextMessage(b);
    await a.send(eb, request({ via: `SIP/2.0/UDP 127.0.0.1:${ea.port};branch=z9hG4bK-h1` }));
    assert.is((await reported).code, 'EHANDLER');
    await delivered;
    const again = nextMessage(b);
    await a.send(eb, request({ via: `SIP/2.0/UDP 127.0.0.1:${ea.port};branch=z9hG4bK-h2` }));
    assert.is((await again).message.topVia!.branch, 'z9hG4bK-h2');
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('UDP bcast (RFC 4475 §3.3.10): sendResponse refuses a broadcast destination, send too', async () => {
  const m = new TransportManager();
  const peer = await rawSocket('127.0.0.1');
  try {
    const e = await m.listen({ protocol: 'UDP', address: '127.0.0.1', port: 0 });
    const got = nextMessage(m);
    peer.socket.send(request({ via: `SIP/2.0/UDP 127.0.0.1:${peer.port};maddr=255.255.255.255;branch=z9hG4bK-bcast` }), e.port, '127.0.0.1');
    const i = await got;
    const res = (i.message as SIPRequest).createResponse(200, undefined, { toTag: 'x' });
    const err = await m.sendResponse(res, i).then(
      () => undefined,
      (x: unknown) => x,
    );
    assert.instance(err, TransportError);
    assert.is((err as TransportError).code, 'EBROADCAST');
    assert.match((err as TransportError).message, /255\.255\.255\.255/);
    const err2 = await m.send({ protocol: 'UDP', address: '255.255.255.255', port: 5060 }, Buffer.from('x')).catch((x: unknown) => x);
    assert.is((err2 as TransportError).code, 'EBROADCAST');
    const none = await peer.next(100).then(() => 'sent', () => 'nothing');
    assert.is(none, 'nothing');
  } finally {
    await m.close();
    await peer.close();
  }
});

test('UDP: a request over 1300 octets is refused with EMSGSIZE (§18.1.1); a response of that size is sent', async () => {
  const a = new TransportManager();
  const b = new TransportManager();
  try {
    const ea = await a.listen({ protocol: 'UDP', address: '127.0.0.1', port: 0 });
    const eb = await b.listen({ protocol: 'UDP', address: '127.0.0.1', port: 0 });
    const big = request({ method: 'MESSAGE', via: `SIP/2.0/UDP 127.0.0.1:${ea.port};branch=z9hG4bK-big`, body: 'x'.repeat(1400) });
    const err = await a.send(eb, big).catch((x: unknown) => x);
    assert.is((err as TransportError).code, 'EMSGSIZE');
    const got = nextMessage(b);
    await a.send(eb, request({ method: 'MESSAGE', via: `SIP/2.0/UDP 127.0.0.1:${ea.port};branch=z9hG4bK-small`, body: 'hi' }));
    const i = await got;
    const gotRes = nextMessage(a);
    await b.sendResponse((i.message as SIPRequest).createResponse(200, undefined, { toTag: 't', body: 'y'.repeat(2000) }), i);
    assert.is((await gotRes).message.body.length, 2000);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('UDP: sending with no listener of that family, or to a host name, fails clearly', async () => {
  const m = new TransportManager();
  try {
    await m.listen({ protocol: 'UDP', address: '127.0.0.1', port: 0 });
    const e1 = await m.send({ protocol: 'UDP', address: '::1', port: 5060 }, Buffer.from('OPTIONS')).catch((x: unknown) => x);
    assert.is((e1 as TransportError).code, 'ENOTRANSPORT');
    const e2 = await m.send({ protocol: 'UDP', address: 'example.com', port: 5060 }, Buffer.from('OPTIONS')).catch((x: unknown) => x);
    assert.is((e2 as TransportError).code, 'EADDRESS');
    const e3 = await m.listen({ protocol: 'UDP', address: 'localhost', port: 0 }).catch((x: unknown) => x);
    assert.is((e3 as TransportError).code, 'ELISTEN');
  } finally {
    await m.close();
  }
  const e4 = await m.send({ protocol: 'UDP', address: '127.0.0.1', port: 5060 }, Buffer.from('x')).catch((x: unknown) => x);
  assert.is((e4 as TransportError).code, 'ESHUTDOWN');
});

test('UDP: listening twice on the same port fails with ELISTEN', async () => {
  const m = new TransportManager();
  try {
    const e = await m.listen({ protocol: 'UDP', address: '127.0.0.1', port: 0 });
    const err = await m.listen({ protocol: 'UDP', address: '127.0.0.1', port: e.port }).catch((x: unknown) => x);
    assert.is((err as TransportError).code, 'ELISTEN');
    assert.match((err as TransportError).message, /EADDRINUSE/);
  } finally {
    await m.close();
  }
});

test.run();
