/**
 * Redaction for the inspector: turns whatever an actor holds (its context, the events it
 * receives) into plain JSON that is safe to show and to send over a socket.
 *
 * - a deep copy to plain JSON, bounded in depth, items, nodes and characters: cycles become
 *   '[circular]', binary data '<N bytes>', functions '<function name>', actor refs
 *   '<actor id>', other class instances '<ClassName>' (Dates become ISO strings, Errors
 *   '<Error: message>');
 * - the value of any key matching SECRET_KEY (password, secret, ha1, authorization,
 *   credential, ...key) becomes '[redacted]';
 * - a SIP message (SIPRequest / SIPResponse) becomes `{ summary, text }`: one line to show
 *   (`INVITE sip:bob@host Call-ID x CSeq 1 INVITE`, `200 OK Call-ID x CSeq 1 INVITE`) and the
 *   message text with its secrets redacted by `redactSipText`;
 * - every string goes through `redactSipText` too, so a header or an SDP body held as a string
 *   loses its secrets the same way.
 */
import { SIPMessage } from '../src/sip/message.js';

export const REDACTED = '[redacted]';

/** Keys whose values are never shown. */
export const SECRET_KEY = /pass(word)?|secret|ha1|authorization|credential|key$/i;

const MAX_DEPTH = 10;
/** Array items and object keys copied per container. */
const MAX_ITEMS = 200;
/** Values copied per `redact()` call. */
const MAX_NODES = 5000;
/** Characters of one string (or one SIP message text). */
const MAX_STRING = 64 * 1024;
/** Characters of all strings of one `redact()` call. */
const MAX_CHARS = 1024 * 1024;

interface Budget {
  nodes: number;
  chars: number;
}

/** A plain-JSON, secret-free copy of `value` (see the module comment). Never throws. */
export function redact(value: unknown): unknown {
  try {
    return walk(value, 0, { nodes: MAX_NODES, chars: MAX_CHARS }, new Set());
  } catch (e) {
    return `<unreadable: ${errorText(e)}>`;
  }
}

// Secrets in SIP message text (RFC 3261 §20.7, §20.28: credentials; RFC 4568 §9.1: SDES keys).
/** Authorization / Proxy-Authorization header lines (with folded continuation lines). */
const AUTH_HEADER = /^([ \t]*(?:proxy-)?authorization[ \t]*:)[^\r\n]*(?:\r?\n[ \t]+[^\r\n]*)*/gim;
/** The digest response of a credentials value anywhere (response="…" or response=…). */
const DIGEST_RESPONSE = /(\bresponse[ \t]*=[ \t]*)(?:"[^"\r\n]*"?|[^,\s"]+)/gi;
/** Basic and Bearer credentials: a credentials header value held alone. */
const TOKEN_CREDENTIALS = /^([ \t]*(?:Basic|Bearer))([ \t]+)[A-Za-z0-9\-._~+/]+=*/i;
/** SDES key material: `inline:KEY|lifetime|MKI` (in a=crypto lines and in parsed SDP). */
const SDES_KEY = /\binline:[^\s;"]+/gi;
/** MIKEY and other key management data (RFC 4567). */
const KEY_MGMT = /^(a=key-mgmt:[ \t]*\S+[ \t]+)[^\r\n]*/gim;
/** The password of a `sip:user:password@host` URI (RFC 3261 §19.1.1, deprecated but legal). */
const URI_PASSWORD = /\b(sips?:[^:@\s;<>",]+):[^@\s;<>",]+@/gi;
const MAYBE_SECRET = /authorization|response|^[ \t]*(?:basic|bearer)|inline:|key-mgmt|sips?:[^@\s]*:[^@\s]*@/i;

/**
 * SIP message text (or any string) with its secrets replaced by '[redacted]': the whole value of
 * Authorization and Proxy-Authorization headers, digest `response=` parameters (in any header,
 * WWW-Authenticate included), Basic/Bearer tokens, SDP `a=crypto:` key material
 * (`inline:[redacted]`), `a=key-mgmt:` data and passwords in SIP URIs.
 */
export function redactSipText(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  return text
    .replace(AUTH_HEADER, `$1 ${REDACTED}`)
    .replace(DIGEST_RESPONSE, `$1${REDACTED}`)
    .replace(TOKEN_CREDENTIALS, `$1$2${REDACTED}`)
    .replace(SDES_KEY, `inline:${REDACTED}`)
    .replace(KEY_MGMT, `$1${REDACTED}`)
    .replace(URI_PASSWORD, `$1:${REDACTED}@`);
}

/** A SIP message as the inspector shows it: one summary line and the redacted text. */
export function redactSipMessage(message: SIPMessage): { summary: string; text: string } {
  return { summary: summaryOf(message), text: textOf(message) };
}

function summaryOf(m: SIPMessage): string {
  const r = m as SIPMessage & { method?: string; requestUri?: string; status?: number; reason?: string };
  const head = m.isRequest ? `${r.method} ${safe(() => redactSipText(String(r.requestUri)))}` : `${r.status} ${r.reason}`;
  const callId = safe(() => m.callId);
  const cseq = safe(() => m.cseq);
  return `${head}${callId ? ` Call-ID ${callId}` : ''}${cseq ? ` CSeq ${cseq.seq} ${cseq.method}` : ''}`;
}

function textOf(m: SIPMessage): string {
  const bodyLength = m.body?.length ?? 0;
  // A large body is not decoded at all: the headers and its size are enough to show.
  const text = bodyLength > MAX_STRING ? `${m.headerSection()}<${bodyLength} bytes body>` : m.toString();
  return redactSipText(text.length > MAX_STRING ? truncate(text) : text);
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function truncate(s: string, max = MAX_STRING): string {
  return `${s.slice(0, max)}…<${s.length} chars>`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isSipMessage(v: object): v is SIPMessage {
  if (v instanceof SIPMessage) return true;
  // Another copy of the module (duplicate install): recognise it by shape.
  const m = v as Partial<SIPMessage>;
  return typeof m.startLine === 'function' && typeof m.headerSection === 'function' && typeof m.toString === 'function' && typeof m.isRequest === 'boolean';
}

function isActorRef(v: object): v is { id: string } {
  const a = v as { send?: unknown; getSnapshot?: unknown; sessionId?: unknown; id?: unknown };
  return typeof a.send === 'function' && typeof a.getSnapshot === 'function' && typeof a.sessionId === 'string';
}

function redactString(s: string, budget: Budget): string {
  const out = s.length > MAX_STRING ? truncate(s) : s;
  if (out.length > budget.chars) return `<${s.length} chars>`;
  budget.chars -= out.length;
  return out.length < 6 || (out.indexOf(':') < 0 && out.indexOf('=') < 0) ? out : redactSipText(out);
}

function walk(v: unknown, depth: number, budget: Budget, seen: Set<object>): unknown {
  switch (typeof v) {
    case 'string':
      return redactString(v, budget);
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'boolean':
      return v;
    case 'undefined':
      return undefined;
    case 'bigint':
      return v.toString();
    case 'symbol':
      return v.toString();
    case 'function':
      return `<function ${v.name || 'anonymous'}>`;
  }
  if (v === null) return null;
  const o = v as object;
  if (--budget.nodes < 0) return '…';
  if (seen.has(o)) return '[circular]';
  if (ArrayBuffer.isView(o)) return `<${o.byteLength} bytes>`;
  if (o instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && o instanceof SharedArrayBuffer)) return `<${o.byteLength} bytes>`;
  if (o instanceof Date) return Number.isNaN(o.getTime()) ? 'Invalid Date' : o.toISOString();
  if (isSipMessage(o)) {
    try {
      const m = redactSipMessage(o);
      budget.chars -= m.text.length;
      return m;
    } catch (e) {
      return `<SIP message: ${errorText(e)}>`;
    }
  }
  if (isActorRef(o)) return `<actor ${String(o.id)}>`;
  if (o instanceof Error) return redactString(`<${o.name}: ${o.message.slice(0, 200)}>`, budget);
  if (depth >= MAX_DEPTH) return Array.isArray(o) ? `<array(${o.length})>` : '<object>';
  if (Array.isArray(o)) {
    seen.add(o);
    try {
      const n = Math.min(o.length, MAX_ITEMS);
      const out: unknown[] = new Array(n);
      // A [name, value] header pair: a credentials header's value is never shown.
      const header = o.length === 2 && typeof o[0] === 'string' && SECRET_KEY.test(o[0]);
      for (let i = 0; i < n; i++) {
        const item = header && i === 1 ? REDACTED : walk(o[i], depth + 1, budget, seen);
        out[i] = item === undefined ? null : item;
      }
      if (o.length > n) out.push(`<${o.length - n} more>`);
      return out;
    } finally {
      seen.delete(o);
    }
  }
  const proto = Object.getPrototypeOf(o);
  if (proto !== Object.prototype && proto !== null) {
    if (o instanceof Map) return `<Map(${o.size})>`;
    if (o instanceof Set) return `<Set(${o.size})>`;
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    return `<${name || 'object'}>`;
  }
  seen.add(o);
  try {
    const out: Record<string, unknown> = {};
    let count = 0;
    for (const key of Object.keys(o)) {
      if (count++ >= MAX_ITEMS) {
        out['…'] = `<${Object.keys(o).length - MAX_ITEMS} more keys>`;
        break;
      }
      let item: unknown;
      try {
        item = (o as Record<string, unknown>)[key];
      } catch (e) {
        item = `<unreadable: ${errorText(e)}>`;
      }
      if (item === undefined) continue;
      out[key] = SECRET_KEY.test(key) ? REDACTED : walk(item, depth + 1, budget, seen);
    }
    return out;
  } finally {
    seen.delete(o);
  }
}
