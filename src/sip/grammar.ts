/**
 * Lexical rules of RFC 3261 §25.1 as a small cursor over one (already unfolded) header value.
 *
 * Every typed header parser in `headers/` is written against this scanner so that the grammar
 * lives in one place. It works on char codes, allocates only the strings it returns, and every
 * loop advances the cursor, so parsing is linear in the input.
 */
import { SIPBuildError, SIPParseError } from './errors.js';

const enum C {
  HT = 9,
  SP = 32,
  DQUOTE = 34,
  COMMA = 44,
  SEMI = 59,
  EQUAL = 61,
  BACKSLASH = 92,
}

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = new Uint8Array(128);
/** word = token chars plus "(" ")" "<" ">" ":" "\" DQUOTE "/" "[" "]" "?" "{" "}" (Call-ID) */
export const WORD = new Uint8Array(128);
/** Characters a gen-value may hold when it is a host (IPv6 reference) rather than a token. */
export const GEN_VALUE = new Uint8Array(128);

for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const alnum = /[A-Za-z0-9]/.test(ch);
  if (alnum || "-.!%*_+`'~".includes(ch)) TOKEN[c] = 1;
  if (TOKEN[c] || '()<>:\\"/[]?{}'.includes(ch)) WORD[c] = 1;
  if (TOKEN[c] || '[]:'.includes(ch)) GEN_VALUE[c] = 1;
}

export function isTokenCode(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenCode(s.charCodeAt(i))) return false;
  return true;
}

/** Quote a string as a SIP quoted-string, escaping `"` and `\` (RFC 3261 §25.1 quoted-pair). */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // CR and LF cannot appear in a quoted-string at all, not even as a quoted-pair.
    if (c === 10 || c === 13) throw new SIPBuildError('CR or LF in a quoted-string');
    // qdtext excludes controls other than HTAB; they travel as quoted-pairs (%x00-09 / %x0B-0C /
    // %x0E-7F), like `"` and `\`.
    if (c === C.DQUOTE || c === C.BACKSLASH || (c < 0x20 && c !== C.HT) || c === 0x7f) out += '\\';
    out += s[i];
  }
  return out + '"';
}

/** The index of the first character at or after `i` that is not SP or HTAB. */
export function skipWsAt(t: string, i: number, end: number): number {
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c !== C.SP && c !== C.HT) break;
    i++;
  }
  return i;
}

/** The index of the first character at or after `i` that is not in the class `table`. */
export function runAt(t: string, i: number, end: number, table: Uint8Array): number {
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c >= 128 || table[c] !== 1) break;
    i++;
  }
  return i;
}

/**
 * t.slice(start, end) for a parameter name, without allocating for the names that appear in
 * nearly every message (written in lower case): the same string, as a constant.
 */
export function paramName(t: string, start: number, end: number): string {
  const c = t.charCodeAt(start);
  switch (end - start) {
    case 2:
      if (c === 108 && t.charCodeAt(start + 1) === 114) return 'lr';
      break;
    case 3:
      if (c === 116 && t.charCodeAt(start + 1) === 97 && t.charCodeAt(start + 2) === 103) return 'tag';
      break;
    case 5:
      if (c === 114 && t.startsWith('rport', start)) return 'rport';
      if (c === 109 && t.startsWith('maddr', start)) return 'maddr';
      break;
    case 6:
      if (c === 98 && t.startsWith('branch', start)) return 'branch';
      break;
    case 7:
      if (c === 101 && t.startsWith('expires', start)) return 'expires';
      break;
    case 8:
      if (c === 114 && t.startsWith('received', start)) return 'received';
      break;
    case 9:
      if (c === 116 && t.startsWith('transport', start)) return 'transport';
      break;
  }
  return t.slice(start, end);
}

/**
 * `*( SEMI generic-param )` at t[p] like Scanner.params, for the fast paths of Via and the
 * address headers: the same parameters in `into`, and the same end position, or -1 where
 * Scanner.params would fail or where a quoted-string has a quoted-pair or a control character
 * (the caller then parses the value again with the Scanner, which gives the exact result).
 */
export function scanParams(t: string, p: number, end: number, into: Params): number {
  for (;;) {
    let q = skipWsAt(t, p, end);
    if (q >= end || t.charCodeAt(q) !== C.SEMI) return p;
    q = skipWsAt(t, q + 1, end);
    const nameEnd = runAt(t, q, end, TOKEN);
    if (nameEnd === q) return -1;
    const name = paramName(t, q, nameEnd);
    let value: string | null = null;
    let quoted = false;
    p = nameEnd;
    let r = skipWsAt(t, nameEnd, end);
    if (r < end && t.charCodeAt(r) === C.EQUAL) {
      r = skipWsAt(t, r + 1, end);
      if (r < end && t.charCodeAt(r) === C.DQUOTE) {
        const close = plainQuotedEnd(t, r, end);
        if (close < 0) return -1;
        value = t.slice(r + 1, close);
        quoted = true;
        p = close + 1;
      } else {
        p = runAt(t, r, end, GEN_VALUE);
        if (p === r) return -1;
        value = t.slice(r, p);
      }
    }
    into.add(name, value, quoted);
  }
}

/**
 * The index of the DQUOTE closing the quoted-string that opens at t[open], when its content is
 * plain qdtext (no quoted-pair, no control character other than HTAB); -1 otherwise.
 */
export function plainQuotedEnd(t: string, open: number, end: number): number {
  for (let i = open + 1; i < end; i++) {
    const c = t.charCodeAt(i);
    if (c === C.DQUOTE) return i;
    if (c === C.BACKSLASH || (c < 0x20 && c !== C.HT)) return -1;
  }
  return -1;
}

/** A cursor over one header value. Errors name the header and the character offset. */
export class Scanner {
  pos = 0;
  readonly end: number;

  constructor(
    readonly text: string,
    readonly header?: string,
    start = 0,
    end = text.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  fail(message: string, at = this.pos): never {
    throw new SIPParseError(this.header ? `${this.header}: ${message} at offset ${at}` : `${message} at offset ${at}`, {
      offset: at,
      header: this.header,
      statusCode: 400,
    });
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  peek(): number {
    return this.pos < this.end ? this.text.charCodeAt(this.pos) : -1;
  }

  /** Skip SP and HTAB (folding has already been replaced by SP, RFC 3261 §7.3.1). */
  skipWs(): this {
    const t = this.text;
    while (this.pos < this.end) {
      const c = t.charCodeAt(this.pos);
      if (c !== C.SP && c !== C.HT) break;
      this.pos++;
    }
    return this;
  }

  /** Consume `ch` if it is next (after optional whitespace on both sides, like SEMI/COMMA). */
  eat(code: number): boolean {
    const save = this.pos;
    this.skipWs();
    if (this.peek() === code) {
      this.pos++;
      this.skipWs();
      return true;
    }
    this.pos = save;
    return false;
  }

  expect(code: number, what: string): void {
    if (!this.eat(code)) this.fail(`expected ${what}`);
  }

  /** Require that nothing but whitespace is left. */
  expectEnd(what = 'end of value'): void {
    this.skipWs();
    if (this.pos < this.end) this.fail(`unexpected '${this.text[this.pos]}', expected ${what}`);
  }

  /** Read a run of characters of the class `table`; may be empty. */
  run(table: Uint8Array): string {
    const t = this.text;
    const start = this.pos;
    while (this.pos < this.end) {
      const c = t.charCodeAt(this.pos);
      if (c >= 128 || table[c] !== 1) break;
      this.pos++;
    }
    return t.slice(start, this.pos);
  }

  token(what = 'token'): string {
    const s = this.run(TOKEN);
    if (s.length === 0) this.fail(`expected ${what}`);
    return s;
  }

  /** quoted-string (RFC 3261 §25.1); returns the content with quoted-pairs resolved. */
  quotedString(): string {
    const t = this.text;
    if (t.charCodeAt(this.pos) !== C.DQUOTE) this.fail('expected quoted-string');
    const open = this.pos++;
    let out = '';
    let chunk = this.pos;
    while (this.pos < this.end) {
      const c = t.charCodeAt(this.pos);
      if (c === C.DQUOTE) {
        out += t.slice(chunk, this.pos);
        this.pos++;
        return out;
      }
      if (c === C.BACKSLASH) {
        out += t.slice(chunk, this.pos);
        const next = t.charCodeAt(this.pos + 1);
        // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
        if (this.pos + 1 >= this.end || next === 10 || next === 13 || next > 0x7f) this.fail('bad quoted-pair');
        out += t[this.pos + 1];
        this.pos += 2;
        chunk = this.pos;
        continue;
      }
      if (c < 0x20 && c !== C.HT) this.fail('control character in quoted-string');
      this.pos++;
    }
    return this.fail('unterminated quoted-string', open);
  }

  /**
   * An unsigned decimal no larger than `max`. Leading zeros are allowed (RFC 4475 §3.1.1.1);
   * more than 10 significant digits, or a value past `max`, is an error (RFC 4475 §3.1.2.4).
   */
  uint(max: number, what: string): number {
    const t = this.text;
    const start = this.pos;
    let value = 0;
    while (this.pos < this.end) {
      const c = t.charCodeAt(this.pos);
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
      if (value > max) this.fail(`${what} out of range (at most ${max})`, start);
      this.pos++;
    }
    if (this.pos === start) this.fail(`expected ${what}`);
    return value;
  }

  /** The rest of the value with surrounding whitespace removed. */
  rest(): string {
    const s = this.text.slice(this.pos, this.end).trim();
    this.pos = this.end;
    return s;
  }

  /**
   * `*( SEMI generic-param )` where generic-param = token [ EQUAL gen-value ] and
   * gen-value = token / host / quoted-string. Stops before a COMMA or the end.
   * SEMI and EQUAL may have whitespace on both sides (RFC 3261 §25.1). Written as one forward
   * scan with local indexes because every Via, From, To and Contact goes through it.
   */
  params(into: Params = new Params()): Params {
    const t = this.text;
    const end = this.end;
    let p = this.pos;
    for (;;) {
      let q = skipWsAt(t, p, end);
      if (q >= end || t.charCodeAt(q) !== C.SEMI) {
        this.pos = p;
        return into;
      }
      q = skipWsAt(t, q + 1, end);
      const nameEnd = runAt(t, q, end, TOKEN);
      if (nameEnd === q) {
        this.pos = q;
        this.fail('expected parameter name');
      }
      const name = paramName(t, q, nameEnd);
      let value: string | null = null;
      let quoted = false;
      p = nameEnd;
      let r = skipWsAt(t, nameEnd, end);
      if (r < end && t.charCodeAt(r) === C.EQUAL) {
        r = skipWsAt(t, r + 1, end);
        if (r < end && t.charCodeAt(r) === C.DQUOTE) {
          this.pos = r;
          value = this.quotedString();
          quoted = true;
          p = this.pos;
        } else {
          p = runAt(t, r, end, GEN_VALUE);
          if (p === r) {
            this.pos = r;
            this.fail(`empty value for parameter '${name}'`);
          }
          value = t.slice(r, p);
        }
      }
      into.add(name, value, quoted);
    }
  }

  /** After a list element: true when a COMMA follows (and is consumed), false at the end. */
  listNext(what: string): boolean {
    this.skipWs();
    if (this.pos >= this.end) return false;
    if (this.peek() !== C.COMMA) this.fail(`unexpected '${this.text[this.pos]}' in ${what}`);
    this.pos++;
    this.skipWs();
    if (this.pos >= this.end || this.peek() === C.COMMA) this.fail(`empty element in ${what}`);
    return true;
  }
}

/** name.toLowerCase(), without the call for the usual all-lower-case ASCII name. */
function lowerKey(name: string): string {
  for (let j = 0; j < name.length; j++) {
    const c = name.charCodeAt(j);
    if ((c >= 65 && c <= 90) || c >= 128) return name.toLowerCase();
  }
  return name;
}

/** The list of every empty Params (see Params.list). */
const NO_PARAMS: (string | null | boolean)[] = [];

/**
 * Header or URI parameters: ordered, names compared case-insensitively (RFC 3261 §7.3.1),
 * values kept as received. A flag parameter (`;lr`) has the value `null`.
 */
export class Params {
  /**
   * Four entries per parameter: name as written, lower-case key, value, quoted flag. One flat
   * array rather than four parallel ones: a parameter list is built for nearly every header
   * and URI parsed, and this keeps it to one small allocation. An empty list is the shared
   * NO_PARAMS (never written to: `add` replaces it), so an empty Params allocates nothing more.
   */
  private list: (string | null | boolean)[] = NO_PARAMS;

  /**
   * @internal a Params over a flat list a parser built: four entries per parameter, name as
   * written, lower-case key, value, quoted flag (see `list`). The list is taken, not copied.
   */
  static fromList(list: (string | null | boolean)[]): Params {
    const p = new Params();
    if (list.length > 0) p.list = list;
    return p;
  }

  static from(init: Record<string, string | null | number | boolean | undefined> | Params | undefined): Params {
    if (init instanceof Params) return init.clone();
    const p = new Params();
    if (init) {
      for (const [k, v] of Object.entries(init)) {
        if (v === undefined || v === false) continue;
        p.set(k, v === true || v === null ? null : String(v));
      }
    }
    return p;
  }

  get size(): number {
    return this.list.length >> 2;
  }

  private nameAt(i: number): string {
    return this.list[i * 4] as string;
  }

  private keyAt(i: number): string {
    return this.list[i * 4 + 1] as string;
  }

  private valueAt(i: number): string | null {
    return this.list[i * 4 + 2] as string | null;
  }

  private quotedAt(i: number): boolean {
    return this.list[i * 4 + 3] as boolean;
  }

  add(name: string, value: string | null, quoted = false): this {
    const key = lowerKey(name);
    if (this.list === NO_PARAMS) this.list = [name, key, value, quoted];
    else this.list.push(name, key, value, quoted);
    return this;
  }

  private index(name: string): number {
    const list = this.list;
    // Fast path: most lookups use the lower-case name already.
    for (let i = 1; i < list.length; i += 4) if (list[i] === name) return i >> 2;
    if (list.length === 0) return -1;
    // Keys are lower case: a name without upper-case ASCII (and all ASCII) cannot match another
    // way, so the usual misses (`ttl`, `received`...) skip toLowerCase.
    let plain = true;
    for (let j = 0; j < name.length; j++) {
      const c = name.charCodeAt(j);
      if ((c >= 65 && c <= 90) || c >= 128) {
        plain = false;
        break;
      }
    }
    if (plain) return -1;
    const key = name.toLowerCase();
    if (key === name) return -1;
    for (let i = 1; i < list.length; i += 4) if (list[i] === key) return i >> 2;
    return -1;
  }

  has(name: string): boolean {
    return this.index(name) >= 0;
  }

  /** The value, `null` for a flag parameter, `undefined` when absent. */
  get(name: string): string | null | undefined {
    const i = this.index(name);
    return i < 0 ? undefined : this.valueAt(i);
  }

  set(name: string, value: string | null, quoted = false): this {
    const i = this.index(name);
    if (i < 0) return this.add(name, value, quoted);
    this.list[i * 4 + 2] = value;
    this.list[i * 4 + 3] = quoted;
    return this;
  }

  delete(name: string): boolean {
    const i = this.index(name);
    if (i < 0) return false; // always the case for NO_PARAMS, which is never spliced
    this.list.splice(i * 4, 4);
    return true;
  }

  *entries(): IterableIterator<[string, string | null]> {
    for (let i = 0; i < this.size; i++) yield [this.nameAt(i), this.valueAt(i)];
  }

  clone(): Params {
    const p = new Params();
    if (this.list.length > 0) p.list = this.list.slice();
    return p;
  }

  /** Equal as sets with case-insensitive names; values compared case-insensitively unless quoted. */
  equals(other: Params): boolean {
    if (other.size !== this.size) return false;
    for (let i = 0; i < this.size; i++) {
      const j = other.index(this.keyAt(i));
      if (j < 0) return false;
      const a = this.valueAt(i);
      const b = other.valueAt(j);
      if (a === b) continue;
      if (a === null || b === null) return false;
      if (this.quotedAt(i) || other.quotedAt(j) ? a !== b : a.toLowerCase() !== b.toLowerCase()) return false;
    }
    return true;
  }

  toJSON(): Record<string, string | null> {
    const o: Record<string, string | null> = {};
    for (let i = 0; i < this.size; i++) o[this.nameAt(i)] = this.valueAt(i);
    return o;
  }

  /** `;name=value;flag` — quoted values re-quoted, others written as received. */
  toString(): string {
    let s = '';
    for (let i = 0; i < this.size; i++) {
      s += ';' + this.nameAt(i);
      const v = this.valueAt(i);
      if (v !== null) s += '=' + (this.quotedAt(i) || !isGenValue(v) ? quote(v) : v);
    }
    return s;
  }
}

function isGenValue(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || GEN_VALUE[c] !== 1) return false;
  }
  return true;
}
