/**
 * Runs sipp (Debian package `sip-tester`, installed by .ci/apt-packages) as a real, independent
 * peer on loopback. Every run is bounded in calls and time and ends by itself.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The scenario files; benchmarks run this module compiled elsewhere, so fall back to the cwd. */
const besideThis = fileURLToPath(new URL('../fixtures/sipp/', import.meta.url));
export const SCENARIOS = existsSync(besideThis) ? besideThis : join(process.cwd(), 'test/fixtures/sipp/');

export function sippAvailable(): boolean {
  return spawnSync('sipp', ['-v'], { stdio: 'ignore' }).status !== null;
}

/** Fail loudly (never skip) when the peer is missing: the tests need it. */
export function requireSipp(): void {
  if (!sippAvailable()) throw new Error('sipp is not installed: run `bash .ci/apt-packages` (Debian package sip-tester)');
}

export interface SippOptions {
  /** A built-in scenario (`uac`, `uas`) or a file in test/fixtures/sipp. */
  scenario: string;
  /** Where sipp sends (UAC side), e.g. 127.0.0.1:5060. */
  target?: string;
  /** sipp's own port. */
  port: number;
  transport?: 'u1' | 't1';
  calls?: number;
  rate?: number;
  /** Extra arguments. */
  args?: string[];
  /** Kill sipp after this many ms (default 30 s). */
  timeoutMs?: number;
  /** Record every message sipp sends and receives (for counting retransmissions). */
  traceMessages?: boolean;
}

export interface SippResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The message trace when traceMessages was set. */
  messages: string;
  elapsedMs: number;
}

export interface SippRun {
  done: Promise<SippResult>;
  kill(): void;
}

export function runSipp(o: SippOptions): SippRun {
  const dir = mkdtempSync(join(tmpdir(), 'sipstate-sipp-'));
  const file = join(SCENARIOS, o.scenario);
  const args = [
    ...(existsSync(file) ? ['-sf', file] : ['-sn', o.scenario]),
    '-i', '127.0.0.1', '-p', String(o.port), '-t', o.transport ?? 'u1',
    '-m', String(o.calls ?? 1), '-r', String(o.rate ?? 10),
    '-nostdin', '-timeout', `${Math.ceil((o.timeoutMs ?? 30000) / 1000)}s`, '-timeout_error',
    ...(o.traceMessages ? ['-trace_msg', '-message_file', join(dir, 'messages.log')] : []),
    ...(o.args ?? []),
    ...(o.target ? [o.target] : []),
  ];
  const started = Date.now();
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const guard = setTimeout(() => child.kill('SIGKILL'), (o.timeoutMs ?? 30000) + 5000);
  const done = new Promise<SippResult>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(guard);
      const log = join(dir, 'messages.log');
      resolve({ code, stdout, stderr, messages: existsSync(log) ? readFileSync(log, 'utf8') : '', elapsedMs: Date.now() - started });
    });
  });
  return { done, kill: () => child.kill('SIGTERM') };
}

/** A free port number in a range unlikely to collide with other tests (sipp needs a number). */
let nextPort = 15060 + (process.pid % 500) * 8;
export function sippPort(): number {
  nextPort += 4;
  return nextPort;
}
