/**
 * sipstate — a SIP SIMPLE client SDK in which every protocol entity is an XState actor.
 * This is the package's one entry point.
 */
export * from './sip/index.js';
export * from './dns/index.js';
