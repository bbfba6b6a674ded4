/**
 * The transaction layer against sipp, a real and independent SIP implementation, on loopback:
 * sipp's built-in uac and uas scenarios in both directions over UDP and TCP, loss (-lost 10),
 * a peer that never answers (Timer B and Timer F with retransmissions seen by sipp), and Vias
 * below the top one that are malformed: a request's copied into the response unread, a response
 * with a second Via discarded.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requireSipp, runSipp, sippPort } from '../peers/sipp.js';
import { startTestUA, transact } from '../peers/test-ua.js';
import { makeRequest, ackFor2xx, byeFor } from '../peers/requests.js';
import type { Endpoint } from '../../actors/transport/index.js';

requireSipp();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const [transport, protocol] of [['u1', 'UDP'], ['t1', 'TCP']] as const) {
  test(`${protocol}: sipp's built-in uac calls sipstate (INVITE/180/200/ACK/BYE), 10 calls`, async () => {
    const ua = await startTestUA({ timers: { T1: 100, T2: 800, T4: 1000 } });
    try {
      const ep = ua.endpoint(protocol);
      const run = runSipp({ scenario: 'uac', port: sippPort(), transport, target: `127.0.0.1:${ep.port}`, calls: 10, rate: 20, args: ['-d', '100'] });
      const r = await run.done;
      assert.is(r.code, 0, `sipp failed: ${r.stdout.slice(-800)}${r.stderr.slice(-800)}`);
      assert.is(ua.requests.filter((q) => q.method === 'INVITE').length, 10);
      assert.is(ua.requests.filter((q) => q.method === 'BYE').length, 10);
      assert.is(ua.acks.length, 10);
    } finally {
      await ua.close();
    }
  });

  test(`${protocol}: sipstate calls sipp's built-in uas`, async () => {
    const ua = await startTestUA({ timers: { T1: 100, T2: 800, T4: 1000 } });
    const port = sippPort();
    const run = runSipp({ scenario: 'uas', port, transport, calls: 1 });
    try {
      await sleep(300);
      const target: Endpoint = { protocol, address: '127.0.0.1', port };
      const invite = makeRequest('INVITE', target, ua.endpoint(protocol), { body: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n', contentType: 'application/sdp' });
      const provisional: number[] = [];
      const ok = await transact(ua, invite, target, (res) => provisional.push(res.status));
      assert.is(ok.status, 200);
      assert.ok(provisional.includes(180), 'sipp sent 180');
      await ua.layer.sendStateless(ackFor2xx(invite, ok), target);
      const bye = await transact(ua, byeFor(invite, ok), target);
      assert.is(bye.status, 200);
      const r = await run.done;
      assert.is(r.code, 0, `sipp failed: ${r.stdout.slice(-800)}`);
    } finally {
      run.kill();
      await ua.close();
    }
  });
}

test('UDP with 10% loss: sipp retransmits, sipstate absorbs and re-answers; every call completes', async () => {
  const ua = await startTestUA({ timers: { T1: 100, T2: 800, T4: 1000 } });
  try {
    const ep = ua.endpoint('UDP');
    const run = runSipp({ scenario: 'message-uac.xml', port: sippPort(), target: `127.0.0.1:${ep.port}`, calls: 60, rate: 30, args: ['-lost', '10'], timeoutMs: 60000 });
    const r = await run.done;
    assert.is(r.code, 0, `sipp failed: ${r.stdout.slice(-1200)}`);
    const callIds = new Set(ua.requests.map((q) => q.callId));
    assert.is(callIds.size, ua.requests.length, 'each MESSAGE reached the TU once, retransmissions absorbed');
    assert.ok(ua.requests.length >= 54, `most MESSAGEs arrived (${ua.requests.length}; sipp lost some first sends and retransmitted)`);
  } finally {
    await ua.close();
  }
});

test('UDP with 10% loss: sipp uac calls with INVITE/BYE all complete', async () => {
  const ua = await startTestUA({ timers: { T1: 100, T2: 800, T4: 1000 } });
  try {
    const ep = ua.endpoint('UDP');
    const run = runSipp({ scenario: 'uac', port: sippPort(), target: `127.0.0.1:${ep.port}`, calls: 30, rate: 20, args: ['-lost', '10', '-d', '100'], timeoutMs: 60000 });
    const r = await run.done;
    assert.is(r.code, 0, `sipp failed: ${r.stdout.slice(-1200)}`);
    assert.is(new Set(ua.requests.filter((q) => q.method === 'INVITE').map((q) => q.callId)).size, ua.requests.filter((q) => q.method === 'INVITE').length);
  } finally {
    await ua.close();
  }
});

for (const method of ['OPTIONS', 'INVITE']) {
  test(`a peer that never answers: ${method} retransmitted to sipp, then Timer ${method === 'INVITE' ? 'B' : 'F'}`, async () => {
    const T1 = 50;
    const ua = await startTestUA({ timers: { T1, T2: 400, T4: 500 } });
    const port = sippPort();
    const run = runSipp({ scenario: 'silent-uas.xml', port, calls: 1, traceMessages: true, args: ['-d', '5000'], timeoutMs: 15000 });
    try {
      await sleep(300);
      const target: Endpoint = { protocol: 'UDP', address: '127.0.0.1', port };
      const t0 = Date.now();
      const err = await transact(ua, makeRequest(method, target, ua.endpoint('UDP')), target).catch((e: Error & { code?: string }) => e);
      const elapsed = Date.now() - t0;
      assert.is((err as { code?: string }).code, 'TIMEOUT');
      assert.ok(elapsed >= 64 * T1 - 10 && elapsed < 64 * T1 + 1500, `timed out after ${elapsed} ms`);
      const r = await run.done;
      const copies = (r.messages.match(new RegExp(`^${method} sip:`, 'gm')) ?? []).length;
      // A: 50, 100, 200, 400, 800, 1600 ms (no cap): 7 sends within 3.2 s. E: 50, 100, 200,
      // 400, 400, ... (capped at T2): about 10 sends.
      if (method === 'INVITE') assert.ok(copies >= 6 && copies <= 7, `sipp received ${copies} INVITEs`);
      else assert.ok(copies >= 9 && copies <= 11, `sipp received ${copies} OPTIONS`);
    } finally {
      run.kill();
      await ua.close();
    }
  });
}

test('a MESSAGE from sipp whose second Via is malformed: answered 200, the Vias echoed verbatim (RFC 3261 §8.2.6.2)', async () => {
  const ua = await startTestUA({ timers: { T1: 100, T2: 800, T4: 1000 } });
  try {
    const ep = ua.endpoint('UDP');
    const run = runSipp({ scenario: 'message-odd-via-uac.xml', port: sippPort(), target: `127.0.0.1:${ep.port}`, calls: 1, traceMessages: true, timeoutMs: 15000 });
    const r = await run.done;
    assert.is(r.code, 0, `sipp failed (no 200, or the Via not echoed): ${r.stdout.slice(-1200)} ${r.stderr.slice(-1200)} ${r.messages.slice(-1500)}`);
    assert.is(ua.requests.length, 1);
    const req = ua.requests[0];
    assert.is(req.topVia!.host, '127.0.0.1', 'the top Via reads');
    assert.throws(() => req.via, /Via/, 'the malformed Via is reported when all Vias are read');
  } finally {
    await ua.close();
  }
});

test('a response from sipp with a second, malformed Via is discarded (RFC 3261 §18.1.2); the good one is taken', async () => {
  const ua = await startTestUA({ timers: { T1: 100, T2: 800, T4: 1000 } });
  const port = sippPort();
  const run = runSipp({ scenario: 'message-extra-via-uas.xml', port, calls: 1, timeoutMs: 15000 });
  try {
    await sleep(300);
    const target: Endpoint = { protocol: 'UDP', address: '127.0.0.1', port };
    const res = await transact(ua, makeRequest('MESSAGE', target, ua.endpoint('UDP')), target);
    assert.is(res.status, 200, 'the 403 with two Vias was dropped, not taken as the answer');
    const r = await run.done;
    assert.is(r.code, 0, `sipp failed: ${r.stdout.slice(-800)}`);
  } finally {
    run.kill();
    await ua.close();
  }
});

test.run();
