/**
 * The Storage API (Middleware API §3): what middleware components use to keep data.
 *
 *   ISIPSimpleStorage
 *     configurationBackend   the whole settings tree (ConfigurationManager)
 *     xcapStorageFactory(id) one XCAPStorage per account (the XCAP manager's document cache)
 *
 * The spec's attribute names are snake_case (`configuration_backend`, `xcap_storage_factory`);
 * the TypeScript API uses camelCase for properties and methods, as everywhere in the public API.
 */

/** Keeps the configuration: one JSON-able tree, loaded and saved whole. */
export interface ConfigurationBackend {
  /**
   * The whole settings tree, as last saved. Empty (`{}`) when nothing was ever saved.
   * Rejects with a StorageError when the stored data cannot be read or is not a JSON object.
   */
  load(): Promise<Record<string, unknown>>;
  /**
   * Replace the whole tree. Atomic: after a crash the previous or the new tree is stored,
   * never a mix. The data is copied before the promise settles; it may be changed afterwards.
   */
  save(data: Record<string, unknown>): Promise<void>;
}

/** A stored XCAP document and the entity tag the server gave it (null: none known). */
export interface XCAPDocument {
  readonly data: Buffer;
  readonly etag: string | null;
}

/** One account's stored XCAP documents, by document name (`pres-rules`, `resource-lists`...). */
export interface XCAPStorage {
  /** The document, or undefined when none is stored under that name. */
  load(documentName: string): Promise<XCAPDocument | undefined>;
  /** Store (replace) a document with its etag; atomic like ConfigurationBackend.save. */
  save(documentName: string, data: Uint8Array, etag: string | null): Promise<void>;
  /** Remove one document; removing a missing one is not an error. */
  delete(documentName: string): Promise<void>;
  /** The names of the stored documents, sorted. */
  list(): Promise<string[]>;
  /** Remove every document of the account (when the account is deleted). */
  purge(): Promise<void>;
}

/** `ISIPSimpleStorage`: the object given to `SIPApplication.start(storage)`. */
export interface ISIPSimpleStorage {
  readonly configurationBackend: ConfigurationBackend;
  /** The XCAP document storage of one account, by its id (`alice@example.com`). */
  xcapStorageFactory(accountId: string): XCAPStorage;
}
