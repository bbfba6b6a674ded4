/**
 * Route (Middleware API §5.3): where to send a request, the address, port and transport of
 * the next hop. `DNSLookup.lookupSipProxy` returns an ordered list of them (the failover list).
 */
import { isIP } from 'node:net';
import { SipURI } from '../sip/uri.js';
import { DNSArgumentError } from './errors.js';

export type RouteTransport = 'udp' | 'tcp' | 'tls';

/**
 * The transport layer's endpoint for a route (structurally compatible with the transport
 * layer's Endpoint type, whose `protocol` also allows 'WS' and 'WSS').
 */
export interface RouteEndpoint {
  protocol: 'UDP' | 'TCP' | 'TLS';
  address: string;
  port: number;
}

const TRANSPORTS: ReadonlySet<string> = new Set(['udp', 'tcp', 'tls']);

/** The default port of a transport: 5061 for TLS, 5060 for UDP and TCP (RFC 3261 §19.1.2). */
export function defaultSipPort(transport: RouteTransport): number {
  return transport === 'tls' ? 5061 : 5060;
}

/** `'UDP'`, `'tcp'`... as a RouteTransport, or undefined when it is not one. */
export function toRouteTransport(value: string): RouteTransport | undefined {
  const t = typeof value === 'string' ? value.toLowerCase() : '';
  return TRANSPORTS.has(t) ? (t as RouteTransport) : undefined;
}

function checkAddress(address: string): string {
  if (typeof address !== 'string') throw new DNSArgumentError(`Route: address must be a string, got ${typeof address}`);
  const a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIP(a) === 0) throw new DNSArgumentError(`Route: address ${JSON.stringify(address)} is not an IPv4 or IPv6 address`);
  return a;
}

function checkPort(port: number | undefined): number | undefined {
  if (port === undefined || port === null) return undefined;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DNSArgumentError(`Route: port ${String(port)} is not in 1..65535`);
  return port;
}

function checkTransport(transport: string): RouteTransport {
  const t = toRouteTransport(transport);
  if (t === undefined) throw new DNSArgumentError(`Route: transport ${JSON.stringify(transport)} is not one of udp, tcp, tls`);
  return t;
}

export class Route {
  private _address: string;
  private _port: number | undefined;
  private _transport: RouteTransport;

  /**
   * `address` is an IPv4 or IPv6 address (an IPv6 address may come in brackets; it is stored
   * without). `port` undefined means the transport's default port. `transport` is
   * case-insensitive and stored lower-cased. Throws DNSArgumentError for anything else.
   */
  constructor(address: string, port?: number, transport: string = 'udp') {
    this._address = checkAddress(address);
    this._port = checkPort(port);
    this._transport = checkTransport(transport);
  }

  /** The IP address, IPv6 without brackets. */
  get address(): string {
    return this._address;
  }

  set address(v: string) {
    this._address = checkAddress(v);
  }

  /** The port; undefined means the default port of the transport. */
  get port(): number | undefined {
    return this._port;
  }

  set port(v: number | undefined) {
    this._port = checkPort(v);
  }

  /** 'udp', 'tcp' or 'tls' (set case-insensitively). */
  get transport(): RouteTransport {
    return this._transport;
  }

  set transport(v: string) {
    this._transport = checkTransport(v);
  }

  /** `sip:<address>:<port>;transport=<transport>` (the port is left out when undefined). */
  getUri(): SipURI {
    return new SipURI({ host: this._address, port: this._port, params: { transport: this._transport } });
  }

  /** Where the transport layer sends: the port is the transport's default when undefined. */
  toEndpoint(): RouteEndpoint {
    return {
      protocol: this._transport.toUpperCase() as RouteEndpoint['protocol'],
      address: this._address,
      port: this._port ?? defaultSipPort(this._transport),
    };
  }

  /** Same address, effective port and transport. */
  equals(other: Route): boolean {
    return (
      other instanceof Route &&
      other._address === this._address &&
      other._transport === this._transport &&
      (other._port ?? defaultSipPort(other._transport)) === (this._port ?? defaultSipPort(this._transport))
    );
  }

  toString(): string {
    return this.getUri().toString();
  }

  toJSON(): { address: string; port: number | undefined; transport: RouteTransport } {
    return { address: this._address, port: this._port, transport: this._transport };
  }
}
