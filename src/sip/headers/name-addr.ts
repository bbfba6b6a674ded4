/**
 * Address headers: From, To, Contact, Route, Record-Route, Refer-To, Referred-By, Reply-To,
 * P-Asserted-Identity (RFC 3261 §20.10, §20.20, §20.39, §20.30, §20.34, §25.1; RFC 3515; RFC 3892).
 *
 *   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *(token LWS) / quoted-string
 *   addr-spec    = SIP-URI / SIPS-URI / absoluteURI
 *
 * An addr-spec written without angle brackets ends at the first ';' (the rest are header
 * parameters, §20.10) and may not contain ',', '?' or ';' of its own.
 */
import { Params, plainQuotedEnd, quote, runAt, Scanner, scanParams, skipWsAt, TOKEN } from '../grammar.js';
import { SIPBuildError } from '../errors.js';
import { isSipURI, parseURI, type URI } from '../uri.js';
import { packSpan, spanEnd, spanStart } from '../wire-fields.js';

const enum C {
  SP = 32,
  HT = 9,
  DQUOTE = 34,
  STAR = 42,
  COMMA = 44,
  SEMI = 59,
  LAQUOT = 60,
  RAQUOT = 62,
}

export interface NameAddrInit {
  uri: URI | string;
  displayName?: string;
  params?: Params | Record<string, string | null | number | boolean | undefined>;
}

/**
 * Passed by makeNameAddr to the constructor, which then skips its copies (makeNameAddr sets the
 * fields from parsed parts). Parsed and built addresses share one hidden class this way.
 */
const FROM_PARSER: NameAddrInit = Object.freeze({ uri: '' });

export class NameAddr {
  displayName: string | undefined = undefined;
  /**
   * The header parameters, or undefined for none yet: To, Route, Record-Route and Contact
   * addresses mostly have none, and `params` creates the empty Params on first read instead of
   * every parse allocating one.
   */
  private prms: Params | undefined = undefined;
  private uriText: string | undefined = undefined;
  /**
   * From the fast parser: the received message text and the URI's packed span in it
   * (wire-fields.ts), from which `uriText` is cut if it is ever needed (nearly always the URI
   * is read first, and then the text is not needed at all).
   */
  private uriSrc: string | undefined = undefined;
  private uriSpan = 0;
  private parsedUri: URI | undefined = undefined;
  /** The fast parser's URI for `uriText`, handed out (as parsedUri) on first read. */
  private readyUri: URI | undefined = undefined;
  private header: string | undefined = undefined;

  constructor(init: NameAddrInit, header?: string) {
    if (init === FROM_PARSER) return;
    this.displayName = init.displayName;
    this.params = Params.from(init.params);
    this.header = header;
    if (typeof init.uri === 'string') this.uriText = init.uri;
    else this.parsedUri = init.uri;
  }

  /**
   * @internal an address from parts a parser validated: the URI as received (`uriText`) and
   * already parsed (`uri`); `params` is taken, not copied. It reads like an address the general
   * parser made: its text is the received one until the URI is first read, canonical after.
   */
  static fromParts(displayName: string | undefined, params: Params | undefined, header: string, src: string, uriStart: number, uriEnd: number, uri: URI): NameAddr {
    const na = makeNameAddr(undefined, displayName, params, header);
    na.uriSrc = src;
    na.uriSpan = packSpan(uriStart, uriEnd);
    na.readyUri = uri;
    return na;
  }

  /** The URI text as received (undefined once the URI was replaced). */
  private receivedUri(): string | undefined {
    const src = this.uriSrc;
    if (src !== undefined) {
      this.uriText = src.slice(spanStart(this.uriSpan), spanEnd(this.uriSpan));
      this.uriSrc = undefined;
    }
    return this.uriText;
  }

  /** Header parameters (`;tag=...`, `;expires=...`), in order; names compared case-insensitively. */
  get params(): Params {
    return (this.prms ??= new Params());
  }

  set params(value: Params) {
    this.prms = value;
  }

  /** @internal a header parameter's value (as Params.get) without creating an empty Params. */
  paramValue(name: string): string | null | undefined {
    return this.prms?.get(name);
  }

  /** The URI, parsed on first use (throws SIPParseError if it is malformed). */
  get uri(): URI {
    if (this.parsedUri === undefined) {
      this.parsedUri = this.readyUri ?? parseURI(this.receivedUri()!, this.header);
      this.readyUri = undefined;
    }
    return this.parsedUri;
  }

  set uri(value: URI) {
    this.parsedUri = value;
    this.readyUri = undefined;
    this.uriText = undefined;
    this.uriSrc = undefined;
  }

  get tag(): string | undefined {
    return this.prms?.get('tag') ?? undefined;
  }

  set tag(value: string | undefined) {
    if (value === undefined) this.params.delete('tag');
    else this.params.set('tag', value);
  }

  /** Contact `expires` parameter (RFC 3261 §20.10), undefined when absent or not a number. */
  get expires(): number | undefined {
    const v = this.prms?.get('expires');
    return v != null && /^\d{1,10}$/.test(v) && Number(v) <= 0xffffffff ? Number(v) : undefined;
  }

  /** Contact `q` preference 0..1 (RFC 3261 §20.10). */
  get q(): number | undefined {
    const v = this.prms?.get('q');
    return v != null && /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v) ? Number(v) : undefined;
  }

  /** A loose-routing Route/Record-Route entry (RFC 3261 §16.12, `;lr` on the URI). */
  get lr(): boolean {
    const u = this.uri;
    return isSipURI(u) && u.params.has('lr');
  }

  clone(): NameAddr {
    return new NameAddr({ uri: this.parsedUri ? this.parsedUri.clone() : this.receivedUri()!, displayName: this.displayName, params: this.prms?.clone() }, this.header);
  }

  /** Always in name-addr form, so URI parameters can never be mistaken for header parameters. */
  toString(): string {
    const uri = this.parsedUri ? this.parsedUri.toString() : this.receivedUri()!;
    const name = this.displayName === undefined ? '' : `${quote(this.displayName)} `;
    return `${name}<${uri}>${this.prms === undefined ? '' : this.prms.toString()}`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** `Contact: *` (RFC 3261 §10.2.2), allowed only alone and only in a REGISTER. */
export class ContactWildcard {
  readonly wildcard = true;
  params: Params;
  constructor(params: Params = new Params()) {
    this.params = params;
  }
  get expires(): number | undefined {
    const v = this.params.get('expires');
    return v != null && /^\d{1,10}$/.test(v) ? Number(v) : undefined;
  }
  toString(): string {
    return '*' + this.params.toString();
  }
  toJSON(): string {
    return this.toString();
  }
}

export type ContactValue = NameAddr | ContactWildcard;

/**
 * An address from parsed parts: the URI text is parsed on first use unless the parser gives it
 * parsed already (`uri`); `params` is taken, not copied.
 */
function makeNameAddr(uriText: string | undefined, displayName: string | undefined, params: Params | undefined, header: string, uri?: URI): NameAddr {
  const na = new NameAddr(FROM_PARSER);
  na.displayName = displayName;
  if (params !== undefined) na.params = params;
  // The fields are private to the class; this module builds them for the parser only.
  const fields = na as unknown as { uriText: string | undefined; header: string; parsedUri: URI | undefined };
  fields.uriText = uriText;
  fields.header = header;
  fields.parsedUri = uri;
  return na;
}

function isWs(c: number): boolean {
  return c === C.SP || c === C.HT;
}

/** Parse one name-addr or addr-spec at the scanner, followed by its header parameters. */
function parseOne(s: Scanner, header: string): NameAddr {
  const t = s.text;
  s.skipWs();
  let displayName: string | undefined;
  let c = s.peek();
  if (c === C.DQUOTE) {
    displayName = s.quotedString();
    s.skipWs();
    c = s.peek();
    if (c !== C.LAQUOT) s.fail("expected '<' after display name");
  } else if (c !== C.LAQUOT) {
    // Either *(token LWS) "<" or a bare addr-spec: look ahead for tokens followed by '<'.
    const start = s.pos;
    let p = s.pos;
    let sawToken = false;
    for (;;) {
      const q = p;
      while (p < s.end && t.charCodeAt(p) < 128 && TOKEN[t.charCodeAt(p)] === 1) p++;
      if (p === q) break;
      sawToken = true;
      while (p < s.end && isWs(t.charCodeAt(p))) p++;
    }
    if (sawToken && p < s.end && t.charCodeAt(p) === C.LAQUOT) {
      displayName = t.slice(start, p).trim();
      s.pos = p;
    } else {
      // addr-spec: ends at ';', ',', whitespace or the end (RFC 3261 §20.10).
      let e = s.pos;
      while (e < s.end) {
        const ch = t.charCodeAt(e);
        if (ch === C.SEMI || ch === C.COMMA || isWs(ch)) break;
        if (ch === 63 /* ? */) s.fail("a URI with headers ('?') must be in angle brackets", e);
        if (ch === C.LAQUOT || ch === C.RAQUOT || ch === C.DQUOTE) s.fail(`unexpected '${t[e]}' in addr-spec`, e);
        e++;
      }
      if (e === s.pos) s.fail('expected an address');
      const uriText = t.slice(s.pos, e);
      s.pos = e;
      const params = s.params();
      return makeNameAddr(uriText, undefined, params, header);
    }
  }
  // LAQUOT addr-spec RAQUOT, with no whitespace inside the brackets (RFC 4475 §3.1.2.14).
  const open = s.pos;
  const close = t.indexOf('>', open + 1);
  if (close < 0 || close >= s.end) s.fail("unterminated '<'", open);
  if (close === open + 1) s.fail('empty URI in angle brackets', open);
  if (isWs(t.charCodeAt(open + 1)) || isWs(t.charCodeAt(close - 1))) s.fail('whitespace inside angle brackets', open);
  const uriText = t.slice(open + 1, close);
  s.pos = close + 1;
  const params = s.params();
  return makeNameAddr(uriText, displayName, params, header);
}

/** Where the last successful parseOneFast stopped. */
let fastEnd = 0;

/**
 * The usual shapes of an address, `<uri>`, `"Name" <uri>` or `Name Name <uri>`, then header
 * parameters, read in one forward pass without a Scanner. Returns undefined at the first thing
 * it does not expect (a bare addr-spec, a quoted-pair in the display name, any error): the
 * value is then parsed again by parseOne, which accepts the rarer forms and words the errors.
 * On success fastEnd is where parseOne would have left the scanner.
 */
function parseOneFast(t: string, p: number, end: number, header: string): NameAddr | undefined {
  p = skipWsAt(t, p, end);
  if (p >= end) return undefined;
  let displayName: string | undefined;
  const c = t.charCodeAt(p);
  if (c === C.DQUOTE) {
    const close = plainQuotedEnd(t, p, end);
    if (close < 0) return undefined;
    displayName = t.slice(p + 1, close);
    p = skipWsAt(t, close + 1, end);
    if (p >= end || t.charCodeAt(p) !== C.LAQUOT) return undefined;
  } else if (c !== C.LAQUOT) {
    // display-name = *(token LWS), then '<'
    const start = p;
    let q = p;
    let sawToken = false;
    for (;;) {
      const r = q;
      q = runAt(t, q, end, TOKEN);
      if (q === r) break;
      sawToken = true;
      q = skipWsAt(t, q, end);
    }
    if (!sawToken || q >= end || t.charCodeAt(q) !== C.LAQUOT) return undefined;
    displayName = t.slice(start, q).trim();
    p = q;
  }
  // LAQUOT addr-spec RAQUOT, no whitespace just inside the brackets (RFC 4475 §3.1.2.14).
  const close = t.indexOf('>', p + 1);
  if (close < 0 || close >= end || close === p + 1) return undefined;
  if (isWs(t.charCodeAt(p + 1)) || isWs(t.charCodeAt(close - 1))) return undefined;
  const uriText = t.slice(p + 1, close);
  const params = new Params();
  const e = scanParams(t, close + 1, end, params);
  if (e < 0) return undefined;
  fastEnd = e;
  return makeNameAddr(uriText, displayName, params, header);
}

/** A comma-separated list of usual addresses (see parseOneFast), or undefined. */
function parseListFast(t: string, header: string): NameAddr[] | undefined {
  const end = t.length;
  const out: NameAddr[] = [];
  let p = 0;
  for (;;) {
    const na = parseOneFast(t, p, end, header);
    if (na === undefined) return undefined;
    out.push(na);
    p = skipWsAt(t, fastEnd, end);
    if (p === end) return out;
    if (t.charCodeAt(p) !== C.COMMA) return undefined;
    p = skipWsAt(t, p + 1, end);
    if (p === end || t.charCodeAt(p) === C.COMMA) return undefined;
  }
}

/** One address (From, To, Refer-To, Referred-By, Reply-To). */
export function parseNameAddr(value: string, header = 'From'): NameAddr {
  const fast = parseOneFast(value, 0, value.length, header);
  if (fast !== undefined && skipWsAt(value, fastEnd, value.length) === value.length) return fast;
  const s = new Scanner(value, header);
  const na = parseOne(s, header);
  s.expectEnd('end of address');
  return na;
}

/** A comma-separated list of addresses (Route, Record-Route, Path, P-Asserted-Identity...). */
export function parseNameAddrList(value: string, header = 'Route'): NameAddr[] {
  const fast = parseListFast(value, header);
  if (fast !== undefined) return fast;
  const s = new Scanner(value, header);
  const out: NameAddr[] = [];
  do out.push(parseOne(s, header));
  while (s.listNext(header));
  return out;
}

/** Contact values: addresses, or the wildcard `*` alone (RFC 3261 §20.10, §10.2.2). */
export function parseContactList(value: string, header = 'Contact'): ContactValue[] {
  const first = skipWsAt(value, 0, value.length);
  if (first >= value.length || value.charCodeAt(first) !== C.STAR) return parseNameAddrList(value, header);
  const s = new Scanner(value, header);
  s.skipWs();
  if (s.peek() === C.STAR) {
    s.pos++;
    const params = s.params();
    s.expectEnd("end of 'Contact: *'");
    return [new ContactWildcard(params)];
  }
  return parseNameAddrList(value, header);
}

/** Build an address from code; a bad URI string is a SIPBuildError, not a parse error. */
export function nameAddr(uri: URI | string, displayName?: string, params?: NameAddrInit['params']): NameAddr {
  if (typeof uri === 'string') {
    try {
      uri = parseURI(uri);
    } catch (e) {
      throw new SIPBuildError(`bad URI '${uri}': ${(e as Error).message}`);
    }
  }
  return new NameAddr({ uri, displayName, params });
}
