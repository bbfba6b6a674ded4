/** The transaction layer between two sipstate UAs on loopback, over UDP and TCP. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SIPResponse, cancelFor, parseMessage, SIPRequest } from '../../src/index.js';
import { startTestUA, transact, type TestUA } from '../peers/test-ua.js';
import { makeRequest, ackFor2xx, byeFor } from '../peers/requests.js';
import type { TransportProtocol } from '../../actors/transport/index.js';
import { createSocket } from 'node:dgram';
import { waitFor } from '../streams/loopback.js';

const fast = { timers: { T1: 50, T2: 400, T4: 500 } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pair(opts: Parameters<typeof startTestUA>[0] = {}): Promise<[TestUA, TestUA]> {
  return [await startTestUA(fast), await startTestUA({ ...fast, ...opts })];
}

for (const protocol of ['UDP', 'TCP'] as TransportProtocol[]) {
  test(`${protocol}: OPTIONS through both layers, one request to the TU`, async () => {
    const [a, b] = await pair();
    try {
      const target = b.endpoint(protocol);
      const res = await transact(a, makeRequest('OPTIONS', target, a.endpoint(protocol)), target);
      assert.is(res.status, 200);
      assert.is(b.requests.length, 1);
      assert.ok(res.to!.tag, 'To tag added');
    } finally {
      await a.close();
      await b.close();
    }
  });

  test(`${protocol}: INVITE, 180, 200, ACK for the 2xx, BYE`, async () => {
    const [a, b] = await pair();
    try {
      const target = b.endpoint(protocol);
      const invite = makeRequest('INVITE', target, a.endpoint(protocol), { body: 'v=0\r\n', contentType: 'application/sdp' });
      const provisional: number[] = [];
      const ok = await transact(a, invite, target, (r) => provisional.push(r.status));
      assert.is(ok.status, 200);
      assert.ok(provisional.includes(180));
      await a.layer.sendStateless(ackFor2xx(invite, ok), target);
      const bye = await transact(a, byeFor(invite, ok), target);
      assert.is(bye.status, 200);
      await sleep(50);
      assert.is(b.acks.length, 1, 'the ACK for the 2xx reaches the TU');
      assert.equal(b.requests.map((r) => r.method), ['INVITE', 'BYE']);
    } finally {
      await a.close();
      await b.close();
    }
  });
}

test('UDP: a request over 1300 octets goes over TCP (RFC 3261 §18.1.1)', async () => {
  const [a, b] = await pair();
  try {
    const target = b.endpoint('UDP');
    const big = makeRequest('MESSAGE', target, a.endpoint('UDP'), { body: 'x'.repeat(2000) });
    const res = await transact(a, big, { ...target, port: b.endpoint('TCP').port });
    assert.is(res.status, 200);
    assert.is(b.requests[0].topVia!.transport, 'TCP');
  } finally {
    await a.close();
    await b.close();
  }
});

test('100 Trying when the TU is silent for 200 ms; CANCEL then gets 200 and the INVITE 487', async () => {
  let held: import('../../actors/transaction-layer.js').ServerTransaction | undefined;
  const [a, b] = await pair({ answer: (tx) => (held = tx) });
  try {
    const target = b.endpoint('UDP');
    const invite = makeRequest('INVITE', target, a.endpoint('UDP'));
    const provisional: number[] = [];
    const final = transact(a, invite, target, (r) => provisional.push(r.status));
    await sleep(350);
    assert.equal(provisional, [100]);
    assert.ok(held);
    const cancelRes = await transact(a, cancelFor(invite), target);
    assert.is(cancelRes.status, 200);
    assert.is((await final).status, 487);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a CANCEL that matches nothing gets 481', async () => {
  const [a, b] = await pair();
  try {
    const target = b.endpoint('UDP');
    // An INVITE that was never sent: its CANCEL gets a fresh branch and matches nothing.
    const res = await transact(a, cancelFor(makeRequest('INVITE', target, a.endpoint('UDP'))), target);
    assert.is(res.status, 481);
  } finally {
    await a.close();
    await b.close();
  }
});

test('retransmissions of a request are absorbed and answered from the transaction', async () => {
  const b = await startTestUA(fast);
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  try {
    const target = b.endpoint('UDP');
    const port = sock.address().port;
    const req = makeRequest('OPTIONS', target, { protocol: 'UDP', address: '127.0.0.1', port });
    req.prepend('Via', `SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKretrans1;rport`);
    const got: SIPResponse[] = [];
    sock.on('message', (d) => got.push(parseMessage(d) as SIPResponse));
    for (let i = 0; i < 4; i++) {
      sock.send(req.toBuffer(), target.port, '127.0.0.1');
      await sleep(30);
    }
    await sleep(50);
    assert.is(b.requests.length, 1, 'the TU saw the request once');
    assert.is(got.length, 4, 'each retransmission got the final response again');
    assert.ok(got.every((r) => r.status === 200 && r.to!.tag === got[0].to!.tag));
    assert.is(got[0].topVia!.rport, port, 'rport filled in (RFC 3581)');
  } finally {
    sock.close();
    await b.close();
  }
});

test('a source with too many requests pending is cut off with 503 and Retry-After', async () => {
  const b = await startTestUA({ ...fast, maxPendingPerSource: 3, retryAfter: 7, answer: () => {} });
  const a = await startTestUA(fast);
  try {
    const target = b.endpoint('UDP');
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        transact(a, makeRequest('MESSAGE', target, a.endpoint('UDP'), { body: 'x' }), target).then(
          (r) => r,
          (e: Error) => e,
        ),
      ),
    );
    const busy = results.filter((r): r is SIPResponse => r instanceof SIPResponse && r.status === 503);
    assert.is(busy.length, 2);
    assert.is(busy[0].get('Retry-After'), '7');
    assert.is(b.layer.serverCount, 3);
  } finally {
    await a.close();
    await b.close();
  }
});

test('Timer F: a non-INVITE to a black hole times out after 64*T1 with retransmissions', async () => {
  const a = await startTestUA({ timers: { T1: 20, T2: 80, T4: 100 } });
  const sink = createSocket('udp4');
  let seen = 0;
  sink.on('message', () => seen++);
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
  try {
    const target = { protocol: 'UDP' as const, address: '127.0.0.1', port: sink.address().port };
    const t0 = Date.now();
    const err = await transact(a, makeRequest('OPTIONS', target, a.endpoint('UDP')), target).catch((e: Error & { code?: string }) => e);
    const elapsed = Date.now() - t0;
    assert.is((err as { code?: string }).code, 'TIMEOUT');
    assert.ok(elapsed >= 64 * 20 - 5, `timeout after ${elapsed} ms`);
    // E: 20, 40, 80, 80, ... until 1280 ms: 1 + 3 + (1280-140)/80 ≈ 18 sends.
    assert.ok(seen >= 15 && seen <= 19, `sent ${seen} times`);
    await sleep(20);
    assert.is(a.layer.clientCount, 0, 'terminated and removed');
  } finally {
    sink.close();
    await a.close();
  }
});

test('a 300-699 response to an INVITE is ACKed by the transaction (RFC 3261 §17.1.1.3)', async () => {
  const b = await startTestUA({ ...fast, answer: (tx) => tx.respond(tx.reply(486)) });
  const a = await startTestUA(fast);
  try {
    const target = b.endpoint('UDP');
    const res = await transact(a, makeRequest('INVITE', target, a.endpoint('UDP')), target);
    assert.is(res.status, 486);
    await sleep(100);
    // The ACK matched b's INVITE server transaction (Confirmed) and never reached the TU.
    assert.is(b.acks.length, 0);
    assert.is(b.requests.length, 1);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a final response passed from inside the transaction’s own dispatch: `answered` at once, one response on the wire', async () => {
  // The TU runs while the server transaction processes the request, so a response waits in the
  // actor's mailbox: the actor's state still says 'trying', `answered` already says true (a TU
  // checking it never queues a second, stray response).
  const seen: { answered: boolean; value: unknown }[] = [];
  const b = await startTestUA({
    ...fast,
    answer(tx) {
      tx.respond(tx.reply(200));
      seen.push({ answered: tx.answered, value: tx.actor.getSnapshot().value });
      if (!tx.answered) tx.respond(tx.reply(481));
    },
  });
  try {
    const target = b.endpoint('UDP');
    const responses: number[] = [];
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    sock.on('message', (m) => responses.push((parseMessage(m) as SIPResponse).status));
    const port = (sock.address() as { port: number }).port;
    const bye = makeRequest('BYE', target, { protocol: 'UDP', address: '127.0.0.1', port });
    bye.prepend('Via', `SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-answered-once`);
    sock.send(bye.toBuffer(), target.port, target.address);
    await sleep(150);
    sock.close();
    assert.equal(seen, [{ answered: true, value: 'trying' }]);
    assert.equal(responses, [200]);
  } finally {
    await b.close();
  }
});

test('ACK is refused as a transaction', async () => {
  const a = await startTestUA(fast);
  try {
    const target = a.endpoint('UDP');
    assert.throws(() => a.layer.request(new SIPRequest({ method: 'ACK', uri: 'sip:x@127.0.0.1' }), target), /ACK is not a transaction/);
  } finally {
    await a.close();
  }
});

test('ackOutcome of an INVITE answered 486: true when the ACK comes, false when Timer H fires first (§17.2.1)', async () => {
  const outcomes: Promise<boolean | 'unknown'>[] = [];
  const b = await startTestUA({
    ...fast,
    answer: (tx) => {
      tx.respond(tx.reply(486));
      outcomes.push(tx.ackOutcome());
    },
  });
  const sock = createSocket('udp4');
  try {
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const local = { protocol: 'UDP' as const, address: '127.0.0.1', port: sock.address().port };
    const target = b.endpoint('UDP');
    const responses: SIPResponse[] = [];
    sock.on('message', (m) => responses.push(parseMessage(m) as SIPResponse));
    const send = (req: SIPRequest) => sock.send(req.toBuffer(), target.port, target.address);
    const invite = (branch: string) => {
      const req = makeRequest('INVITE', target, local);
      req.prepend('Via', `SIP/2.0/UDP 127.0.0.1:${local.port};branch=${branch}`);
      return req;
    };
    // Answered and ACKed (the ACK of a non-2xx: same branch, the response's To, §17.1.1.3).
    const first = invite('z9hG4bK-acked');
    send(first);
    await waitFor(() => responses.some((r) => r.callId === first.callId && r.status === 486), 3000, 'the 486');
    const r486 = responses.find((r) => r.callId === first.callId)!;
    const ack = new SIPRequest({ method: 'ACK', uri: first.uri });
    for (const name of ['Via', 'From', 'Call-ID', 'Max-Forwards']) ack.set(name, first.get(name)!);
    ack.set('To', r486.get('To')!);
    ack.set('CSeq', `${first.cseq!.seq} ACK`);
    send(ack);
    assert.is(await outcomes[0], true);
    // Answered, never ACKed: false after 64·T1 (3.2 s with T1 = 50 ms), the 486 retransmitted meanwhile.
    const second = invite('z9hG4bK-never');
    const t0 = Date.now();
    send(second);
    await waitFor(() => outcomes.length === 2, 3000, 'the second INVITE');
    assert.is(await outcomes[1], false);
    assert.ok(Date.now() - t0 >= 64 * 50 - 20, 'after Timer H');
    assert.ok(responses.filter((r) => r.callId === second.callId && r.status === 486).length > 1, 'retransmitted (Timer G)');
  } finally {
    sock.close();
    await b.close();
  }
});

test.run();
