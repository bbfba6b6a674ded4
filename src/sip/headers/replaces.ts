/**
 * Replaces (RFC 3891 §6.1):
 *
 *   Replaces       = "Replaces" HCOLON callid *(SEMI replaces-param)
 *   callid         = word [ "@" word ]                      (RFC 3261 §25.1)
 *   replaces-param = to-tag / from-tag / early-flag / generic-param
 *   to-tag         = "to-tag" EQUAL token
 *   from-tag       = "from-tag" EQUAL token
 *   early-flag     = "early-only"
 *
 * This is the header field value; inside a Refer-To URI the same text is %-escaped, which is
 * the URI module's business.
 */
import { SIPBuildError, SIPParseError } from '../errors.js';
import { Params, Scanner, WORD, isToken } from '../grammar.js';

/** Input echoed in an error message, cut short. */
function show(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** What `Params.from` accepts: a record of values, or another `Params` to copy. */
export type ReplacesParamsInit = Parameters<typeof Params.from>[0];

const HT = 9;

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

function hasControl(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 && c !== HT) return true;
  }
  return false;
}

function isWord(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || WORD[c] !== 1) return false;
  }
  return true;
}

/** callid = word [ "@" word ] (RFC 3261 §25.1). */
function isCallId(s: string): boolean {
  const at = s.indexOf('@');
  return at < 0 ? isWord(s, 0, s.length) : isWord(s, 0, at) && isWord(s, at + 1, s.length);
}

export interface ReplacesInit {
  callId: string;
  toTag: string;
  fromTag: string;
  earlyOnly?: boolean;
  /** Further generic parameters (not to-tag, from-tag, early-only). */
  params?: ReplacesParamsInit;
}

export interface ReplacesJSON {
  callId: string;
  toTag: string;
  fromTag: string;
  earlyOnly: boolean;
  params: Record<string, string | null>;
}

const RESERVED = ['to-tag', 'from-tag', 'early-only'];

/**
 * A Replaces value. The dialog it names is seen from the recipient's side: `toTag` is the
 * recipient's local tag and `fromTag` its remote tag (RFC 3891 §3).
 */
export class Replaces {
  readonly callId: string;
  readonly toTag: string;
  readonly fromTag: string;
  readonly earlyOnly: boolean;
  /** Parameters other than to-tag, from-tag and early-only. */
  readonly params: Params;

  constructor(init: ReplacesInit) {
    if (!isCallId(init.callId)) throw new SIPBuildError(`'${init.callId}' is not a Call-ID`);
    if (!isToken(init.toTag)) throw new SIPBuildError(`to-tag '${init.toTag}' is not a token`);
    if (!isToken(init.fromTag)) throw new SIPBuildError(`from-tag '${init.fromTag}' is not a token`);
    this.callId = init.callId;
    this.toTag = init.toTag;
    this.fromTag = init.fromTag;
    this.earlyOnly = init.earlyOnly === true;
    this.params = Params.from(init.params);
    for (const [name, v] of this.params.entries()) {
      if (!isToken(name)) throw new SIPBuildError(`parameter name '${show(name)}' is not a token`);
      if (v !== null && hasControl(v)) throw new SIPBuildError(`parameter '${show(name)}' holds a control character`);
      if (RESERVED.includes(name.toLowerCase())) throw new SIPBuildError(`give '${show(name)}' as a field, not in params`);
    }
  }

  toString(): string {
    const early = this.earlyOnly ? ';early-only' : '';
    return `${this.callId};to-tag=${this.toTag};from-tag=${this.fromTag}${early}${this.params.toString()}`;
  }

  toJSON(): ReplacesJSON {
    return {
      callId: this.callId,
      toTag: this.toTag,
      fromTag: this.fromTag,
      earlyOnly: this.earlyOnly,
      params: this.params.toJSON(),
    };
  }
}

/**
 * Replaces (RFC 3891 §6.1). Exactly one to-tag and one from-tag are required (§6.1: "A Replaces
 * header field MUST contain exactly one to-tag and exactly one from-tag"); early-only takes no value.
 */
export function parseReplaces(value: string, header = 'Replaces'): Replaces {
  return guard(header, () => {
    const s: Scanner = new Scanner(value, header);
    s.skipWs();
    const start = s.pos;
    if (s.run(WORD).length === 0) s.fail('expected callid');
    if (s.peek() === 64 /* @ */) {
      s.pos++;
      if (s.run(WORD).length === 0) s.fail("expected word after '@' in callid");
    }
    const callId = s.text.slice(start, s.pos);
    const at = s.pos;
    const all = s.params();
    s.expectEnd(`';' or end of value`);
    const seen = new Set<string>();
    let toTag: string | undefined;
    let fromTag: string | undefined;
    let earlyOnly = false;
    for (const [name, v] of all.entries()) {
      const key = name.toLowerCase();
      if (seen.has(key)) s.fail(`duplicate parameter '${show(name)}'`, at);
      seen.add(key);
      if (v !== null && hasControl(v)) s.fail(`control character in parameter '${show(name)}'`, at);
      if (key === 'to-tag' || key === 'from-tag') {
        if (v === null || !isToken(v)) s.fail(`${key} must be a token`, at);
        if (key === 'to-tag') toTag = v;
        else fromTag = v;
      } else if (key === 'early-only') {
        if (v !== null) s.fail('early-only takes no value', at);
        earlyOnly = true;
      }
    }
    if (toTag === undefined) s.fail('missing to-tag', at);
    if (fromTag === undefined) s.fail('missing from-tag', at);
    const params = all.clone();
    for (const n of RESERVED) params.delete(n);
    return new Replaces({ callId, toTag, fromTag, earlyOnly, params });
  });
}
