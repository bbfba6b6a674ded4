/** Request builders for tests (the UA core builds real ones from dialogs and accounts later). */
import { randomToken } from '../../src/sip/transaction-keys.js';
import { SIPRequest, type SIPResponse } from '../../src/sip/message.js';
import { buildAck, buildInDialogRequest, uacDialogState } from '../../src/sip/dialog-state.js';
import type { Endpoint } from '../../actors/transport/index.js';

export function hostport(e: Endpoint): string {
  return `${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}`;
}

export function makeRequest(method: string, target: Endpoint, local: Endpoint, opts: { callId?: string; seq?: number; user?: string; body?: string; contentType?: string } = {}): SIPRequest {
  const transport = target.protocol === 'UDP' ? '' : `;transport=${target.protocol.toLowerCase()}`;
  const req = new SIPRequest({
    method,
    uri: `sip:${opts.user ?? 'service'}@${hostport(target)}${transport}`,
    headers: [
      ['Max-Forwards', 70],
      ['From', `<sip:alice@${hostport(local)}>;tag=${randomToken(8)}`],
      ['To', `<sip:${opts.user ?? 'service'}@${hostport(target)}>`],
      ['Call-ID', opts.callId ?? `${randomToken(12)}@127.0.0.1`],
      ['CSeq', `${opts.seq ?? 1} ${method}`],
      ['Contact', `<sip:alice@${hostport(local)}${transport}>`],
    ],
  });
  if (opts.body !== undefined) req.setBody(opts.body, opts.contentType ?? 'text/plain');
  return req;
}

/** The ACK for a 2xx (RFC 3261 §13.2.2.4), built by the SDK's dialog state from the INVITE and its 2xx. */
export function ackFor2xx(invite: SIPRequest, ok: SIPResponse): SIPRequest {
  return buildAck(uacDialogState(invite, ok), invite.cseq!.seq);
}

/** A BYE in the dialog the 2xx established (UAC side), built by the SDK's dialog state. */
export function byeFor(invite: SIPRequest, ok: SIPResponse): SIPRequest {
  return buildInDialogRequest(uacDialogState(invite, ok), 'BYE').request;
}
