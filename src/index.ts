/**
 * sipstate — a SIP SIMPLE client SDK in which every protocol entity is an XState actor.
 * This is the package's one entry point.
 */
export * from './sip/index.js';
export * from './dns/index.js';
export * from './storage/index.js';
export * as config from './config/index.js';
export { ConfigurationManager, GlobalSettings, AccountSettings, BonjourAccountSettings, SettingsError, BONJOUR_ACCOUNT_ID } from './config/index.js';
export * from './api/notification-center.js';
export { Message, MessageReceiver, type MessageInit, type MessageResult } from './api/message.js';
export { SIPApplication, ApplicationError, type ApplicationOptions } from './api/application.js';
export { Account, LocalAccount, AccountError, ContactURIFactory, type AnyAccount } from './api/account.js';
export { AccountManager } from './api/account-manager.js';
export * from './sdp/index.js';
export * from './rtp/index.js';
export * from './audio/index.js';
export * from './streams/index.js';
export { Session, SessionError, type SessionAccount, type SessionEngine, type SessionOutcome, type ConnectOptions } from './api/session.js';
export { SessionManager, type SessionManagerOptions } from './api/session-manager.js';
export { connectStatelyInspector, StatelyBridgeError, type StatelyBridge } from '../actors/stately-bridge.js';
