/**
 * FileStorage (Middleware API §3): everything under one directory.
 *
 *   <directory>/config.json                          the settings tree, pretty-printed JSON
 *   <directory>/xcap/<escaped account id>/<escaped document name>
 *
 * Every write replaces a whole file atomically (atomic-file.ts): `kill -9` or a power loss in
 * the middle of a save leaves the previous file. Reads and writes of one file are queued in call
 * order within the process.
 *
 * A config file that cannot be read or parsed is a StorageError naming the file and the cause.
 * It is never overwritten silently: after a load found it corrupt, `save` refuses (StorageError)
 * until a load succeeds again — the user repairs or removes the file, then loads again.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StorageError } from './errors.js';
import { ensureDirectory, isTempName, removeFileDurably, removeStaleTemps, serialised, syncDirectory, writeFileAtomic } from './atomic-file.js';
import { escapeLongName, escapeShortName, joinInside, unescapeName } from './path-escape.js';
import type { ConfigurationBackend, ISIPSimpleStorage, XCAPDocument, XCAPStorage } from './types.js';

/** The configuration in one JSON file. */
export class FileConfigurationBackend implements ConfigurationBackend {
  readonly file: string;
  /** Why the last load failed on the file's content; while set, save refuses to overwrite it. */
  private corrupt: StorageError | undefined;

  constructor(file: string) {
    this.file = resolve(file);
  }

  load(): Promise<Record<string, unknown>> {
    return serialised(this.file, async () => {
      await removeStaleTemps(this.file);
      let text: string;
      try {
        text = await readFile(this.file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          this.corrupt = undefined;
          return {};
        }
        throw StorageError.from(this.file, 'cannot read the configuration', e);
      }
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (e) {
        throw (this.corrupt = StorageError.from(this.file, 'the configuration is not valid JSON', e));
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw (this.corrupt = new StorageError(this.file, `the configuration must be a JSON object, found ${Array.isArray(data) ? 'an array' : data === null ? 'null' : typeof data}`));
      }
      this.corrupt = undefined;
      return data as Record<string, unknown>;
    });
  }

  save(data: Record<string, unknown>): Promise<void> {
    // Serialise now: the caller may change `data` as soon as this returns.
    let text: string;
    try {
      text = JSON.stringify(data, null, 2) + '\n';
    } catch (e) {
      return Promise.reject(StorageError.from(this.file, 'the configuration cannot be written as JSON', e));
    }
    return serialised(this.file, async () => {
      if (this.corrupt) {
        throw new StorageError(this.file, `refusing to overwrite a configuration file that could not be loaded (${this.corrupt.message}); repair or remove it, then load again`, this.corrupt);
      }
      try {
        await ensureDirectory(join(this.file, '..'));
        await writeFileAtomic(this.file, text);
      } catch (e) {
        throw StorageError.from(this.file, 'cannot save the configuration', e);
      }
    });
  }
}

/**
 * One account's XCAP documents, one file each: a first line with the etag as JSON (a string or
 * null), then the document bytes. Etag and bytes are one file so they are replaced together.
 */
export class FileXCAPStorage implements XCAPStorage {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  // Called first in each async method, so a bad name rejects the promise rather than throwing.
  private fileOf(documentName: string): string {
    try {
      return joinInside(this.directory, escapeShortName(documentName));
    } catch (e) {
      throw StorageError.from(this.directory, `bad XCAP document name ${JSON.stringify(documentName)}`, e);
    }
  }

  // One queue per account directory: list and purge must not interleave with single writes.
  private queued<R>(task: () => Promise<R>): Promise<R> {
    return serialised(this.directory, task);
  }

  async load(documentName: string): Promise<XCAPDocument | undefined> {
    const file = this.fileOf(documentName);
    return this.queued(async () => {
      let raw: Buffer;
      try {
        raw = await readFile(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw StorageError.from(file, 'cannot read the XCAP document', e);
      }
      const newline = raw.indexOf(0x0a);
      let etag: unknown;
      try {
        if (newline < 0) throw new Error('no header line');
        etag = JSON.parse(raw.subarray(0, newline).toString('utf8'));
      } catch (e) {
        throw StorageError.from(file, 'corrupt XCAP document header', e);
      }
      if (etag !== null && typeof etag !== 'string') throw new StorageError(file, 'corrupt XCAP document header: the etag must be a string or null');
      return { data: Buffer.from(raw.subarray(newline + 1)), etag };
    });
  }

  async save(documentName: string, data: Uint8Array, etag: string | null): Promise<void> {
    const file = this.fileOf(documentName);
    if (etag !== null && typeof etag !== 'string') throw new StorageError(file, 'the etag must be a string or null');
    // Copy now: the caller may reuse its buffer once this returns.
    const content = Buffer.concat([Buffer.from(JSON.stringify(etag) + '\n', 'utf8'), Buffer.from(data)]);
    return this.queued(async () => {
      try {
        await ensureDirectory(this.directory);
        await writeFileAtomic(file, content);
      } catch (e) {
        throw StorageError.from(file, 'cannot save the XCAP document', e);
      }
    });
  }

  async delete(documentName: string): Promise<void> {
    const file = this.fileOf(documentName);
    return this.queued(async () => {
      try {
        await removeFileDurably(file);
      } catch (e) {
        throw StorageError.from(file, 'cannot delete the XCAP document', e);
      }
    });
  }

  list(): Promise<string[]> {
    return this.queued(async () => {
      let entries: string[];
      try {
        entries = await readdir(this.directory);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw StorageError.from(this.directory, 'cannot list the XCAP documents', e);
      }
      const names: string[] = [];
      for (const entry of entries) {
        if (isTempName(entry)) continue;
        const name = unescapeName(entry);
        if (name !== undefined) names.push(name);
      }
      return names.sort();
    });
  }

  purge(): Promise<void> {
    return this.queued(async () => {
      try {
        await rm(this.directory, { recursive: true, force: true });
        await syncDirectory(join(this.directory, '..')).catch(() => undefined);
      } catch (e) {
        throw StorageError.from(this.directory, 'cannot remove the XCAP documents', e);
      }
    });
  }
}

/** The Storage API on a directory (created on the first write, mode 0700). */
export class FileStorage implements ISIPSimpleStorage {
  readonly directory: string;
  readonly configurationBackend: FileConfigurationBackend;

  constructor(directory: string) {
    if (typeof directory !== 'string' || directory.length === 0) throw new TypeError('FileStorage needs a directory');
    this.directory = resolve(directory);
    this.configurationBackend = new FileConfigurationBackend(join(this.directory, 'config.json'));
  }

  xcapStorageFactory(accountId: string): FileXCAPStorage {
    let dir: string;
    try {
      dir = joinInside(join(this.directory, 'xcap'), escapeLongName(accountId));
    } catch (e) {
      throw StorageError.from(join(this.directory, 'xcap'), `bad account id ${JSON.stringify(accountId)}`, e);
    }
    return new FileXCAPStorage(dir);
  }
}
