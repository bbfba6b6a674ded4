/**
 * Shared types of the SIP transport layer (RFC 3261 §18): protocols, endpoints, settings and
 * what a received message looks like when it leaves the transport.
 */
import { isIP } from 'node:net';
import type { SIPRequest, SIPResponse } from '../../src/sip/message.js';

export type TransportProtocol = 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS';
/** The connection-oriented protocols. */
export type StreamProtocol = Exclude<TransportProtocol, 'UDP'>;

/** A transport address: the protocol, an IP literal (IPv6 without brackets) and a port. */
export interface Endpoint {
  protocol: TransportProtocol;
  address: string;
  port: number;
}

export interface TLSSettings {
  /** Trusted CA certificates (PEM). Default: Node's bundled root store. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Our certificate (PEM): the server certificate when listening, a client certificate when connecting. */
  cert?: string | Buffer;
  /** The private key of `cert` (PEM). */
  key?: string | Buffer;
  /** Verify the server's certificate when connecting (default TRUE). */
  verifyServer?: boolean;
  /** The name to send for SNI and to check the certificate against (default: the IP address). */
  serverName?: string;
}

export interface ListenOptions {
  protocol: TransportProtocol;
  /** An IP literal to bind (`127.0.0.1`, `::1`, `0.0.0.0`, `::`). */
  address: string;
  /** 0 = pick a free port. */
  port: number;
  /** Certificate and key for TLS and WSS listeners (default: the manager's `tls`). */
  tls?: TLSSettings;
  /** WS/WSS: the only HTTP path upgrades are accepted on (default: any path). */
  wsPath?: string;
}

/** A SIP message as it leaves the transport layer. */
export interface Inbound {
  message: SIPRequest | SIPResponse;
  /** Where it came from (for requests, the top Via now carries `received`/`rport` per §18.2.1). */
  source: Endpoint;
  /** The local transport address it arrived on. */
  local: Endpoint;
  /** Stream transports: the connection it arrived on (pass to `send` to answer on the same flow). */
  connectionId?: number;
}

export interface TransportManagerOptions {
  /** RFC 5626 §3.5.1 CRLFCRLF ping period on connections we opened, in ms; 0 = off (default). */
  keepAliveInterval?: number;
  /** How long to wait for the CRLF pong before the flow is declared failed (RFC 5626 §4.4.1: 10 s). */
  keepAliveTimeout?: number;
  /** A connection with no traffic in either direction for this long is closed (ms, default 60 s; 0 = never). */
  idleTimeout?: number;
  /** Connection establishment (TCP + TLS/WebSocket handshake) limit in ms (default 10 s). */
  connectTimeout?: number;
  /** Largest request sent over UDP (RFC 3261 §18.1.1, default 1300); larger ones are refused with EMSGSIZE. */
  maxUdpRequestSize?: number;
  /** Default TLS settings: listener certificate, trusted CAs, client certificate. */
  tls?: TLSSettings;
  /** Most connections open at once, both directions (default 10,000). */
  maxConnections?: number;
}

/** What a connection looks like from outside. */
export interface ConnectionInfo {
  id: number;
  protocol: StreamProtocol;
  remote: Endpoint;
  local: Endpoint;
  /** True when we opened it (client side of the flow). */
  outbound: boolean;
}

export type ConnectionEvent =
  | { type: 'open'; connection: ConnectionInfo }
  | { type: 'close'; connection: ConnectionInfo; reason: CloseReason; error?: Error };

/** Why a connection closed. */
export type CloseReason = 'remote' | 'local' | 'idle' | 'keepalive' | 'error' | 'framing' | 'shutdown';

export const RELIABLE: Readonly<Record<TransportProtocol, boolean>> = { UDP: false, TCP: true, TLS: true, WS: true, WSS: true };

/** Default port per transport (RFC 3261 §19.1.2; RFC 7118 §7 for WS/WSS). */
export const DEFAULT_PORT: Readonly<Record<TransportProtocol, number>> = { UDP: 5060, TCP: 5060, TLS: 5061, WS: 80, WSS: 443 };

export const PROTOCOLS: readonly TransportProtocol[] = ['UDP', 'TCP', 'TLS', 'WS', 'WSS'];

export function isProtocol(value: string): value is TransportProtocol {
  return (PROTOCOLS as readonly string[]).includes(value);
}

const canonical = new Map<string, string>();

/**
 * An IP literal in the one spelling used for keys and comparisons: brackets dropped, IPv4-mapped
 * IPv6 (`::ffff:192.0.2.1`) as IPv4, IPv6 compressed and lower-case. Other text is returned as is.
 */
export function normalizeAddress(address: string): string {
  let a = address;
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  if (!a.includes(':')) return a;
  const known = canonical.get(a);
  if (known !== undefined) return known;
  let out = a;
  if (isIP(a) === 6) {
    out = new URL(`http://[${a}]/`).hostname.slice(1, -1);
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(out);
    if (mapped) out = mapped[1];
    else {
      // The URL parser writes the mapped form in hex (::ffff:c000:201).
      const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(out);
      if (hex) {
        const hi = parseInt(hex[1], 16);
        const lo = parseInt(hex[2], 16);
        out = `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
      }
    }
  }
  if (canonical.size > 4096) canonical.clear();
  canonical.set(a, out);
  return out;
}

/** `4` or `6` for an IP literal (brackets allowed), 0 otherwise. */
export function ipFamily(address: string): 0 | 4 | 6 {
  return isIP(normalizeAddress(address)) as 0 | 4 | 6;
}

/** The pool key of a stream destination: protocol, address and port. */
export function endpointKey(e: Endpoint): string {
  return `${e.protocol} ${normalizeAddress(e.address)} ${e.port}`;
}

/** `UDP 127.0.0.1:5060`, `TCP [::1]:5060` */
export function formatEndpoint(e: Endpoint): string {
  const a = normalizeAddress(e.address);
  return `${e.protocol} ${a.includes(':') ? `[${a}]` : a}:${e.port}`;
}

/** host part for a URL: IPv6 in brackets. */
export function urlHost(address: string): string {
  const a = normalizeAddress(address);
  return a.includes(':') ? `[${a}]` : a;
}
