/**
 * WWW-Authenticate / Proxy-Authenticate challenges and Authorization / Proxy-Authorization
 * credentials (RFC 3261 §20.7, §20.27, §20.28, §20.44, §22; RFC 2617 §3.2.1/§3.2.2,
 * RFC 7616 §3.3/§3.4, RFC 8760, RFC 7235 §2.1 for token68 and several challenges per field).
 *
 * These header fields are never split on commas at the header level: inside one value the
 * commas separate auth-params. One WWW-Authenticate value may still hold several challenges
 * (`Digest realm="a", Digest realm="b"`), which `parseChallenges` separates by looking ahead
 * after each comma: `token "="` continues the current challenge, any other token starts a new one.
 */
import { SIPBuildError, SIPParseError } from '../errors.js';
import { Params, Scanner, TOKEN, isToken } from '../grammar.js';

/** Input echoed in an error message, cut short. */
function show(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

export type ChallengeHeader = 'WWW-Authenticate' | 'Proxy-Authenticate';
export type CredentialsHeader = 'Authorization' | 'Proxy-Authorization';

/** What `Params.from` accepts: a record of values, or another `Params` to copy. */
export type AuthParamsInit = Parameters<typeof Params.from>[0];

export interface AuthValueOptions {
  /** RFC 7235 token68 form (`Basic QWxh...==`) instead of auth-params. */
  readonly token68?: string;
  /**
   * Lower-case names of parameters to write as a bare token when their value is one. Digest's
   * own parameters follow RFC 7616 whatever this says; every other parameter is written as a
   * quoted-string unless named here. The parsers fill it with the names received unquoted.
   */
  readonly tokenParams?: Iterable<string>;
}

export interface AuthValueJSON {
  scheme: string;
  token68?: string;
  params: Record<string, string | null>;
}

const HT = 9;
const SP = 32;
const DQUOTE = 34;
const COMMA = 44;
const EQUAL = 61;

/** token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" (RFC 7235 §2.1) */
function isToken68Code(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 45 ||
    c === 46 ||
    c === 95 ||
    c === 126 ||
    c === 43 ||
    c === 47
  );
}

function isToken68(s: string): boolean {
  let i = 0;
  while (i < s.length && isToken68Code(s.charCodeAt(i))) i++;
  if (i === 0) return false;
  while (i < s.length && s.charCodeAt(i) === EQUAL) i++;
  return i === s.length;
}

const HEX = /^[0-9A-Fa-f]*$/;
const NC = /^[0-9A-Fa-f]{8}$/;
const BOOL = /^(?:true|false)$/i;

function isDigestScheme(scheme: string): boolean {
  return scheme.length === 6 && scheme.toLowerCase() === 'digest';
}

/**
 * Quote as a quoted-string; control characters other than HTAB go out as quoted-pairs so the
 * result reads back to the same value. CR and LF cannot be carried at all.
 */
function quoteValue(s: string): string {
  let out = '"';
  let chunk = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 13 || c === 10) throw new SIPBuildError('a quoted-string cannot hold CR or LF');
    if (c === DQUOTE || c === 92 || (c < 0x20 && c !== HT) || c === 0x7f) {
      out += s.slice(chunk, i) + '\\';
      chunk = i;
    }
  }
  return out + s.slice(chunk) + '"';
}

function guard<T>(header: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SIPParseError) throw e;
    throw new SIPParseError(`${header}: unparsable value (${e instanceof Error ? e.message : String(e)})`, {
      header,
      statusCode: 400,
    });
  }
}

function checkBuildParams(params: Params): void {
  for (const [name, value] of params.entries()) {
    if (!isToken(name)) throw new SIPBuildError(`auth-param name '${show(name)}' is not a token`);
    if (value === null) throw new SIPBuildError(`auth-param '${show(name)}' needs a value`);
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c === 13 || c === 10) throw new SIPBuildError(`auth-param '${show(name)}' holds CR or LF`);
    }
  }
}

/** Decode an RFC 8187/5987 ext-value (`UTF-8''J%C3%A4s`), or undefined when malformed. */
function decodeExtValue(v: string): string | undefined {
  const m = /^([A-Za-z0-9!#$%&+^_`{}~-]+)'[A-Za-z0-9-]*'([\s\S]*)$/.exec(v);
  if (!m) return undefined;
  const charset = m[1].toLowerCase();
  if (charset !== 'utf-8' && charset !== 'iso-8859-1') return undefined;
  const enc = m[2];
  const bytes: number[] = [];
  for (let i = 0; i < enc.length; i++) {
    const c = enc.charCodeAt(i);
    if (c === 37) {
      const h = enc.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(h)) return undefined;
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (c < 128) {
      bytes.push(c);
    } else {
      return undefined;
    }
  }
  return Buffer.from(bytes).toString(charset === 'utf-8' ? 'utf8' : 'latin1');
}

/** Fields common to a challenge and to credentials. */
export abstract class AuthValue {
  /** The auth-scheme as received, e.g. `Digest`; compare with `isScheme`. */
  readonly scheme: string;
  /** auth-params in order; names case-insensitive, values unquoted. */
  readonly params: Params;
  /** RFC 7235 token68, when the value has that form instead of auth-params. */
  readonly token68: string | undefined;
  /** See `AuthValueOptions.tokenParams`. */
  readonly tokenParams: Set<string>;

  protected constructor(scheme: string, params: AuthParamsInit, options: AuthValueOptions) {
    if (!isToken(scheme)) throw new SIPBuildError(`auth-scheme '${show(scheme)}' is not a token`);
    this.scheme = scheme;
    this.params = Params.from(params);
    checkBuildParams(this.params);
    this.token68 = options.token68;
    if (this.token68 !== undefined) {
      if (!isToken68(this.token68)) throw new SIPBuildError(`'${this.token68}' is not a token68`);
      if (this.params.size > 0) throw new SIPBuildError('a token68 cannot be combined with auth-params');
    }
    this.tokenParams = new Set();
    for (const n of options.tokenParams ?? []) this.tokenParams.add(n.toLowerCase());
  }

  /** True when the scheme is `name`, compared case-insensitively. */
  isScheme(name: string): boolean {
    return this.scheme.toLowerCase() === name.toLowerCase();
  }

  get isDigest(): boolean {
    return isDigestScheme(this.scheme);
  }

  /** An auth-param's value (unquoted), case-insensitive name. */
  param(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  get realm(): string | undefined {
    return this.param('realm');
  }

  get nonce(): string | undefined {
    return this.param('nonce');
  }

  get opaque(): string | undefined {
    return this.param('opaque');
  }

  /** As received (`MD5`, `MD5-sess`, `SHA-256`, `SHA-512-256`, `AKAv1-MD5`...); RFC 7616 default is MD5. */
  get algorithm(): string | undefined {
    return this.param('algorithm');
  }

  /** `userhash=true` (RFC 7616 §3.3/§3.4), case-insensitive. */
  get userhash(): boolean {
    return this.param('userhash')?.toLowerCase() === 'true';
  }

  /** Digest parameters always sent as quoted-strings (RFC 7616 §3.3 / §3.4). */
  protected abstract readonly quotedNames: ReadonlySet<string>;
  /** Digest parameters never sent quoted (RFC 7616 §3.3 / §3.4). */
  protected abstract readonly bareNames: ReadonlySet<string>;

  private formatParam(name: string, value: string): string {
    const key = name.toLowerCase();
    let bare: boolean;
    if (this.isDigest && this.quotedNames.has(key)) bare = false;
    else if (this.isDigest && this.bareNames.has(key)) bare = true;
    else bare = this.tokenParams.has(key);
    return `${name}=${bare && isToken(value) ? value : quoteValue(value)}`;
  }

  toString(): string {
    if (this.token68 !== undefined) return `${this.scheme} ${this.token68}`;
    const parts: string[] = [];
    for (const [name, value] of this.params.entries()) parts.push(this.formatParam(name, value ?? ''));
    return parts.length === 0 ? this.scheme : `${this.scheme} ${parts.join(', ')}`;
  }

  toJSON(): AuthValueJSON {
    const json: AuthValueJSON = { scheme: this.scheme, params: this.params.toJSON() };
    if (this.token68 !== undefined) json.token68 = this.token68;
    return json;
  }
}

const CHALLENGE_QUOTED: ReadonlySet<string> = new Set(['realm', 'nonce', 'opaque', 'domain', 'qop']);
const CHALLENGE_BARE: ReadonlySet<string> = new Set(['algorithm', 'stale', 'charset', 'userhash']);
const CREDENTIALS_QUOTED: ReadonlySet<string> = new Set([
  'username',
  'realm',
  'nonce',
  'uri',
  'response',
  'cnonce',
  'opaque',
]);
const CREDENTIALS_BARE: ReadonlySet<string> = new Set(['algorithm', 'nc', 'qop', 'userhash', 'username*']);

export interface DigestChallengeInit {
  realm: string;
  nonce: string;
  domain?: string | readonly string[];
  opaque?: string;
  stale?: boolean;
  /** `MD5` (default when absent), `MD5-sess`, `SHA-256`, `SHA-256-sess`, `SHA-512-256`... (RFC 8760). */
  algorithm?: string;
  /** qop-options: `'auth'`, `['auth', 'auth-int']`... */
  qop?: string | readonly string[];
  /** RFC 7616 `charset=UTF-8`. */
  charset?: string;
  userhash?: boolean;
  /** Further auth-params, written after the ones above (quoted). */
  params?: Record<string, string>;
}

/** WWW-Authenticate / Proxy-Authenticate value (RFC 3261 §20.44 / §20.27). */
export class Challenge extends AuthValue {
  protected readonly quotedNames = CHALLENGE_QUOTED;
  protected readonly bareNames = CHALLENGE_BARE;

  constructor(scheme: string, params?: AuthParamsInit, options: AuthValueOptions = {}) {
    super(scheme, params, options);
  }

  /** Build a Digest challenge; throws SIPBuildError on values that cannot be sent. */
  static digest(init: DigestChallengeInit): Challenge {
    const p = new Params();
    p.add('realm', init.realm);
    if (init.domain !== undefined) {
      const list = typeof init.domain === 'string' ? [init.domain] : init.domain;
      for (const uri of list) {
        if (uri.length === 0 || /[\s"]/.test(uri)) throw new SIPBuildError(`bad domain URI '${uri}'`);
      }
      p.add('domain', list.join(' '));
    }
    p.add('nonce', init.nonce);
    if (init.opaque !== undefined) p.add('opaque', init.opaque);
    if (init.stale !== undefined) p.add('stale', init.stale ? 'true' : 'false');
    if (init.algorithm !== undefined) {
      if (!isToken(init.algorithm)) throw new SIPBuildError(`algorithm '${init.algorithm}' is not a token`);
      p.add('algorithm', init.algorithm);
    }
    if (init.qop !== undefined) {
      const list = typeof init.qop === 'string' ? [init.qop] : init.qop;
      if (list.length === 0) throw new SIPBuildError('qop needs at least one qop-value');
      for (const q of list) if (!isToken(q)) throw new SIPBuildError(`qop-value '${show(q)}' is not a token`);
      p.add('qop', list.join(','));
    }
    if (init.charset !== undefined) {
      if (!isToken(init.charset)) throw new SIPBuildError(`charset '${init.charset}' is not a token`);
      p.add('charset', init.charset);
    }
    if (init.userhash !== undefined) p.add('userhash', init.userhash ? 'true' : 'false');
    addExtra(p, init.params);
    return new Challenge('Digest', p);
  }

  /** qop-options as a list (`qop="auth,auth-int"` → `['auth', 'auth-int']`); empty when absent. */
  get qop(): string[] {
    const v = this.param('qop');
    if (v === undefined) return [];
    return splitList(v, ',');
  }

  /** `stale=true` (case-insensitive, RFC 2617 §3.2.1); anything else is false. */
  get stale(): boolean {
    return this.param('stale')?.toLowerCase() === 'true';
  }

  /** The protection space: space-separated URIs of the `domain` parameter. */
  get domain(): string[] {
    const v = this.param('domain');
    return v === undefined ? [] : splitList(v, ' ');
  }

  /** RFC 7616 `charset` (only `UTF-8` is defined). */
  get charset(): string | undefined {
    return this.param('charset');
  }
}

export interface DigestCredentialsInit {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  cnonce?: string;
  opaque?: string;
  /** message-qop chosen from the challenge's qop-options. */
  qop?: string;
  /** nonce-count; a number is written as 8 lower-case hex digits. */
  nc?: number | string;
  userhash?: boolean;
  /** Further auth-params, written after the ones above (quoted). */
  params?: Record<string, string>;
}

/** Authorization / Proxy-Authorization value (RFC 3261 §20.7 / §20.28). */
export class Credentials extends AuthValue {
  protected readonly quotedNames = CREDENTIALS_QUOTED;
  protected readonly bareNames = CREDENTIALS_BARE;

  constructor(scheme: string, params?: AuthParamsInit, options: AuthValueOptions = {}) {
    super(scheme, params, options);
  }

  /** Build Digest credentials; throws SIPBuildError on values that cannot be sent. */
  static digest(init: DigestCredentialsInit): Credentials {
    const p = new Params();
    p.add('username', init.username);
    p.add('realm', init.realm);
    p.add('nonce', init.nonce);
    p.add('uri', init.uri);
    if (!HEX.test(init.response)) throw new SIPBuildError('response must be hexadecimal');
    p.add('response', init.response);
    if (init.algorithm !== undefined) {
      if (!isToken(init.algorithm)) throw new SIPBuildError(`algorithm '${init.algorithm}' is not a token`);
      p.add('algorithm', init.algorithm);
    }
    if (init.cnonce !== undefined) p.add('cnonce', init.cnonce);
    if (init.opaque !== undefined) p.add('opaque', init.opaque);
    if (init.qop !== undefined) {
      if (!isToken(init.qop)) throw new SIPBuildError(`qop '${init.qop}' is not a token`);
      if (init.cnonce === undefined || init.nc === undefined) {
        throw new SIPBuildError('cnonce and nc are required with qop (RFC 7616 §3.4)');
      }
      p.add('qop', init.qop);
    }
    if (init.nc !== undefined) {
      let nc: string;
      if (typeof init.nc === 'number') {
        if (!Number.isInteger(init.nc) || init.nc < 1 || init.nc > 0xffffffff) {
          throw new SIPBuildError(`nc ${init.nc} is not in 1..0xffffffff`);
        }
        nc = init.nc.toString(16).padStart(8, '0');
      } else {
        if (!NC.test(init.nc)) throw new SIPBuildError(`nc '${init.nc}' is not 8 hex digits`);
        nc = init.nc;
      }
      p.add('nc', nc);
    }
    if (init.userhash !== undefined) p.add('userhash', init.userhash ? 'true' : 'false');
    addExtra(p, init.params);
    return new Credentials('Digest', p);
  }

  /** `username`, or the decoded RFC 7616 `username*` (UTF-8 ext-value) when only that is present. */
  get username(): string | undefined {
    const plain = this.param('username');
    if (plain !== undefined) return plain;
    const ext = this.param('username*');
    return ext === undefined ? undefined : decodeExtValue(ext);
  }

  get uri(): string | undefined {
    return this.param('uri');
  }

  get response(): string | undefined {
    return this.param('response');
  }

  get cnonce(): string | undefined {
    return this.param('cnonce');
  }

  /** message-qop, e.g. `auth`. */
  get qop(): string | undefined {
    return this.param('qop');
  }

  /** nonce-count exactly as sent (8 hex digits, the form hashed into the response). */
  get nc(): string | undefined {
    return this.param('nc');
  }

  /** nonce-count as a number. */
  get nonceCount(): number | undefined {
    const nc = this.nc;
    return nc === undefined || !NC.test(nc) ? undefined : parseInt(nc, 16);
  }
}

function addExtra(p: Params, extra: Record<string, string> | undefined): void {
  if (!extra) return;
  for (const [k, v] of Object.entries(extra)) {
    if (p.has(k)) throw new SIPBuildError(`auth-param '${k}' given twice`);
    p.add(k, v);
  }
}

/** Split on `sep` (',', or ' ' which also means HTAB), dropping SP/HTAB around elements and empty ones. Linear. */
function splitList(v: string, sep: ',' | ' '): string[] {
  const out: string[] = [];
  const sepCode = sep.charCodeAt(0);
  let i = 0;
  while (i < v.length) {
    let c = v.charCodeAt(i);
    while (i < v.length && (c === SP || c === HT || c === sepCode)) c = v.charCodeAt(++i);
    const start = i;
    let end = i;
    while (i < v.length && c !== sepCode && !(sepCode === SP && c === HT)) {
      if (c !== SP && c !== HT) end = i + 1;
      c = v.charCodeAt(++i);
    }
    if (end > start) out.push(v.slice(start, end));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parsing

interface AuthItem {
  scheme: string;
  at: number;
  token68: string | undefined;
  params: Params;
  offsets: number[];
  tokenNames: string[];
}

/** Reads a token68 when one stands alone up to the end or a comma; otherwise leaves `s` as is. */
function readToken68(s: Scanner): string | undefined {
  const t = s.text;
  const start = s.pos;
  let p = start;
  while (p < s.end && isToken68Code(t.charCodeAt(p))) p++;
  if (p === start) return undefined;
  while (p < s.end && t.charCodeAt(p) === EQUAL) p++;
  const stop = p;
  while (p < s.end && (t.charCodeAt(p) === SP || t.charCodeAt(p) === HT)) p++;
  if (p < s.end && t.charCodeAt(p) !== COMMA) return undefined;
  s.pos = stop;
  return t.slice(start, stop);
}

/** Consumes a COMMA and checks that an element follows it. */
function nextElement(s: Scanner): void {
  s.pos++;
  s.skipWs();
  if (s.done() || s.peek() === COMMA) s.fail('empty element in auth-param list');
}

/**
 * One challenge or credentials: `auth-scheme [ 1*SP ( token68 / auth-param *(COMMA auth-param) ) ]`.
 * Returns whether another one follows (the cursor is then on its auth-scheme).
 */
function readItem(s: Scanner): { item: AuthItem; more: boolean } {
  s.skipWs();
  const at = s.pos;
  const scheme = s.token('auth-scheme');
  const afterScheme = s.pos;
  const item: AuthItem = { scheme, at, token68: undefined, params: new Params(), offsets: [], tokenNames: [] };
  s.skipWs();
  if (s.peek() === EQUAL) s.fail(`expected auth-scheme, found auth-param '${show(scheme)}'`, at);
  if (s.done()) return { item, more: false };
  if (s.peek() === COMMA) {
    nextElement(s);
    return { item, more: true };
  }
  if (s.pos === afterScheme) s.fail(`expected whitespace after auth-scheme '${show(scheme)}'`);

  // Digest never uses token68 (RFC 7616 §3.3), so its errors are reported at auth-param level.
  const t68 = isDigestScheme(scheme) ? undefined : readToken68(s);
  if (t68 !== undefined) {
    item.token68 = t68;
    s.skipWs();
    if (s.done()) return { item, more: false };
    nextElement(s);
    return { item, more: true };
  }

  const seen = new Set<string>();
  for (;;) {
    const pat = s.pos;
    const name = s.token('auth-param name');
    if (!s.eat(EQUAL)) s.fail(`expected '=' after auth-param name '${show(name)}'`);
    let value: string;
    let quoted = false;
    if (s.peek() === DQUOTE) {
      value = s.quotedString();
      quoted = true;
    } else {
      value = s.token(`token or quoted-string value for auth-param '${show(name)}'`);
    }
    const key = name.toLowerCase();
    if (seen.has(key)) s.fail(`duplicate auth-param '${show(name)}'`, pat);
    seen.add(key);
    item.params.add(name, value, quoted);
    item.offsets.push(pat);
    if (!quoted) item.tokenNames.push(key);

    s.skipWs();
    if (s.done()) return { item, more: false };
    if (s.peek() !== COMMA) s.fail(`unexpected '${s.text[s.pos]}' after auth-param '${show(name)}', expected ','`);
    nextElement(s);
    // `name =` continues this challenge; any other token starts the next auth-scheme.
    const look = s.pos;
    s.run(TOKEN);
    s.skipWs();
    const isParam = s.peek() === EQUAL;
    s.pos = look;
    if (!isParam) return { item, more: true };
  }
}

/** Digest-specific value rules (RFC 3261 §25.1 digest-cln / dig-resp, RFC 7616 §3.3/§3.4). */
function checkDigest(s: Scanner, item: AuthItem, kind: 'challenge' | 'credentials'): void {
  if (!isDigestScheme(item.scheme)) return;
  if (item.token68 !== undefined) s.fail('Digest takes auth-params, not a token68', item.at);
  let i = 0;
  for (const [name, raw] of item.params.entries()) {
    const at = item.offsets[i++];
    const value = raw ?? '';
    switch (name.toLowerCase()) {
      case 'stale':
      case 'userhash':
        if (!BOOL.test(value)) s.fail(`${name} must be true or false`, at);
        break;
      case 'algorithm':
        if (!isToken(value)) s.fail('algorithm must be a token', at);
        break;
      case 'qop':
        if (kind === 'credentials') {
          if (!isToken(value)) s.fail('qop must be a single qop-value token', at);
        } else {
          const list = splitList(value, ',');
          if (list.length === 0) s.fail('qop-options needs at least one qop-value', at);
          for (const q of list) if (!isToken(q)) s.fail(`qop-value '${show(q)}' is not a token`, at);
        }
        break;
      case 'nc':
        if (kind === 'credentials' && !NC.test(value)) s.fail('nc must be 8 hex digits', at);
        break;
      case 'response':
        if (kind === 'credentials' && !HEX.test(value)) s.fail('response must be hex digits', at);
        break;
    }
  }
}

function startScanner(value: string, header: string): Scanner {
  const s: Scanner = new Scanner(value, header);
  s.skipWs();
  if (s.done()) s.fail('expected auth-scheme');
  return s;
}

/**
 * All challenges of one WWW-Authenticate / Proxy-Authenticate value (RFC 3261 §20.44/§20.27 and
 * §25.1 `challenge`; RFC 7235 §4.1 allows several per field value).
 */
export function parseChallenges(value: string, header: ChallengeHeader = 'WWW-Authenticate'): Challenge[] {
  return guard(header, () => {
    const s = startScanner(value, header);
    const out: Challenge[] = [];
    for (;;) {
      const { item, more } = readItem(s);
      checkDigest(s, item, 'challenge');
      out.push(new Challenge(item.scheme, item.params, { token68: item.token68, tokenParams: item.tokenNames }));
      if (!more) return out;
    }
  });
}

/** Exactly one challenge (RFC 3261 §20.44 / §20.27, §25.1 `challenge`; RFC 2617 §3.2.1; RFC 7616 §3.3). */
export function parseChallenge(value: string, header: ChallengeHeader = 'WWW-Authenticate'): Challenge {
  const list = parseChallenges(value, header);
  if (list.length !== 1) {
    throw new SIPParseError(`${header}: value holds ${list.length} challenges; use parseChallenges`, {
      header,
      statusCode: 400,
    });
  }
  return list[0];
}

/**
 * One Authorization / Proxy-Authorization value (RFC 3261 §20.7 / §20.28, §25.1 `credentials`;
 * RFC 2617 §3.2.2; RFC 7616 §3.4). Unknown schemes parse too (RFC 4475 §3.3.7 regaut01).
 */
export function parseCredentials(value: string, header: CredentialsHeader = 'Authorization'): Credentials {
  return guard(header, () => {
    const s = startScanner(value, header);
    const { item, more } = readItem(s);
    if (more) s.fail('only one set of credentials is allowed per header field value');
    checkDigest(s, item, 'credentials');
    return new Credentials(item.scheme, item.params, { token68: item.token68, tokenParams: item.tokenNames });
  });
}
