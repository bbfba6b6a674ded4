/**
 * Applying a route set to a request (RFC 3261 §12.2.1.1, also used for a pre-loaded route set
 * outside a dialog, §8.1.2) and finding the next hop it goes to (§8.1.2, RFC 3263 §4).
 */
import { NameAddr } from './headers/name-addr.js';
import type { SIPRequest } from './message.js';
import { isSipURI, type URI } from './uri.js';

export interface RoutedRequestURI {
  requestUri: URI;
  /** The Route header field values, in order. */
  routes: NameAddr[];
  /** The first route is a strict router (no `lr`): the request goes to the Request-URI. */
  strict: boolean;
}

/**
 * §12.2.1.1:
 * - empty route set: "the UAC MUST place the remote target URI into the Request-URI. The UAC
 *   MUST NOT add a Route header field";
 * - first URI with `lr`: "the UAC MUST place the remote target URI into the Request-URI and MUST
 *   include a Route header field containing the route set values in order";
 * - otherwise (a strict router): "the UAC MUST place the first URI from the route set into the
 *   Request-URI, stripping any parameters that are not allowed in a Request-URI. The UAC MUST add
 *   a Route header field containing the remainder of the route set values in order, including
 *   all parameters. The UAC MUST then place the remote target URI into the Route header field
 *   as the last value." (Seed defect 10: the last value is the remote target.)
 */
export function applyRouteSet(target: URI, routeSet: readonly NameAddr[]): RoutedRequestURI {
  if (routeSet.length === 0) return { requestUri: target, routes: [], strict: false };
  const first = routeSet[0];
  if (first.lr) return { requestUri: target, routes: [...routeSet], strict: false };
  return { requestUri: asRequestUri(first.uri), routes: [...routeSet.slice(1), new NameAddr({ uri: target })], strict: true };
}

/**
 * A route URI made fit for a Request-URI: §19.1.1's table allows `lr`, `maddr`, `ttl`,
 * `transport` and `user` there, but not the `method` parameter nor header components.
 */
export function asRequestUri(uri: URI): URI {
  if (!isSipURI(uri) || (!uri.params.has('method') && uri.headers.size === 0)) return uri;
  const u = uri.clone();
  while (u.params.delete('method'));
  for (const [name] of [...u.headers.entries()]) u.headers.delete(name);
  return u;
}

/** Requests whose Request-URI is a strict router (set by whoever applied the route set). */
const strictRouted = new WeakSet<SIPRequest>();

export function markStrictRouted(request: SIPRequest): void {
  strictRouted.add(request);
}

/**
 * Where a request goes first (§8.1.2): "if the first element in the route set indicated a
 * strict router ..., the procedures MUST be applied to the Request-URI of the request.
 * Otherwise, the procedures are applied to the first Route header field value".
 */
export function nextHop(request: SIPRequest): URI {
  if (strictRouted.has(request)) return request.uri;
  const route = request.route[0];
  return route ? route.uri : request.uri;
}
