/**
 * `host` and `port` inside header values (RFC 3261 §25.1 hostport; RFC 5118 IPv6 references).
 * Full validation of the host text is the URI module's job; here we only take the lexeme.
 */
import type { Scanner } from '../grammar.js';

const HOST_CHARS = new Uint8Array(128);
for (const ch of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.') HOST_CHARS[ch.charCodeAt(0)] = 1;
const IPV6_CHARS = new Uint8Array(128);
for (const ch of '0123456789abcdefABCDEF:.') IPV6_CHARS[ch.charCodeAt(0)] = 1;

/** hostname / IPv4address / IPv6reference, returned as written (IPv6 with its brackets). */
export function readHost(s: Scanner, what = 'host'): string {
  const start = s.pos;
  if (s.peek() === 91 /* [ */) {
    s.pos++;
    s.run(IPV6_CHARS);
    if (s.peek() !== 93 /* ] */) s.fail(`bad IPv6 reference in ${what}`, start);
    s.pos++;
    if (s.pos - start < 4) s.fail(`bad IPv6 reference in ${what}`, start);
    return s.text.slice(start, s.pos);
  }
  const host = s.run(HOST_CHARS);
  if (host.length === 0) s.fail(`expected ${what}`);
  // A label may not start or end with '-' (RFC 3261 §25.1 domainlabel).
  if (host.startsWith('-') || host.startsWith('.') || host.includes('..')) s.fail(`bad ${what} '${host}'`, start);
  return host;
}

/** port = 1*DIGIT, 1..65535 (0 is not a usable port). */
export function readPort(s: Scanner): number {
  const at = s.pos;
  const port = s.uint(65535, 'port');
  if (port === 0) s.fail('port 0', at);
  return port;
}

/**
 * The end of a sent-by host starting at t[start] that readHost would accept (a non-empty run of
 * letters, digits, '-' and '.', not starting with '-' or '.', without '..'), else -1. An IPv6
 * reference also gives -1: the caller then uses readHost. One pass, for the Via fast path.
 */
export function commonHostEnd(t: string, start: number, end: number): number {
  let i = start;
  let prev = 46; // '.', so that a leading '.' is refused like '..'
  for (; i < end; i++) {
    const c = t.charCodeAt(i);
    if (c >= 128 || HOST_CHARS[c] !== 1) break;
    if (c === 46 && prev === 46) return -1;
    prev = c;
  }
  if (i === start || t.charCodeAt(start) === 45) return -1;
  return i;
}
