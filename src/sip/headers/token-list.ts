/**
 * Comma-separated token lists (RFC 3261 §25.1):
 *
 *   Allow            = "Allow" HCOLON [Method *(COMMA Method)]                       §20.5
 *   Supported        = ( "Supported" / "k" ) HCOLON [option-tag *(COMMA option-tag)]  §20.37
 *   Require          = "Require" HCOLON option-tag *(COMMA option-tag)                 §20.32
 *   Proxy-Require    = "Proxy-Require" HCOLON option-tag *(COMMA option-tag)           §20.29
 *   Unsupported      = "Unsupported" HCOLON option-tag *(COMMA option-tag)             §20.40
 *   Content-Encoding = ( "Content-Encoding" / "e" ) HCOLON content-coding *(COMMA content-coding)  §20.12
 *   Content-Language = "Content-Language" HCOLON language-tag *(COMMA language-tag)    §20.13
 *   Allow-Events     = ( "Allow-Events" / "u" ) HCOLON event-type *(COMMA event-type)  RFC 6665 §8.2.2
 */
import { SIPBuildError, SIPParseError } from '../errors.js';
import { Scanner, isToken } from '../grammar.js';
import { isEventType } from './event.js';

/** Input echoed in an error message, cut short. */
function show(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

export type TokenListHeader =
  | 'Allow'
  | 'Supported'
  | 'Require'
  | 'Proxy-Require'
  | 'Unsupported'
  | 'Allow-Events'
  | 'Content-Encoding'
  | 'Content-Language';

type Kind = 'token' | 'event-type' | 'language-tag';

interface Rule {
  readonly name: string;
  readonly item: string;
  readonly allowEmpty: boolean;
  readonly kind: Kind;
}

const RULES = new Map<string, Rule>();
function rule(name: TokenListHeader, item: string, allowEmpty: boolean, kind: Kind, compact?: string): void {
  const r: Rule = { name, item, allowEmpty, kind };
  RULES.set(name.toLowerCase(), r);
  if (compact) RULES.set(compact, r);
}
rule('Allow', 'Method', true, 'token');
rule('Supported', 'option-tag', true, 'token', 'k');
rule('Require', 'option-tag', false, 'token');
rule('Proxy-Require', 'option-tag', false, 'token');
rule('Unsupported', 'option-tag', false, 'token');
rule('Allow-Events', 'event-type', false, 'event-type', 'u');
rule('Content-Encoding', 'content-coding', false, 'token', 'e');
rule('Content-Language', 'language-tag', false, 'language-tag');

/** Headers not in the table: any tokens, and an empty value is an empty list. */
function ruleFor(header: string): Rule {
  return RULES.get(header.toLowerCase()) ?? { name: header, item: 'token', allowEmpty: true, kind: 'token' };
}

/** language-tag = primary-tag *( "-" subtag ), 1*8ALPHA each (RFC 2616 §3.10; digits allowed in subtags, RFC 5646). */
function isLanguageTag(s: string): boolean {
  const parts = s.split('-');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.length === 0 || p.length > 8) return false;
    if (!(i === 0 ? /^[A-Za-z]+$/ : /^[A-Za-z0-9]+$/).test(p)) return false;
  }
  return true;
}

function validItem(kind: Kind, t: string): boolean {
  if (kind === 'event-type') return isEventType(t);
  if (kind === 'language-tag') return isLanguageTag(t);
  return true;
}

/**
 * One value of a token-list header (RFC 3261 §20.5, §20.12, §20.13, §20.29, §20.32, §20.37,
 * §20.40; RFC 6665 §8.2.2 for Allow-Events). `header` picks the rules (canonical or compact name,
 * any case) and names the header in errors. Allow and Supported may be empty (→ `[]`); the
 * others need at least one element. Tokens are returned as received.
 */
export function parseTokenList(value: string, header: TokenListHeader | (string & {})): string[] {
  const r = ruleFor(header);
  try {
    const s: Scanner = new Scanner(value, r.name);
    s.skipWs();
    const out: string[] = [];
    if (s.done()) {
      if (r.allowEmpty) return out;
      s.fail(`expected at least one ${r.item}`);
    }
    do {
      const at = s.pos;
      const t = s.token(r.item);
      if (!validItem(r.kind, t)) s.fail(`'${show(t)}' is not a valid ${r.item}`, at);
      out.push(t);
    } while (s.listNext(`${r.name} list`));
    return out;
  } catch (e) {
    if (e instanceof SIPParseError) throw e;
    throw new SIPParseError(`${r.name}: unparsable value (${e instanceof Error ? e.message : String(e)})`, {
      header: r.name,
      statusCode: 400,
    });
  }
}

/** Wire text for a token list (`INVITE, ACK, BYE`); throws SIPBuildError on an invalid element. */
export function formatTokenList(tokens: readonly string[], header: TokenListHeader | (string & {}) = 'token list'): string {
  const r = ruleFor(header);
  if (tokens.length === 0 && !r.allowEmpty) throw new SIPBuildError(`${r.name} needs at least one ${r.item}`);
  for (const t of tokens) {
    if (!isToken(t) || !validItem(r.kind, t)) throw new SIPBuildError(`'${show(t)}' is not a valid ${r.item} for ${r.name}`);
  }
  return tokens.join(', ');
}

