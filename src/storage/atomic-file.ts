/**
 * Crash-safe file replacement, and the per-file queue that serialises writers in one process.
 *
 * `writeFileAtomic(target, data)`:
 *   1. write the data to a new temp file in the target's own directory (same file system, so
 *      the rename below is atomic), created exclusively with mode 0600 (settings hold passwords);
 *   2. fsync the temp file, so its blocks are on disk before its name can point at them;
 *   3. rename it over the target: POSIX rename replaces the name atomically — a reader, or the
 *      next process after a crash or `kill -9`, sees the whole old file or the whole new one;
 *   4. fsync the directory, so the rename itself survives a power loss.
 * A crash before step 3 leaves the old file and a stale temp file; `removeStaleTemps` clears
 * those of dead processes later. Temp names start with '.', which escaped names never do
 * (path-escape.ts), so they can never be mistaken for stored items.
 *
 * Concurrent writers *in one process* are serialised per file by `serialised()`: without it,
 * two saves racing through steps 1-3 would still each be atomic, but could land in the other
 * order than they were asked. Separate processes are not locked against each other: each write
 * stays atomic, and the last rename wins.
 */
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let sequence = 0;

const TEMP_SUFFIX = /^\.(.+)\.(\d+)\.(\d+)\.tmp$/;

function tempPathFor(target: string): string {
  sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER;
  return join(dirname(target), `.${basename(target)}.${process.pid}.${sequence}.tmp`);
}

/** Error codes with which platforms refuse fsync on a directory (it is then not needed/possible). */
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EINVAL', 'EPERM', 'EACCES', 'ENOTSUP', 'EBADF']);

/** fsync a directory so that entries created or renamed in it are durable. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (e) {
    // Windows cannot open or fsync directories; there the rename is as durable as it gets.
    if (!DIR_SYNC_UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Create `directory` (and parents) with mode 0700 if missing; when something was created, fsync
 * the parent of the topmost new directory so the new entries are durable too.
 */
export async function ensureDirectory(directory: string): Promise<void> {
  const first = await mkdir(directory, { recursive: true, mode: 0o700 });
  if (first !== undefined) await syncDirectory(dirname(first));
}

/** Replace `target` with `data` atomically (see the module comment). */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(target);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', 0o600);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, target);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await syncDirectory(dirname(target));
}

/** Remove `target` durably; a missing file is not an error. */
export async function removeFileDurably(target: string): Promise<void> {
  try {
    await unlink(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  await syncDirectory(dirname(target));
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Delete the temp files a crashed writer of `target` left behind: those of processes that no
 * longer run, and this process's own (call it only while holding `target`'s queue, when none of
 * ours is in flight). Best effort: failures are ignored, a stale temp file harms nothing.
 */
export async function removeStaleTemps(target: string): Promise<void> {
  const directory = dirname(target);
  const base = basename(target);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_SUFFIX.exec(name);
    if (!m || m[1] !== base) continue;
    const pid = Number(m[2]);
    if (pid !== process.pid && processIsAlive(pid)) continue;
    await unlink(join(directory, name)).catch(() => undefined);
  }
}

/** Whether a directory entry is one of our temp files (listing code skips them). */
export function isTempName(name: string): boolean {
  return TEMP_SUFFIX.test(name);
}

const queues = new Map<string, Promise<void>>();

/**
 * Run `task` after every task queued earlier under the same key (an absolute path), in call
 * order. A failed task does not stop the queue. Used for every read and write of a file, so a
 * load also sees the saves asked for before it.
 */
export function serialised<R>(key: string, task: () => Promise<R>): Promise<R> {
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.then(task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}
