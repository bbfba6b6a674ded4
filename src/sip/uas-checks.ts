/**
 * The checks a UAS makes before it processes a request, in the order of RFC 3261 §8.2:
 * method (§8.2.1, 405 with Allow), URI scheme (§8.2.2.1, 416), extensions (§8.2.2.3, 420 with
 * Unsupported), content (§8.2.3, 415 with Accept / Accept-Encoding / Accept-Language), and what
 * the client accepts in return (§8.2.6 / RFC 4475 §3.3.15, 406). Malformed and version errors
 * (400, 505) are the parser's (§8.2.2 and §8.2.6: see parseMessage). Merged requests (§8.2.2.2,
 * 482) need memory of recent requests and are checked by the UA core with `mergeKey`.
 *
 * Pure: returns the response to send, or undefined when the request may be processed.
 */
import { SIPParseError } from './errors.js';
import type { SIPRequest, SIPResponse } from './message.js';
import { acceptsMediaType } from './headers/media-type.js';

export interface Capabilities {
  /** Methods this UA implements (Allow). */
  readonly methods: readonly string[];
  /** Option tags this UA supports (Supported). */
  readonly extensions: readonly string[];
  /** Body types this UA understands, by method (`*` for any method). */
  readonly accept: Readonly<Record<string, readonly string[]>>;
  /** URI schemes it takes in a Request-URI and To. */
  readonly schemes: readonly string[];
  /** Event packages (Allow-Events). */
  readonly events: readonly string[];
  /** Content-Encodings understood (RFC 3261 §20.12); identity always is. */
  readonly encodings: readonly string[];
}

export const DEFAULT_CAPABILITIES: Capabilities = {
  methods: ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'MESSAGE', 'INFO', 'UPDATE', 'PRACK', 'REFER', 'NOTIFY', 'SUBSCRIBE'],
  extensions: ['path', 'gruu', 'outbound', 'replaces', 'norefersub', 'timer'],
  accept: {
    '*': ['application/sdp', 'text/plain', 'message/cpim', 'application/im-iscomposing+xml', 'multipart/mixed'],
    // Event package bodies (RFC 3842, 3863, 3857, 4235, 4662, 4575, 3515).
    NOTIFY: [
      'application/simple-message-summary', 'application/pidf+xml', 'application/watcherinfo+xml', 'application/dialog-info+xml',
      'application/rlmi+xml', 'multipart/related', 'application/conference-info+xml', 'message/sipfrag', 'text/plain',
    ],
  },
  schemes: ['sip', 'sips', 'tel'],
  events: [],
  encodings: ['identity'],
};

function acceptFor(caps: Capabilities, method: string): readonly string[] {
  return caps.accept[method] ?? caps.accept['*'] ?? [];
}

/** The first failed check's response, built with `reply(status, headers)`; undefined if all pass. */
export function checkRequest(
  request: SIPRequest,
  caps: Capabilities,
  reply: (status: number, headers?: [string, string][]) => SIPResponse,
): SIPResponse | undefined {
  // §8.2.1: "If the UAS does not support the method, it SHOULD generate a 405 and MUST list the
  // methods it supports in an Allow header field." ACK is never answered.
  if (request.method === 'ACK') return undefined;
  if (!caps.methods.includes(request.method)) return reply(405, [['Allow', caps.methods.join(', ')]]);

  // §8.2.2.1: an unsupported Request-URI scheme gets 416.
  if (!caps.schemes.includes(request.uri.scheme)) return reply(416);

  try {
    // §8.2.2.3: any option tag in Require the UAS does not understand → 420 listing them in
    // Unsupported. (A CANCEL and an ACK carry no Require that matters, §8.2.2.3.)
    if (request.method !== 'CANCEL') {
      const unknown = request.header('require').filter((tag) => !caps.extensions.some((e) => e.toLowerCase() === tag.toLowerCase()));
      if (unknown.length) return reply(420, [['Unsupported', unknown.join(', ')]]);
    }

    // §8.2.3: a body of a type, encoding or language it does not understand → 415 with the
    // Accept, Accept-Encoding or Accept-Language it does (only for bodies it must process).
    if (request.body.length > 0 && request.method !== 'CANCEL') {
      const type = request.contentType;
      const accepted = acceptFor(caps, request.method);
      if (!type || !accepted.includes(type.mime)) return reply(415, [['Accept', accepted.join(', ')]]);
      const encodings = request.header('content-encoding').filter((e) => !caps.encodings.includes(e.toLowerCase()));
      if (encodings.length) return reply(415, [['Accept-Encoding', caps.encodings.join(', ')]]);
    }

    // RFC 3261 §21.4.7 / RFC 4475 §3.3.15: an INVITE whose Accept excludes the only answer type
    // we can send (SDP) gets 406.
    if (request.method === 'INVITE') {
      const accept = request.header('accept');
      if (accept !== undefined && !acceptsMediaType(accept, 'application/sdp')) return reply(406, [['Accept', 'application/sdp']]);
    }
  } catch (e) {
    if (e instanceof SIPParseError) return reply(400);
    throw e;
  }
  return undefined;
}

/**
 * §8.2.2.2: "If the request has no tag in the To header field, the UAS core MUST check the
 * request against ongoing transactions. If the From tag, Call-ID, and CSeq exactly match those
 * associated with an ongoing transaction, but the request does not match that transaction
 * (based on the matching rules in Section 17.2.3), the UAS core SHOULD generate a 482."
 */
export function mergeKey(request: SIPRequest): string | undefined {
  if (request.to?.tag !== undefined || request.method === 'ACK' || request.method === 'CANCEL') return undefined;
  const cseq = request.cseq;
  return `${request.from?.tag ?? ''}\u0000${request.callId}\u0000${cseq?.seq} ${cseq?.method}`;
}

/** The OPTIONS answer's capability headers (§11.2). */
export function capabilityHeaders(caps: Capabilities): [string, string][] {
  const h: [string, string][] = [
    ['Allow', caps.methods.join(', ')],
    ['Accept', acceptFor(caps, 'OPTIONS').join(', ')],
    ['Accept-Encoding', caps.encodings.join(', ')],
    ['Supported', caps.extensions.join(', ')],
  ];
  if (caps.events.length) h.push(['Allow-Events', caps.events.join(', ')]);
  return h;
}
