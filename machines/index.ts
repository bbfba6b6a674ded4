// The pure XState machines. Each one is exported with its input, context and event types; the
// running system (actors/) provides their named actions with `machine.provide({ actions })`.

export * from './transaction-timers.js';
export * from './invite-client-transaction.js';
export * from './non-invite-client-transaction.js';
export * from './invite-server-transaction.js';
export * from './non-invite-server-transaction.js';
export * from './dialog.js';
export * from './application.js';
export * from './registration.js';
export * from './session.js';
export * from './subscription.js';
export * from './media-stream.js';
