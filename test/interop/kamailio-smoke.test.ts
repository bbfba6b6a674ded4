/**
 * The Kamailio fixture (test/peers/kamailio.ts) works, proven with sipp, a real and independent
 * SIP implementation: REGISTER with digest (401 → 200) over UDP and TCP, a wrong password stays
 * 401, MESSAGE alice→bob relayed with a 407 challenge to a sipp UAS registered as bob, relaying
 * only to loopback, every listener (TLS, HTTP/XCAP, HTTPS, MSRP, MSRPS) answering, two fixtures
 * side by side, and a clean stop. Nothing here tests sipstate itself.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as http from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKamailio, requireKamailio, freePort, KamailioNotInstalledError, type Kamailio } from '../peers/kamailio.js';
import { requireSipp, runSipp, type SippResult } from '../peers/sipp.js';

requireSipp();
requireKamailio();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** runSipp resolves scenario names against test/fixtures/sipp/. */
const S = '../kamailio/sipp/';

let k: Kamailio;

test.before(async () => {
  k = await startKamailio();
});

test.after(async () => {
  await k?.stop();
});

function explain(r: SippResult): string {
  return `sipp exit ${r.code}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-800)}\n--- kamailio log ---\n${k.log().split('\n').slice(-15).join('\n')}`;
}

/** REGISTER <user> with register.xml; `port` is sipp's -p (it becomes the Contact). */
async function register(fx: Kamailio, user: string, password: string, port: number, transport: 'u1' | 't1' = 'u1'): Promise<SippResult> {
  const target = `127.0.0.1:${transport === 'u1' ? fx.ports.udp : fx.ports.tcp}`;
  const run = runSipp({ scenario: `${S}register.xml`, port, transport, target, timeoutMs: 8000, args: ['-key', 'user', user, '-key', 'expires', '600', '-au', user, '-ap', password, '-mp', String(await freePort())] });
  return run.done;
}

/** Resolves once something holds UDP `port` on 127.0.0.1 (sipp has bound its socket). */
async function waitUntilBound(port: number, timeoutMs = 15000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const bound = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(true));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (bound) return;
    if (Date.now() > end) throw new Error(`nothing bound udp ${port}`);
    await sleep(20);
  }
}

/** A sipp UAS on `port` answering `count` MESSAGEs with 200; its <log> lines go to logFile. */
async function messageUas(port: number, count: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sipstate-kamsmoke-'));
  const logFile = join(dir, 'uas.log');
  const run = runSipp({ scenario: `${S}message_uas.xml`, port, calls: count, timeoutMs: 8000, args: ['-trace_logs', '-log_file', logFile, '-mp', String(await freePort())] });
  await waitUntilBound(port);
  return {
    run,
    received: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    dispose: () => {
      run.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function message(fx: Kamailio, from: string, password: string, to: string, rhost: string, scenario = 'message.xml'): Promise<SippResult> {
  const run = runSipp({ scenario: `${S}${scenario}`, port: await freePort(), target: `127.0.0.1:${fx.ports.udp}`, timeoutMs: 8000, args: ['-key', 'user', from, '-key', 'target', to, '-key', 'rhost', rhost, '-au', from, '-ap', password, '-mp', String(await freePort())] });
  return run.done;
}

/** One raw OPTIONS to the fixture's UDP port; resolves with the response text. */
function options(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error('no answer to OPTIONS'));
    }, 2000);
    s.on('message', (m) => {
      clearTimeout(timer);
      s.close();
      resolve(m.toString());
    });
    s.bind(0, '127.0.0.1', () => {
      const lp = s.address().port;
      const msg = `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK-smoke${lp};rport\r\nMax-Forwards: 70\r\nFrom: <sip:smoke@example.test>;tag=${lp}\r\nTo: <sip:127.0.0.1:${port}>\r\nCall-ID: smoke-${lp}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
      s.send(msg, port, '127.0.0.1');
    });
  });
}

test('starts on 7 distinct free loopback ports and answers OPTIONS with 200', async () => {
  const p = k.ports;
  const all = [p.udp, p.tcp, p.tls, p.http, p.https, p.msrp, p.msrps];
  assert.is(new Set(all).size, 7, `distinct ports ${JSON.stringify(p)}`);
  assert.is(p.ws, p.http);
  assert.is(p.wss, p.https);
  assert.not.ok(all.some((x) => [5060, 5061, 5070, 8080, 8443, 2855, 2856].includes(x)), 'not the lab ports');
  const res = await options(p.udp);
  assert.match(res, /^SIP\/2\.0 200 /);
  assert.match(res, /Server: kamailio-fixture/);
  assert.ok(k.dir.includes('sipstate-kam-') && existsSync(k.dbPath) && existsSync(k.logPath));
});

test('TLS, HTTPS and MSRPS present the fixture certificate; XCAP asks for digest; MSRP AUTH gets 401', async () => {
  for (const port of [k.ports.tls, k.ports.https, k.ports.msrps]) {
    const authorized = await new Promise<boolean>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, ca: k.tls.cert }, () => {
        const ok = s.authorized;
        s.destroy();
        resolve(ok);
      });
      s.once('error', reject);
    });
    assert.ok(authorized, `TLS on ${port} verifies against k.tls.cert`);
  }
  const xcap = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get(`${k.urls.xcapRoot}/xcap-caps/global/index`, (res) => {
      res.resume();
      resolve(res);
    }).once('error', reject);
  });
  assert.is(xcap.statusCode, 401);
  assert.match(String(xcap.headers['www-authenticate']), /Digest realm="xcap"/);

  const msrp = await new Promise<string>((resolve, reject) => {
    const s = net.connect(k.ports.msrp, '127.0.0.1', () => {
      s.write(`MSRP a1b2 AUTH\r\nTo-Path: ${k.urls.msrp}\r\nFrom-Path: msrp://127.0.0.1:1234/x9;tcp\r\n-------a1b2$\r\n`);
    });
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      if (buf.includes('-------a1b2')) {
        s.destroy();
        resolve(buf);
      }
    });
    s.once('error', reject);
    setTimeout(() => {
      s.destroy();
      reject(new Error(`no MSRP answer: ${buf}`));
    }, 3000);
  });
  assert.match(msrp, /^MSRP a1b2 401 /);
  assert.match(msrp, /realm="msrp\.lab"/);
});

test('REGISTER alice over UDP: 401 then 200 with digest; ul.dump shows the contact', async () => {
  const port = await freePort();
  const r = await register(k, 'alice', 'alicepw', port, 'u1');
  assert.is(r.code, 0, explain(r));
  const ul = await k.ulDump();
  assert.match(ul, /AoR: alice/);
  assert.ok(ul.includes(`sip:alice@127.0.0.1:${port};transport=UDP`), ul);
});

test('REGISTER alice over TCP: 401 then 200 with digest', async () => {
  const port = await freePort();
  const r = await register(k, 'alice', 'alicepw', port, 't1');
  assert.is(r.code, 0, explain(r));
  assert.ok((await k.ulDump()).includes(`;transport=TCP`));
});

test('REGISTER with a wrong password stays 401 and registers nothing', async () => {
  const run = runSipp({ scenario: `${S}register-rejected.xml`, port: await freePort(), target: `127.0.0.1:${k.ports.udp}`, timeoutMs: 8000, args: ['-key', 'user', 'carol', '-au', 'carol', '-ap', 'not-carolpw', '-mp', String(await freePort())] });
  const r = await run.done;
  assert.is(r.code, 0, explain(r));
  assert.not.match(await k.ulDump(), /AoR: carol/);
});

test('MESSAGE alice→bob: 407, then relayed to the sipp UAS registered as bob, 200', async () => {
  const bobPort = await freePort();
  const reg = await register(k, 'bob', 'bobpw', bobPort);
  assert.is(reg.code, 0, explain(reg));
  const uas = await messageUas(bobPort, 1);
  try {
    const r = await message(k, 'alice', 'alicepw', 'bob', 'example.test');
    assert.is(r.code, 0, explain(r));
    const u = await uas.run.done;
    assert.is(u.code, 0, explain(u));
    assert.match(uas.received(), /MESSAGE received: hello from alice/);
    assert.match(k.log(), /AUTH: challenge MESSAGE from sip:alice@example\.test/);
  } finally {
    uas.dispose();
  }
});

test('relays only to loopback: port-less 127.0.0.1 is the fixture itself, 127.0.0.1:<port> is relayed, 192.0.2.1 gets 403', async () => {
  const bobPort = await freePort();
  const reg = await register(k, 'bob', 'bobpw', bobPort);
  assert.is(reg.code, 0, explain(reg));
  const uas = await messageUas(bobPort, 2);
  try {
    // sip:bob@127.0.0.1 means port 5060, which is not this fixture's: still a location lookup
    const viaLocation = await message(k, 'alice', 'alicepw', 'bob', '127.0.0.1');
    assert.is(viaLocation.code, 0, explain(viaLocation));
    const direct = await message(k, 'alice', 'alicepw', 'uas', `127.0.0.1:${bobPort}`);
    assert.is(direct.code, 0, explain(direct));
    const u = await uas.run.done;
    assert.is(u.code, 0, explain(u));
    assert.is(uas.received().match(/MESSAGE received/g)?.length, 2);
  } finally {
    uas.dispose();
  }
  const foreign = await message(k, 'alice', 'alicepw', 'bob', '192.0.2.1', 'message-forbidden.xml');
  assert.is(foreign.code, 0, explain(foreign));
});

test('two fixtures in parallel do not collide; stop() kills kamailio, frees the ports and removes the dir', async () => {
  const [a, b] = await Promise.all([startKamailio(), startKamailio({ forceActive: true })]);
  const ports = (x: Kamailio) => [x.ports.udp, x.ports.tcp, x.ports.tls, x.ports.http, x.ports.https, x.ports.msrp, x.ports.msrps];
  try {
    const mine = [...ports(a), ...ports(b), ...ports(k)];
    assert.is(new Set(mine).size, 21, 'all ports distinct');
    assert.is.not(a.dir, b.dir);
    assert.equal(b.defines, ['WITH_FORCE_ACTIVE']);
    const [ra, rb] = await Promise.all([register(a, 'alice', 'alicepw', await freePort()), register(b, 'alice', 'alicepw', await freePort(), 't1')]);
    assert.is(ra.code, 0, explain(ra));
    assert.is(rb.code, 0, explain(rb));
    assert.match(await a.ulDump(), /AoR: alice/);
    assert.match(await b.ulDump(), /AoR: alice/);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
  for (const x of [a, b]) {
    assert.ok(x.exited);
    assert.throws(() => process.kill(x.pid, 0), 'the process is gone');
    assert.not.ok(existsSync(x.dir), 'dir removed');
    await new Promise<void>((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      s.once('error', reject);
      s.bind(x.ports.udp, '127.0.0.1', () => s.close(() => resolve()));
    });
  }
  await a.stop(); // idempotent
});

test('a missing kamailio binary is a clear error naming .ci/apt-packages (never a skip)', async () => {
  try {
    await startKamailio({ binary: '/nonexistent/kamailio' });
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, KamailioNotInstalledError);
    assert.match((e as Error).message, /\.ci\/apt-packages/);
  }
});

test.run();
