/**
 * MemoryStorage (Middleware API §3): the Storage API in memory, for tests and embedded use where
 * nothing should touch the disk. It behaves like FileStorage as far as callers can tell: data is
 * copied in and out as JSON (so a caller never shares objects with the store, and what cannot be
 * written as JSON fails the same way), and XCAP documents are copied bytes.
 */
import { StorageError } from './errors.js';
import type { ConfigurationBackend, ISIPSimpleStorage, XCAPDocument, XCAPStorage } from './types.js';

export class MemoryConfigurationBackend implements ConfigurationBackend {
  private text: string | undefined;

  constructor(initial?: Record<string, unknown>) {
    if (initial !== undefined) this.text = JSON.stringify(initial);
  }

  async load(): Promise<Record<string, unknown>> {
    return this.text === undefined ? {} : (JSON.parse(this.text) as Record<string, unknown>);
  }

  async save(data: Record<string, unknown>): Promise<void> {
    try {
      this.text = JSON.stringify(data);
    } catch (e) {
      throw StorageError.from('memory:configuration', 'the configuration cannot be written as JSON', e);
    }
  }
}

export class MemoryXCAPStorage implements XCAPStorage {
  private readonly documents = new Map<string, XCAPDocument>();

  constructor(readonly accountId: string) {}

  private static check(documentName: string): void {
    if (typeof documentName !== 'string' || documentName.length === 0) throw new StorageError('memory:xcap', `bad XCAP document name ${JSON.stringify(documentName)}`);
  }

  async load(documentName: string): Promise<XCAPDocument | undefined> {
    MemoryXCAPStorage.check(documentName);
    const d = this.documents.get(documentName);
    return d && { data: Buffer.from(d.data), etag: d.etag };
  }

  async save(documentName: string, data: Uint8Array, etag: string | null): Promise<void> {
    MemoryXCAPStorage.check(documentName);
    if (etag !== null && typeof etag !== 'string') throw new StorageError('memory:xcap', 'the etag must be a string or null');
    this.documents.set(documentName, { data: Buffer.from(data), etag });
  }

  async delete(documentName: string): Promise<void> {
    MemoryXCAPStorage.check(documentName);
    this.documents.delete(documentName);
  }

  async list(): Promise<string[]> {
    return [...this.documents.keys()].sort();
  }

  async purge(): Promise<void> {
    this.documents.clear();
  }
}

export interface MemoryStorageInit {
  /** The configuration tree to start with (as if loaded from a file). */
  configuration?: Record<string, unknown>;
}

export class MemoryStorage implements ISIPSimpleStorage {
  readonly configurationBackend: MemoryConfigurationBackend;
  private readonly xcap = new Map<string, MemoryXCAPStorage>();

  constructor(init: MemoryStorageInit = {}) {
    this.configurationBackend = new MemoryConfigurationBackend(init.configuration);
  }

  /** The same store for the same account id, so documents outlive the object that saved them. */
  xcapStorageFactory(accountId: string): MemoryXCAPStorage {
    if (typeof accountId !== 'string' || accountId.length === 0) throw new StorageError('memory:xcap', `bad account id ${JSON.stringify(accountId)}`);
    let s = this.xcap.get(accountId);
    if (!s) this.xcap.set(accountId, (s = new MemoryXCAPStorage(accountId)));
    return s;
  }
}
