/**
 * Page-mode instant messages (RFC 3428) for the application: `Message` sends one MESSAGE
 * (authenticating when challenged) and posts `SIPMessageDidSucceed` or `SIPMessageDidFail`;
 * `MessageReceiver` answers incoming MESSAGE requests with 200 and posts `SIPEngineGotMessage`
 * for each — the names of the python SIP SIMPLE core this API follows.
 */
import { digestAuthorizer, type UserAgent } from '../../actors/user-agent.js';
import type { ServerTransaction } from '../../actors/transaction-layer.js';
import type { SIPRequest } from '../sip/message.js';
import { DigestClient } from '../sip/digest.js';
import { NameAddr, parseNameAddr } from '../sip/headers/name-addr.js';
import { SIPBuildError } from '../sip/errors.js';
import { createRequest } from '../sip/request-builder.js';
import type { URI } from '../sip/uri.js';
import { defaultNotificationCenter, type NotificationCenter } from './notification-center.js';

declare module './notification-center.js' {
  interface NotificationDataMap {
    /** A MESSAGE got a 2xx. */
    SIPMessageDidSucceed: { code: number; reason: string };
    /** A MESSAGE got a final non-2xx, or none (a locally generated 408/503 then). */
    SIPMessageDidFail: { code: number; reason: string };
    /** A MESSAGE arrived (RFC 3428 §7): who sent it, to whom, and what. */
    SIPEngineGotMessage: { request_uri: string; from_header: string; to_header: string; content_type: string; body: string; body_bytes: Buffer };
  }
}

export interface MessageInit {
  /** Our identity (From). */
  from: NameAddr | URI | string;
  /** The recipient (To and Request-URI). */
  to: NameAddr | URI | string;
  /** Outbound proxy or other pre-loaded route set. */
  routes?: readonly (NameAddr | URI | string)[];
  contentType?: string;
  body: Buffer | string;
  /** Digest credentials for 401/407 (RFC 3261 §22). */
  credentials?: { username: string; password: string; realm?: string };
  notifications?: NotificationCenter;
}

export interface MessageResult {
  code: number;
  reason: string;
  ok: boolean;
}

export class Message {
  private readonly center: NotificationCenter;
  private readonly request: SIPRequest;
  private sent = false;

  /** Builds the request at once: a bad address or body throws SIPBuildError here. */
  constructor(
    private readonly ua: UserAgent,
    private readonly init: MessageInit,
  ) {
    this.center = init.notifications ?? defaultNotificationCenter;
    this.request = createRequest({
      method: 'MESSAGE',
      uri: uriOf(init.to),
      from: init.from,
      to: init.to,
      routes: init.routes,
      body: init.body,
      contentType: init.contentType ?? 'text/plain',
      userAgent: ua.userAgent,
    });
  }

  /** Send it once; resolves with the final status (also posted as a notification). */
  async send(): Promise<MessageResult> {
    if (this.sent) throw new Error('Message.send() may be called once');
    this.sent = true;
    const request = this.request;
    const digest = this.init.credentials ? new DigestClient(this.init.credentials) : undefined;
    const { response } = await this.ua.send(request, {
      authorize: digestAuthorizer(digest),
    });
    const result = { code: response.status, reason: response.reason, ok: response.status >= 200 && response.status < 300 };
    this.center.post(result.ok ? 'SIPMessageDidSucceed' : 'SIPMessageDidFail', this, { code: result.code, reason: result.reason });
    return result;
  }
}

/** The URI of an address given as an object or as header text. */
function uriOf(a: NameAddr | URI | string): URI {
  if (typeof a === 'string') {
    try {
      return parseNameAddr(a.trim(), 'To').uri;
    } catch (e) {
      throw new SIPBuildError(`bad address '${a}': ${(e as Error).message}`);
    }
  }
  return a instanceof NameAddr ? a.uri : a;
}

/** Takes every incoming MESSAGE: 200 OK, then `SIPEngineGotMessage` (RFC 3428 §7). */
export class MessageReceiver {
  private readonly center: NotificationCenter;

  /** With `install` false the owner routes MESSAGE requests to `receive()` itself (e.g. after its own checks). */
  constructor(ua: UserAgent, notifications?: NotificationCenter, install = true) {
    this.center = notifications ?? defaultNotificationCenter;
    if (install) ua.handle('MESSAGE', (tx) => this.receive(tx));
  }

  /** Accept one MESSAGE: 200 OK, then `SIPEngineGotMessage`. */
  receive(tx: ServerTransaction): void {
    const req = tx.request;
    tx.respond(tx.reply(200));
    this.center.post('SIPEngineGotMessage', this, {
      request_uri: req.requestUri,
      from_header: req.get('From') ?? '',
      to_header: req.get('To') ?? '',
      content_type: req.mimeType ?? 'text/plain',
      body: req.body.toString('utf8'),
      body_bytes: req.body,
    });
  }
}
