/** SIP transports (RFC 3261 §18, RFC 3581, RFC 5626 §3.5.1 keep-alives, RFC 7118 WebSocket). */
export * from './types.js';
export { TransportError, type TransportErrorCode, type TransportErrorOptions, isCertificateError } from './errors.js';
export { TransportManager, type SendOptions } from './transport-manager.js';
export { responseRoute, checkDestination, isMulticast, localBroadcasts, type ResponseRoute, type RequestOrigin } from './response-route.js';
export { stampVia, stampReceived, replaceTopVia } from './received.js';
export { ConnectionPool } from './connection-pool.js';
export { Connection, PING, PONG, type ConnectionHooks, type ConnectionSettings } from './connection.js';
export { SocketConnection, StreamListener, connectSocket, tlsClientOptions } from './tcp.js';
export { WebSocketConnection, WebSocketListener, connectWebSocket, SUBPROTOCOL } from './ws.js';
export { UdpListener, isLoopback } from './udp.js';
