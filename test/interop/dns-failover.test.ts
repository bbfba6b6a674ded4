/**
 * RFC 3263 end to end: a MESSAGE to sip:bob@example.test resolved through a real DNS server
 * (dnsmasq on loopback) to two SRV targets; the first (priority 10) is dead, the second answers.
 * The CLI's --dns does the same.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket } from 'node:dgram';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { UserAgent } from '../../actors/user-agent.js';
import { MessageReceiver, Message } from '../../src/api/message.js';
import { dnsResolver } from '../../src/cli/dns.js';
import { requireDnsmasq, startDnsmasq } from '../peers/dnsmasq.js';

requireDnsmasq();
const root = fileURLToPath(new URL('../../', import.meta.url));

test('SRV failover: dead first target, then the live one; the CLI with --dns too', async () => {
  const bob = await UserAgent.start({ listen: [{ protocol: 'UDP', address: '127.0.0.1', port: 0 }, { protocol: 'TCP', address: '127.0.0.1', port: 0 }] });
  const tcpPort = bob.endpoints.find((e) => e.protocol === 'TCP')!.port;
  // A TCP port with nothing listening: connection refused, a transport error (RFC 3263 §4.3).
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const closedPort = (closed.address() as { port: number }).port;
  await new Promise((r) => closed.close(r));
  new MessageReceiver(bob);
  const dead = createSocket('udp4');
  await new Promise<void>((r) => dead.bind(0, '127.0.0.1', () => r()));
  const dns = await startDnsmasq({
    hosts: [{ name: 'dead.example.test', ipv4: '127.0.0.1' }, { name: 'live.example.test', ipv4: '127.0.0.1' }],
    srv: [
      { name: '_sip._udp.example.test', target: 'dead.example.test', port: dead.address().port, priority: 10 },
      { name: '_sip._udp.example.test', target: 'live.example.test', port: bob.endpoints[0].port, priority: 20 },
      { name: '_sip._tcp.tcp.example.test', target: 'dead.example.test', port: closedPort, priority: 10 },
      { name: '_sip._tcp.tcp.example.test', target: 'live.example.test', port: tcpPort, priority: 20 },
    ],
  });
  const alice = await UserAgent.start({ transactions: { timers: { T1: 20, T2: 80, T4: 100 } }, resolver: await dnsResolver([dns.server]) });
  try {
    const result = await new Message(alice, { from: 'sip:alice@example.test', to: 'sip:bob@example.test', body: 'via DNS' }).send();
    assert.is(result.code, 200);

    // The CLI in its own process (asynchronously: this process hosts bob and must keep running).
    const cli = spawn(process.execPath, [join(root, 'bin/sipstate.js'), 'options', '--dns', dns.server, 'sip:bob@tcp.example.test']);
    let out = '';
    let err = '';
    cli.stdout.on('data', (d) => (out += d));
    cli.stderr.on('data', (d) => (err += d));
    const status = await new Promise<number | null>((r) => cli.on('close', r));
    assert.is(status, 0, err + out);
    assert.match(out, /^200 OK/);
  } finally {
    await alice.close();
    await bob.close();
    dead.close();
    await dns.stop();
  }
});

test.run();
