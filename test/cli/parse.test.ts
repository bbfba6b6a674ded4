/** `sipstate parse` as a user runs it: the real binary, files and standard input, exit status; the RFC 4475 corpus and what sipp sends. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSocket } from 'node:dgram';
import { requireSipp, runSipp, sippPort } from '../peers/sipp.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin/sipstate.js');
const fixtures = join(root, 'test/fixtures/torture');

function run(args: string[], input?: Buffer | string): { status: number | null; lines: Record<string, unknown>[]; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'parse', ...args], { input, cwd: root, encoding: 'utf8' });
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: r.status, lines, stderr: r.stderr };
}

const options = 'OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n';

test('one JSON line per file with every field; exit 0 when all are accepted', () => {
  const r = run([join(fixtures, 'wsinv.dat'), join(fixtures, 'unreason.dat')]);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.lines.length, 2);
  const [inv, resp] = r.lines;
  assert.is(inv.ok, true);
  assert.is(inv.kind, 'request');
  assert.is(inv.method, 'INVITE');
  assert.is(inv.requestUri, 'sip:vivekg@chair-dnrc.example.com;unknownparam');
  assert.is(inv.callId, 'wsinv.ndaksdj@192.0.2.1');
  assert.equal(inv.cseq, { seq: 9, method: 'INVITE' });
  assert.is((inv.via as string[]).length, 3);
  assert.is(inv.maxForwards, 68);
  assert.is(inv.contentLength, 150);
  assert.is(inv.bodyLength, 150);
  assert.ok(Array.isArray(inv.headers) && (inv.headers as unknown[]).length > 10);
  for (const k of ['file', 'ok', 'kind', 'method', 'requestUri', 'status', 'reason', 'callId', 'cseq', 'via', 'maxForwards', 'contentLength', 'headers', 'bodyLength']) assert.ok(k in inv, k);
  assert.is(resp.kind, 'response');
  assert.is(resp.status, 200);
});

test('refused messages print ok:false with the reason and exit 1', () => {
  const r = run([join(fixtures, 'badvers.dat'), join(fixtures, 'wsinv.dat'), join(fixtures, 'bigcode.dat')]);
  assert.is(r.status, 1);
  assert.is(r.lines.length, 3);
  assert.is(r.lines[0].ok, false);
  assert.is(r.lines[0].status, 505);
  assert.type(r.lines[0].error, 'string');
  assert.is(r.lines[1].ok, true);
  assert.is(r.lines[2].ok, false);
  assert.is(r.lines[2].status, null);
});

test('standard input when no file is given', () => {
  const r = run([], options);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.lines[0].file, '-');
  assert.is(r.lines[0].method, 'OPTIONS');
});

test('--stream splits a byte stream into messages, keep-alives included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipstate-parse-'));
  const file = join(dir, 'stream.sip');
  writeFileSync(file, '\r\n\r\n' + options + options.replace('CSeq: 1', 'CSeq: 2') + '\r\n');
  const r = run(['--stream', file]);
  assert.is(r.status, 0, r.stderr + JSON.stringify(r.lines));
  assert.is(r.lines.length, 2);
  assert.equal(r.lines.map((l) => (l.cseq as { seq: number }).seq), [1, 2]);
});

test('an unreadable file is an error, not a crash', () => {
  const r = run(['/nonexistent/file.sip']);
  assert.is(r.status, 1);
  assert.match(r.stderr, /cannot read/);
});

test('what sipp sends (its built-in uac INVITE with SDP, captured off a UDP socket) parses, as received', async () => {
  requireSipp();
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const first = new Promise<Buffer>((resolve) => sock.once('message', (m) => resolve(m)));
  const sipp = runSipp({ scenario: 'uac', port: sippPort(), target: `127.0.0.1:${sock.address().port}`, calls: 1, timeoutMs: 5000 });
  try {
    const datagram = await first;
    const dir = mkdtempSync(join(tmpdir(), 'sipstate-parse-'));
    const file = join(dir, 'sipp-invite.sip');
    writeFileSync(file, datagram);
    const r = run([file]);
    assert.is(r.status, 0, r.stderr + JSON.stringify(r.lines));
    const l = r.lines[0];
    assert.is(l.ok, true);
    assert.is(l.method, 'INVITE');
    const text = datagram.toString('latin1');
    assert.is(l.requestUri, text.slice(7, text.indexOf(' SIP/2.0')), 'the Request-URI as received');
    assert.is(l.callId, /^Call-ID: *(.+)\r$/m.exec(text)![1]);
    assert.equal(l.cseq, { seq: 1, method: 'INVITE' });
    assert.is(l.bodyLength, Number(/^Content-Length: *(\d+)/m.exec(text)![1]));
    assert.ok((l.bodyLength as number) > 0, 'with its SDP');
  } finally {
    sipp.kill();
    sock.close();
  }
});

test.run();
