/**
 * Where a response goes (RFC 3261 §18.2.2, RFC 3581 §4), as a pure function of its top Via and
 * of how the request arrived.
 *
 * The protocol is the one the request arrived on (the top Via's transport names the same one
 * when the peer is sane; we can only answer over what we have).
 */
import { networkInterfaces } from 'node:os';
import type { Via } from '../../src/sip/headers/via.js';
import { TransportError } from './errors.js';
import { DEFAULT_PORT, type Endpoint, ipFamily, normalizeAddress, RELIABLE } from './types.js';

export interface RequestOrigin {
  /** Where the request came from. */
  source: Endpoint;
  /** The connection it came on (stream transports). */
  connectionId?: number;
}

export interface ResponseRoute {
  /** Where to send (for reliable transports: where to connect when the connection is gone). */
  target: Endpoint;
  /** Reliable transports: "the existing connection to the source of the original request" — try it first. */
  connectionId?: number;
  /** A multicast `maddr`: the TTL to send with (§18.2.2: the `ttl` parameter, or 1). */
  ttl?: number;
}

/**
 * RFC 3261 §18.2.2:
 * - reliable: the existing connection; if it is closed, a new one to the `received` address (or
 *   the sent-by host) and the sent-by port (default 5060, 5061 for TLS);
 * - unreliable with `maddr`: that address, the sent-by port or 5060 (multicast with `ttl` or 1);
 * - unreliable with `received` and an `rport` value (RFC 3581 §4): received and rport;
 * - otherwise `received` (or the sent-by host) and the sent-by port or 5060.
 * Throws TransportError EBROADCAST for a broadcast or unspecified destination and EADDRESS when
 * the destination is not an IP literal (a name needs RFC 3263 §5 resolution, not done here).
 */
export function responseRoute(via: Via, origin: RequestOrigin): ResponseRoute {
  const protocol = origin.source.protocol;
  const received = via.received;
  let route: ResponseRoute;
  if (RELIABLE[protocol]) {
    route = { target: { protocol, address: normalizeAddress(received ?? via.host), port: via.port ?? DEFAULT_PORT[protocol] } };
    if (origin.connectionId !== undefined) route.connectionId = origin.connectionId;
  } else if (via.maddr !== undefined) {
    const address = normalizeAddress(via.maddr);
    route = { target: { protocol, address, port: via.port ?? DEFAULT_PORT.UDP } };
    if (isMulticast(address)) route.ttl = via.ttl ?? 1;
  } else if (received !== undefined && typeof via.rport === 'number') {
    route = { target: { protocol, address: normalizeAddress(received), port: via.rport } };
  } else {
    route = { target: { protocol, address: normalizeAddress(received ?? via.host), port: via.port ?? DEFAULT_PORT.UDP } };
  }
  const refused = checkDestination(route.target);
  if (refused) throw refused;
  return route;
}

/** 224.0.0.0/4 and ff00::/8 */
export function isMulticast(address: string): boolean {
  const a = normalizeAddress(address);
  const family = ipFamily(a);
  if (family === 4) {
    const first = Number(a.slice(0, a.indexOf('.')));
    return first >= 224 && first <= 239;
  }
  return family === 6 && a.toLowerCase().startsWith('ff');
}

/**
 * Why a destination must not be sent to, or undefined when it may: not an IP literal, a bad
 * port, the unspecified address, or a broadcast address (the limited broadcast 255.255.255.255,
 * RFC 4475 §3.3.10, and any address in `broadcasts`, e.g. the directed broadcasts of our own
 * interfaces from `localBroadcasts()`).
 */
export function checkDestination(target: Endpoint, broadcasts?: ReadonlySet<string>): TransportError | undefined {
  const address = normalizeAddress(target.address);
  const family = ipFamily(address);
  if (family === 0) {
    return new TransportError('EADDRESS', `destination '${target.address}' is not an IP address (resolve it with RFC 3263 first)`, { target });
  }
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    return new TransportError('EADDRESS', `bad destination port ${target.port}`, { target });
  }
  if (address === '255.255.255.255' || broadcasts?.has(address)) {
    return new TransportError('EBROADCAST', `refusing to send to the broadcast address ${address}`, { target });
  }
  if (address === '0.0.0.0' || address === '::') {
    return new TransportError('EBROADCAST', `refusing to send to the unspecified address ${address}`, { target });
  }
  return undefined;
}

/** The directed broadcast address of every IPv4 interface of this host (address | ~netmask). */
export function localBroadcasts(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.family !== 'IPv4' || i.internal) continue;
      const addr = toInt(i.address);
      const mask = toInt(i.netmask);
      if (addr === undefined || mask === undefined || (~mask >>> 0) < 3) continue; // /31 and /32 have none
      const b = (addr | ~mask) >>> 0;
      out.add(`${b >>> 24}.${(b >>> 16) & 255}.${(b >>> 8) & 255}.${b & 255}`);
    }
  }
  return out;
}

function toInt(ipv4: string): number | undefined {
  const parts = ipv4.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}
