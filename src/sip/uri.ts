/**
 * SIP, SIPS and tel URIs, and any other absoluteURI.
 *
 *   SIP-URI   = "sip:" [ userinfo ] hostport uri-parameters [ headers ]      (RFC 3261 §19.1, §25.1)
 *   userinfo  = ( user / telephone-subscriber ) [ ":" password ] "@"
 *   hostport  = host [ ":" port ];  host = hostname / IPv4address / IPv6reference (RFC 5118)
 *   tel-URI   = "tel:" telephone-subscriber                                  (RFC 3966)
 *
 * The parser is a hand-written scanner over char codes: one pass, no regular expressions, no
 * backtracking, and it allocates only the strings it returns (escapes are decoded only when a
 * component holds one). Every error is a `SIPParseError` with status 400 and an offset.
 *
 * Component values are kept *unescaped* (`%61lice` is user `alice`, `%00` is U+0000); `toString`
 * escapes again exactly what the §25.1 grammar does not allow in that component. Escaped bytes
 * that form valid UTF-8 decode to the characters they encode; other bytes decode one character
 * per byte (U+0080..U+00FF). Non-ASCII characters are written back as percent-encoded UTF-8.
 */
import { SIPBuildError, SIPParseError } from './errors.js';
import { isToken, paramName, Params, quote, Scanner } from './grammar.js';

export type HostType = 'name' | 'ipv4' | 'ipv6';

const enum C {
  HT = 9,
  LF = 10,
  CR = 13,
  SP = 32,
  HASH = 35,
  PERCENT = 37,
  AMP = 38,
  LPAREN = 40,
  RPAREN = 41,
  STAR = 42,
  PLUS = 43,
  DASH = 45,
  DOT = 46,
  D0 = 48,
  D9 = 57,
  COLON = 58,
  SEMI = 59,
  LT = 60,
  EQUAL = 61,
  QUESTION = 63,
  AT = 64,
  LBRACKET = 91,
  RBRACKET = 93,
}

// ---------------------------------------------------------------------------------------------
// Character classes (RFC 3261 §25.1), one bit per component.

const USER = 1; //     unreserved / user-unreserved ("&=+$,;?/"); '#' from telephone-subscriber
const PASSWORD = 2; // unreserved / "&=+$,"
const PARAM = 4; //    paramchar = param-unreserved ("[]/:&+$") / unreserved  (also RFC 3966)
const HEADER = 8; //   hnv-unreserved ("[]/?:+$") / unreserved
const URIC = 16; //    reserved / unreserved, plus "[]" (RFC 2732) and "#" (fragments): absoluteURI
const SCHEME = 32; //  ALPHA / DIGIT / "+" / "-" / "."
const TELNUM = 64; //  phonedigit-hex and "+" as written in a tel URI ('#' must be escaped)
const PNAME = 128; //  RFC 3966 pname = 1*( alphanum / "-" )

const CLASS = new Uint8Array(128);
{
  const mark = "-_.!~*'()";
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    const unreserved = alnum || mark.includes(ch);
    let bits = 0;
    if (unreserved || '&=+$,;?/#'.includes(ch)) bits |= USER;
    if (unreserved || '&=+$,'.includes(ch)) bits |= PASSWORD;
    if (unreserved || '[]/:&+$'.includes(ch)) bits |= PARAM;
    if (unreserved || '[]/?:+$'.includes(ch)) bits |= HEADER;
    if (unreserved || ';/?:@&=+$,[]#'.includes(ch)) bits |= URIC;
    if (alnum || '+-.'.includes(ch)) bits |= SCHEME;
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || '*-.()+'.includes(ch)) bits |= TELNUM;
    if (alnum || ch === '-') bits |= PNAME;
    CLASS[c] = bits;
  }
}

const HEX_DIGITS = '0123456789ABCDEF';
const PCT: string[] = [];
for (let b = 0; b < 256; b++) PCT.push('%' + HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 15]);

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

function isAlpha(c: number): boolean {
  const l = c | 0x20;
  return l >= 97 && l <= 122;
}

function isDigit(c: number): boolean {
  return c >= C.D0 && c <= C.D9;
}

/** A short, printable description of the character at `i` for error messages. */
function describe(t: string, i: number): string {
  const c = t.charCodeAt(i);
  if (c === C.SP || c === C.HT || c === C.CR || c === C.LF) return 'whitespace';
  if (c > 32 && c < 127) return `'${t[i]}'`;
  return `character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** An excerpt of user-supplied text for messages, never longer than ~40 characters. */
function excerpt(s: string): string {
  return quote(s.length > 40 ? s.slice(0, 37) + '...' : s);
}

// ---------------------------------------------------------------------------------------------
// Escapes.

/** Set by `scan`: whether the run it just read holds at least one %HH escape. */
let sawEscape = false;

/**
 * Advance `s.pos` over characters of class `bit` and %HH escapes, stopping before `limit` or the
 * first other character. A '%' not followed by two hex digits is an error.
 */
function scan(s: Scanner, bit: number, limit: number, what: string): void {
  const t = s.text;
  let i = s.pos;
  let esc = false;
  while (i < limit) {
    const c = t.charCodeAt(i);
    if (c < 128 && (CLASS[c] & bit) !== 0) {
      i++;
    } else if (c === C.PERCENT) {
      if (i + 2 >= limit) s.fail(`incomplete %-escape in ${what}`, i);
      if (hexVal(t.charCodeAt(i + 1)) < 0 || hexVal(t.charCodeAt(i + 2)) < 0) s.fail(`bad %-escape in ${what}`, i);
      esc = true;
      i += 3;
    } else break;
  }
  s.pos = i;
  sawEscape = esc;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decode `%HH` escapes in t[start, end) (already validated by `scan`). */
function unescape(t: string, start: number, end: number, hasEscape: boolean): string {
  if (!hasEscape) return t.slice(start, end);
  let out = '';
  let chunk = start;
  for (let i = start; i < end; i++) {
    if (t.charCodeAt(i) !== C.PERCENT) continue;
    const b = hexVal(t.charCodeAt(i + 1)) * 16 + hexVal(t.charCodeAt(i + 2));
    if (b >= 0x80) return unescapeBytes(t, start, end);
    out += t.slice(chunk, i) + String.fromCharCode(b);
    i += 2;
    chunk = i + 1;
  }
  return out + t.slice(chunk, end);
}

/** Slow path: escaped bytes >= 0x80, decoded as UTF-8 when they are valid UTF-8, else per byte. */
function unescapeBytes(t: string, start: number, end: number): string {
  const bytes = new Uint8Array(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = t.charCodeAt(i);
    if (c === C.PERCENT) {
      bytes[n++] = hexVal(t.charCodeAt(i + 1)) * 16 + hexVal(t.charCodeAt(i + 2));
      i += 2;
    } else bytes[n++] = c;
  }
  const view = bytes.subarray(0, n);
  try {
    return UTF8.decode(view);
  } catch {
    let out = '';
    for (let i = 0; i < n; i++) out += String.fromCharCode(view[i]);
    return out;
  }
}

/** Escape every character of `s` that class `bit` does not allow; non-ASCII as UTF-8 bytes. */
function escape(s: string, bit: number): string {
  let i = 0;
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (CLASS[c] & bit) === 0) break;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  for (; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 128) {
      out += (CLASS[c] & bit) !== 0 ? s[i] : PCT[c];
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // lone surrogate
    if (c < 0x800) out += PCT[0xc0 | (c >> 6)] + PCT[0x80 | (c & 63)];
    else if (c < 0x10000) out += PCT[0xe0 | (c >> 12)] + PCT[0x80 | ((c >> 6) & 63)] + PCT[0x80 | (c & 63)];
    else out += PCT[0xf0 | (c >> 18)] + PCT[0x80 | ((c >> 12) & 63)] + PCT[0x80 | ((c >> 6) & 63)] + PCT[0x80 | (c & 63)];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Hosts.

/** The value of the dotted quad t[start, end) (0..2^32-1), or -1 if it is not one. */
function parseIPv4(t: string, start: number, end: number): number {
  let value = 0;
  let i = start;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (i >= end || t.charCodeAt(i) !== C.DOT) return -1;
      i++;
    }
    const s = i;
    let v = 0;
    while (i < end && i - s < 4 && isDigit(t.charCodeAt(i))) v = v * 10 + (t.charCodeAt(i++) - C.D0);
    if (i === s || i - s > 3 || v > 255) return -1;
    value = value * 256 + v;
  }
  return i === end ? value : -1;
}

const ipv6Scratch = new Uint16Array(8);

/**
 * Validate the IPv6 address t[start, end) (without brackets), RFC 4291 text form as written in
 * RFC 3261 §25.1, tolerating the "::" ":" IPv4 form that the RFC 3261 ABNF produces (RFC 5118
 * §4.10). When `out` is given it receives the eight 16-bit groups.
 */
function parseIPv6(t: string, start: number, end: number, out?: Uint16Array): boolean {
  const g = ipv6Scratch;
  let n = 0;
  let gap = -1;
  let i = start;
  if (i >= end) return false;
  if (t.charCodeAt(i) === C.COLON) {
    if (i + 1 >= end || t.charCodeAt(i + 1) !== C.COLON) return false;
    gap = 0;
    i += 2;
    if (i < end && t.charCodeAt(i) === C.COLON) {
      // ":::192.0.2.1" (RFC 5118 §4.10)
      const v4 = parseIPv4(t, i + 1, end);
      if (v4 < 0) return false;
      g[n++] = v4 >>> 16;
      g[n++] = v4 & 0xffff;
      i = end;
    }
  }
  while (i < end) {
    let j = i;
    let v = 0;
    while (j < end && j - i < 5) {
      const h = hexVal(t.charCodeAt(j));
      if (h < 0) break;
      v = v * 16 + h;
      j++;
    }
    if (j < end && t.charCodeAt(j) === C.DOT) {
      // Trailing IPv4address (it must end the address).
      if (n > 6) return false;
      const v4 = parseIPv4(t, i, end);
      if (v4 < 0) return false;
      g[n++] = Math.floor(v4 / 65536);
      g[n++] = v4 % 65536;
      i = end;
      break;
    }
    if (j === i || j - i > 4 || n >= 8) return false;
    g[n++] = v;
    i = j;
    if (i === end) break;
    if (t.charCodeAt(i) !== C.COLON) return false;
    i++;
    if (i === end) return false; // a single trailing ':'
    if (t.charCodeAt(i) === C.COLON) {
      if (gap >= 0) return false;
      gap = n;
      i++;
      if (i < end && t.charCodeAt(i) === C.COLON) {
        // "2001:db8:::192.0.2.1" (RFC 5118 §4.10)
        if (n > 6) return false;
        const v4 = parseIPv4(t, i + 1, end);
        if (v4 < 0) return false;
        g[n++] = Math.floor(v4 / 65536);
        g[n++] = v4 % 65536;
        i = end;
      }
    }
  }
  if (gap >= 0 ? n > 7 : n !== 8) return false;
  if (out) {
    out.fill(0);
    if (gap < 0) for (let k = 0; k < 8; k++) out[k] = g[k];
    else {
      for (let k = 0; k < gap; k++) out[k] = g[k];
      const tail = n - gap;
      for (let k = 0; k < tail; k++) out[8 - tail + k] = g[gap + k];
    }
  }
  return true;
}

function isIPv6Char(c: number): boolean {
  return hexVal(c) >= 0 || c === C.COLON || c === C.DOT;
}

/**
 * Check t[start, end) as hostname / IPv4address (no brackets). Returns null when valid, else
 * the problem. hostname = *( domainlabel "." ) toplabel [ "." ]; a toplabel starts with a letter,
 * so an all-numeric host must be a dotted quad with octets 0..255.
 */
function hostNameProblem(t: string, start: number, end: number): string | null {
  if (start >= end) return 'empty host';
  let i = start;
  let numeric = true;
  let lastLabel = start;
  let trailingDot = false;
  for (;;) {
    const ls = i;
    while (i < end) {
      const c = t.charCodeAt(i);
      if (c === C.DOT) break;
      if (!isDigit(c)) {
        if (!isAlpha(c) && c !== C.DASH) return `invalid character in host ${excerpt(t.slice(start, end))}`;
        numeric = false;
      }
      i++;
    }
    if (i === ls) return `empty label in host ${excerpt(t.slice(start, end))}`;
    if (t.charCodeAt(ls) === C.DASH || t.charCodeAt(i - 1) === C.DASH) {
      return `a host label may not start or end with '-' in ${excerpt(t.slice(start, end))}`;
    }
    lastLabel = ls;
    if (i === end) break;
    i++;
    if (i === end) {
      trailingDot = true;
      break;
    }
  }
  if (numeric) {
    if (trailingDot || parseIPv4(t, start, end) < 0) return `invalid IPv4 address ${excerpt(t.slice(start, end))}`;
    return null;
  }
  if (!isAlpha(t.charCodeAt(lastLabel))) {
    return `the last label of host ${excerpt(t.slice(start, end))} must start with a letter`;
  }
  return null;
}

/** Whether t[start, ...) looks like an IPv6 address written without brackets (two or more ':'). */
function looksLikeBareIPv6(t: string, start: number, end: number): boolean {
  let colons = 0;
  for (let i = start; i < end; i++) {
    const c = t.charCodeAt(i);
    if (c === C.COLON) colons++;
    else if (!isIPv6Char(c)) break;
  }
  return colons >= 2;
}

function bareIPv6(s: Scanner, start: number): never {
  return s.fail('an IPv6 address in a URI must be enclosed in brackets (RFC 5118 §4.2)', start);
}

/**
 * The end of the hostname or IPv4address starting at t[start] when it is valid as written and
 * in a common form, else -1. One pass that checks what hostNameProblem checks (labels not
 * empty, not starting or ending with '-', the last one starting with a letter, or a dotted quad
 * of octets 0..255); anything else (a trailing dot, an error) goes to readHost's full checks,
 * which give the precise message.
 */
function scanCommonHost(t: string, start: number, end: number): number {
  let i = start;
  let labelStart = start;
  let numeric = true; // only digits and dots so far
  let dots = 0;
  let octet = 0;
  for (; i < end; i++) {
    const c = t.charCodeAt(i);
    if (c >= C.D0 && c <= C.D9) {
      octet = octet * 10 + (c - C.D0);
    } else if (c === C.DOT) {
      if (i === labelStart || t.charCodeAt(i - 1) === C.DASH) return -1;
      if (numeric && (i - labelStart > 3 || octet > 255)) return -1;
      dots++;
      octet = 0;
      labelStart = i + 1;
    } else if (isAlpha(c)) {
      numeric = false;
    } else if (c === C.DASH) {
      if (i === labelStart) return -1;
      numeric = false;
    } else break;
  }
  if (i === labelStart || t.charCodeAt(i - 1) === C.DASH) return -1;
  if (numeric) return dots === 3 && i - labelStart <= 3 && octet <= 255 ? i : -1;
  return isAlpha(t.charCodeAt(labelStart)) ? i : -1;
}

/** host (RFC 3261 §25.1, RFC 5118): returned as written, an IPv6 reference with its brackets. */
function readHost(s: Scanner): string {
  const t = s.text;
  const start = s.pos;
  const end = s.end;
  const common = scanCommonHost(t, start, end);
  if (common > 0) {
    s.pos = common;
    return t.slice(start, common);
  }
  if (start >= end) s.fail('expected host');
  if (t.charCodeAt(start) === C.LBRACKET) {
    let i = start + 1;
    while (i < end && isIPv6Char(t.charCodeAt(i))) i++;
    if (i >= end || t.charCodeAt(i) !== C.RBRACKET) {
      if (i >= end) s.fail('unterminated IPv6 reference', start);
      s.fail(`unexpected ${describe(t, i)} in IPv6 reference`, i);
    }
    if (!parseIPv6(t, start + 1, i)) s.fail(`invalid IPv6 address ${excerpt(t.slice(start, i + 1))}`, start);
    s.pos = i + 1;
    return t.slice(start, i + 1);
  }
  let i = start;
  while (i < end) {
    const c = t.charCodeAt(i);
    if (isDigit(c) || isAlpha(c) || c === C.DOT || c === C.DASH) i++;
    else break;
  }
  if (i === start) s.fail(`expected host, found ${describe(t, start)}`, start);
  const problem = hostNameProblem(t, start, i);
  if (problem !== null) {
    if (looksLikeBareIPv6(t, start, end)) bareIPv6(s, start);
    s.fail(problem, start);
  }
  s.pos = i;
  return t.slice(start, i);
}

/** Validation of a host given to a constructor; accepts a bare IPv6 address and adds brackets. */
function checkHost(host: string, what: string): string {
  if (typeof host !== 'string' || host.length === 0) throw new SIPBuildError(`${what}: a host is required`);
  if (host.charCodeAt(0) === C.LBRACKET) {
    if (host.charCodeAt(host.length - 1) !== C.RBRACKET || !parseIPv6(host, 1, host.length - 1)) {
      throw new SIPBuildError(`${what}: invalid IPv6 reference ${excerpt(host)}`);
    }
    return host;
  }
  if (host.includes(':')) {
    if (!parseIPv6(host, 0, host.length)) throw new SIPBuildError(`${what}: invalid host ${excerpt(host)}`);
    return `[${host}]`;
  }
  const problem = hostNameProblem(host, 0, host.length);
  if (problem !== null) throw new SIPBuildError(`${what}: ${problem}`);
  return host;
}

function hostTypeOf(host: string): HostType {
  if (host.charCodeAt(0) === C.LBRACKET) return 'ipv6';
  return parseIPv4(host, 0, host.length) >= 0 ? 'ipv4' : 'name';
}

/** Canonical text of a host for comparison: IP addresses normalised, names lower-cased. */
function hostKey(host: string): string {
  if (host.charCodeAt(0) === C.LBRACKET) {
    const g = new Uint16Array(8);
    if (parseIPv6(host, 1, host.length - 1, g)) {
      let s = '[';
      for (let k = 0; k < 8; k++) s += (k ? ':' : '') + g[k].toString(16);
      return s + ']';
    }
  } else {
    const v = parseIPv4(host, 0, host.length);
    if (v >= 0) return `${(v / 16777216) | 0}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  return host.toLowerCase();
}

function hostsEqual(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length === b.length && a.toLowerCase() === b.toLowerCase()) return true;
  return hostKey(a) === hostKey(b);
}

function checkPort(port: number | undefined, what: string): number | undefined {
  if (port === undefined) return undefined;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SIPBuildError(`${what}: port ${port} is not in 1..65535`);
  return port;
}

// ---------------------------------------------------------------------------------------------
// SIP / SIPS URIs.

/** uri-parameters whose presence in only one URI makes two URIs differ (RFC 3261 §19.1.4). */
const SIGNIFICANT_PARAMS = new Set(['user', 'ttl', 'method', 'maddr', 'transport']);

export interface SipURIInit {
  scheme?: 'sip' | 'sips';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params?: Params | Record<string, string | null | number | boolean | undefined>;
  headers?: Params | Record<string, string | undefined>;
}

/**
 * Passed by makeSip to the constructor, which then skips its checks and copies (the parser has
 * validated the parts) and makeSip sets the fields. Going through the constructor rather than
 * Object.create gives parsed and built URIs one hidden class with every field in the object.
 */
const FROM_PARSER: SipURIInit = Object.freeze({ host: '' });

export class SipURI {
  scheme: 'sip' | 'sips' = 'sip';
  /** Unescaped user (or telephone-subscriber); may hold ';', '?', '/', '%00'... */
  user: string | undefined = undefined;
  /** Unescaped password; '' for `sip:user:@host`. */
  password: string | undefined = undefined;
  /** As written; an IPv6 reference keeps its brackets, e.g. "[2001:db8::10]". */
  host: string = '';
  /** 1..65535; undefined when absent (which is not the same as 5060, RFC 3261 §19.1.4). */
  port: number | undefined = undefined;
  /**
   * @internal the uri-parameters, or undefined for none yet: many parsed URIs have none, and
   * `params` creates the empty Params on first read instead of every parse allocating one. A
   * string is the parameters as received (`;name[=value]...`, checked by the parser), split
   * on first use: the stack reads the URIs of Contact, Route and Record-Route on every message
   * but their parameters only when it sends a request to them.
   */
  private prms: Params | string | undefined = undefined;
  /**
   * @internal the `?name=value&...` header components, or undefined for none yet: nearly every
   * parsed URI has none, and `headers` creates the empty Params on first read instead of every
   * parse allocating one (the parser makes several URIs per message).
   */
  private hdrs: Params | undefined = undefined;

  /** Throws SIPBuildError for an invalid host, port or scheme. A bare IPv6 host gets brackets. */
  constructor(init: SipURIInit) {
    // The checks live in initSip so that this body stays small enough for V8 to inline into
    // the parsers, which construct every URI they read through here (FROM_PARSER).
    if (init !== FROM_PARSER) initSip(this, init);
  }

  /**
   * @internal a SipURI from parts a parser validated. `params` is the parameters' text as
   * received, in the form parseSipFast reads (`;name[=value]`, paramchars only, no %-escape),
   * or undefined for none; it is split on first use.
   */
  static fromParts(scheme: 'sip' | 'sips', user: string | undefined, host: string, port: number | undefined, params: string | undefined): SipURI {
    const u = makeSip(scheme, user, undefined, host, port, undefined, undefined);
    if (params !== undefined) u.prms = params;
    return u;
  }

  /** The parameters, split from their text the first time they are needed; undefined for none yet. */
  private get ownParams(): Params | undefined {
    const p = this.prms;
    if (typeof p !== 'string') return p;
    const params = new Params();
    readPlainUriParams(p, 0, p.length, params);
    return (this.prms = params);
  }

  /** uri-parameters, names and values unescaped; a flag (`;lr`) has the value null. */
  get params(): Params {
    return this.ownParams ?? (this.prms = new Params());
  }

  set params(value: Params) {
    this.prms = value;
  }

  /** `?name=value&...` header components, unescaped. */
  get headers(): Params {
    return (this.hdrs ??= new Params());
  }

  set headers(value: Params) {
    this.hdrs = value;
  }

  get hostType(): HostType {
    return hostTypeOf(this.host);
  }

  /** The `transport` parameter, lower-cased; undefined when absent. */
  get transport(): string | undefined {
    const v = this.ownParams?.get('transport');
    return v == null ? undefined : v.toLowerCase();
  }

  /** Set (lower-cased) or, with undefined, delete the `transport` parameter. */
  set transport(v: string | undefined) {
    if (v === undefined) {
      while (this.params.delete('transport'));
      return;
    }
    if (!isToken(v)) throw new SIPBuildError(`SipURI: bad transport ${excerpt(String(v))}`);
    this.params.set('transport', v.toLowerCase());
  }

  /** Whether the `lr` parameter is present (RFC 3261 §19.1.1 loose routing). */
  get lr(): boolean {
    return this.ownParams?.has('lr') ?? false;
  }

  set lr(v: boolean) {
    if (v) {
      if (!this.params.has('lr')) this.params.add('lr', null);
    } else while (this.params.delete('lr'));
  }

  get maddr(): string | undefined {
    return this.ownParams?.get('maddr') ?? undefined;
  }

  /** scheme === 'sips' */
  get secure(): boolean {
    return this.scheme === 'sips';
  }

  /** The host without IPv6 brackets, for socket APIs. */
  get hostAddress(): string {
    const h = this.host;
    return h.charCodeAt(0) === C.LBRACKET && h.charCodeAt(h.length - 1) === C.RBRACKET ? h.slice(1, -1) : h;
  }

  clone(): SipURI {
    return makeSip(this.scheme, this.user, this.password, this.host, this.port, this.ownParams?.clone(), this.hdrs?.clone());
  }

  /** RFC 3261 §19.1.4. Not transitive (parameters present in only one URI are mostly ignored). */
  equals(other: URI): boolean {
    if (!(other instanceof SipURI)) return false;
    if (this === other) return true;
    if (this.scheme !== other.scheme) return false;
    if (this.user !== other.user || this.password !== other.password) return false;
    if (this.port !== other.port) return false;
    if (!hostsEqual(this.host, other.host)) return false;
    return uriParamsMatch(this.ownParams ?? EMPTY_PARAMS, other.ownParams ?? EMPTY_PARAMS) && headersMatch(this.hdrs ?? EMPTY_PARAMS, other.hdrs ?? EMPTY_PARAMS);
  }

  toString(): string {
    let s = this.scheme + ':';
    if (this.user) {
      s += escape(this.user, USER);
      if (this.password !== undefined) s += ':' + escape(this.password, PASSWORD);
      s += '@';
    }
    const h = this.host;
    // A bare IPv6 address assigned to `host` is written as the reference it must be (RFC 5118 §4.2).
    s += h.charCodeAt(0) !== C.LBRACKET && h.includes(':') ? '[' + h + ']' : h;
    if (this.port !== undefined) s += ':' + this.port;
    const params = this.ownParams;
    if (params !== undefined) for (const [name, value] of params.entries()) {
      s += ';' + escape(name, PARAM);
      if (value !== null) s += '=' + escape(value, PARAM);
    }
    let first = true;
    if (this.hdrs !== undefined) for (const [name, value] of this.hdrs.entries()) {
      s += (first ? '?' : '&') + escape(name, HEADER);
      if (value !== null) s += '=' + escape(value, HEADER);
      first = false;
    }
    return s;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Stands for absent parameters or header components in comparisons (never handed out, so never written to). */
const EMPTY_PARAMS = new Params();

/** The public constructor's work: checks and copies of a SipURIInit. */
function initSip(u: SipURI, init: SipURIInit): void {
  const scheme = init.scheme ?? 'sip';
  if (scheme !== 'sip' && scheme !== 'sips') throw new SIPBuildError(`SipURI: bad scheme ${excerpt(String(scheme))}`);
  u.scheme = scheme;
  u.user = init.user === '' ? undefined : init.user;
  u.password = init.password;
  if (u.password !== undefined && u.user === undefined) throw new SIPBuildError('SipURI: a password needs a user');
  u.host = checkHost(init.host, 'SipURI');
  u.port = checkPort(init.port, 'SipURI');
  u.params = Params.from(init.params);
  u.headers = Params.from(init.headers);
}

/** Parameter values by lower-cased name, in order (a name may, against the RFC, repeat). */
function groupParams(p: Params): Map<string, (string | null)[]> {
  const m = new Map<string, (string | null)[]>();
  for (const [name, value] of p.entries()) {
    const k = name.toLowerCase();
    const list = m.get(k);
    if (list) list.push(value);
    else m.set(k, [value]);
  }
  return m;
}

/**
 * RFC 3261 §19.1.4: a parameter present in both must match (case-insensitively; a flag only
 * matches a flag); user, ttl, method, maddr and transport present in only one never match; other
 * parameters present in only one are ignored.
 */
function uriParamsMatch(a: Params, b: Params): boolean {
  if (a.size === 0 && b.size === 0) return true;
  const ma = groupParams(a);
  const mb = groupParams(b);
  for (const [k, va] of ma) {
    const vb = mb.get(k);
    if (vb === undefined) {
      if (SIGNIFICANT_PARAMS.has(k)) return false;
      continue;
    }
    if (va.length !== vb.length) return false;
    for (let i = 0; i < va.length; i++) {
      const x = va[i];
      const y = vb[i];
      if (x === y) continue;
      if (x === null || y === null || x.toLowerCase() !== y.toLowerCase()) return false;
    }
  }
  for (const k of mb.keys()) if (!ma.has(k) && SIGNIFICANT_PARAMS.has(k)) return false;
  return true;
}

function sortedHeaders(p: Params): [string, string | null][] {
  const list: [string, string | null][] = [];
  for (const [name, value] of p.entries()) list.push([name.toLowerCase(), value]);
  return list.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] === y[1] ? 0 : x[1] === null ? -1 : y[1] === null ? 1 : x[1] < y[1] ? -1 : 1));
}

/** Header components are never ignored: the same multiset of (name, exact value) pairs. */
function headersMatch(a: Params, b: Params): boolean {
  if (a.size !== b.size) return false;
  if (a.size === 0) return true;
  const x = sortedHeaders(a);
  const y = sortedHeaders(b);
  for (let i = 0; i < x.length; i++) if (x[i][0] !== y[i][0] || x[i][1] !== y[i][1]) return false;
  return true;
}

/** Parse what follows "sip:" / "sips:" (s.pos is just after the colon). */
function parseSipRest(s: Scanner, scheme: 'sip' | 'sips'): SipURI {
  const t = s.text;
  const end = s.end;
  let user: string | undefined;
  let password: string | undefined;

  // userinfo is present iff there is an '@': none of the later components may hold one.
  const at = t.indexOf('@', s.pos);
  if (at >= 0 && at < end) {
    const us = s.pos;
    scan(s, USER, at, 'user part');
    if (s.pos === us) {
      if (s.pos < at && t.charCodeAt(s.pos) !== C.COLON && t.charCodeAt(s.pos) !== C.PERCENT) unexpected(s);
      s.fail(s.pos === at ? "empty user part before '@'" : 'empty user part', us);
    }
    user = unescape(t, us, s.pos, sawEscape);
    if (s.pos < at) {
      if (t.charCodeAt(s.pos) !== C.COLON) s.fail(`unexpected ${describe(t, s.pos)} in user part`);
      s.pos++;
      const ps = s.pos;
      scan(s, PASSWORD, at, 'password');
      if (s.pos < at) s.fail(`unexpected ${describe(t, s.pos)} in password`);
      password = unescape(t, ps, at, sawEscape);
    }
    s.pos = at + 1;
  }

  const hostStart = s.pos;
  const host = readHost(s);

  let port: number | undefined;
  if (s.pos < end && t.charCodeAt(s.pos) === C.COLON) {
    s.pos++;
    const ps = s.pos;
    if (ps >= end || !isDigit(t.charCodeAt(ps))) {
      if (host.charCodeAt(0) !== C.LBRACKET && looksLikeBareIPv6(t, hostStart, end)) bareIPv6(s, hostStart);
      s.fail('expected port after \':\'');
    }
    port = s.uint(65535, 'port');
    if (port === 0) s.fail('port 0 is not allowed', ps);
    if (s.pos < end && t.charCodeAt(s.pos) === C.COLON && looksLikeBareIPv6(t, hostStart, end)) bareIPv6(s, hostStart);
  }

  const params = new Params();
  while (s.pos < end && t.charCodeAt(s.pos) === C.SEMI) {
    s.pos++;
    const ns = s.pos;
    scan(s, PARAM, end, 'URI parameter name');
    if (s.pos === ns) missingName(s, 'URI parameter');
    const name = unescape(t, ns, s.pos, sawEscape);
    let value: string | null = null;
    if (s.pos < end && t.charCodeAt(s.pos) === C.EQUAL) {
      s.pos++;
      const vs = s.pos;
      scan(s, PARAM, end, `URI parameter '${name.length > 20 ? name.slice(0, 20) + '...' : name}'`);
      value = unescape(t, vs, s.pos, sawEscape);
    }
    params.add(name, value);
  }

  let headers: Params | undefined;
  if (s.pos < end && t.charCodeAt(s.pos) === C.QUESTION) {
    headers = new Params();
    do {
      s.pos++;
      const ns = s.pos;
      scan(s, HEADER, end, 'URI header name');
      if (s.pos === ns) missingName(s, 'URI header');
      const name = unescape(t, ns, s.pos, sawEscape);
      let value: string | null = null;
      if (s.pos < end && t.charCodeAt(s.pos) === C.EQUAL) {
        s.pos++;
        const vs = s.pos;
        scan(s, HEADER, end, 'URI header value');
        value = unescape(t, vs, s.pos, sawEscape);
      }
      headers.add(name, value);
    } while (s.pos < end && t.charCodeAt(s.pos) === C.AMP);
  }

  if (s.pos < end) unexpected(s);
  return makeSip(scheme, user, password, host, port, params, headers);
}

/** No name after ';', '?' or '&' (s.pos is where it should start). */
function missingName(s: Scanner, what: string): never {
  if (s.pos >= s.end) s.fail(`empty ${what} at the end of the URI`);
  const c = s.text.charCodeAt(s.pos);
  if (c === C.SP || c === C.HT || c === C.CR || c === C.LF) unexpected(s);
  return s.fail(`expected a ${what} name, found ${describe(s.text, s.pos)}`);
}

function unexpected(s: Scanner): never {
  const t = s.text;
  const c = t.charCodeAt(s.pos);
  if (c === C.SP || c === C.HT || c === C.CR || c === C.LF) s.fail('whitespace is not allowed inside a URI (RFC 4475 §3.1.2.7)');
  if (c === C.AT) s.fail("unexpected '@' (a URI holds at most one unescaped '@')");
  return s.fail(`unexpected ${describe(t, s.pos)} in URI`);
}

// ---------------------------------------------------------------------------------------------
// tel URIs (RFC 3966).

export interface TelURIInit {
  /** The number as written, with or without visual separators: "+1-201-555-0123", "7042". */
  number: string;
  params?: Params | Record<string, string | null | number | boolean | undefined>;
}

/** Problem with an (unescaped) telephone number, or null. */
function telNumberProblem(n: string): string | null {
  if (n.length === 0) return 'empty telephone number';
  let digits = 0;
  if (n.charCodeAt(0) === C.PLUS) {
    for (let i = 1; i < n.length; i++) {
      const c = n.charCodeAt(i);
      if (isDigit(c)) digits++;
      else if (c !== C.DASH && c !== C.DOT && c !== C.LPAREN && c !== C.RPAREN) return `invalid character in global number ${excerpt(n)}`;
    }
    return digits > 0 ? null : `global number ${excerpt(n)} has no digits`;
  }
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (hexVal(c) >= 0 || c === C.STAR || c === C.HASH) digits++;
    else if (c !== C.DASH && c !== C.DOT && c !== C.LPAREN && c !== C.RPAREN) return `invalid character in local number ${excerpt(n)}`;
  }
  return digits > 0 ? null : `local number ${excerpt(n)} has no digits`;
}

/** Remove visual separators "-.()" and lower-case (RFC 3966 §4). */
function telDigits(n: string): string {
  let out = '';
  for (let i = 0; i < n.length; i++) {
    const c = n.charCodeAt(i);
    if (c !== C.DASH && c !== C.DOT && c !== C.LPAREN && c !== C.RPAREN) out += n[i];
  }
  return out.toLowerCase();
}

export class TelURI {
  readonly scheme = 'tel' as const;
  /** The subscriber number, unescaped, with its visual separators as written. */
  number: string;
  /** isub, ext, phone-context and other parameters; values unescaped. */
  params: Params;

  /** Throws SIPBuildError for a malformed number. */
  constructor(init: TelURIInit) {
    const problem = telNumberProblem(typeof init.number === 'string' ? init.number : '');
    if (problem !== null) throw new SIPBuildError(`TelURI: ${problem}`);
    this.number = init.number;
    this.params = Params.from(init.params);
  }

  /** A global number starts with '+'. */
  get global(): boolean {
    return this.number.charCodeAt(0) === C.PLUS;
  }

  get phoneContext(): string | undefined {
    return this.params.get('phone-context') ?? undefined;
  }

  clone(): TelURI {
    return makeTel(this.number, this.params.clone());
  }

  /** RFC 3966 §4: same kind, same digits without separators, same parameter set; case-insensitive. */
  equals(other: URI): boolean {
    if (!(other instanceof TelURI)) return false;
    if (this === other) return true;
    if (this.global !== other.global) return false;
    if (telDigits(this.number) !== telDigits(other.number)) return false;
    return telParamsMatch(this.params, other.params);
  }

  toString(): string {
    let s = 'tel:' + escape(this.number, TELNUM);
    for (const [name, value] of this.params.entries()) {
      s += ';' + escape(name, PNAME);
      if (value !== null) s += '=' + escape(value, PARAM);
    }
    return s;
  }

  toJSON(): string {
    return this.toString();
  }
}

function telParamValue(name: string, v: string): string {
  const n = name.toLowerCase();
  if (n === 'phone-context' || n === 'ext') return v.charCodeAt(0) === C.PLUS || n === 'ext' ? telDigits(v) : v.toLowerCase();
  return v.toLowerCase();
}

/** RFC 3966 §4: the same parameter names on both sides, with matching values. */
function telParamsMatch(a: Params, b: Params): boolean {
  if (a.size === 0 && b.size === 0) return true;
  const ma = groupParams(a);
  const mb = groupParams(b);
  if (ma.size !== mb.size) return false;
  for (const [k, va] of ma) {
    const vb = mb.get(k);
    if (vb === undefined || va.length !== vb.length) return false;
    for (let i = 0; i < va.length; i++) {
      const x = va[i];
      const y = vb[i];
      if (x === y) continue;
      if (x === null || y === null || telParamValue(k, x) !== telParamValue(k, y)) return false;
    }
  }
  return true;
}

function parseTelRest(s: Scanner): TelURI {
  const t = s.text;
  const end = s.end;
  const ns = s.pos;
  let i = ns;
  let esc = false;
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c === C.SEMI) break;
    if (c === C.PERCENT) {
      if (i + 2 >= end || hexVal(t.charCodeAt(i + 1)) < 0 || hexVal(t.charCodeAt(i + 2)) < 0) s.fail('bad %-escape in telephone number', i);
      esc = true;
      i += 3;
    } else if (c === C.HASH || (c < 128 && (CLASS[c] & TELNUM) !== 0)) i++;
    else {
      s.pos = i;
      unexpected(s);
    }
  }
  const number = unescape(t, ns, i, esc);
  const problem = telNumberProblem(number);
  if (problem !== null) s.fail(problem, ns);
  s.pos = i;
  const params = new Params();
  while (s.pos < end && t.charCodeAt(s.pos) === C.SEMI) {
    s.pos++;
    const ps = s.pos;
    scan(s, PNAME, end, 'tel parameter name');
    if (s.pos === ps) missingName(s, 'tel parameter');
    const name = unescape(t, ps, s.pos, sawEscape);
    let value: string | null = null;
    if (s.pos < end && t.charCodeAt(s.pos) === C.EQUAL) {
      s.pos++;
      const vs = s.pos;
      scan(s, PARAM, end, `tel parameter '${name.length > 20 ? name.slice(0, 20) + '...' : name}'`);
      value = unescape(t, vs, s.pos, sawEscape);
    }
    params.add(name, value);
  }
  if (s.pos < end) unexpected(s);
  return makeTel(number, params);
}

// ---------------------------------------------------------------------------------------------
// Other absolute URIs.

export interface AbsoluteURIInit {
  /** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); stored lower-cased. */
  scheme: string;
  /** Everything after the ':' as written (already escaped). */
  rest: string;
}

/** Index where the scheme-specific part t[start, end) stops being valid, or -1 with problem. */
function restProblem(t: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = t.charCodeAt(i);
    if (c < 128 && (CLASS[c] & URIC) !== 0) continue;
    if (c === C.PERCENT && i + 2 < end && hexVal(t.charCodeAt(i + 1)) >= 0 && hexVal(t.charCodeAt(i + 2)) >= 0) {
      i += 2;
      continue;
    }
    return i;
  }
  return -1;
}

function isScheme(s: string): boolean {
  if (s.length === 0 || !isAlpha(s.charCodeAt(0))) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (CLASS[c] & SCHEME) === 0) return false;
  }
  return true;
}

/** Percent-encoding normalised (RFC 3986 §6.2.2.1-2): unreserved decoded, hex upper-cased. */
function normalizeEscapes(r: string): string {
  if (!r.includes('%')) return r;
  let out = '';
  for (let i = 0; i < r.length; i++) {
    const c = r.charCodeAt(i);
    if (c === C.PERCENT && i + 2 < r.length) {
      const b = hexVal(r.charCodeAt(i + 1)) * 16 + hexVal(r.charCodeAt(i + 2));
      if (b >= 0) {
        const alnum = (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122);
        out += alnum || b === 45 || b === 46 || b === 95 || b === 126 ? String.fromCharCode(b) : PCT[b];
        i += 2;
        continue;
      }
    }
    out += r[i];
  }
  return out;
}

/** Any other absoluteURI (RFC 3261 §25.1): "nobodyKnowsThisScheme:...", "soap.beep://...". */
export class AbsoluteURI {
  /** Lower-cased scheme. */
  scheme: string;
  /** Everything after the ':' as written. */
  rest: string;

  /** Throws SIPBuildError for a malformed scheme or scheme-specific part. */
  constructor(init: AbsoluteURIInit) {
    if (typeof init.scheme !== 'string' || !isScheme(init.scheme)) throw new SIPBuildError(`AbsoluteURI: bad scheme ${excerpt(String(init.scheme))}`);
    const rest = typeof init.rest === 'string' ? init.rest : '';
    if (rest.length === 0 || restProblem(rest, 0, rest.length) >= 0) throw new SIPBuildError(`AbsoluteURI: bad URI text ${excerpt(rest)}`);
    this.scheme = init.scheme.toLowerCase();
    this.rest = rest;
  }

  clone(): AbsoluteURI {
    return makeAbsolute(this.scheme, this.rest);
  }

  /** Same scheme and same text after percent-encoding normalisation (RFC 3986 §6.2.2). */
  equals(other: URI): boolean {
    if (!(other instanceof AbsoluteURI)) return false;
    return this.scheme === other.scheme && (this.rest === other.rest || normalizeEscapes(this.rest) === normalizeEscapes(other.rest));
  }

  toString(): string {
    return this.scheme + ':' + this.rest;
  }

  toJSON(): string {
    return this.toString();
  }
}

export type URI = SipURI | TelURI | AbsoluteURI;

// The parser builds URIs from parts it has already validated, without the constructors' checks
// and copies.

function makeSip(
  scheme: 'sip' | 'sips',
  user: string | undefined,
  password: string | undefined,
  host: string,
  port: number | undefined,
  params: Params | undefined,
  headers: Params | undefined,
): SipURI {
  const u = new SipURI(FROM_PARSER);
  u.scheme = scheme;
  u.user = user;
  u.password = password;
  u.host = host;
  u.port = port;
  if (params !== undefined) u.params = params;
  if (headers !== undefined) u.headers = headers;
  return u;
}

function makeTel(number: string, params: Params): TelURI {
  const u: TelURI = Object.create(TelURI.prototype);
  (u as { scheme: 'tel' }).scheme = 'tel';
  u.number = number;
  u.params = params;
  return u;
}

function makeAbsolute(scheme: string, rest: string): AbsoluteURI {
  const u: AbsoluteURI = Object.create(AbsoluteURI.prototype);
  u.scheme = scheme;
  u.rest = rest;
  return u;
}

// ---------------------------------------------------------------------------------------------
// Entry points.

const enum Kind {
  Sip,
  Sips,
  Tel,
  Other,
}

/** Read `scheme ":"`; leaves s.pos after the colon. */
function readScheme(s: Scanner): Kind {
  const t = s.text;
  const end = s.end;
  if (end === 0) s.fail('empty URI', 0);
  const c0 = t.charCodeAt(0);
  if (!isAlpha(c0)) {
    if (c0 === C.LT) s.fail("a URI may not be enclosed in '<' '>' here (RFC 4475 §3.1.2.5)", 0);
    if (c0 === C.SP || c0 === C.HT || c0 === C.CR || c0 === C.LF) s.fail('whitespace is not allowed inside a URI', 0);
    s.fail(`a URI must start with a scheme, found ${describe(t, 0)}`, 0);
  }
  let i = 1;
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c >= 128 || (CLASS[c] & SCHEME) === 0) break;
    i++;
  }
  if (i >= end || t.charCodeAt(i) !== C.COLON) {
    if (i >= end) s.fail("missing ':' after the URI scheme", i);
    s.fail(`unexpected ${describe(t, i)} in URI scheme`, i);
  }
  s.pos = i + 1;
  if (i === 3) {
    const a = t.charCodeAt(0) | 0x20;
    const b = t.charCodeAt(1) | 0x20;
    const c = t.charCodeAt(2) | 0x20;
    if (a === 115 && b === 105 && c === 112) return Kind.Sip; // sip
    if (a === 116 && b === 101 && c === 108) return Kind.Tel; // tel
  } else if (i === 4) {
    if (
      (t.charCodeAt(0) | 0x20) === 115 &&
      (t.charCodeAt(1) | 0x20) === 105 &&
      (t.charCodeAt(2) | 0x20) === 112 &&
      (t.charCodeAt(3) | 0x20) === 115
    ) {
      return Kind.Sips;
    }
  }
  return Kind.Other;
}

function badInput(text: unknown, context: string | undefined): never {
  throw new SIPParseError(`${context ? context + ': ' : ''}URI must be a string, got ${typeof text}`, { statusCode: 400, header: context, offset: 0 });
}

/**
 * The usual shape of a sip: or sips: URI, read in one forward pass without a Scanner:
 * `sip:[user@]host[:port]*(;name[=value])` with no %-escape, no password, no headers, and a
 * host in scanCommonHost's form. Returns undefined at anything else (the URI is then parsed
 * by parseSipRest, which accepts the rarer forms and words the errors); what it returns is
 * what parseSipRest returns.
 */
function parseSipFast(t: string): SipURI | undefined {
  const end = t.length;
  if (end < 5 || (t.charCodeAt(0) | 0x20) !== 115 || (t.charCodeAt(1) | 0x20) !== 105 || (t.charCodeAt(2) | 0x20) !== 112) return undefined;
  let p: number;
  let scheme: 'sip' | 'sips';
  const c3 = t.charCodeAt(3);
  if (c3 === C.COLON) {
    p = 4;
    scheme = 'sip';
  } else if ((c3 | 0x20) === 115 && t.charCodeAt(4) === C.COLON) {
    p = 5;
    scheme = 'sips';
  } else return undefined;
  let user: string | undefined;
  const at = t.indexOf('@', p);
  if (at >= 0) {
    let i = p;
    while (i < at) {
      const c = t.charCodeAt(i);
      if (c >= 128 || (CLASS[c] & USER) === 0) return undefined;
      i++;
    }
    if (i === p) return undefined;
    user = t.slice(p, at);
    p = at + 1;
  }
  const he = scanCommonHost(t, p, end);
  if (he <= 0) return undefined;
  const host = t.slice(p, he);
  p = he;
  let port: number | undefined;
  if (p < end && t.charCodeAt(p) === C.COLON) {
    const ds = ++p;
    let n = 0;
    for (; p < end; p++) {
      const c = t.charCodeAt(p);
      if (c < C.D0 || c > C.D9) break;
      n = n * 10 + (c - C.D0);
      if (n > 65535) return undefined;
    }
    if (p === ds || n === 0 || (p < end && t.charCodeAt(p) === C.COLON)) return undefined;
    port = n;
  }
  const params = new Params();
  if (readPlainUriParams(t, p, end, params) < end) return undefined;
  return makeSip(scheme, user, undefined, host, port, params, undefined);
}

/**
 * `*( ";" pname [ "=" pvalue ] )` at t[p] with paramchars only (no %-escape), as parseSipFast
 * reads it, added to `params`; the index where it stops (before an octet that cannot continue
 * it, or at a parameter with an empty name, which parseSipFast then refuses).
 */
function readPlainUriParams(t: string, p: number, end: number, params: Params): number {
  while (p < end && t.charCodeAt(p) === C.SEMI) {
    const ns = p + 1;
    let q = ns;
    while (q < end) {
      const c = t.charCodeAt(q);
      if (c >= 128 || (CLASS[c] & PARAM) === 0) break;
      q++;
    }
    if (q === ns) return p;
    const name = paramName(t, ns, q);
    let value: string | null = null;
    if (q < end && t.charCodeAt(q) === C.EQUAL) {
      const vs = ++q;
      while (q < end) {
        const c = t.charCodeAt(q);
        if (c >= 128 || (CLASS[c] & PARAM) === 0) break;
        q++;
      }
      value = t.slice(vs, q);
    }
    params.add(name, value);
    p = q;
  }
  return p;
}

/**
 * Parse any URI: sip:, sips:, tel:, or any other absoluteURI. `context` names the header for error
 * messages. Throws SIPParseError (statusCode 400), never anything else.
 */
export function parseURI(text: string, context?: string): URI {
  if (typeof text !== 'string') badInput(text, context);
  const fast = parseSipFast(text);
  if (fast !== undefined) return fast;
  const s = new Scanner(text, context);
  const kind = readScheme(s);
  switch (kind) {
    case Kind.Sip:
      return parseSipRest(s, 'sip');
    case Kind.Sips:
      return parseSipRest(s, 'sips');
    case Kind.Tel:
      return parseTelRest(s);
    default: {
      const colon = s.pos - 1;
      if (s.pos >= s.end) s.fail('empty URI after the scheme', s.pos);
      const bad = restProblem(text, s.pos, s.end);
      if (bad >= 0) {
        s.pos = bad;
        if (text.charCodeAt(bad) === C.PERCENT) s.fail('bad %-escape in URI', bad);
        unexpected(s);
      }
      return makeAbsolute(text.slice(0, colon).toLowerCase(), text.slice(s.pos));
    }
  }
}

/** Parse a sip: or sips: URI only; any other scheme is an error (SIPParseError, 400). */
export function parseSipURI(text: string, context?: string): SipURI {
  if (typeof text !== 'string') badInput(text, context);
  const fast = parseSipFast(text);
  if (fast !== undefined) return fast;
  const s = new Scanner(text, context);
  const kind = readScheme(s);
  if (kind !== Kind.Sip && kind !== Kind.Sips) s.fail(`expected a sip: or sips: URI, found scheme ${excerpt(text.slice(0, s.pos - 1))}`, 0);
  return parseSipRest(s, kind === Kind.Sips ? 'sips' : 'sip');
}

export function isSipURI(u: URI): u is SipURI {
  return u instanceof SipURI;
}
