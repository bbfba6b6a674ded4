/**
 * SIP transports (RFC 3261 §18, RFC 3581, RFC 5626 §3.5.1 keep-alives, RFC 7118 WebSocket):
 * plain classes wrapping sockets, no XState inside (a later layer wraps them as actors).
 *
 * - `TransportManager`: `listen` (UDP, TCP, TLS, WS, WSS; IPv4 and IPv6), `send`, `sendResponse`,
 *   `onMessage` / `onError` / `onConnection` (each returns an unsubscribe function), `close`.
 * - Connections are filed under `PROTOCOL address port` of the remote end, whoever opened them,
 *   and reused for every send to that destination; `connectionId` targets one directly.
 * - Received requests get `received`/`rport` in their top Via (`stampVia`, §18.2.1, RFC 3581 §4);
 *   responses are routed by `responseRoute` (§18.2.2), which refuses broadcast destinations.
 * - Errors are `TransportError` with a `code` (ECONNECT, ETLSVERIFY, EBROADCAST, EPARSE, ...).
 */
export * from './types.js';
export { TransportError, type TransportErrorCode, type TransportErrorOptions, isCertificateError } from './errors.js';
export { TransportManager, type SendOptions } from './transport-manager.js';
export { responseRoute, checkDestination, isMulticast, localBroadcasts, type ResponseRoute, type RequestOrigin } from './response-route.js';
export { stampVia, stampReceived, replaceTopVia } from './received.js';
export { ConnectionPool } from './connection-pool.js';
export { Connection, PING, PONG, type ConnectionHooks, type ConnectionSettings } from './connection.js';
export { SocketConnection, StreamListener, connectSocket, tlsClientOptions, remoteOf, knownRemote } from './tcp.js';
export { WebSocketConnection, WebSocketListener, connectWebSocket, SUBPROTOCOL } from './ws.js';
export { UdpListener, isLoopback } from './udp.js';
