/** Media streams (Middleware API §4.3–4.6): the contract, the registry, and the built-in streams. */
export * from './media-stream.js';
export * from './registry.js';
export * from './audio/index.js';
