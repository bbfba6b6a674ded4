/**
 * RFC 3261 §18.2.1 and RFC 3581 §4: a server notes in the top Via where a request really came from.
 *
 *   "When the server transport receives a request over any transport, it MUST examine the value
 *    of the "sent-by" parameter in the top Via header field value. If the host portion of the
 *    "sent-by" field contains a domain name, or if it contains an IP address that differs from
 *    the packet source address, the server MUST add a "received" parameter to that Via header
 *    field value." (§18.2.1)
 *
 *   "When a server compliant to this specification (which can be a proxy or UAS) receives a
 *    request, it examines the topmost Via header field value. If this Via header field value
 *    contains an "rport" parameter with no value, it MUST set the value of the parameter to the
 *    source port of the request. [...] the server MUST insert a "received" parameter containing
 *    the source IP address that the request came from, even if it is identical to the value of
 *    the "sent-by" component." (RFC 3581 §4)
 *
 * A top Via can only have been written by the previous hop, so a `received` or an `rport` value
 * already in it cannot be true: both are overwritten with what the packet shows, so that a
 * forged value can never steer the response (§18.2.2 sends to them).
 */
import type { Via } from '../../src/sip/headers/via.js';
import type { SIPMessage, SIPRequest } from '../../src/sip/message.js';
import { normalizeAddress } from './types.js';

/** The top Via with received/rport filled in from the source, or undefined when nothing changes. */
export function stampVia(via: Via, sourceAddress: string, sourcePort: number): Via | undefined {
  const source = normalizeAddress(sourceAddress);
  const differs = normalizeAddress(via.host) !== source;
  const rport = via.params.get('rport');
  const received = via.params.get('received');
  const wantReceived = differs || rport !== undefined || received !== undefined;
  const receivedOk = !wantReceived || (received != null && normalizeAddress(received) === source);
  const rportOk = rport === undefined || rport === String(sourcePort);
  if (receivedOk && rportOk) return undefined;
  const out = via.clone();
  if (!receivedOk) out.params.set('received', source);
  if (!rportOk) out.params.set('rport', String(sourcePort));
  return out;
}

/** Apply `stampVia` to a request's top Via in place; true when the Via changed. */
export function stampReceived(request: SIPRequest, sourceAddress: string, sourcePort: number): boolean {
  const top = request.topVia;
  if (!top) return false;
  const stamped = stampVia(top, sourceAddress, sourcePort);
  if (!stamped) return false;
  replaceTopVia(request, stamped);
  return true;
}

/** Write a new top Via through the message API: the first Via element out, the new one in front. */
export function replaceTopVia(message: SIPMessage, via: Via): void {
  message.removeFirst('Via');
  message.prepend('Via', via);
}
