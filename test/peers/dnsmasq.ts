/**
 * Runs dnsmasq (Debian package `dnsmasq-base`, installed by .ci/apt-packages) as a real,
 * independent DNS server on 127.0.0.1 and a free port, serving only the records a test gives
 * it: no upstream servers, no /etc/hosts, no /etc/resolv.conf. Names must be under the `.test`
 * TLD and addresses loopback (127.0.0.1, ::1), so nothing a test resolves points off the machine.
 *
 * `stop()` kills it; a process exit handler kills any instance a test forgot, so no daemon is
 * left behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HostRecord {
  name: string;
  ipv4?: string;
  ipv6?: string;
}

export interface SrvHostRecord {
  /** `_service._proto.domain` */
  name: string;
  target: string;
  port: number;
  priority?: number;
  weight?: number;
}

export interface NaptrHostRecord {
  name: string;
  order: number;
  preference: number;
  flags: string;
  service: string;
  regexp?: string;
  replacement: string;
}

export interface TxtHostRecord {
  name: string;
  /** The character-strings of one TXT record. */
  strings: string[];
}

export interface DnsmasqRecords {
  hosts?: HostRecord[];
  srv?: SrvHostRecord[];
  naptr?: NaptrHostRecord[];
  txt?: TxtHostRecord[];
  /** Domains answered from these records only (unknown names get NXDOMAIN); default ['test']. */
  local?: string[];
}

export interface Dnsmasq {
  port: number;
  /** `127.0.0.1:<port>`, as DNSManager.setNameservers takes it. */
  server: string;
  /** Kill dnsmasq and remove its configuration. */
  stop(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1']);
const READY_NAME = 'dnsmasq-ready.sipstate.test';

export function dnsmasqAvailable(): boolean {
  return spawnSync('dnsmasq', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Fail loudly (never skip) when the peer is missing: the tests need it. */
export function requireDnsmasq(): void {
  if (!dnsmasqAvailable()) throw new Error('dnsmasq is not installed: run `bash .ci/apt-packages` (Debian package dnsmasq-base)');
}

function checkName(name: string): string {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9_.-]+$/.test(n) || !(n === 'test' || n.endsWith('.test'))) throw new Error(`dnsmasq helper: ${JSON.stringify(name)} is not a name under .test`);
  return n;
}

function checkAddress(a: string | undefined): string | undefined {
  if (a !== undefined && !LOOPBACK.has(a)) throw new Error(`dnsmasq helper: ${a} is not 127.0.0.1 or ::1`);
  return a;
}

function quoteTxt(s: string): string {
  if (/["\\\n\r]/.test(s)) throw new Error(`dnsmasq helper: TXT string ${JSON.stringify(s)} has a quote, backslash or newline`);
  return `"${s}"`;
}

function configText(r: DnsmasqRecords): string {
  const lines: string[] = [];
  for (const d of r.local ?? ['test']) lines.push(`local=/${checkName(d)}/`);
  lines.push(`host-record=${READY_NAME},127.0.0.1`);
  for (const h of r.hosts ?? []) {
    const parts = [checkName(h.name), checkAddress(h.ipv4), checkAddress(h.ipv6)].filter((p) => p !== undefined);
    lines.push(`host-record=${parts.join(',')}`);
  }
  for (const s of r.srv ?? []) {
    lines.push(`srv-host=${checkName(s.name)},${checkName(s.target)},${s.port},${s.priority ?? 0},${s.weight ?? 0}`);
  }
  for (const n of r.naptr ?? []) {
    if (/[,\s]/.test(n.flags + n.service + (n.regexp ?? ''))) throw new Error('dnsmasq helper: NAPTR fields may not hold commas or spaces');
    lines.push(`naptr-record=${checkName(n.name)},${n.order},${n.preference},${n.flags},${n.service},${n.regexp ?? ''},${checkName(n.replacement)}`);
  }
  for (const t of r.txt ?? []) lines.push(`txt-record=${checkName(t.name)},${t.strings.map(quoteTxt).join(',')}`);
  return lines.join('\n') + '\n';
}

/** A port free for both UDP and TCP on 127.0.0.1 (dnsmasq listens on both). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const a = srv.address();
        srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => {
        s.close();
        resolve(false);
      });
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (port > 0 && udpFree) return port;
  }
  throw new Error('no free port on 127.0.0.1');
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

async function waitReady(server: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`dnsmasq exited (${child.exitCode ?? child.signalCode}): ${stderr().trim()}`);
    const r = new dnsPromises.Resolver({ timeout: 200, tries: 1 });
    r.setServers([server]);
    try {
      const a = await r.resolve4(READY_NAME);
      if (a.includes('127.0.0.1')) return;
    } catch {
      // not up yet
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`dnsmasq did not answer on ${server} within 5 s: ${stderr().trim()}`);
}

/** Start dnsmasq serving `records` on 127.0.0.1:<free port>; resolves once it answers. */
export async function startDnsmasq(records: DnsmasqRecords): Promise<Dnsmasq> {
  requireDnsmasq();
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'sipstate-dnsmasq-'));
  const conf = join(dir, 'dnsmasq.conf');
  writeFileSync(conf, configText(records));
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(
      'dnsmasq',
      [
        '-k',
        '--bind-interfaces',
        '--listen-address=127.0.0.1',
        `--port=${port}`,
        '--no-resolv',
        '--no-hosts',
        '--no-poll',
        '--pid-file=',
        '--log-facility=-',
        `--conf-file=${conf}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    live.add(child);
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => live.delete(child));
    const server = `127.0.0.1:${port}`;
    try {
      await waitReady(server, child, () => stderr);
    } catch (e) {
      lastError = e as Error;
      child.kill('SIGKILL');
      await exited;
      continue;
    }
    let stopped: Promise<void> | undefined;
    return {
      port,
      server,
      stop(): Promise<void> {
        stopped ??= (async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const guard = setTimeout(() => child.kill('SIGKILL'), 2000);
            await exited;
            clearTimeout(guard);
          }
          child.stderr?.destroy();
          rmSync(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError ?? new Error('dnsmasq did not start');
}

/**
 * A nameserver that never answers: a UDP socket on 127.0.0.1 that counts and drops queries
 * (for timeout and lifetime tests). `close()` releases it.
 */
export async function startSilentNameserver(): Promise<{ server: string; received(): number; close(): Promise<void> }> {
  const sock = createSocket('udp4');
  let count = 0;
  sock.on('message', () => count++);
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  const port = sock.address().port;
  return {
    server: `127.0.0.1:${port}`,
    received: () => count,
    close: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
}
