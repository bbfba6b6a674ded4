/**
 * Out-of-dialog request creation (RFC 3261 §8.1.1) with a pre-loaded route set such as an
 * outbound proxy (§8.1.2, §12.2.1.1 loose and strict routing), and the next hop it goes to.
 */
import { SIPBuildError } from './errors.js';
import { NameAddr, parseNameAddr } from './headers/name-addr.js';
import { SIPRequest, type HeaderFields } from './message.js';
import { randomToken } from './transaction-keys.js';
import { isSipURI, parseURI, type URI } from './uri.js';
import { Params } from './grammar.js';

export interface RequestSpec {
  method: string;
  /** The Request-URI before routing (normally the To URI, §8.1.1.1). */
  uri: URI | string;
  /** Our identity; a tag is added when it has none (§8.1.1.3). */
  from: NameAddr | URI | string;
  /** The target's identity, without a tag outside a dialog (§8.1.1.2). */
  to: NameAddr | URI | string;
  /** Default: a fresh random Call-ID (§8.1.1.4). */
  callId?: string;
  /** Default 1 (§8.1.1.5: any value below 2^31). */
  cseq?: number;
  /** Our Contact (§8.1.1.8); required for INVITE, SUBSCRIBE, REFER, REGISTER. */
  contact?: NameAddr | URI | string;
  /** A pre-loaded route set, e.g. the outbound proxy (§8.1.2), first hop first. */
  routes?: readonly (NameAddr | URI | string)[];
  maxForwards?: number;
  headers?: HeaderFields;
  body?: Buffer | string;
  contentType?: string;
  userAgent?: string;
}

/** A From/To/Contact/Route value given as text (`"Bob" <sip:b@h>;tag=1`, `sip:b@h`) or an object. */
function toNameAddr(v: NameAddr | URI | string): NameAddr {
  if (v instanceof NameAddr) return v;
  if (typeof v !== 'string') return new NameAddr({ uri: v });
  try {
    const na = parseNameAddr(v.trim(), 'address');
    na.uri; // validate the URI now
    return na;
  } catch (e) {
    throw new SIPBuildError(`bad address '${v}': ${(e as Error).message}`);
  }
}

function asUri(u: URI | string): URI {
  if (typeof u !== 'string') return u;
  try {
    return parseURI(u);
  } catch (e) {
    throw new SIPBuildError(`bad URI '${u}': ${(e as Error).message}`);
  }
}

/** Parameters a Request-URI may not carry (§19.1.1 table: maddr, ttl, transport are fine; lr is a route's). */
function asRequestUri(route: URI): URI {
  if (!isSipURI(route)) return route;
  const u = route.clone();
  u.params.delete('lr');
  u.headers = new Params();
  return u;
}

/** Build a request per §8.1.1, routed through `routes` per §12.2.1.1. */
export function createRequest(spec: RequestSpec): SIPRequest {
  let requestUri = asUri(spec.uri);
  const from = toNameAddr(spec.from).clone();
  if (from.tag === undefined) from.tag = randomToken(10);
  const to = toNameAddr(spec.to);
  const routes = (spec.routes ?? []).map(toNameAddr);
  let routeHeaders = routes;
  // §12.2.1.1: "If the route set is not empty, and its first URI does not contain the lr
  // parameter, the UAC MUST place the first URI from the route set into the Request-URI,
  // stripping any parameters that are not allowed in a Request-URI. The UAC MUST add a Route
  // header field containing the remainder of the route set values in order, including all
  // parameters. The UAC MUST then place the remote target URI into the Route header field as
  // the last value." (The same rules apply to a pre-loaded route set, §8.1.2.)
  if (routes.length && !routes[0].lr) {
    const target = requestUri;
    requestUri = asRequestUri(routes[0].uri);
    routeHeaders = [...routes.slice(1), new NameAddr({ uri: target })];
  }
  const req = new SIPRequest({ method: spec.method, uri: requestUri });
  for (const r of routeHeaders) req.append('Route', r);
  req.append('Max-Forwards', spec.maxForwards ?? 70);
  req.append('From', from);
  req.append('To', to);
  req.append('Call-ID', spec.callId ?? `${randomToken(20)}`);
  req.append('CSeq', `${spec.cseq ?? 1} ${spec.method}`);
  if (spec.contact !== undefined) req.append('Contact', toNameAddr(spec.contact));
  if (spec.userAgent) req.append('User-Agent', spec.userAgent);
  if (spec.headers) for (const [name, value] of Array.isArray(spec.headers) ? spec.headers : Object.entries(spec.headers)) req.append(name as string, value as string);
  if (spec.body !== undefined) req.setBody(spec.body, spec.contentType ?? 'text/plain');
  return req;
}

/**
 * Where a request goes first (§8.1.2, RFC 3263 §4): the URI of the first Route when there is
 * one (loose routing), otherwise the Request-URI (which strict routing has already set to the
 * first route).
 */
export function nextHop(request: SIPRequest): URI {
  const route = request.route[0];
  return route && route.lr ? route.uri : request.uri;
}
