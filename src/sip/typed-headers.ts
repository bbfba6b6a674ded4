/**
 * Typed access to every header sipstate has a grammar for: `msg.header('event')` parses all
 * Event fields once, caches the value, and throws SIPParseError when a field is malformed.
 * `validateMessage` uses the same table, so what is validated is exactly what can be read.
 */
import { parseChallenges, parseCredentials, type Challenge, type Credentials } from './headers/auth.js';
import { parseCallId, parseCSeq, type CSeq } from './headers/cseq.js';
import { parseDate, type SIPDate } from './headers/date.js';
import { parseEvent, parseSubscriptionState, type EventHeader, type SubscriptionState } from './headers/event.js';
import { parseAccept, parseMediaType, type MediaRange, type MediaType } from './headers/media-type.js';
import { parseContactList, parseNameAddr, parseNameAddrList, type ContactValue, type NameAddr } from './headers/name-addr.js';
import { parseReplaces, type Replaces } from './headers/replaces.js';
import {
  parseContentLength, parseExpires, parseMaxForwards, parseMinExpires, parseRAck, parseRetryAfter, parseRSeq, parseTimestamp,
  type RAck, type RetryAfter, type Timestamp,
} from './headers/scalars.js';
import { parseMinSE, parseSessionExpires, type MinSE, type SessionExpires } from './headers/session-timer.js';
import { parseTokenList } from './headers/token-list.js';
import { parseViaList, type Via } from './headers/via.js';
import { parseWarningList, type Warning } from './headers/warning.js';
import { SIPParseError } from './errors.js';

/** The typed value of each header, by lower-case name. Absent single headers are `undefined`. */
export interface TypedHeaders {
  via: Via[];
  from: NameAddr | undefined;
  to: NameAddr | undefined;
  'call-id': string | undefined;
  cseq: CSeq | undefined;
  contact: ContactValue[];
  route: NameAddr[];
  'record-route': NameAddr[];
  path: NameAddr[];
  'service-route': NameAddr[];
  'p-asserted-identity': NameAddr[];
  'refer-to': NameAddr | undefined;
  'referred-by': NameAddr | undefined;
  'reply-to': NameAddr | undefined;
  'max-forwards': number | undefined;
  'content-length': number | undefined;
  expires: number | undefined;
  'min-expires': number | undefined;
  'content-type': MediaType | undefined;
  /** `undefined` when absent; `[]` for an empty Accept (no body acceptable, RFC 3261 §20.1). */
  accept: MediaRange[] | undefined;
  allow: string[];
  supported: string[];
  require: string[];
  'proxy-require': string[];
  unsupported: string[];
  'allow-events': string[];
  'content-encoding': string[];
  'www-authenticate': Challenge[];
  'proxy-authenticate': Challenge[];
  authorization: Credentials[];
  'proxy-authorization': Credentials[];
  event: EventHeader | undefined;
  'subscription-state': SubscriptionState | undefined;
  rseq: number | undefined;
  rack: RAck | undefined;
  timestamp: Timestamp | undefined;
  'retry-after': RetryAfter | undefined;
  'session-expires': SessionExpires | undefined;
  'min-se': MinSE | undefined;
  replaces: Replaces | undefined;
  warning: Warning[];
  date: SIPDate | undefined;
}

export type TypedHeaderName = keyof TypedHeaders;

type Parsers = { [K in TypedHeaderName]: (values: string[]) => TypedHeaders[K] };

const first = <T>(parse: (v: string) => T) => (values: string[]): T | undefined => (values.length ? parse(values[0]) : undefined);
const all = <T>(parse: (v: string) => T[]) => (values: string[]): T[] => concatParsed(values, parse);

/**
 * Every element of every field, in order. One field (the usual case) returns the parser's own
 * fresh array; this is the hot path of Via/Route/Contact, so no flatMap and no copying.
 */
function concatParsed<T>(values: string[], parse: (v: string) => T[]): T[] {
  if (values.length === 1) return parse(values[0]);
  const out: T[] = [];
  for (let i = 0; i < values.length; i++) {
    const list = parse(values[i]);
    for (let j = 0; j < list.length; j++) out.push(list[j]);
  }
  return out;
}
const tokens = (header: string) => all((v) => parseTokenList(v, header));

/** Contact `expires` past 2^32-1 is out of range (RFC 4475 §3.1.2.4). */
function checkContactParams(list: ContactValue[]): ContactValue[] {
  for (let i = 0; i < list.length; i++) {
    const exp = list[i].params.get('expires');
    if (exp !== undefined && (exp === null || !/^\d{1,10}$/.test(exp) || Number(exp) > 0xffffffff)) {
      throw new SIPParseError(`Contact: bad expires parameter '${String(exp).slice(0, 40)}'`, { header: 'Contact', statusCode: 400 });
    }
  }
  return list;
}

/**
 * The value parsers of the single-field core headers, shared by TYPED_PARSERS (through `first`)
 * and SIPMessage, which applies them to the first field directly. Internal: index.ts does not
 * re-export them.
 */
export const CORE_FIELD_PARSERS = {
  from: (v: string): NameAddr => parseNameAddr(v, 'From'),
  to: (v: string): NameAddr => parseNameAddr(v, 'To'),
  'call-id': parseCallId,
  cseq: parseCSeq,
  'max-forwards': parseMaxForwards,
  'content-length': parseContentLength,
} as const;

export const TYPED_PARSERS: Parsers = {
  via: all((v) => parseViaList(v)),
  from: first(CORE_FIELD_PARSERS.from),
  to: first(CORE_FIELD_PARSERS.to),
  'call-id': first(CORE_FIELD_PARSERS['call-id']),
  cseq: first(CORE_FIELD_PARSERS.cseq),
  contact: (values) => checkContactParams(concatParsed(values, (v) => parseContactList(v))),
  route: all((v) => parseNameAddrList(v, 'Route')),
  'record-route': all((v) => parseNameAddrList(v, 'Record-Route')),
  path: all((v) => parseNameAddrList(v, 'Path')),
  'service-route': all((v) => parseNameAddrList(v, 'Service-Route')),
  'p-asserted-identity': all((v) => parseNameAddrList(v, 'P-Asserted-Identity')),
  'refer-to': first((v) => parseNameAddr(v, 'Refer-To')),
  'referred-by': first((v) => parseNameAddr(v, 'Referred-By')),
  'reply-to': first((v) => parseNameAddr(v, 'Reply-To')),
  'max-forwards': first(CORE_FIELD_PARSERS['max-forwards']),
  'content-length': first(CORE_FIELD_PARSERS['content-length']),
  expires: first(parseExpires),
  'min-expires': first(parseMinExpires),
  'content-type': first((v) => parseMediaType(v)),
  accept: (values) => (values.length ? values.flatMap((v) => parseAccept(v)) : undefined),
  allow: tokens('Allow'),
  supported: tokens('Supported'),
  require: tokens('Require'),
  'proxy-require': tokens('Proxy-Require'),
  unsupported: tokens('Unsupported'),
  'allow-events': tokens('Allow-Events'),
  'content-encoding': tokens('Content-Encoding'),
  'www-authenticate': all((v) => parseChallenges(v, 'WWW-Authenticate')),
  'proxy-authenticate': all((v) => parseChallenges(v, 'Proxy-Authenticate')),
  authorization: (values) => values.map((v) => parseCredentials(v, 'Authorization')),
  'proxy-authorization': (values) => values.map((v) => parseCredentials(v, 'Proxy-Authorization')),
  event: first((v) => parseEvent(v)),
  'subscription-state': first((v) => parseSubscriptionState(v)),
  rseq: first(parseRSeq),
  rack: first(parseRAck),
  timestamp: first(parseTimestamp),
  'retry-after': first(parseRetryAfter),
  'session-expires': first((v) => parseSessionExpires(v)),
  'min-se': first((v) => parseMinSE(v)),
  replaces: first((v) => parseReplaces(v)),
  warning: all((v) => parseWarningList(v)),
  date: first((v) => parseDate(v)),
};

export function isTypedHeader(key: string): key is TypedHeaderName {
  return Object.prototype.hasOwnProperty.call(TYPED_PARSERS, key);
}
