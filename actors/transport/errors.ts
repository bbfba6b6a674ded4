/** The one error type of the transport layer. */
import { type Endpoint, formatEndpoint } from './types.js';

export type TransportErrorCode =
  /** No connection could be established (refused, unreachable, reset during set-up). */
  | 'ECONNECT'
  /** Connection establishment took longer than `connectTimeout`. */
  | 'ETIMEDOUT'
  /** The server's TLS certificate failed verification (untrusted, expired, wrong name). */
  | 'ETLSVERIFY'
  /** Any other TLS failure (handshake, protocol, a client that refused our certificate). */
  | 'ETLS'
  /** The connection closed before the data could be written. */
  | 'ECLOSED'
  /** Writing to a socket failed. */
  | 'ESEND'
  /** A destination that must never be sent to (broadcast, unspecified). */
  | 'EBROADCAST'
  /** A destination that is not an IP literal, or a bad port. */
  | 'EADDRESS'
  /** No listener of the needed protocol and address family to send from. */
  | 'ENOTRANSPORT'
  /** A request too large for UDP (RFC 3261 §18.1.1): send it over a congestion-controlled transport. */
  | 'EMSGSIZE'
  /** `maxConnections` reached. */
  | 'EMAXCONN'
  /** No CRLF pong within `keepAliveTimeout` (RFC 5626 §4.4.1): the flow failed. */
  | 'EKEEPALIVE'
  /** A received message could not be parsed (answered with 4xx/5xx when it could be). */
  | 'EPARSE'
  /** A stream's bytes could not be split into messages: that connection was closed. */
  | 'EFRAMING'
  /** A response without a usable Via. */
  | 'ENOVIA'
  /** A socket or server error not tied to one send. */
  | 'ESOCKET'
  /** `listen` failed (address in use, missing certificate, bad options). */
  | 'ELISTEN'
  /** A message or error handler threw. */
  | 'EHANDLER'
  /** The manager is closing or closed. */
  | 'ESHUTDOWN';

export interface TransportErrorOptions {
  target?: Endpoint;
  connectionId?: number;
  cause?: unknown;
}

export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly code: TransportErrorCode;
  /** The destination (or, for received data, the source) the error is about. */
  readonly target?: Endpoint;
  readonly connectionId?: number;

  constructor(code: TransportErrorCode, message: string, options: TransportErrorOptions = {}) {
    super(options.target ? `${message} (${formatEndpoint(options.target)})` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.target) this.target = options.target;
    if (options.connectionId !== undefined) this.connectionId = options.connectionId;
  }
}

/** OpenSSL / Node codes that mean "the peer's certificate did not verify". */
const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when a socket error is a failed certificate verification. */
export function isCertificateError(e: unknown): boolean {
  const code = errorCode(e);
  return code !== undefined && (CERT_CODES.has(code) || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code));
}

/** A socket-level failure as a TransportError, classified. */
export function fromSocketError(e: unknown, phase: 'connect' | 'send' | 'connection', target: Endpoint, connectionId?: number): TransportError {
  if (e instanceof TransportError) return e;
  const code = errorCode(e);
  const text = e instanceof Error ? e.message : String(e);
  if (isCertificateError(e)) {
    return new TransportError('ETLSVERIFY', `TLS server certificate verification failed: ${text}${code && !text.includes(code) ? ` [${code}]` : ''}`, { target, connectionId, cause: e });
  }
  if (code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS') || /ssl|tls/i.test(text)) {
    return new TransportError('ETLS', `TLS failure: ${text}`, { target, connectionId, cause: e });
  }
  if (phase === 'connect') return new TransportError('ECONNECT', `cannot connect: ${text}`, { target, connectionId, cause: e });
  if (phase === 'send') return new TransportError('ESEND', `send failed: ${text}`, { target, connectionId, cause: e });
  return new TransportError('ECLOSED', `connection failed: ${text}`, { target, connectionId, cause: e });
}
