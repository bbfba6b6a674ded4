/**
 * Transaction matching keys (RFC 3261 §17.1.3 for responses, §17.2.3 for requests).
 *
 * A key is a string so that the transaction layer can keep its transactions in a Map and match
 * every message with one lookup.
 */
import { randomBytes } from 'node:crypto';
import type { SIPRequest, SIPResponse } from './message.js';
import type { Via } from './headers/via.js';

/**
 * §17.1.3: a response matches a client transaction when the branch of its top Via equals the
 * branch of the request's top Via, and its CSeq method equals the request's method (so a CANCEL
 * with the INVITE's branch is a different transaction).
 */
export function clientKey(branch: string, method: string): string {
  return `${branch}\u0000${method}`;
}

/** The client transaction key of a response, or undefined when it has no usable top Via/CSeq. */
export function responseKey(res: SIPResponse): string | undefined {
  const branch = res.topVia?.branch;
  const method = res.cseq?.method;
  return branch === undefined || method === undefined ? undefined : clientKey(branch, method);
}

function sentBy(via: Via): string {
  return `${via.host.toLowerCase()}:${via.port ?? ''}`;
}

/**
 * §17.2.3: the server transaction key of a request. With an RFC 3261 branch (magic cookie) it is
 * the branch, the sent-by of the top Via and the method — an ACK's method counting as INVITE, as
 * it belongs to the INVITE transaction. Without the cookie (RFC 2543 peers) it is the
 * Request-URI, From tag, Call-ID, CSeq number and top Via; the To tag of an ACK is compared
 * with the response's separately (see `ackMatchesToTag`), since the INVITE carried none.
 */
export function serverKey(req: SIPRequest): string | undefined {
  const via = req.topVia;
  if (!via) return undefined;
  const method = req.method === 'ACK' ? 'INVITE' : req.method;
  const branch = via.branch;
  if (branch !== undefined && via.rfc3261Branch) return `${branch}\u0000${sentBy(via)}\u0000${method}`;
  const cseq = req.cseq;
  return `2543\u0000${req.requestUri}\u0000${req.from?.tag ?? ''}\u0000${req.callId}\u0000${cseq?.seq}\u0000${method}\u0000${via.toString()}`;
}

/**
 * The key of the INVITE server transaction a CANCEL cancels (RFC 3261 §9.2): the same key as the
 * CANCEL's, with the method INVITE.
 */
export function cancelTargetKey(cancel: SIPRequest): string | undefined {
  const via = cancel.topVia;
  if (!via) return undefined;
  const branch = via.branch;
  if (branch !== undefined && via.rfc3261Branch) return `${branch}\u0000${sentBy(via)}\u0000INVITE`;
  return `2543\u0000${cancel.requestUri}\u0000${cancel.from?.tag ?? ''}\u0000${cancel.callId}\u0000${cancel.cseq?.seq}\u0000INVITE\u0000${via.toString()}`;
}

/** §17.2.3 (RFC 2543 case): an ACK matches when its To tag equals the tag of our response. */
export function ackMatchesToTag(ack: SIPRequest, response: SIPResponse | undefined): boolean {
  if (ack.topVia?.rfc3261Branch) return true;
  return (ack.to?.tag ?? '') === (response?.to?.tag ?? '');
}

/** A fresh RFC 3261 branch: the magic cookie and 96 random bits (§8.1.1.7). */
export function newBranch(): string {
  return 'z9hG4bK' + randomToken(16);
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** Random token characters, for branches and tags (§19.3: at least 32 bits of randomness). */
export function randomToken(length: number): string {
  // One call into the CSPRNG per 4 KB of tokens, not per token: a call's tags and branches
  // cost a system call each otherwise (measured: ~20 µs of every call at the UAS).
  if (poolAt + length > pool.length) {
    pool = randomBytes(Math.max(4096, length));
    poolAt = 0;
  }
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[pool[poolAt + i] % 62];
  poolAt += length;
  return s;
}

let pool: Buffer = Buffer.alloc(0);
let poolAt = 0;
