/**
 * Out-of-dialog request creation (RFC 3261 §8.1.1) with a pre-loaded route set such as an
 * outbound proxy (§8.1.2, §12.2.1.1 loose and strict routing), and the next hop it goes to.
 */
import { SIPBuildError } from './errors.js';
import { NameAddr, parseNameAddr } from './headers/name-addr.js';
import { SIPRequest, type HeaderFields } from './message.js';
import { randomToken } from './transaction-keys.js';
import { parseURI, type URI } from './uri.js';
import { applyRouteSet, markStrictRouted } from './routing.js';

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

/**
 * A From/To/Contact/Route value given as text (`"Bob" <sip:b@h>;tag=1`, `sip:b@h`) or an object;
 * SIPBuildError when the text is not an address.
 */
export function toNameAddr(v: NameAddr | URI | string): NameAddr {
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

/**
 * A route given as text: `<sip:p.example.test;lr>` is a name-addr, but a bare `sip:p;lr` is a
 * URI whose parameters are the URI's own (a route set is a list of URIs, §12.1.1).
 */
function toRoute(v: NameAddr | URI | string): NameAddr {
  if (typeof v === 'string' && !v.includes('<')) return new NameAddr({ uri: asUri(v.trim()) });
  return toNameAddr(v);
}

function asUri(u: URI | string): URI {
  if (typeof u !== 'string') return u;
  try {
    return parseURI(u);
  } catch (e) {
    throw new SIPBuildError(`bad URI '${u}': ${(e as Error).message}`);
  }
}

/** Build a request per §8.1.1, routed through a pre-loaded route set per §8.1.2 / §12.2.1.1. */
export function createRequest(spec: RequestSpec): SIPRequest {
  let requestUri = asUri(spec.uri);
  const from = toNameAddr(spec.from).clone();
  if (from.tag === undefined) from.tag = randomToken(10);
  const to = toNameAddr(spec.to);
  const routed = applyRouteSet(requestUri, (spec.routes ?? []).map(toRoute));
  requestUri = routed.requestUri;
  const routeHeaders = routed.routes;
  const req = new SIPRequest({ method: spec.method, uri: requestUri });
  if (routed.strict) markStrictRouted(req);
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

export { nextHop } from './routing.js';
