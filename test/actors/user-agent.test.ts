/**
 * The UA core's UAS checks (RFC 3261 §8.2) with the RFC 4475 §3.3 application-layer torture
 * messages put on the wire (rewritten to 127.0.0.1 as the corpus README asks), and OPTIONS.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserAgent } from '../../actors/user-agent.js';
import { parseMessage, SIPResponse, createRequest } from '../../src/index.js';

const dir = fileURLToPath(new URL('../fixtures/torture/', import.meta.url));

/** Rewrite a torture message so that everything a response could be sent to is our socket. */
function onWire(file: string, port: number): Buffer {
  const text = readFileSync(dir + file, 'latin1')
    .split('\r\n')
    .map((line) => (/^(Via|v)\s*:/i.test(line) ? `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${file.replace(/\W/g, '')}${Date.now()}` : line))
    .join('\r\n');
  return Buffer.from(text, 'latin1');
}

/** A response as received: its status, and the parsed message when we can parse it (a 400 to a
 * malformed request copies the malformed headers, so it may not be). */
interface Received {
  status: number;
  reason: string;
  message: SIPResponse | undefined;
  get(name: string): string | undefined;
}

function received(d: Buffer): Received {
  const line = d.toString('utf8').split('\r\n')[0];
  const [, code, reason] = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(line) ?? [];
  let message: SIPResponse | undefined;
  try {
    message = parseMessage(d) as SIPResponse;
  } catch {
    message = undefined;
  }
  return { status: Number(code), reason: reason ?? '', message, get: (n) => message?.get(n) };
}

async function exchange(data: Buffer, ua: UserAgent, sock: Socket): Promise<Received[]> {
  const got: Received[] = [];
  const on = (d: Buffer) => got.push(received(d));
  sock.on('message', on);
  sock.send(data, ua.endpoints[0].port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 300));
  sock.off('message', on);
  return got;
}

let ua: UserAgent;
let sock: Socket;

test.before(async () => {
  ua = await UserAgent.start();
  sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
});

test.after(async () => {
  sock.close();
  await ua.close();
});

const cases: [string, number, (r: Received) => void][] = [
  ['unkscm.dat', 416, () => {}],
  ['novelsc.dat', 416, () => {}],
  ['bext01.dat', 420, (r) => assert.is(r.get('Unsupported'), 'nothingSupportsThis, nothingSupportsThisEither')],
  ['invut.dat', 415, (r) => assert.ok(r.get('Accept')?.includes('application/sdp'))],
  ['sdp01.dat', 406, () => {}],
  ['zeromf.dat', 200, (r) => assert.ok(r.get('Allow')?.includes('INVITE'))],
  ['esc02.dat', 405, (r) => assert.ok(r.get('Allow'))],
  ['intmeth.dat', 405, () => {}],
  ['mismatch02.dat', 400, () => {}],
  ['insuf.dat', 0, () => {}],
  ['scalar02.dat', 400, () => {}],
];

for (const [file, status, extra] of cases) {
  test(`${file} on the wire → ${status || 'dropped (no Via to answer to)'}`, async () => {
    // A socket of its own: a non-2xx to an INVITE is retransmitted until ACKed (§17.2.1).
    const own = createSocket('udp4');
    await new Promise<void>((r) => own.bind(0, '127.0.0.1', () => r()));
    const responses = await exchange(onWire(file, own.address().port), ua, own);
    own.close();
    if (status === 0) {
      // insuf.dat has a Via but no From/To/Call-ID: a 400 cannot be built, so it is dropped.
      assert.is(responses.length, 0);
      return;
    }
    assert.is(responses.length, 1, `one response for ${file}`);
    assert.is(responses[0].status, status, `${file}: ${responses[0].status} ${responses[0].reason}`);
    extra(responses[0]);
  });
}

test('a request with a To tag that no dialog claims gets 481 (§12.2.2)', async () => {
  const port = sock.address().port;
  const bye = createRequest({ method: 'BYE', uri: `sip:ua@127.0.0.1:${ua.endpoints[0].port}`, from: `sip:a@127.0.0.1:${port}`, to: `<sip:ua@127.0.0.1>;tag=nodialog` });
  bye.prepend('Via', `SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKbye${Date.now()}`);
  const [res] = await exchange(bye.toBuffer(), ua, sock);
  assert.is(res.status, 481);
});

test('merged requests get 482 (§8.2.2.2)', async () => {
  const port = sock.address().port;
  const build = () => createRequest({ method: 'MESSAGE', uri: `sip:ua@127.0.0.1:${ua.endpoints[0].port}`, from: `<sip:a@127.0.0.1>;tag=fixed`, to: 'sip:ua@127.0.0.1', callId: 'merged-1', body: 'hi' });
  ua.handle('MESSAGE', (tx) => setTimeout(() => tx.respond(tx.reply(200)), 100));
  // The same request forked along two paths: two branches, same From tag, Call-ID and CSeq.
  const first = build();
  first.prepend('Via', `SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKm1`);
  const second = build();
  second.prepend('Via', `SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKm2`);
  const got: Received[] = [];
  const on = (d: Buffer) => got.push(received(d));
  sock.on('message', on);
  sock.send(first.toBuffer(), ua.endpoints[0].port, '127.0.0.1');
  sock.send(second.toBuffer(), ua.endpoints[0].port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 400));
  sock.off('message', on);
  assert.equal(got.map((r) => r.status).sort(), [200, 482]);
});

test('OPTIONS from one UA core to another lists what it supports; a dead target gives a local 408', async () => {
  const other = await UserAgent.start({ transactions: { timers: { T1: 20, T2: 80, T4: 100 } } });
  try {
    const req = createRequest({ method: 'OPTIONS', uri: `sip:ua@127.0.0.1:${ua.endpoints[0].port}`, from: 'sip:other@127.0.0.1', to: 'sip:ua@127.0.0.1' });
    const { response, local } = await other.send(req);
    assert.is(response.status, 200);
    assert.not.ok(local);
    for (const h of ['Allow', 'Accept', 'Supported']) assert.ok(response.get(h), h);
    const dead = createRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1:9', from: 'sip:other@127.0.0.1', to: 'sip:nobody@127.0.0.1' });
    const r2 = await other.send(dead);
    assert.ok(r2.local);
    assert.ok(r2.response.status === 408 || r2.response.status === 503, String(r2.response.status));
  } finally {
    await other.close();
  }
});

test('failover: a dead first target, then a live one (RFC 3263 §4.3)', async () => {
  const other = await UserAgent.start({ transactions: { timers: { T1: 20, T2: 80, T4: 100 } } });
  const hole = createSocket('udp4');
  await new Promise<void>((r) => hole.bind(0, '127.0.0.1', () => r()));
  try {
    const req = createRequest({ method: 'OPTIONS', uri: 'sip:ua@example.test', from: 'sip:other@127.0.0.1', to: 'sip:ua@example.test' });
    const targets = [
      { protocol: 'UDP' as const, address: '127.0.0.1', port: hole.address().port },
      { protocol: 'UDP' as const, address: '127.0.0.1', port: ua.endpoints[0].port },
    ];
    const { response, target } = await other.send(req, { targets });
    assert.is(response.status, 200);
    assert.is(target?.port, ua.endpoints[0].port);
  } finally {
    hole.close();
    await other.close();
  }
});

test.run();
