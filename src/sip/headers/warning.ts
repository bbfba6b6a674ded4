/**
 * Warning (RFC 3261 §20.43):
 *
 *   Warning       = "Warning" HCOLON warning-value *(COMMA warning-value)
 *   warning-value = warn-code SP warn-agent SP warn-text
 *   warn-code     = 3DIGIT
 *   warn-agent    = hostport / pseudonym
 *   warn-text     = quoted-string
 *   pseudonym     = token
 *
 * SIP defines only 3xx warn-codes (§20.43), so a code outside 300-399 is refused both when
 * parsing and when building (known issue R-MSG-1), as is a warn-agent that is neither a hostport
 * nor a token — in particular a User-Agent string such as `sipstate/0.1 (node)`.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { SIPBuildError, SIPParseError } from '../errors.js';
import { Scanner, TOKEN } from '../grammar.js';

/** Input echoed in an error message, cut short. */
function show(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** The warn-codes of RFC 3261 §20.43. */
export const WarnCode = {
  IncompatibleNetworkProtocol: 300,
  IncompatibleNetworkAddressFormats: 301,
  IncompatibleTransportProtocol: 302,
  IncompatibleBandwidthUnits: 303,
  MediaTypeNotAvailable: 304,
  IncompatibleMediaFormat: 305,
  AttributeNotUnderstood: 306,
  SessionDescriptionParameterNotUnderstood: 307,
  MulticastNotAvailable: 330,
  UnicastNotAvailable: 331,
  InsufficientBandwidth: 370,
  Miscellaneous: 399,
} as const;

const HT = 9;
const SP = 32;
const DQUOTE = 34;

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

/** hostname = *( domainlabel "." ) toplabel [ "." ] (RFC 3261 §25.1), checked label by label. */
function isHostname(h: string): boolean {
  const labels = h.endsWith('.') ? h.slice(0, -1).split('.') : h.split('.');
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l.length === 0) return false;
    for (let j = 0; j < l.length; j++) {
      const c = l.charCodeAt(j);
      const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
      if (!alnum && !(c === 45 && j > 0 && j < l.length - 1)) return false;
    }
    if (i === labels.length - 1) {
      const c = l.charCodeAt(0);
      if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
    }
  }
  return true;
}

/**
 * warn-agent = hostport / pseudonym, read from the cursor. A bracketed IPv6 reference or a
 * token, then `:port` only after a hostname, IPv4 address or IPv6 reference.
 */
function readWarnAgent(s: Scanner): string {
  const t = s.text;
  const start = s.pos;
  if (s.peek() === 91 /* [ */) {
    let p = s.pos + 1;
    while (p < s.end && p - start <= 47 && t.charCodeAt(p) !== 93) p++;
    if (p >= s.end || t.charCodeAt(p) !== 93 || !isIPv6(t.slice(start + 1, p))) s.fail('bad IPv6 reference in warn-agent', start);
    s.pos = p + 1;
  } else {
    const host = s.run(TOKEN);
    if (host.length === 0) s.fail('expected warn-agent (hostport or pseudonym)');
    if (s.peek() !== 58 /* : */) return host;
    if (!isHostname(host) && !(host.length <= 15 && isIPv4(host))) s.fail(`'${show(host)}' before ':' is not a host`, start);
  }
  if (s.peek() === 58) {
    s.pos++;
    const at = s.pos;
    const port = s.uint(65535, 'port');
    if (port === 0) s.fail('port 0 in warn-agent', at);
  }
  return t.slice(start, s.pos);
}

function isWarnAgent(agent: string): boolean {
  try {
    const s: Scanner = new Scanner(agent, 'Warning');
    readWarnAgent(s);
    return s.done();
  } catch {
    return false;
  }
}

export interface WarningJSON {
  code: number;
  agent: string;
  text: string;
}

/** One warning-value. */
export class Warning {
  /** 300-399. */
  readonly code: number;
  /** hostport (`isi.edu`, `192.0.2.1:5060`, `[2001:db8::1]`) or token pseudonym. */
  readonly agent: string;
  /** The warn-text, unquoted. */
  readonly text: string;

  /** Throws SIPBuildError for a code outside 300-399, a bad warn-agent or CR/LF in the text. */
  constructor(code: number, agent: string, text: string) {
    if (!Number.isInteger(code) || code < 300 || code > 399) {
      throw new SIPBuildError(`warn-code ${code} is outside 300-399 (RFC 3261 §20.43)`);
    }
    if (!isWarnAgent(agent)) {
      throw new SIPBuildError(`warn-agent '${agent}' must be a hostport or a token pseudonym, not a User-Agent string`);
    }
    if (/[\r\n]/.test(text)) throw new SIPBuildError('warn-text cannot hold CR or LF');
    this.code = code;
    this.agent = agent;
    this.text = text;
  }

  static create(code: number, agent: string, text: string): Warning {
    return new Warning(code, agent, text);
  }

  toString(): string {
    return `${this.code} ${this.agent} ${quoteValue(this.text)}`;
  }

  toJSON(): WarningJSON {
    return { code: this.code, agent: this.agent, text: this.text };
  }
}

function requireWs(s: Scanner, what: string): void {
  const at = s.pos;
  while (s.pos < s.end) {
    const c = s.text.charCodeAt(s.pos);
    if (c !== SP && c !== HT) break;
    s.pos++;
  }
  if (s.pos === at) s.fail(`expected SP ${what}`);
}

/**
 * Warning (RFC 3261 §20.43). The SP separators may be any run of SP/HTAB (folded lines). A
 * warn-code must be exactly 3 digits and within 300-399 (RFC 4475 §3.1.2.5 scalarlg has `1812`).
 */
export function parseWarningList(value: string, header = 'Warning'): Warning[] {
  return guard(header, () => {
    const s: Scanner = new Scanner(value, header);
    s.skipWs();
    if (s.done()) s.fail('expected warning-value');
    const out: Warning[] = [];
    do {
      const at = s.pos;
      const t = s.text;
      while (s.pos < s.end && s.pos - at < 4) {
        const c = t.charCodeAt(s.pos);
        if (c < 48 || c > 57) break;
        s.pos++;
      }
      const digits = t.slice(at, s.pos);
      if (digits.length !== 3 || (s.pos < s.end && t.charCodeAt(s.pos) >= 48 && t.charCodeAt(s.pos) <= 57)) {
        s.fail('warn-code must be exactly 3 digits', at);
      }
      const code = Number(digits);
      if (code < 300 || code > 399) s.fail(`warn-code ${digits} is outside 300-399`, at);
      requireWs(s, 'after warn-code');
      const agent = readWarnAgent(s);
      requireWs(s, 'after warn-agent');
      if (s.peek() !== DQUOTE) s.fail('warn-text must be a quoted-string');
      const text = s.quotedString();
      out.push(new Warning(code, agent, text));
    } while (s.listNext('Warning list'));
    return out;
  });
}

/** Wire text for several warnings: `307 isi.edu "…", 301 isi.edu "…"`. */
export function formatWarnings(warnings: readonly Warning[]): string {
  if (warnings.length === 0) throw new SIPBuildError('Warning needs at least one warning-value');
  return warnings.map(String).join(', ');
}
