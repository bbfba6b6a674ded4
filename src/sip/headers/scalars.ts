/**
 * Single-number headers and their close relatives:
 *
 *   Expires        = "Expires" HCOLON delta-seconds                         RFC 3261 §20.19
 *   Min-Expires    = "Min-Expires" HCOLON delta-seconds                     RFC 3261 §20.23
 *   Max-Forwards   = "Max-Forwards" HCOLON 1*DIGIT                          RFC 3261 §20.22
 *   Content-Length = ( "Content-Length" / "l" ) HCOLON 1*DIGIT              RFC 3261 §20.14
 *   RSeq           = "RSeq" HCOLON response-num                             RFC 3262 §7.1
 *   RAck           = "RAck" HCOLON response-num LWS CSeq-num LWS Method     RFC 3262 §7.2
 *   Timestamp      = "Timestamp" HCOLON 1*(DIGIT) [ "." *(DIGIT) ] [ LWS delay ]   RFC 3261 §20.38
 *   Retry-After    = "Retry-After" HCOLON delta-seconds [ comment ] *( SEMI retry-param )  §20.33
 *
 * Numbers may carry leading zeros (RFC 4475 §3.1.1.1); a value past its range is an error, not
 * clamped (RFC 4475 §3.1.2.4), and so is a sign (RFC 4475 §3.1.2.3).
 */
import { SIPBuildError, SIPParseError } from '../errors.js';
import { Params, Scanner, isToken } from '../grammar.js';

/** Input echoed in an error message, cut short. */
function show(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** delta-seconds upper bound (2^32-1). */
export const MAX_DELTA_SECONDS = 0xffffffff;
/** Content-Length upper bound (2^31-1). */
export const MAX_CONTENT_LENGTH = 0x7fffffff;
/** Max-Forwards upper bound. */
export const MAX_MAX_FORWARDS = 255;
/** RSeq / RAck response-num upper bound (RFC 3262 §3: 2^31-1). */
export const MAX_RSEQ = 0x7fffffff;
/** RAck CSeq-num upper bound (RFC 3261 §8.1.1.5: a 32-bit unsigned integer). */
const MAX_CSEQ_NUM = 0xffffffff;

/** What `Params.from` accepts: a record of values, or another `Params` to copy. */
export type RetryAfterParamsInit = Parameters<typeof Params.from>[0];

const HT = 9;
const SP = 32;

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

function uintHeader(value: string, header: string, max: number, what: string, min = 0): number {
  return guard(header, () => {
    const s: Scanner = new Scanner(value, header);
    s.skipWs();
    const at = s.pos;
    const c = s.peek();
    if (c === 43 || c === 45) s.fail(`${what} cannot have a sign`);
    const n = s.uint(max, what);
    if (n < min) s.fail(`${what} must be at least ${min}`, at);
    s.expectEnd();
    return n;
  });
}

function checkUint(n: number, max: number, what: string, min = 0): string {
  if (!Number.isInteger(n) || n < min || n > max) throw new SIPBuildError(`${what} ${n} is not an integer in ${min}..${max}`);
  return String(n);
}

function requireWs(s: Scanner, what: string): void {
  const at = s.pos;
  s.skipWs();
  if (s.pos === at) s.fail(`expected whitespace ${what}`);
}

/** A delta-seconds header value (RFC 3261 §25.1 delta-seconds = 1*DIGIT, at most 2^32-1). */
export function parseDeltaSeconds(value: string, header: string): number {
  return uintHeader(value, header, MAX_DELTA_SECONDS, 'delta-seconds');
}

/** Expires (RFC 3261 §20.19): delta-seconds, 0..2^32-1. */
export function parseExpires(value: string): number {
  return parseDeltaSeconds(value, 'Expires');
}

/** Min-Expires (RFC 3261 §20.23): delta-seconds, 0..2^32-1. */
export function parseMinExpires(value: string): number {
  return parseDeltaSeconds(value, 'Min-Expires');
}

/** Max-Forwards (RFC 3261 §20.22, §16.6 step 3): 0..255; 0 is valid (RFC 4475 §3.3.11). */
export function parseMaxForwards(value: string): number {
  return uintHeader(value, 'Max-Forwards', MAX_MAX_FORWARDS, 'Max-Forwards');
}

/** Content-Length (RFC 3261 §20.14): 0..2^31-1, digits only (RFC 4475 §3.1.2.3 ncl, §3.1.2.5 scalarlg). */
export function parseContentLength(value: string): number {
  return uintHeader(value, 'Content-Length', MAX_CONTENT_LENGTH, 'Content-Length');
}

/** RSeq (RFC 3262 §7.1): response-num, 1..2^31-1. */
export function parseRSeq(value: string): number {
  return uintHeader(value, 'RSeq', MAX_RSEQ, 'response-num', 1);
}

/** Wire text for a delta-seconds value (Expires, Min-Expires); throws SIPBuildError when out of range. */
export function formatDeltaSeconds(n: number): string {
  return checkUint(n, MAX_DELTA_SECONDS, 'delta-seconds');
}

export function formatMaxForwards(n: number): string {
  return checkUint(n, MAX_MAX_FORWARDS, 'Max-Forwards');
}

export function formatContentLength(n: number): string {
  return checkUint(n, MAX_CONTENT_LENGTH, 'Content-Length');
}

export function formatRSeq(n: number): string {
  return checkUint(n, MAX_RSEQ, 'RSeq', 1);
}

// ---------------------------------------------------------------------------------------------

export interface RAckJSON {
  rseq: number;
  cseq: number;
  method: string;
}

/** RAck (RFC 3262 §7.2): the RSeq and CSeq of the reliable provisional response being acknowledged. */
export class RAck {
  readonly rseq: number;
  readonly cseq: number;
  readonly method: string;

  constructor(rseq: number, cseq: number, method: string) {
    checkUint(rseq, MAX_RSEQ, 'RAck response-num', 1);
    checkUint(cseq, MAX_CSEQ_NUM, 'RAck CSeq-num');
    if (!isToken(method)) throw new SIPBuildError(`RAck method '${method}' is not a token`);
    this.rseq = rseq;
    this.cseq = cseq;
    this.method = method;
  }

  /** Same numbers and method (methods are case-sensitive, RFC 3261 §7.1). */
  equals(other: RAck): boolean {
    return this.rseq === other.rseq && this.cseq === other.cseq && this.method === other.method;
  }

  toString(): string {
    return `${this.rseq} ${this.cseq} ${this.method}`;
  }

  toJSON(): RAckJSON {
    return { rseq: this.rseq, cseq: this.cseq, method: this.method };
  }
}

/** RAck (RFC 3262 §7.2): response-num LWS CSeq-num LWS Method. */
export function parseRAck(value: string): RAck {
  return guard('RAck', () => {
    const s: Scanner = new Scanner(value, 'RAck');
    s.skipWs();
    const at = s.pos;
    const rseq = s.uint(MAX_RSEQ, 'response-num');
    if (rseq < 1) s.fail('response-num must be at least 1', at);
    requireWs(s, 'after response-num');
    const cseq = s.uint(MAX_CSEQ_NUM, 'CSeq-num');
    requireWs(s, 'after CSeq-num');
    const method = s.token('Method');
    s.expectEnd();
    return new RAck(rseq, cseq, method);
  });
}

// ---------------------------------------------------------------------------------------------

function readDigits(s: Scanner): string {
  const start = s.pos;
  const t = s.text;
  while (s.pos < s.end) {
    const c = t.charCodeAt(s.pos);
    if (c < 48 || c > 57) break;
    s.pos++;
  }
  return t.slice(start, s.pos);
}

const TIMESTAMP_VALUE = /^[0-9]+(?:\.[0-9]*)?$/;
const TIMESTAMP_DELAY = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;

/** Decimal text for a non-negative number, at most 6 decimals, no exponent. */
function decimal(n: number, what: string): string {
  if (!Number.isFinite(n) || n < 0 || n > Number.MAX_SAFE_INTEGER) throw new SIPBuildError(`${what} ${n} is not a usable number`);
  let out = n.toFixed(6);
  out = out.replace(/0+$/, '');
  if (out.endsWith('.')) out = out.slice(0, -1);
  return out;
}

export interface TimestampJSON {
  value: string;
  delay?: string;
}

/**
 * Timestamp (RFC 3261 §20.38). The texts are kept as received so a UAS can echo the value
 * exactly (§8.2.6.1) and add its own delay.
 */
export class Timestamp {
  /** The timestamp as text, e.g. `54` or `1712345678.123`. */
  readonly value: string;
  /** The delay as text, if any. */
  readonly delay: string | undefined;

  constructor(value: string | number, delay?: string | number) {
    const v = typeof value === 'number' ? decimal(value, 'Timestamp') : value;
    if (!TIMESTAMP_VALUE.test(v)) throw new SIPBuildError(`'${v}' is not a Timestamp value`);
    const d = typeof delay === 'number' ? decimal(delay, 'Timestamp delay') : delay;
    if (d !== undefined && !TIMESTAMP_DELAY.test(d)) throw new SIPBuildError(`'${d}' is not a Timestamp delay`);
    this.value = v;
    this.delay = d;
  }

  /** The current time in seconds since the epoch, millisecond precision. */
  static now(): Timestamp {
    return new Timestamp((Date.now() / 1000).toFixed(3));
  }

  get seconds(): number {
    return Number(this.value);
  }

  get delaySeconds(): number | undefined {
    return this.delay === undefined ? undefined : Number(this.delay);
  }

  /** The same timestamp with `delay` seconds, as a UAS echoes it in a response (RFC 3261 §8.2.6.1). */
  withDelay(delay: number | string): Timestamp {
    return new Timestamp(this.value, delay);
  }

  toString(): string {
    return this.delay === undefined ? this.value : `${this.value} ${this.delay}`;
  }

  toJSON(): TimestampJSON {
    return this.delay === undefined ? { value: this.value } : { value: this.value, delay: this.delay };
  }
}

/**
 * Timestamp (RFC 3261 §20.38): 1*DIGIT [ "." *DIGIT ] [ LWS delay ], delay = *DIGIT [ "." *DIGIT ].
 * A delay must hold at least one digit here (a lone "." is refused).
 */
export function parseTimestamp(value: string): Timestamp {
  return guard('Timestamp', () => {
    const s: Scanner = new Scanner(value, 'Timestamp');
    s.skipWs();
    const start = s.pos;
    if (readDigits(s).length === 0) s.fail('expected Timestamp digits');
    if (s.peek() === 46) {
      s.pos++;
      readDigits(s);
    }
    const v = s.text.slice(start, s.pos);
    const gap = s.pos;
    s.skipWs();
    if (s.done()) return new Timestamp(v);
    if (s.pos === gap) s.fail(`unexpected '${s.text[s.pos]}' in Timestamp value`);
    const dstart = s.pos;
    const whole = readDigits(s);
    let frac = '';
    if (s.peek() === 46) {
      s.pos++;
      frac = readDigits(s);
    }
    if (whole.length === 0 && frac.length === 0) s.fail('expected delay digits', dstart);
    const d = s.text.slice(dstart, s.pos);
    s.expectEnd();
    return new Timestamp(v, d);
  });
}

// ---------------------------------------------------------------------------------------------

/**
 * Reads `comment = LPAREN *(ctext / quoted-pair / comment) RPAREN` from the "(" under the cursor
 * and returns the text between the outer parentheses, without the SWS next to them (RFC 3261
 * §25.1 LPAREN/RPAREN), quoted-pairs and nested comments kept as written. Iterative.
 */
function readComment(s: Scanner): string {
  const t = s.text;
  const open = s.pos;
  s.pos++;
  s.skipWs();
  const start = s.pos;
  let contentEnd = start;
  let depth = 1;
  while (s.pos < s.end) {
    const c = t.charCodeAt(s.pos);
    if (c === 92) {
      const next = s.pos + 1 < s.end ? t.charCodeAt(s.pos + 1) : -1;
      if (next < 0 || next === 10 || next === 13 || next > 0x7f) s.fail('bad quoted-pair in comment');
      s.pos += 2;
      contentEnd = s.pos;
      continue;
    }
    if (c === 41) {
      depth--;
      if (depth === 0) {
        s.pos++;
        return t.slice(start, contentEnd);
      }
    } else if (c === 40) {
      depth++;
    } else if ((c < 0x20 && c !== HT) || c === 0x7f) {
      s.fail('control character in comment');
    }
    s.pos++;
    if (c !== SP && c !== HT) contentEnd = s.pos;
  }
  return s.fail('unterminated comment', open);
}

export interface RetryAfterJSON {
  seconds: number;
  comment?: string;
  params: Record<string, string | null>;
}

/** Retry-After (RFC 3261 §20.33). */
export class RetryAfter {
  readonly seconds: number;
  /** The comment's text without its outer parentheses, as written (e.g. `I'm in a meeting`). */
  readonly comment: string | undefined;
  /** retry-params in order, including `duration`. */
  readonly params: Params;

  constructor(seconds: number, comment?: string, params?: RetryAfterParamsInit) {
    checkUint(seconds, MAX_DELTA_SECONDS, 'Retry-After');
    if (comment !== undefined) {
      // The comment must read back as itself: balanced parentheses, no CR/LF or bare controls.
      const s: Scanner = new Scanner(`(${comment})`);
      let back: string;
      try {
        back = readComment(s);
      } catch {
        throw new SIPBuildError(`Retry-After comment '${comment}' is not a valid comment`);
      }
      if (!s.done() || back !== comment) {
        throw new SIPBuildError(`Retry-After comment '${comment}' is not a valid comment (unbalanced or padded)`);
      }
    }
    this.seconds = seconds;
    this.comment = comment;
    this.params = Params.from(params);
    for (const [name, v] of this.params.entries()) {
      if (!isToken(name)) throw new SIPBuildError(`parameter name '${show(name)}' is not a token`);
      if (v !== null && hasControl(v)) throw new SIPBuildError(`parameter '${show(name)}' holds a control character`);
    }
    const d = this.params.get('duration');
    if (d !== undefined && (d === null || !isDelta(d))) throw new SIPBuildError('duration must be delta-seconds');
  }

  /** The `duration` parameter (how long the callee will be reachable), in seconds. */
  get duration(): number | undefined {
    const d = this.params.get('duration');
    return d === undefined || d === null ? undefined : Number(d);
  }

  toString(): string {
    const c = this.comment === undefined ? '' : ` (${this.comment})`;
    return `${this.seconds}${c}${this.params.toString()}`;
  }

  toJSON(): RetryAfterJSON {
    const json: RetryAfterJSON = { seconds: this.seconds, params: this.params.toJSON() };
    if (this.comment !== undefined) json.comment = this.comment;
    return json;
  }
}

function hasControl(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 && c !== HT) return true;
  }
  return false;
}

function isDelta(v: string): boolean {
  return /^[0-9]+$/.test(v) && Number(v) <= MAX_DELTA_SECONDS;
}

/**
 * Retry-After (RFC 3261 §20.33): delta-seconds [ comment ] *( SEMI retry-param ),
 * retry-param = ("duration" EQUAL delta-seconds) / generic-param.
 */
export function parseRetryAfter(value: string): RetryAfter {
  return guard('Retry-After', () => {
    const s: Scanner = new Scanner(value, 'Retry-After');
    s.skipWs();
    const seconds = s.uint(MAX_DELTA_SECONDS, 'delta-seconds');
    let comment: string | undefined;
    const save = s.pos;
    s.skipWs();
    if (s.peek() === 40) comment = readComment(s);
    else s.pos = save;
    const at = s.pos;
    const params = s.params();
    s.expectEnd(`';' or end of value`);
    const seen = new Set<string>();
    for (const [name, v] of params.entries()) {
      const key = name.toLowerCase();
      if (seen.has(key)) s.fail(`duplicate parameter '${show(name)}'`, at);
      seen.add(key);
      if (v !== null && hasControl(v)) s.fail(`control character in parameter '${show(name)}'`, at);
      if (key === 'duration' && (v === null || !isDelta(v))) s.fail('duration must be delta-seconds', at);
    }
    return new RetryAfter(seconds, comment, params);
  });
}
