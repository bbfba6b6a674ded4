/**
 * SessionManager (Middleware API §4.1): takes every incoming INVITE outside a dialog, makes a
 * Session for it with streams from the MediaStreamRegistry (highest priority first, through
 * `newFromSdp`), keeps the live sessions, and ends them all when the application stops.
 *
 * Sessions are kept in a Map, not as XState children (design, "Measured constraints"); each
 * session's actor is created by the Session itself.
 */
import type { ServerTransaction } from '../../actors/transaction-layer.js';
import type { SIPRequest } from '../sip/message.js';
import { SDPError, type SessionDescription } from '../sdp/session-description.js';
import type { MediaStream } from '../streams/media-stream.js';
import { mediaStreamRegistry, type MediaStreamRegistry } from '../streams/registry.js';
import { Session, type SessionAccount, type SessionEngine } from './session.js';
import { sdpOf } from './session-media.js';

export interface SessionManagerOptions {
  /** Which account an incoming INVITE is for (undefined: 404). */
  accountFor(request: SIPRequest): SessionAccount | undefined;
  /** Default: the process-wide registry. */
  registry?: MediaStreamRegistry;
}

export class SessionManager {
  private readonly live = new Map<string, Session>();
  private readonly registry: MediaStreamRegistry;
  private started = false;
  private stopping = false;
  /** The engine every session of this manager uses (it reports their end back here). */
  readonly engine: SessionEngine;

  constructor(
    engine: Omit<SessionEngine, 'onSessionEnded' | 'onSessionCreated'>,
    private readonly options: SessionManagerOptions,
  ) {
    this.registry = options.registry ?? mediaStreamRegistry;
    this.engine = {
      ...engine,
      ua: engine.ua,
      dialogs: engine.dialogs,
      center: engine.center,
      rtp: engine.rtp,
      onSessionCreated: (s) => {
        this.live.set(s.id, s);
        // Every session of this manager, incoming or outgoing, makes the streams the remote
        // proposes in a re-INVITE from the manager's registry (RFC 3264 §8.2).
        s.newStreamFor = this.streamFor;
      },
      onSessionEnded: (s) => this.live.delete(s.id),
    };
  }

  /** Take incoming INVITEs (the SIPApplication calls this when it starts). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.engine.ua.handle('INVITE', (tx) => this.incoming(tx));
  }

  /** "a copy of the list of all active Session objects": not None, not terminated. */
  get sessions(): Session[] {
    return [...this.live.values()].filter((s) => s.state !== 'None' && s.state !== 'terminated');
  }

  /** A new outgoing session on this manager's engine (the same as `new Session(account, manager.engine)`). */
  createSession(account: SessionAccount): Session {
    return new Session(account, this.engine);
  }

  /** End every session (BYE / CANCEL / refuse) and wait, at most `grace` ms. */
  async stop(grace = 5000): Promise<void> {
    this.stopping = true;
    const all = [...this.live.values()].map((s) => s.shutdown());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(all), new Promise<void>((r) => (timer = setTimeout(r, grace)))]);
    clearTimeout(timer);
    this.started = false;
  }

  /** A new INVITE (RFC 3261 §13.3.1): check its offer, pick streams, make the Session. */
  private incoming(tx: ServerTransaction): void {
    const req = tx.request;
    if (this.stopping) return tx.respond(tx.reply(503, 'Service Unavailable', [['Retry-After', '5']]));
    let offer: SessionDescription | undefined;
    try {
      offer = sdpOf(req.body, req.mimeType);
    } catch (e) {
      const why = e instanceof SDPError ? e.message : String(e);
      return tx.respond(tx.reply(400, `Bad SDP: ${why}`.replace(/[\r\n]/g, ' ').slice(0, 100)));
    }
    // §8.2.3: a body we cannot read → 415 with what we accept.
    if (req.body.length > 0 && !offer) return tx.respond(tx.reply(415, undefined, [['Accept', 'application/sdp']]));
    const account = this.options.accountFor(req);
    if (!account) return tx.respond(tx.reply(404));
    let streams: (MediaStream | undefined)[];
    if (offer) streams = this.registry.streamsFor(offer);
    else {
      // No offer: we make one in the 200 (RFC 3264 §5) from the types that can start fresh.
      streams = [...this.registry].flatMap((t) => (t.create ? [t.create()] : []));
    }
    // RFC 3261 §13.3.1.3 / RFC 3264 §6: nothing we can take → 488.
    if (!streams.some((s) => s !== undefined)) return tx.respond(tx.reply(488, 'Not Acceptable Here'));
    const session = new Session(account, this.engine);
    session.receive(tx, offer, streams);
  }

  /** One function for all the manager's sessions (a closure per session would cost every call). */
  private readonly streamFor = (offer: SessionDescription, index: number): MediaStream | undefined => {
    for (const t of this.registry) {
      const s = t.newFromSdp(offer, index);
      if (s) return s;
    }
    return undefined;
  };
}
