/**
 * What the peer fixtures (baresip, kamailio) share to run a Debian program on loopback: finding
 * the executable, picking free loopback ports that no running fixture of this process holds, and
 * the exit safety net that kills every process group still running when the test process exits
 * (a failed test must not leave a SIP server behind on the machine).
 */
import { accessSync, constants, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as net from 'node:net';
import * as dgram from 'node:dgram';

const SYSTEM_DIRS = ['/usr/bin', '/usr/local/bin', '/usr/sbin', '/usr/local/sbin', '/sbin', '/bin'];

/** The first executable `name` on PATH or in the usual system directories, or undefined. */
export function findExecutable(name: string, extraDirs: string[] = SYSTEM_DIRS): string | undefined {
  for (const d of [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extraDirs]) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Ports

/** Ports held by fixtures of this process that are still running: never handed out again meanwhile. */
export const reservedPorts = new Set<number>();

export function listenTcp(port = 0): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(s));
  });
}

export function bindUdp(port = 0): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

export const closeServer = (s: net.Server): Promise<void> => new Promise<void>((r) => s.close(() => r()));
export const closeSocket = (s: dgram.Socket): Promise<void> => new Promise<void>((r) => s.close(() => r()));

// ---------------------------------------------------------------------------------------------
// Running process groups and the exit safety net

interface Supervised {
  pid: number;
  dir: string;
  keepDir: boolean;
}
const supervised = new Set<Supervised>();
let exitHookInstalled = false;

/**
 * Watch the process group `pid` (spawned `detached`): if the test process exits while it runs,
 * the group is SIGKILLed and `dir` removed (unless `keepDir`). Returns the function to call once
 * the group has been stopped normally.
 */
export function supervise(pid: number, dir: string, keepDir: boolean): () => void {
  const rec: Supervised = { pid, dir, keepDir };
  supervised.add(rec);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const r of supervised) {
        try {
          process.kill(-r.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        if (!r.keepDir) rmSync(r.dir, { recursive: true, force: true });
      }
      supervised.clear();
    });
  }
  return () => void supervised.delete(rec);
}

/** True while any process of the group `pid` is alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

export const sleep = (ms: number): Promise<void> => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves when `p` settles or after ms, whichever is first; never leaves a timer behind. */
export async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** The last `lines` lines of a log, for error messages. */
export function tail(text: string, lines = 25): string {
  return text.split('\n').slice(-lines).join('\n');
}
