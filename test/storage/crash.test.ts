/**
 * THE CRASH TEST: a child process saves large configurations through FileStorage in a tight
 * loop and is killed with SIGKILL at random moments. After every kill the config file must parse
 * and be exactly one complete version that was written — never a truncated or mixed file — and
 * versions never go back in time. Stale temp files of the dead writer are removed on load.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileStorage } from '../../src/storage/index.js';
import { versionData } from './crash-data.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const ROUNDS = 8;

/** Start the writer, wait until it has saved once, let it run a random while, SIGKILL it. */
function runAndKill(directory: string, first: number): Promise<{ signal: string | null; ranMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'crash-writer.ts'), directory, String(first)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killedAt = 0;
    let readyAt = 0;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`crash writer never became ready: ${err}`));
    }, 10_000);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      if (readyAt === 0 && out.includes('ready')) {
        readyAt = Date.now();
        clearTimeout(guard);
        setTimeout(() => {
          killedAt = Date.now();
          child.kill('SIGKILL');
        }, 30 + Math.floor(Math.random() * 400));
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (killedAt === 0) reject(new Error(`crash writer exited by itself (code ${code}): ${err}`));
      else resolve({ signal, ranMs: killedAt - readyAt });
    });
  });
}

test('SIGKILL during saves never leaves a partial or mixed config file', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'sipstate-crash-'));
  try {
    let last = -1;
    let interruptedWrites = 0;
    // Extra rounds (bounded) until some kill lands inside a write: on a fast file system (tmpfs,
    // where fsync costs nothing) most kills land between writes, which proves little.
    for (let round = 0; round < ROUNDS || (interruptedWrites === 0 && round < 3 * ROUNDS); round++) {
      const first = last + 1; // continue after the last complete version
      const { signal } = await runAndKill(directory, first);
      assert.is(signal, 'SIGKILL');
      const leftovers = (await readdir(directory)).filter((n) => n.endsWith('.tmp'));
      if (leftovers.length > 0) interruptedWrites++;
      // A fresh process's view: a fresh FileStorage loads what is on disk.
      const loaded = await new FileStorage(directory).configurationBackend.load();
      const version = loaded.version;
      assert.type(version, 'number');
      assert.ok((version as number) >= first, `version ${String(version)} is older than the first one this writer saved (${first})`);
      assert.equal(loaded, versionData(version as number), `round ${round}: the file is not exactly version ${String(version)}`);
      assert.ok((version as number) > last, 'versions never go back');
      last = version as number;
      // Load removed the dead writer's temp files.
      assert.equal((await readdir(directory)).filter((n) => n.endsWith('.tmp')), []);
    }
    // The kills must have hit writes in flight at least once, or the test proves little.
    assert.ok(interruptedWrites > 0, `no kill out of ${3 * ROUNDS} interrupted a write`);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test.run();
