/**
 * Character classes of RFC 3261 §25.1 by octet, for the fast parser (wire-parser.ts), which
 * scans the received Buffer itself: reading a Uint8Array is about twice as fast in V8 as
 * `charCodeAt` on a string, and a 256-entry table needs no `c < 128` test first. Every
 * octet >= 0x80 is in no class (the fast parser only sees ASCII messages anyway).
 *
 * The sets are the same as grammar.ts (TOKEN, WORD, GEN_VALUE) and uri.ts (user, paramchar).
 */
import { GEN_VALUE, TOKEN, WORD } from './grammar.js';

/** token (§25.1) */
export const O_TOKEN = 1;
/** word (§25.1, Call-ID) */
export const O_WORD = 2;
/** gen-value as a token or host (token plus "[" "]" ":") */
export const O_GEN = 4;
/** Via sent-by host characters as the Via fast path takes them: ALPHA / DIGIT / "-" / "." */
export const O_HOST = 8;
/** user = 1*( unreserved / escaped / user-unreserved ), plus "#" (telephone-subscriber); no escapes here */
export const O_USER = 16;
/** paramchar = param-unreserved / unreserved (no escapes here) */
export const O_PARAM = 32;
/** "A".."Z": a name holding one is lower-cased for its key */
export const O_UPPER = 64;
/** ALPHA */
export const O_ALPHA = 128;

/** The classes of each octet. */
export const OCTET = new Uint8Array(256);

{
  const mark = "-_.!~*'()";
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    const alnum = alpha || (c >= 48 && c <= 57);
    const unreserved = alnum || mark.includes(ch);
    let bits = 0;
    if (TOKEN[c] === 1) bits |= O_TOKEN;
    if (WORD[c] === 1) bits |= O_WORD;
    if (GEN_VALUE[c] === 1) bits |= O_GEN;
    if (alnum || ch === '-' || ch === '.') bits |= O_HOST;
    if (unreserved || '&=+$,;?/#'.includes(ch)) bits |= O_USER;
    if (unreserved || '[]/:&+$'.includes(ch)) bits |= O_PARAM;
    if (c >= 65 && c <= 90) bits |= O_UPPER;
    if (alpha) bits |= O_ALPHA;
    OCTET[c] = bits;
  }
}

/** The index of the first octet at or after `i` that is not SP or HTAB. */
export function skipWsOctets(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i];
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** The index of the first octet at or after `i` outside the class `bit`. */
export function runOctets(b: Uint8Array, i: number, end: number, bit: number): number {
  const oct = OCTET; // a local: V8 reloads and re-checks a module binding on every use in a loop
  while (i < end && (oct[b[i]] & bit) !== 0) i++;
  return i;
}
