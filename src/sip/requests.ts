/**
 * Requests derived from other requests by rule: the ACK of a non-2xx final response
 * (RFC 3261 §17.1.1.3) and the CANCEL of a pending INVITE (§9.1).
 */
import { SIPRequest, type SIPResponse } from './message.js';

/**
 * §17.1.1.3: the ACK for a 300-699 response to an INVITE. "The Request-URI, Call-ID, From and
 * the CSeq number MUST be the same as the original request (method ACK); the To header field
 * MUST equal the To of the response being acknowledged (it has the tag); the ACK MUST contain a
 * single Via header field equal to the top Via of the original request; if the INVITE had Route
 * header fields, the ACK MUST contain them too."
 */
export function ackForNon2xx(invite: SIPRequest, response: SIPResponse): SIPRequest {
  const ack = new SIPRequest({ method: 'ACK', uri: invite.uri });
  const via = invite.getAll('Via');
  if (via.length) ack.append('Via', invite.topVia ?? via[0]);
  ack.append('Max-Forwards', invite.get('Max-Forwards') ?? '70');
  ack.append('From', invite.get('From') ?? '');
  ack.append('To', response.get('To') ?? invite.get('To') ?? '');
  ack.append('Call-ID', invite.get('Call-ID') ?? '');
  ack.append('CSeq', `${invite.cseq?.seq ?? 0} ACK`);
  for (const route of invite.getAll('Route')) ack.append('Route', route);
  return ack;
}

/**
 * §9.1: a CANCEL for a pending INVITE: same Request-URI, Call-ID, To, From, CSeq number (method
 * CANCEL) and a single Via equal to the INVITE's top Via (so it reaches the same server
 * transaction); Route header fields copied from the INVITE.
 */
export function cancelFor(invite: SIPRequest): SIPRequest {
  const cancel = new SIPRequest({ method: 'CANCEL', uri: invite.uri });
  if (invite.topVia) cancel.append('Via', invite.topVia);
  cancel.append('Max-Forwards', invite.get('Max-Forwards') ?? '70');
  cancel.append('From', invite.get('From') ?? '');
  cancel.append('To', invite.get('To') ?? '');
  cancel.append('Call-ID', invite.get('Call-ID') ?? '');
  cancel.append('CSeq', `${invite.cseq?.seq ?? 0} CANCEL`);
  for (const route of invite.getAll('Route')) cancel.append('Route', route);
  return cancel;
}
