/**
 * Full validation of a parsed message: every header sipstate has a grammar for is parsed now
 * (and cached), so a malformed one is found before any layer acts on the message. The parser
 * already checked the core headers; this is what a UAS does before it answers (RFC 3261 §8.2:
 * a request with a malformed header it understands gets 400; a malformed response is dropped).
 */
import { SIPParseError } from './errors.js';
import type { SIPMessage } from './message.js';
import { salvage } from './parser.js';
import { isTypedHeader } from './typed-headers.js';

/** Throws SIPParseError (400 for requests, drop for responses) on the first malformed header. */
export function validateMessage(msg: SIPMessage): void {
  const seen = new Set<string>();
  for (const [name] of msg.fields()) {
    const key = name.toLowerCase();
    if (seen.has(key) || !isTypedHeader(key)) continue;
    seen.add(key);
    try {
      msg.header(key);
      if (key === 'contact' || key === 'route' || key === 'record-route' || key === 'path' || key === 'service-route') {
        for (const a of msg.header(key)) if (!('wildcard' in a)) a.uri; // parse the URIs too
      } else if (key === 'refer-to' || key === 'referred-by' || key === 'reply-to') msg.header(key)?.uri;
    } catch (e) {
      if (!(e instanceof SIPParseError)) throw e;
      throw new SIPParseError(e.message.toLowerCase().startsWith(key) ? e.message : `${name}: ${e.message}`, {
        header: name,
        offset: e.offset,
        statusCode: msg.isRequest ? 400 : undefined,
        salvage: msg.isRequest ? salvage(msg) : undefined,
      });
    }
  }
}
