/** The SIP message layer: messages, URIs, typed headers, framing, multipart bodies. */
export * from './errors.js';
export { Params, Scanner, quote, isToken } from './grammar.js';
export { canonicalName, compactForm, headerDef, type HeaderDef } from './header-names.js';
export * from './headers/index.js';
export * from './headers/via.js';
export * from './headers/name-addr.js';
export * from './headers/cseq.js';
export * from './transaction-keys.js';
export * from './uri.js';
export * from './message.js';
export { parseMessage, type ParseOptions } from './parser.js';
export { validateMessage } from './validate.js';
export * from './framing.js';
export * from './multipart.js';
export { REASON_PHRASES, reasonPhrase } from './status-codes.js';
export { ackForNon2xx, cancelFor } from './requests.js';
export { isTypedHeader, TYPED_PARSERS, type TypedHeaderName, type TypedHeaders } from './typed-headers.js';
