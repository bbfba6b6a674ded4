/** FileStorage and MemoryStorage (Middleware API §3): round trips, atomicity, errors, escaping. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { escapeName, FileStorage, MemoryStorage, StorageError, unescapeName, type ISIPSimpleStorage } from '../../src/storage/index.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sipstate-storage-'));
  dirs.push(d);
  return d;
}
test.after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function rejects(p: Promise<unknown>, check: (e: unknown) => boolean, what: string): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    assert.ok(check(e), `${what}: unexpected error ${String(e)}`);
    return e;
  }
  assert.unreachable(`${what}: should have failed`);
}

const sample = { global: { user_agent: 'x' }, accounts: { 'alice@example.com': { enabled: true, sip: { register_interval: 300 } } }, future: [1, 'two', null] };

const kinds: [string, () => Promise<ISIPSimpleStorage>][] = [
  ['MemoryStorage', async () => new MemoryStorage()],
  ['FileStorage', async () => new FileStorage(await tempDir())],
];

for (const [kind, make] of kinds) {
  test(`${kind}: an empty storage loads {}; save then load round-trips the tree`, async () => {
    const s = await make();
    assert.equal(await s.configurationBackend.load(), {});
    await s.configurationBackend.save(sample);
    assert.equal(await s.configurationBackend.load(), sample);
  });

  test(`${kind}: saved data is copied (later changes by the caller are not stored)`, async () => {
    const s = await make();
    const data: Record<string, unknown> = { a: { b: 1 } };
    const p = s.configurationBackend.save(data);
    (data.a as { b: number }).b = 2;
    await p;
    assert.equal(await s.configurationBackend.load(), { a: { b: 1 } });
    const loaded = await s.configurationBackend.load();
    (loaded.a as { b: number }).b = 3;
    assert.equal(await s.configurationBackend.load(), { a: { b: 1 } });
  });

  test(`${kind}: concurrent saves land in call order`, async () => {
    const s = await make();
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.configurationBackend.save({ n: i, pad: 'x'.repeat(i * 1000) })));
    assert.equal((await s.configurationBackend.load()).n, 19);
  });

  test(`${kind}: data that is not JSON is a StorageError, nothing is stored`, async () => {
    const s = await make();
    await s.configurationBackend.save({ ok: true });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await rejects(s.configurationBackend.save(cyclic), (e) => e instanceof StorageError, 'cyclic');
    assert.equal(await s.configurationBackend.load(), { ok: true });
  });

  test(`${kind}: XCAP documents: save, load, list, delete, purge; per account`, async () => {
    const s = await make();
    const alice = s.xcapStorageFactory('alice@example.com');
    const bob = s.xcapStorageFactory('bob@example.com');
    assert.is(await alice.load('pres-rules'), undefined);
    assert.equal(await alice.list(), []);
    const doc = Buffer.from('<?xml version="1.0"?>\n<ruleset/>\n');
    await alice.save('pres-rules', doc, '"etag-1"');
    await alice.save('resource-lists', new Uint8Array([0, 1, 10, 13, 255]), null);
    await bob.save('pres-rules', Buffer.from('bob'), 'b');
    const got = await alice.load('pres-rules');
    assert.ok(got);
    assert.equal([...got.data], [...doc]);
    assert.is(got.etag, '"etag-1"');
    assert.equal([...(await alice.load('resource-lists'))!.data], [0, 1, 10, 13, 255]);
    assert.is((await alice.load('resource-lists'))!.etag, null);
    assert.equal(await alice.list(), ['pres-rules', 'resource-lists']);
    // A new factory call sees the same documents.
    assert.equal(await s.xcapStorageFactory('alice@example.com').list(), ['pres-rules', 'resource-lists']);
    await alice.save('pres-rules', Buffer.from('v2'), 'e2');
    assert.is((await alice.load('pres-rules'))!.data.toString(), 'v2');
    await alice.delete('pres-rules');
    await alice.delete('pres-rules'); // deleting a missing one is fine
    assert.equal(await alice.list(), ['resource-lists']);
    await alice.purge();
    assert.equal(await alice.list(), []);
    assert.is((await bob.load('pres-rules'))!.etag, 'b');
  });
}

test('FileStorage: config.json is pretty JSON, mode 0600, in a 0700 directory created on first save', async () => {
  const d = join(await tempDir(), 'nested', 'conf');
  const s = new FileStorage(d);
  await s.configurationBackend.save(sample);
  const text = await readFile(join(d, 'config.json'), 'utf8');
  assert.equal(JSON.parse(text), sample);
  assert.ok(text.includes('\n  "global"'));
  assert.is(statSync(join(d, 'config.json')).mode & 0o777, 0o600);
  assert.is(statSync(d).mode & 0o777, 0o700);
  assert.equal(await readdir(d), ['config.json'], 'no temp file left');
  assert.is(s.configurationBackend.file, resolve(d, 'config.json'));
});

test('FileStorage: a corrupt config file is a StorageError naming the file, and is not overwritten', async () => {
  const d = await tempDir();
  const file = join(d, 'config.json');
  await writeFile(file, '{"global": {"user_agent": "x"'); // truncated
  const s = new FileStorage(d);
  const e = (await rejects(s.configurationBackend.load(), (x) => x instanceof StorageError, 'load')) as StorageError;
  assert.is(e.file, file);
  assert.match(e.message, file);
  assert.match(e.message, 'not valid JSON');
  assert.instance(e.cause, SyntaxError);
  // save refuses while the file is known to be corrupt
  const e2 = (await rejects(s.configurationBackend.save({ fresh: true }), (x) => x instanceof StorageError, 'save')) as StorageError;
  assert.match(e2.message, 'refusing to overwrite');
  assert.is(await readFile(file, 'utf8'), '{"global": {"user_agent": "x"');
  // once repaired, load works and saving is allowed again
  await writeFile(file, '{"ok": 1}');
  assert.equal(await s.configurationBackend.load(), { ok: 1 });
  await s.configurationBackend.save({ ok: 2 });
  assert.equal(await s.configurationBackend.load(), { ok: 2 });
});

test('FileStorage: JSON that is not an object, an empty file, an unreadable path: StorageError', async () => {
  for (const content of ['[1, 2]', 'null', '"text"', '42', '']) {
    const d = await tempDir();
    await writeFile(join(d, 'config.json'), content);
    const e = (await rejects(new FileStorage(d).configurationBackend.load(), (x) => x instanceof StorageError, content)) as StorageError;
    assert.is(e.file, join(d, 'config.json'));
  }
  const d = await tempDir();
  await mkdir(join(d, 'config.json')); // a directory where the file should be
  const e = (await rejects(new FileStorage(d).configurationBackend.load(), (x) => x instanceof StorageError, 'EISDIR')) as StorageError;
  assert.match(e.message, 'cannot read');
});

test('FileStorage: a write that cannot be done is a StorageError and leaves no temp file', async () => {
  const d = await tempDir();
  // The directory cannot be created: a plain file is in the way.
  await writeFile(join(d, 'blocker'), 'not a directory');
  await rejects(new FileStorage(join(d, 'blocker', 'store')).configurationBackend.save({ v: 2 }), (x) => x instanceof StorageError && /cannot save/.test(x.message), 'ENOTDIR');
  // The rename cannot be done: a non-empty directory is where config.json goes.
  const s = new FileStorage(join(d, 'store'));
  await mkdir(join(d, 'store', 'config.json', 'x'), { recursive: true });
  await rejects(s.configurationBackend.save({ v: 3 }), (x) => x instanceof StorageError && /cannot save/.test(x.message), 'EISDIR');
  assert.equal(await readdir(join(d, 'store')), ['config.json'], 'the temp file was removed');
});

test('FileStorage: stale temp files of dead writers are removed on load; live ones are kept', async () => {
  const d = await tempDir();
  const s = new FileStorage(d);
  await s.configurationBackend.save({ v: 1 });
  const dead = `.config.json.999999999.1.tmp`; // no such pid
  const live = `.config.json.${process.ppid}.7.tmp`; // our parent is alive
  const other = `.other.json.999999999.1.tmp`; // another file's temp: not ours to touch
  for (const n of [dead, live, other]) await writeFile(join(d, n), 'partial');
  assert.equal(await s.configurationBackend.load(), { v: 1 });
  assert.equal((await readdir(d)).sort(), [live, other, 'config.json'].sort());
});

test('FileStorage: XCAP layout is <dir>/xcap/<escaped id>/<escaped name>, etag first', async () => {
  const d = await tempDir();
  const s = new FileStorage(d);
  await s.xcapStorageFactory('Alice@example.com').save('pres-rules', Buffer.from('<x/>'), 'W/"1"');
  const file = join(d, 'xcap', '%41lice@example.com', 'pres-rules');
  assert.is(await readFile(file, 'utf8'), '"W/\\"1\\""\n<x/>');
  // A corrupt header is a StorageError.
  await writeFile(file, 'no header line');
  await rejects(s.xcapStorageFactory('Alice@example.com').load('pres-rules'), (x) => x instanceof StorageError && /corrupt/.test(x.message), 'corrupt header');
  await writeFile(file, '42\nbody');
  await rejects(s.xcapStorageFactory('Alice@example.com').load('pres-rules'), (x) => x instanceof StorageError, 'numeric etag');
});

test('FileStorage: account ids and document names cannot escape the directory', async () => {
  const d = await tempDir();
  const s = new FileStorage(d);
  const nasty = ['../evil', '../../etc/passwd', '/etc/passwd', '..', '.', 'a/../../b', 'C:\\Windows', 'nul\0byte', '.hidden', '~user', 'x'.repeat(600)];
  for (const id of nasty) {
    const x = s.xcapStorageFactory(id);
    const rel = relative(join(d, 'xcap'), x.directory);
    assert.ok(rel.length > 0 && !rel.startsWith('..') && !rel.includes('/') && !rel.startsWith('.'), `${JSON.stringify(id)} -> ${rel}`);
    assert.ok(rel.length <= 200, 'long ids are hashed to a short component');
    await x.save(id === 'x'.repeat(600) ? 'doc' : id, Buffer.from(id), null);
  }
  // Everything landed under xcap/, one directory per id, and nothing elsewhere.
  assert.equal((await readdir(d)).sort(), ['xcap']);
  assert.is((await readdir(join(d, 'xcap'))).length, nasty.length);
  for (const id of nasty.slice(0, -1)) assert.equal(await s.xcapStorageFactory(id).list(), [id], 'document names list back unescaped');
  // Distinct ids never share a directory, case included (case-insensitive file systems).
  assert.is.not(s.xcapStorageFactory('Bob@x').directory.toLowerCase(), s.xcapStorageFactory('bob@x').directory.toLowerCase());
  assert.throws(() => s.xcapStorageFactory(''), (e: unknown) => e instanceof StorageError);
  await rejects(s.xcapStorageFactory('a@b').save('', Buffer.from(''), null), (e) => e instanceof StorageError, 'empty document name');
});

test('escapeName: one path component, never starting with a dot, one to one (property)', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }), (name) => {
      const e = escapeName(name);
      assert.ok(/^(?:[a-z0-9_@+-]|%[0-9A-F]{2})(?:[a-z0-9._@+-]|%[0-9A-F]{2})*$/.test(e), e);
      // Every well-formed string comes back (a lone surrogate has no UTF-8 form to come back from).
      if (name === Buffer.from(name, 'utf8').toString('utf8')) assert.is(unescapeName(e), name);
    }),
    { numRuns: 500 },
  );
  assert.is(escapeName('alice@example.com'), 'alice@example.com');
  assert.is(escapeName('../x'), '%2E.%2Fx');
  assert.is(escapeName('A b'), '%41%20b');
  assert.is(unescapeName('%2e.'), undefined, 'only upper-case hex, so each name has one form');
  assert.is(unescapeName('.x'), undefined);
  assert.is(unescapeName('a~hash'), undefined);
});

test('MemoryStorage: starts from an initial configuration; the same XCAP store per account', async () => {
  const s = new MemoryStorage({ configuration: sample });
  assert.equal(await s.configurationBackend.load(), sample);
  assert.is(s.xcapStorageFactory('a@b'), s.xcapStorageFactory('a@b'));
  assert.is.not(s.xcapStorageFactory('a@b'), s.xcapStorageFactory('A@b'));
});

test.run();
