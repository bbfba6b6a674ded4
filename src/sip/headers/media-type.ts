/**
 * Content-Type (RFC 3261 §20.15) and Accept (RFC 3261 §20.1) values.
 *
 *   media-type   = m-type SLASH m-subtype *(SEMI m-parameter)
 *   m-parameter  = m-attribute EQUAL m-value ; m-value = token / quoted-string
 *   Accept       = "Accept" HCOLON [ accept-range *(COMMA accept-range) ]
 *   accept-range = media-range *(SEMI accept-param)
 *   media-range  = ( "*" "/" "*" / ( m-type SLASH "*" ) / ( m-type SLASH m-subtype ) ) *( SEMI m-parameter )
 *   accept-param = ("q" EQUAL qvalue) / generic-param
 */
import { SIPBuildError, SIPParseError } from '../errors.js';
import { Params, Scanner, isToken } from '../grammar.js';

/** Input echoed in an error message, cut short. */
function show(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** What `Params.from` accepts: a record of values, or another `Params` to copy. */
export type MediaParamsInit = Parameters<typeof Params.from>[0];

export interface MediaTypeJSON {
  type: string;
  subtype: string;
  params: Record<string, string | null>;
}

export interface MediaRangeJSON extends MediaTypeJSON {
  q: number;
}

const HT = 9;
const DQUOTE = 34;
const SLASH = 47;
const SEMI = 59;
const EQUAL = 61;

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

/** Quote, escaping `"`, `\` and control characters as quoted-pairs; CR/LF cannot be carried. */
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

/**
 * Names must be tokens. Values may not hold CR/LF; other control characters are refused too when
 * the value will be written by `Params.toString` (which does not escape them).
 */
function checkBuildParams(params: Params, what: string, needValue: boolean, escapesControls: boolean): void {
  for (const [name, value] of params.entries()) {
    if (!isToken(name)) throw new SIPBuildError(`${what} name '${show(name)}' is not a token`);
    if (value === null) {
      if (needValue) throw new SIPBuildError(`${what} '${show(name)}' needs a value`);
      continue;
    }
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c === 13 || c === 10 || (!escapesControls && c < 0x20 && c !== HT)) {
        throw new SIPBuildError(`${what} '${show(name)}' holds a control character`);
      }
    }
  }
}

function hasControl(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 && c !== HT) return true;
  }
  return false;
}

/** Reads `m-type SLASH m-subtype`. */
function readTypeSubtype(s: Scanner): [string, string] {
  const type = s.token('m-type');
  if (!s.eat(SLASH)) s.fail(`expected '/' after m-type '${show(type)}'`);
  const subtype = s.token('m-subtype');
  return [type, subtype];
}

/** A Content-Type value. `type` and `subtype` are kept as given; compare with `mime` or `is()`. */
export class MediaType {
  readonly type: string;
  readonly subtype: string;
  /** m-parameters in order, names case-insensitive, values unquoted. */
  readonly params: Params;

  constructor(type: string, subtype: string, params?: MediaParamsInit) {
    if (!isToken(type) || type === '*') throw new SIPBuildError(`m-type '${show(type)}' is not a token`);
    if (!isToken(subtype) || subtype === '*') throw new SIPBuildError(`m-subtype '${subtype}' is not a token`);
    this.type = type;
    this.subtype = subtype;
    this.params = Params.from(params);
    checkBuildParams(this.params, 'm-parameter', true, true);
  }

  /** `MediaType.of('multipart/mixed', { boundary: 'xyz' })`; throws SIPBuildError when malformed. */
  static of(mime: string, params?: MediaParamsInit): MediaType {
    const slash = mime.indexOf('/');
    if (slash < 0) throw new SIPBuildError(`'${mime}' is not type/subtype`);
    return new MediaType(mime.slice(0, slash).trim(), mime.slice(slash + 1).trim(), params);
  }

  /** `type/subtype` in lower case, e.g. `application/sdp`. */
  get mime(): string {
    return `${this.type}/${this.subtype}`.toLowerCase();
  }

  get boundary(): string | undefined {
    return this.params.get('boundary') ?? undefined;
  }

  get charset(): string | undefined {
    return this.params.get('charset') ?? undefined;
  }

  /** Whether this is `mime` (case-insensitive, parameters ignored). */
  is(mime: string): boolean {
    return this.mime === mime.toLowerCase();
  }

  /**
   * Same type/subtype (case-insensitive) and the same parameters: names case-insensitive,
   * quoting irrelevant (RFC 2045 §5.1), values exact except `charset` (RFC 2046 §4.1.2).
   */
  equals(other: MediaType): boolean {
    if (this.mime !== other.mime || this.params.size !== other.params.size) return false;
    for (const [name, value] of this.params.entries()) {
      const o = other.params.get(name);
      if (o === undefined || o === null || value === null) return false;
      if (name.toLowerCase() === 'charset' ? o.toLowerCase() !== value.toLowerCase() : o !== value) return false;
    }
    return true;
  }

  toString(): string {
    return `${this.type}/${this.subtype}${formatMParams(this.params)}`;
  }

  toJSON(): MediaTypeJSON {
    return { type: this.type, subtype: this.subtype, params: this.params.toJSON() };
  }
}

function formatMParams(params: Params): string {
  let out = '';
  for (const [name, value] of params.entries()) {
    out += ';' + name;
    if (value !== null) out += '=' + (isToken(value) ? value : quoteValue(value));
  }
  return out;
}

/**
 * Content-Type (RFC 3261 §20.15 and §25.1 `media-type`; RFC 2045 §5.1). Wildcards are refused:
 * they belong to Accept.
 */
export function parseMediaType(value: string, header = 'Content-Type'): MediaType {
  return guard(header, () => {
    const s: Scanner = new Scanner(value, header);
    s.skipWs();
    const start = s.pos;
    const [type, subtype] = readTypeSubtype(s);
    if (type === '*' || subtype === '*') s.fail('a wildcard is not allowed in a media-type', start);
    const params = new Params();
    const seen = new Set<string>();
    while (s.eat(SEMI)) {
      const at = s.pos;
      const name = s.token('m-attribute');
      if (!s.eat(EQUAL)) s.fail(`expected '=' after m-attribute '${show(name)}'`);
      const quoted = s.peek() === DQUOTE;
      const v = quoted ? s.quotedString() : s.token(`token or quoted-string m-value for '${show(name)}'`);
      const key = name.toLowerCase();
      if (seen.has(key)) s.fail(`duplicate m-parameter '${show(name)}'`, at);
      seen.add(key);
      params.add(name, v, quoted);
    }
    s.expectEnd(`';' or end of value`);
    return new MediaType(type, subtype, params);
  });
}

/** Content-Type parser under its usual name. */
export const parseContentType = parseMediaType;

/** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
const QVALUE = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/;

/** One Accept element: a media-range with its parameters (media parameters, then `q`, then accept-extensions). */
export class MediaRange {
  /** `*` or an m-type, as given. */
  readonly type: string;
  /** `*` or an m-subtype, as given. */
  readonly subtype: string;
  /** All parameters in order: media parameters, then `q` and accept-extensions. */
  readonly params: Params;

  constructor(type: string, subtype: string, params?: MediaParamsInit) {
    if (!isToken(type)) throw new SIPBuildError(`m-type '${show(type)}' is not a token`);
    if (!isToken(subtype)) throw new SIPBuildError(`m-subtype '${subtype}' is not a token`);
    if (type === '*' && subtype !== '*') throw new SIPBuildError(`'*/${show(subtype)}' is not a media-range`);
    this.type = type;
    this.subtype = subtype;
    this.params = Params.from(params);
    checkBuildParams(this.params, 'accept-param', false, false);
    const q = this.params.get('q');
    if (q !== undefined && (q === null || !QVALUE.test(q))) throw new SIPBuildError(`q '${q}' is not a qvalue`);
  }

  /** `MediaRange.of('text/*', { q: '0.5' })`. */
  static of(range: string, params?: MediaParamsInit): MediaRange {
    const slash = range.indexOf('/');
    if (slash < 0) throw new SIPBuildError(`'${range}' is not a media-range`);
    return new MediaRange(range.slice(0, slash).trim(), range.slice(slash + 1).trim(), params);
  }

  /** `type/subtype` in lower case (`*` `/` `*`, `text/*`, `application/sdp`). */
  get mime(): string {
    return `${this.type}/${this.subtype}`.toLowerCase();
  }

  /** The q value, 1 when absent. */
  get q(): number {
    const q = this.params.get('q');
    return q === undefined || q === null ? 1 : Number(q);
  }

  /** The parameters before `q` (the media-range's own m-parameters, RFC 7231 §5.3.2). */
  get mediaParams(): Params {
    const p = new Params();
    for (const [name, value] of this.params.entries()) {
      if (name.toLowerCase() === 'q') break;
      p.add(name, value);
    }
    return p;
  }

  /** 0 for any type, 1 for `type/*`, 2 for `type/subtype`, 3 when media parameters are given too. */
  get specificity(): number {
    if (this.type === '*') return 0;
    if (this.subtype === '*') return 1;
    return this.mediaParams.size > 0 ? 3 : 2;
  }

  /**
   * Whether `mediaType` falls within this range: type, subtype and every media parameter
   * (values case-insensitive). A string is parsed as a Content-Type value.
   */
  matches(mediaType: MediaType | string): boolean {
    const mt = typeof mediaType === 'string' ? parseMediaType(mediaType) : mediaType;
    if (this.type !== '*') {
      if (this.type.toLowerCase() !== mt.type.toLowerCase()) return false;
      if (this.subtype !== '*' && this.subtype.toLowerCase() !== mt.subtype.toLowerCase()) return false;
    }
    for (const [name, value] of this.mediaParams.entries()) {
      const other = mt.params.get(name);
      if (other === undefined) return false;
      if (value === null || other === null) {
        if (value !== other) return false;
      } else if (value.toLowerCase() !== other.toLowerCase()) {
        return false;
      }
    }
    return true;
  }

  toString(): string {
    return `${this.type}/${this.subtype}${this.params.toString()}`;
  }

  toJSON(): MediaRangeJSON {
    return { type: this.type, subtype: this.subtype, params: this.params.toJSON(), q: this.q };
  }
}

/**
 * Accept (RFC 3261 §20.1, §25.1 `Accept`). An empty value is valid and gives `[]`: no body is
 * acceptable. (A request without any Accept header implies `application/sdp`, RFC 3261 §20.1 —
 * that default is for the caller to apply.)
 */
export function parseAccept(value: string, header = 'Accept'): MediaRange[] {
  return guard(header, () => {
    const s: Scanner = new Scanner(value, header);
    s.skipWs();
    const out: MediaRange[] = [];
    if (s.done()) return out;
    do {
      const start = s.pos;
      const [type, subtype] = readTypeSubtype(s);
      if (type === '*' && subtype !== '*') s.fail(`'*/${show(subtype)}' is not a media-range`, start);
      const at = s.pos;
      const params = s.params();
      const seen = new Set<string>();
      for (const [name, v] of params.entries()) {
        const key = name.toLowerCase();
        if (seen.has(key)) s.fail(`duplicate parameter '${show(name)}'`, at);
        seen.add(key);
        if (key === 'q' && (v === null || !QVALUE.test(v))) {
          s.fail(`q '${show(v ?? '')}' is not a qvalue (0 to 1, at most 3 decimals)`, at);
        }
        if (v !== null && hasControl(v)) s.fail(`control character in parameter '${show(name)}'`, at);
      }
      out.push(new MediaRange(type, subtype, params));
    } while (s.listNext('Accept'));
    return out;
  });
}

/** `Accept` as wire text: the ranges joined by `, ` (empty string for an empty list). */
export function formatAccept(ranges: readonly MediaRange[]): string {
  return ranges.map(String).join(', ');
}

/**
 * Whether a body of `mediaType` is acceptable under these Accept ranges: the most specific
 * matching range decides, and it must have q > 0. An empty list accepts nothing. A string is
 * parsed as a Content-Type value (SIPParseError when malformed).
 */
export function acceptsMediaType(ranges: readonly MediaRange[], mediaType: MediaType | string): boolean {
  const mt = typeof mediaType === 'string' ? parseMediaType(mediaType) : mediaType;
  let best: MediaRange | undefined;
  for (const r of ranges) {
    if (!r.matches(mt)) continue;
    if (!best || r.specificity > best.specificity) best = r;
  }
  return best !== undefined && best.q > 0;
}
