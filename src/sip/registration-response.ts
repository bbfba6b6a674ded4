/**
 * What the registration and subscription machines need from a response, as plain data.
 *
 * The machines in `machines/` never see a SIPResponse: the runtime turns each response to a
 * REGISTER or SUBSCRIBE into a `response` event with these fields, so machine snapshots stay
 * small, serialisable and replayable. These helpers never throw: a header that does not parse is
 * reported as absent (a registrar's broken Contact must not stop a registration).
 */
import type { SIPResponse } from './message.js';
import type { TypedHeaderName, TypedHeaders } from './typed-headers.js';
import { type NameAddr } from './headers/name-addr.js';
import { parseURI, type URI } from './uri.js';

/** The fields every refreshing usage reads: status line, Expires, Min-Expires, Retry-After. */
export interface ResponseFields {
  status: number;
  reason: string;
  /** The Expires header (seconds), when present and well formed. */
  expires?: number;
  /** Min-Expires (RFC 3261 §20.23), sent with 423 Interval Too Brief. */
  minExpires?: number;
  /** Retry-After delta-seconds (RFC 3261 §20.33), sent with 503, 404, 413, 480, 486, 500, 600, 603. */
  retryAfter?: number;
}

/** A response to REGISTER (RFC 3261 §10.2.4). */
export interface RegistrationResponseFields extends ResponseFields {
  /** Our binding's granted expiry (the matching Contact's `expires`, else the Expires header). */
  expires?: number;
  /** Our binding as the registrar returned it. */
  contact?: string;
  /** Every binding of the address-of-record, as the registrar listed them. */
  contacts?: string[];
}

/** A typed header, or undefined when it is absent or malformed. */
function headerOrUndefined<K extends TypedHeaderName>(response: SIPResponse, name: K): TypedHeaders[K] | undefined {
  try {
    return response.header(name);
  } catch {
    return undefined;
  }
}

/** Status, reason, Expires, Min-Expires and Retry-After of any response. */
export function responseFields(response: SIPResponse): ResponseFields {
  const out: ResponseFields = { status: response.status, reason: response.reason };
  const expires = headerOrUndefined(response, 'expires');
  if (expires !== undefined) out.expires = expires;
  const minExpires = headerOrUndefined(response, 'min-expires');
  if (minExpires !== undefined) out.minExpires = minExpires;
  const retryAfter = headerOrUndefined(response, 'retry-after');
  if (retryAfter !== undefined) out.retryAfter = retryAfter.seconds;
  return out;
}

/** Every Contact of a response that is a name-addr (not `*`), or [] when they do not parse. */
function contactsOf(response: SIPResponse): NameAddr[] {
  const list = headerOrUndefined(response, 'contact') ?? [];
  return list.filter((c): c is NameAddr => !('wildcard' in c));
}

const uriOf = (c: NameAddr): URI | undefined => {
  try {
    return c.uri;
  } catch {
    return undefined;
  }
};

/**
 * §10.2.4: "The UA compares each contact address to see if it created the contact address, using
 * comparison rules in Section 19.1.4." The Contact of the response that is ours, if any.
 */
export function registeredContact(response: SIPResponse, ours: URI | string): NameAddr | undefined {
  let mine: URI;
  try {
    mine = typeof ours === 'string' ? parseURI(ours, 'Contact') : ours;
  } catch {
    return undefined;
  }
  return contactsOf(response).find((c) => uriOf(c)?.equals(mine) ?? false);
}

/**
 * §10.2.4: "If so, it updates the expiration time interval according to the expires parameter
 * or, if absent, the Expires field value." When no Contact is ours, the Expires header still
 * says what the registrar granted; undefined when the response says nothing.
 */
export function grantedExpires(response: SIPResponse, ours: URI | string): number | undefined {
  return registeredContact(response, ours)?.expires ?? headerOrUndefined(response, 'expires');
}

/** The `response` event data for the registration machine, from a response to our REGISTER. */
export function registrationResponse(response: SIPResponse, ours: URI | string): RegistrationResponseFields {
  const out: RegistrationResponseFields = responseFields(response);
  delete out.expires;
  if (response.status >= 200 && response.status < 300) {
    const granted = grantedExpires(response, ours);
    if (granted !== undefined) out.expires = granted;
    const mine = registeredContact(response, ours);
    if (mine) out.contact = mine.toString();
    out.contacts = contactsOf(response).map((c) => c.toString());
  }
  return out;
}
