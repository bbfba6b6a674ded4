/**
 * Octet scanners for the values of the headers the transaction and dialog layers read on every
 * message (Via, From, To, Contact, Route, Record-Route, Call-ID, CSeq, Max-Forwards,
 * Content-Length) and for SIP URIs, used by the fast parser (wire-parser.ts).
 *
 * Each reads the usual shape of its value straight from the received octets `b`, cutting
 * strings from `s` (the same octets as a latin1 string, same offsets) only for the parts it
 * returns, and builds exactly what the general parsers (headers/*.ts, uri.ts) build for the
 * same text. A field scanner reads its value up to the end of the line: the value, optional
 * SP/HTAB, then CRLF; it leaves the value's end in `at.valueEnd` and the CR's index in
 * `at.crAt`, so the fast parser needs no separate search for the end of these lines. No
 * character class holds CR or LF, so no scan runs past its line. At the first thing it does not
 * expect it gives up (false / undefined): the caller
 * then leaves the value to the general parser, which accepts the rarer forms and words the
 * errors. So these scanners never decide that a message is malformed; they only decide that it
 * is ordinary. Every loop moves forward, and nothing searches past the value's end: linear time.
 */
import { Params } from './grammar.js';
import { CSeq, MAX_CSEQ } from './headers/cseq.js';
import { NameAddr } from './headers/name-addr.js';
import { Via } from './headers/via.js';
import { O_ALPHA, O_GEN, O_HOST, O_PARAM, O_TOKEN, O_UPPER, O_USER, O_WORD, OCTET, runOctets, skipWsOctets } from './octets.js';

// Module-local copies: V8 loads an imported binding from its module cell on every use, which
// costs about half again as much inside these loops as a local constant.
const OCT: Uint8Array = OCTET;
const B_TOKEN = O_TOKEN;
const B_WORD = O_WORD;
const B_GEN = O_GEN;
const B_HOST = O_HOST;
const B_USER = O_USER;
const B_PARAM = O_PARAM;
const B_UPPER = O_UPPER;
const B_ALPHA = O_ALPHA;
import { SipURI } from './uri.js';

// Octets, as plain constants: this project's compiler emits a const enum as an object whose
// properties every comparison would load.
const HT = 9;
const DQUOTE = 34;
const STAR = 42;
const COMMA = 44;
const DASH = 45;
const DOT = 46;
const SLASH = 47;
const D0 = 48;
const D9 = 57;
const COLON = 58;
const SEMI = 59;
const LAQUOT = 60;
const EQUAL = 61;
const RAQUOT = 62;
const AT = 64;
const BACKSLASH = 92;

/**
 * What the last successful scanner found, read back by its caller (module state: the scanners
 * are never re-entered). One object of fixed shape rather than module `let`s: its fields are
 * plain stores and loads, where V8 checks a `let` binding for its temporal dead zone on use.
 */
const at = {
  /** Where the last address scan stopped (the value may go on with a COMMA or WS). */
  scanEnd: 0,
  /** Set by a field scanner: the end of the value (before any SP/HTAB) and the CR ending its line. */
  valueEnd: 0,
  crAt: 0,
  /** Where the last scanHeaderParams stopped. */
  paramsEnd: 0,
  /** What scanSipUri found, for buildSipUri. */
  uriSips: false,
  uriUserStart: -1,
  uriUserEnd: -1,
  uriHostStart: 0,
  uriHostEnd: 0,
  uriPort: -1,
  uriParamsStart: 0,
  uriEnd: 0,
  /** What scanSentBy found. */
  viaTransportStart: 0,
  viaTransportEnd: 0,
  viaHostStart: 0,
  viaHostEnd: 0,
  viaPort: -1,
};

/** The value end and CR index the last successful field scanner found. */
export function lastValueEnd(): number {
  return at.valueEnd;
}

export function lastCrAt(): number {
  return at.crAt;
}

/**
 * Whether the value that ends at b[p] ends its line: optional SP/HTAB, then CRLF. Sets
 * at.valueEnd and at.crAt when it does.
 */
function endsLine(b: Uint8Array, p: number): boolean {
  const q = skipWsOctets(b, p, b.length);
  if (b[q] !== 13 || b[q + 1] !== 10) return false;
  at.valueEnd = p;
  at.crAt = q;
  return true;
}

// ---- parameters ---------------------------------------------------------------------------------

/**
 * s.slice(start, end) for a parameter name, but the names in nearly every message, written in
 * lower case, as constants (grammar.ts paramName, compared octet by octet here: a successful
 * String.prototype.startsWith costs several times more).
 */
function paramNameAt(b: Uint8Array, s: string, start: number, end: number): string {
  const c = b[start];
  switch (end - start) {
    case 2:
      if (c === 108 && b[start + 1] === 114) return 'lr';
      break;
    case 3:
      if (c === 116 && b[start + 1] === 97 && b[start + 2] === 103) return 'tag';
      break;
    case 5:
      if (c === 114 && b[start + 1] === 112 && b[start + 2] === 111 && b[start + 3] === 114 && b[start + 4] === 116) return 'rport';
      if (c === 109 && b[start + 1] === 97 && b[start + 2] === 100 && b[start + 3] === 100 && b[start + 4] === 114) return 'maddr';
      break;
    case 6:
      if (c === 98 && b[start + 1] === 114 && b[start + 2] === 97 && b[start + 3] === 110 && b[start + 4] === 99 && b[start + 5] === 104) return 'branch';
      break;
    case 7:
      if (c === 101 && sameOctets(b, start, EXPIRES)) return 'expires';
      break;
    case 8:
      if (c === 114 && sameOctets(b, start, RECEIVED)) return 'received';
      break;
    case 9:
      if (c === 116 && sameOctets(b, start, TRANSPORT)) return 'transport';
      break;
  }
  return s.slice(start, end);
}

const EXPIRES = Buffer.from('expires');
const RECEIVED = Buffer.from('received');
const TRANSPORT = Buffer.from('transport');

/** Whether the octets at `start` are `word`. */
function sameOctets(b: Uint8Array, start: number, word: Uint8Array): boolean {
  for (let i = 0; i < word.length; i++) if (b[start + i] !== word[i]) return false;
  return true;
}

/**
 * The index of the DQUOTE closing the quoted-string opening at b[open], when its content is
 * plain qdtext (no quoted-pair, no control other than HTAB); -1 otherwise (grammar.plainQuotedEnd).
 */
function plainQuotedEnd(b: Uint8Array, open: number, end: number): number {
  for (let i = open + 1; i < end; i++) {
    const c = b[i];
    if (c === DQUOTE) return i;
    if (c === BACKSLASH || (c < 0x20 && c !== HT)) return -1;
  }
  return -1;
}

/**
 * The end of the token at b[i] (a parameter name, RFC 3261 §25.1), or its bitwise complement
 * (a negative number) when the name holds an upper-case letter, whose key is then lower-cased.
 */
function paramNameEnd(b: Uint8Array, i: number, end: number): number {
  const oct = OCT; // a local: V8 reloads and re-checks a module binding on every use in a loop
  let upper = 0;
  while (i < end) {
    const k = oct[b[i]];
    if ((k & B_TOKEN) === 0) break;
    upper |= k;
    i++;
  }
  return (upper & B_UPPER) === 0 ? i : ~i;
}

/** The empty parameter list (never written to: Params.fromList keeps its own empty list). */
const NO_LIST: (string | null | boolean)[] = [];

/**
 * `*( SEMI generic-param )` at b[p] (RFC 3261 §25.1), as grammar.scanParams reads it: the same
 * parameters, as Params' flat list (name as written, lower-case key, value, quoted flag), and
 * the same end (in at.paramsEnd); undefined where that would fail or fall back. Keys are
 * lower-cased only when a name holds an upper-case letter. Up to three parameters are held in
 * locals and the list is then one exactly sized literal: no array growth, and no young strings
 * stored into a long-lived scratch array (each such store costs a write barrier).
 */
function scanHeaderParams(b: Uint8Array, s: string, p: number, end: number): (string | null | boolean)[] | undefined {
  // The usual case first: one `;name=value`, lower-case name, token value, no whitespace, and
  // nothing after it that could continue the parameters (a From or To tag, a top Via's
  // branch). The same list and end as the loop below, which takes every other case.
  if (b[p] === SEMI) {
    const ns = p + 1;
    const ne = paramNameEnd(b, ns, end);
    if (ne > ns && b[ne] === EQUAL) {
      const ve = runOctets(b, ne + 1, end, B_GEN);
      const after = b[ve];
      if (ve > ne + 1 && after !== SEMI && after !== 32 && after !== HT) {
        at.paramsEnd = ve;
        const name = paramNameAt(b, s, ns, ne);
        return [name, name, s.slice(ne + 1, ve), false];
      }
    }
  }
  let count = 0;
  let n0 = '', k0 = '', v0: string | null = null, q0 = false;
  let n1 = '', k1 = '', v1: string | null = null, q1 = false;
  let n2 = '', k2 = '', v2: string | null = null, q2 = false;
  let more: (string | null | boolean)[] | undefined;
  for (;;) {
    let q = p;
    if (b[q] === 32 || b[q] === HT) q = skipWsOctets(b, q, end);
    if (q >= end || b[q] !== SEMI) break;
    q = skipWsOctets(b, q + 1, end);
    let nameEnd = paramNameEnd(b, q, end);
    const upper = nameEnd < 0;
    if (upper) nameEnd = ~nameEnd;
    if (nameEnd === q) return undefined;
    const name = paramNameAt(b, s, q, nameEnd);
    let value: string | null = null;
    let quoted = false;
    p = nameEnd;
    let r = nameEnd;
    if (b[r] === 32 || b[r] === HT) r = skipWsOctets(b, r, end);
    if (r < end && b[r] === EQUAL) {
      r = skipWsOctets(b, r + 1, end);
      if (r < end && b[r] === DQUOTE) {
        const close = plainQuotedEnd(b, r, end);
        if (close < 0) return undefined;
        value = s.slice(r + 1, close);
        quoted = true;
        p = close + 1;
      } else {
        p = runOctets(b, r, end, B_GEN);
        if (p === r) return undefined;
        value = s.slice(r, p);
      }
    }
    const key = upper ? name.toLowerCase() : name;
    switch (count++) {
      case 0: n0 = name; k0 = key; v0 = value; q0 = quoted; break;
      case 1: n1 = name; k1 = key; v1 = value; q1 = quoted; break;
      case 2: n2 = name; k2 = key; v2 = value; q2 = quoted; break;
      case 3: more = [n0, k0, v0, q0, n1, k1, v1, q1, n2, k2, v2, q2, name, key, value, quoted]; break;
      default: more!.push(name, key, value, quoted);
    }
  }
  at.paramsEnd = p;
  switch (count) {
    case 0: return NO_LIST;
    case 1: return [n0, k0, v0, q0];
    case 2: return [n0, k0, v0, q0, n1, k1, v1, q1];
    case 3: return [n0, k0, v0, q0, n1, k1, v1, q1, n2, k2, v2, q2];
  }
  return more;
}

/** Params over a list scanHeaderParams returned. */
function paramsOf(list: (string | null | boolean)[]): Params {
  return list === NO_LIST ? new Params() : Params.fromList(list);
}

/** A decimal of 1..`digits` digits (leading zeros allowed) no larger than `max` (headers/via.ts isSmallUint). */
function isSmallUint(v: string, digits: number, max: number): boolean {
  if (v.length === 0 || v.length > digits) return false;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < D0 || c > D9) return false;
    n = n * 10 + (c - D0);
  }
  return n <= max;
}

/**
 * Via parameters with the typed values RFC 3261 §20.42 and RFC 3581 §3 require: what
 * headers/via.ts viaParamsProblem checks (the first ttl, rport, branch and received), read from
 * the scanned list without building a Params first.
 */
function viaParamsOk(list: (string | null | boolean)[]): boolean {
  let seen = 0;
  for (let i = 0; i < list.length; i += 4) {
    const key = list[i + 1];
    const v = list[i + 2] as string | null;
    if (key === 'branch') {
      if ((seen & 1) === 0 && v === null) return false;
      seen |= 1;
    } else if (key === 'received') {
      if ((seen & 2) === 0 && v === null) return false;
      seen |= 2;
    } else if (key === 'rport') {
      if ((seen & 4) === 0 && v !== null && !isSmallUint(v, 5, 65535)) return false;
      seen |= 4;
    } else if (key === 'ttl') {
      if ((seen & 8) === 0 && (v === null || !isSmallUint(v, 3, 255))) return false;
      seen |= 8;
    }
  }
  return true;
}

// ---- SIP URIs -----------------------------------------------------------------------------------

/**
 * The usual shape of a sip: or sips: URI at b[p], as uri.ts parseSipFast accepts it:
 * `sip:[user@]host[:port]*(;name[=value])` with no %-escape, no password, no headers, and a
 * hostname or IPv4 address in the common form. Stops at the first octet that cannot continue
 * the URI (at.uriEnd): the caller checks what that octet is (RAQUOT, SP). False where
 * parseSipFast would not accept the URI; then nothing is built.
 */
export function scanSipUri(b: Uint8Array, p: number, end: number): boolean {
  const oct = OCT; // a local: V8 reloads and re-checks a module binding on every use in a loop
  if (p + 4 > end || (b[p] | 0x20) !== 115 || (b[p + 1] | 0x20) !== 105 || (b[p + 2] | 0x20) !== 112) return false;
  const c3 = b[p + 3];
  if (c3 === COLON) {
    at.uriSips = false;
    p += 4;
  } else if ((c3 | 0x20) === 115 && p + 5 <= end && b[p + 4] === COLON) {
    at.uriSips = true;
    p += 5;
  } else return false;

  // userinfo is present iff the run of user characters stops at '@' (none of the later parts
  // may hold one, so an '@' after another character makes the scan stop there and fail).
  const u = runOctets(b, p, end, B_USER);
  if (u < end && b[u] === AT) {
    if (u === p) return false;
    at.uriUserStart = p;
    at.uriUserEnd = u;
    p = u + 1;
  } else at.uriUserStart = -1;

  // host: hostname / IPv4address (uri.ts scanCommonHost)
  const hs = p;
  let i = p;
  let labelStart = p;
  let numeric = true;
  let dots = 0;
  let octet = 0;
  for (; i < end; i++) {
    const c = b[i];
    if (c >= D0 && c <= D9) {
      octet = octet * 10 + (c - D0);
    } else if (c === DOT) {
      if (i === labelStart || b[i - 1] === DASH) return false;
      if (numeric && (i - labelStart > 3 || octet > 255)) return false;
      dots++;
      octet = 0;
      labelStart = i + 1;
    } else if ((oct[c] & B_ALPHA) !== 0) {
      numeric = false;
    } else if (c === DASH) {
      if (i === labelStart) return false;
      numeric = false;
    } else break;
  }
  if (i === labelStart || b[i - 1] === DASH) return false;
  if (numeric) {
    if (dots !== 3 || i - labelStart > 3 || octet > 255) return false;
  } else if ((oct[b[labelStart]] & B_ALPHA) === 0) return false;
  at.uriHostStart = hs;
  at.uriHostEnd = i;
  p = i;

  at.uriPort = -1;
  if (p < end && b[p] === COLON) {
    const ds = ++p;
    let n = 0;
    for (; p < end; p++) {
      const c = b[p];
      if (c < D0 || c > D9) break;
      n = n * 10 + (c - D0);
      if (n > 65535) return false;
    }
    if (p === ds || n === 0 || (p < end && b[p] === COLON)) return false;
    at.uriPort = n;
  }

  at.uriParamsStart = p;
  while (p < end && b[p] === SEMI) {
    const ns = ++p;
    p = runOctets(b, p, end, B_PARAM);
    if (p === ns) return false;
    if (p < end && b[p] === EQUAL) p = runOctets(b, p + 1, end, B_PARAM);
  }
  at.uriEnd = p;
  return true;
}

/**
 * The SipURI scanSipUri found (what parseSipFast returns for the same text). Its parameters
 * stay text until they are first read (uri.ts SipURI.fromParts).
 */
export function buildSipUri(s: string): SipURI {
  const user = at.uriUserStart >= 0 ? s.slice(at.uriUserStart, at.uriUserEnd) : undefined;
  const params = at.uriParamsStart < at.uriEnd ? s.slice(at.uriParamsStart, at.uriEnd) : undefined;
  return SipURI.fromParts(at.uriSips ? 'sips' : 'sip', user, s.slice(at.uriHostStart, at.uriHostEnd), at.uriPort < 0 ? undefined : at.uriPort, params);
}

/** Where the last successful scanSipUri stopped. */
export function sipUriEnd(): number {
  return at.uriEnd;
}

// ---- Via ----------------------------------------------------------------------------------------

/** The transport token upper-cased; the usual ones without allocating. */
function transportName(b: Uint8Array, s: string, start: number, end: number): string {
  const n = end - start;
  if (n === 3) {
    const c0 = b[start];
    const c1 = b[start + 1];
    const c2 = b[start + 2];
    if (c0 === 85 && c1 === 68 && c2 === 80) return 'UDP';
    if (c0 === 84 && c1 === 67 && c2 === 80) return 'TCP';
    if (c0 === 84 && c1 === 76 && c2 === 83) return 'TLS';
    if (c0 === 87 && c1 === 83 && c2 === 83) return 'WSS';
  } else if (n === 2 && b[start] === 87 && b[start + 1] === 83) return 'WS';
  return s.slice(start, end).toUpperCase();
}

/**
 * `SIP/2.0/<transport> LWS host[:port]` at b[p], the start of a via-parm, as headers/via.ts
 * parseViaFast reads it; the index after it, or -1.
 */
function scanSentBy(b: Uint8Array, p: number, end: number): number {
  const oct = OCT; // a local: V8 reloads and re-checks a module binding on every use in a loop
  if (
    p + 8 > end ||
    b[p] !== 83 || b[p + 1] !== 73 || b[p + 2] !== 80 || b[p + 3] !== SLASH ||
    b[p + 4] !== 50 || b[p + 5] !== DOT || b[p + 6] !== 48 || b[p + 7] !== SLASH
  ) {
    return -1;
  }
  const ts = p + 8;
  const te = runOctets(b, ts, end, B_TOKEN);
  if (te === ts) return -1;
  const hs = skipWsOctets(b, te, end);
  if (hs === te) return -1; // LWS between sent-protocol and sent-by
  // sent-by host as headers/host.ts commonHostEnd takes it: no leading '-' or '.', no '..'
  let he = hs;
  let prev = DOT;
  for (; he < end; he++) {
    const c = b[he];
    if ((oct[c] & B_HOST) === 0) break;
    if (c === DOT && prev === DOT) return -1;
    prev = c;
  }
  if (he === hs || b[hs] === DASH) return -1;
  p = he;
  let port = -1;
  if (p < end && b[p] === COLON) {
    let n = 0;
    const ds = ++p;
    for (; p < end; p++) {
      const c = b[p];
      if (c < D0 || c > D9) break;
      n = n * 10 + (c - D0);
      if (n > 65535) return -1;
    }
    if (p === ds || n === 0) return -1;
    port = n;
  }
  at.viaTransportStart = ts;
  at.viaTransportEnd = te;
  at.viaHostStart = hs;
  at.viaHostEnd = he;
  at.viaPort = port;
  return p;
}

/** After a via-parm that does not end its line, at b[p]: COMMA between LWS, and the next via-parm's start; -1 otherwise. */
function nextViaParm(b: Uint8Array, p: number, end: number): number {
  p = skipWsOctets(b, p, end);
  if (b[p] !== COMMA) return -1;
  p = skipWsOctets(b, p + 1, end);
  return p === end || b[p] === COMMA || b[p] === 13 ? -1 : p;
}

/**
 * One Via field value at b[p], to the end of its line (RFC 3261 §20.42), appended to `out` (or
 * to a new list when it is undefined), as headers/via.ts parseViaFast reads it:
 * `SIP/2.0/<transport> LWS host[:port] *(;param)` with commas between via-parms. The list, or
 * undefined where that would fall back to the general parser.
 */
export function scanViaField(b: Uint8Array, s: string, p: number, out: Via[] | undefined): Via[] | undefined {
  const end = b.length;
  for (;;) {
    p = scanSentBy(b, p, end);
    if (p < 0) return undefined;
    const list = scanHeaderParams(b, s, p, end);
    if (list === undefined || !viaParamsOk(list)) return undefined;
    p = at.paramsEnd;
    const via = Via.fromParts(
      transportName(b, s, at.viaTransportStart, at.viaTransportEnd),
      s.slice(at.viaHostStart, at.viaHostEnd),
      at.viaPort < 0 ? undefined : at.viaPort,
      paramsOf(list),
    );
    // The first Via makes a list of exactly one (an empty list's first push reserves many slots).
    if (out === undefined) out = [via];
    else out.push(via);
    if (endsLine(b, p)) return out;
    p = nextViaParm(b, p, end);
    if (p < 0) return undefined;
  }
}

// ---- addresses ----------------------------------------------------------------------------------

/**
 * One address at b[p] — `<uri>`, `"Name" <uri>` or `Name Name <uri>`, then header parameters —
 * as headers/name-addr.ts parseOneFast reads it, with the URI as parseSipFast reads it (so the
 * address comes out with its URI parsed). Undefined where either would fall back; on success
 * at.scanEnd is where the parameters end.
 */
function scanNameAddr(b: Uint8Array, s: string, p: number, end: number, header: string): NameAddr | undefined {
  p = skipWsOctets(b, p, end);
  if (p >= end) return undefined;
  let displayName: string | undefined;
  const c = b[p];
  if (c === DQUOTE) {
    const close = plainQuotedEnd(b, p, end);
    if (close < 0) return undefined;
    displayName = s.slice(p + 1, close);
    p = skipWsOctets(b, close + 1, end);
    if (p >= end || b[p] !== LAQUOT) return undefined;
  } else if (c !== LAQUOT) {
    // display-name = *(token LWS), then '<'; the name is the tokens without the trailing LWS
    const start = p;
    let q = p;
    let last = -1;
    for (;;) {
      const r = q;
      q = runOctets(b, q, end, B_TOKEN);
      if (q === r) break;
      last = q;
      q = skipWsOctets(b, q, end);
    }
    if (last < 0 || q >= end || b[q] !== LAQUOT) return undefined;
    displayName = s.slice(start, last);
    p = q;
  }
  // LAQUOT addr-spec RAQUOT: the URI scan stops at the first octet a URI cannot hold, which must
  // be the '>' (so there is no whitespace inside the brackets either, RFC 4475 §3.1.2.14).
  const us = p + 1;
  if (!scanSipUri(b, us, end)) return undefined;
  const ue = at.uriEnd;
  if (ue >= end || b[ue] !== RAQUOT) return undefined;
  const uri = buildSipUri(s);
  const list = scanHeaderParams(b, s, ue + 1, end);
  if (list === undefined) return undefined;
  at.scanEnd = at.paramsEnd;
  // No Params for an address without parameters: NameAddr creates one if it is ever read.
  return NameAddr.fromParts(displayName, list === NO_LIST ? undefined : Params.fromList(list), header, s, us, ue, uri);
}

/** One address at b[p], to the end of its line (From, To), or undefined. */
export function scanAddressField(b: Uint8Array, s: string, p: number, header: string): NameAddr | undefined {
  const na = scanNameAddr(b, s, p, b.length, header);
  if (na === undefined || !endsLine(b, at.scanEnd)) return undefined;
  return na;
}

/** A comma-separated list of addresses at b[p], to the end of its line (Contact, Route, Record-Route), or undefined. */
export function scanAddressListField(b: Uint8Array, s: string, p: number, header: string): NameAddr[] | undefined {
  const end = b.length;
  // `Contact: *` (§10.2.2) — and `* <sip:...>`, which the general parser reads as a broken
  // wildcard, not as the token display name "*" — is the general parser's to read.
  if (header === 'Contact' && b[skipWsOctets(b, p, end)] === STAR) return undefined;
  let out: NameAddr[] | undefined;
  for (;;) {
    const na = scanNameAddr(b, s, p, end, header);
    if (na === undefined) return undefined;
    if (out === undefined) out = [na];
    else out.push(na);
    if (endsLine(b, at.scanEnd)) return out;
    p = skipWsOctets(b, at.scanEnd, end);
    if (b[p] !== COMMA) return undefined;
    p = skipWsOctets(b, p + 1, end);
    if (p === end || b[p] === COMMA || b[p] === 13) return undefined;
  }
}

// ---- scalars ------------------------------------------------------------------------------------

/** callid = word [ "@" word ] at b[p], to the end of its line (RFC 3261 §25.1; headers/cseq.ts parseCallId). */
export function scanCallIdField(b: Uint8Array, p: number): boolean {
  const end = b.length;
  let a = runOctets(b, p, end, B_WORD);
  if (a === p) return false;
  if (b[a] === AT) {
    const w = runOctets(b, a + 1, end, B_WORD);
    if (w === a + 1) return false;
    a = w;
  }
  return endsLine(b, a);
}

/**
 * 1*DIGIT at b[p], to the end of its line, at most `max` (leading zeros allowed, RFC 4475
 * §3.1.1.1; Max-Forwards, Content-Length); -1 otherwise.
 */
export function scanUintField(b: Uint8Array, p: number, max: number): number {
  const end = b.length;
  const ds = p;
  let n = 0;
  while (p < end) {
    const c = b[p];
    if (c < D0 || c > D9) break;
    n = n * 10 + (c - D0);
    if (n > max) return -1;
    p++;
  }
  if (p === ds || !endsLine(b, p)) return -1;
  return n;
}

/**
 * A method name (RFC 3261 §7.1, §27.4) from octets [start, end): the usual ones as constants,
 * so that CSeq's method and the request's are one string and compare by identity.
 */
export function methodName(b: Uint8Array, s: string, start: number, end: number): string {
  const n = end - start;
  if (n <= MAX_METHOD_LENGTH) {
    // At most one usual method has a given first letter and length: one comparison decides.
    const k = METHOD_AT[((b[start] & 0x7f) << 4) | n];
    if (k >= 0 && sameOctets(b, start, METHOD_OCTETS[k])) return METHOD_NAMES[k];
  }
  return s.slice(start, end);
}

/** RFC 3261 §27.4 methods and those of the extensions sipstate speaks. */
const METHOD_NAMES = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'SUBSCRIBE', 'NOTIFY', 'MESSAGE', 'INFO', 'PRACK', 'UPDATE', 'REFER', 'PUBLISH'];
const METHOD_OCTETS = METHOD_NAMES.map((name) => Buffer.from(name));
const MAX_METHOD_LENGTH = 15;
/** Index into METHOD_NAMES by (first octet << 4 | length), -1 for none. */
const METHOD_AT = new Int8Array(128 << 4).fill(-1);
for (let k = 0; k < METHOD_NAMES.length; k++) {
  const key = (METHOD_NAMES[k].charCodeAt(0) << 4) | METHOD_NAMES[k].length;
  if (METHOD_AT[key] >= 0) throw new Error(`two methods share ${METHOD_NAMES[k][0]} and length ${METHOD_NAMES[k].length}`);
  METHOD_AT[key] = k;
}

/**
 * CSeq = 1*DIGIT LWS Method at b[p], to the end of its line (RFC 3261 §20.16; headers/cseq.ts
 * parseCSeq), the number at most 2^32-1 (§8.1.1.5); undefined otherwise.
 */
export function scanCSeqField(b: Uint8Array, s: string, p: number): CSeq | undefined {
  const end = b.length;
  const ds = p;
  let n = 0;
  for (; p < end; p++) {
    const c = b[p];
    if (c < D0 || c > D9) break;
    n = n * 10 + (c - D0);
    if (n > MAX_CSEQ) return undefined;
  }
  if (p === ds) return undefined;
  const ms = skipWsOctets(b, p, end);
  if (ms === p) return undefined;
  const me = runOctets(b, ms, end, B_TOKEN);
  if (me === ms || !endsLine(b, me)) return undefined;
  return new CSeq(n, methodName(b, s, ms, me));
}
