/** The Storage API (Middleware API §3): interfaces, FileStorage and MemoryStorage. */
export type { ConfigurationBackend, ISIPSimpleStorage, XCAPDocument, XCAPStorage } from './types.js';
export { StorageError } from './errors.js';
export { FileStorage, FileConfigurationBackend, FileXCAPStorage } from './file-storage.js';
export { MemoryStorage, MemoryConfigurationBackend, MemoryXCAPStorage, type MemoryStorageInit } from './memory-storage.js';
export { escapeName, unescapeName } from './path-escape.js';
