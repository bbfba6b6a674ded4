/**
 * Multipart bodies (RFC 2046 §5.1, RFC 2387) against sipp: a nested multipart/mixed body sipp
 * writes is parsed part by part, and one sipstate builds passes sipp's own check of its layout.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requireSipp, runSipp, sippPort } from '../peers/sipp.js';
import { startTestUA, transact } from '../peers/test-ua.js';
import { makeRequest } from '../peers/requests.js';
import { buildMultipart, makePart, parseMultipart } from '../../src/index.js';
import type { Endpoint } from '../../actors/transport/index.js';

requireSipp();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a MESSAGE from sipp with multipart/mixed holding multipart/related: every part parsed, octet for octet', async () => {
  const ua = await startTestUA({ timers: { T1: 100, T2: 800, T4: 1000 } });
  try {
    const ep = ua.endpoint('UDP');
    const run = runSipp({ scenario: 'message-multipart-uac.xml', port: sippPort(), target: `127.0.0.1:${ep.port}`, calls: 1, timeoutMs: 15000 });
    const r = await run.done;
    assert.is(r.code, 0, `sipp failed: ${r.stdout.slice(-800)}`);
    assert.is(ua.requests.length, 1);
    const req = ua.requests[0];
    assert.is(req.mimeType, 'multipart/mixed');
    const outer = parseMultipart(req.body, req.contentType!.params.get('boundary')!);
    assert.equal(outer.map((p) => p.contentType?.split(';')[0]), ['text/plain', 'multipart/related']);
    assert.is(outer[0].body.toString(), 'hello from sipp');
    const inner = parseMultipart(outer[1].body, 'inner-sipp');
    assert.is(inner.length, 1);
    assert.is(inner[0].contentType, 'application/pidf+xml');
    assert.is(inner[0].contentId, '<pidf1@sipp>');
    assert.match(inner[0].body.toString(), /^<\?xml version="1.0"\?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:sipp@example.test"\/>$/);
  } finally {
    await ua.close();
  }
});

test('a multipart/mixed MESSAGE sipstate builds passes sipp\'s check of delimiters, part headers and bodies', async () => {
  const ua = await startTestUA({ timers: { T1: 100, T2: 800, T4: 1000 } });
  const port = sippPort();
  const run = runSipp({ scenario: 'message-multipart-uas.xml', port, calls: 1, timeoutMs: 15000 });
  try {
    await sleep(300);
    const target: Endpoint = { protocol: 'UDP', address: '127.0.0.1', port };
    const { body, boundary } = buildMultipart([makePart('text/plain', 'hello'), makePart('application/pidf+xml', '<presence/>', [['Content-ID', '<p1@sipstate>']])]);
    const req = makeRequest('MESSAGE', target, ua.endpoint('UDP'));
    req.setBody(body, `multipart/mixed;boundary=${boundary}`);
    const res = await transact(ua, req, target);
    assert.is(res.status, 200);
    // sipp's ereg check_it marks the call failed (exit status 1) when the body's layout is wrong.
    const r = await run.done;
    assert.is(r.code, 0, `sipp's check of the body failed: ${r.stdout.slice(-800)}`);
  } finally {
    run.kill();
    await ua.close();
  }
});

test.run();
