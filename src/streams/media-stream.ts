/**
 * The stream contract (Middleware API §4.3 IMediaStream), in the SDK's camelCase.
 *
 * A Session negotiates; its streams carry the media. The Session talks to every stream only
 * through this interface, so an application can add its own stream types (register them with the
 * MediaStreamRegistry) and they are offered, answered, held and ended like the built-in ones.
 *
 * Life cycle, as the Session drives it:
 *
 *   new ─initialize(session, direction)─▶ initialized ─start(local, remote, i)─▶ started
 *        (MediaStreamDidInitialize | DidFail)            (MediaStreamDidStart | DidFail)
 *   started: validateUpdate / update on every later offer/answer, hold / unhold
 *   any ─deactivate()─▶ (the remote may close its transport now) ─end()─▶ ended
 *        end(): MediaStreamWillEnd at once, MediaStreamDidEnd when closed. The Session calls end()
 *        on every stream it initialized, even one that failed.
 *
 * initialize / start / end also return promises that settle when their notification is posted,
 * so the Session can sequence them without listening to its own streams' notifications.
 *
 * Each stream runs as an actor (its machine is in `machines/`) spawned by its Session; `actor`
 * exposes it to the inspector.
 */
import type { AnyActorRef } from 'xstate';
import type { MediaDescription, SessionDescription } from '../sdp/session-description.js';
import type { NotificationCenter } from '../api/notification-center.js';

/** "incoming": created for a received proposal; "outgoing": we proposed it (§4.3 initialize). */
export type StreamDirection = 'incoming' | 'outgoing';

/** An inclusive UDP port range (rtp.port_range). */
export interface PortRange {
  readonly start: number;
  readonly end: number;
}

/**
 * What a stream may know about the Session it belongs to: the spec passes the Session itself;
 * this is the part of it a stream uses, so streams can be tested without a SIP stack.
 */
export interface MediaStreamHost {
  /** The session's id (for logs and the inspector's ownership tree). */
  readonly id: string;
  /** Where the stream posts its notifications (with the stream as sender). */
  readonly center: NotificationCenter;
  /** The local IP address media binds to and advertises (the address of our SIP transport). */
  readonly localAddress: string;
  /** The account's effective RTP settings (account rtp.* or the global ones). */
  readonly rtp: { readonly portRange: PortRange; readonly timeout: number };
  /** The account's id (streams may use it for file names and such). */
  readonly accountId: string;
}

/** The remote offer a `getLocalMedia(false, ...)` answer is made for. */
export interface RemoteMedia {
  readonly sdp: SessionDescription;
  readonly index: number;
}

/** Middleware API §4.3: every stream the Session uses implements this. */
export interface MediaStream {
  /** Class attribute in the spec: "audio", "message"... (the SDP media type it handles). */
  readonly type: string;
  /** Higher is tried first for incoming offers (§4.4). */
  readonly priority: number;
  readonly holdSupported: boolean;
  readonly onHoldByLocal: boolean;
  readonly onHoldByRemote: boolean;
  /** onHoldByLocal || onHoldByRemote. */
  readonly onHold: boolean;
  /** The stream's actor, for the inspector (undefined before initialize()). */
  readonly actor: AnyActorRef | undefined;

  /**
   * The stream's m= section: an offer when `forOffer`, else the answer to `remote` (the offered
   * m= line at `remote.index`; a stream made by `newFromSdp` remembers its offer, so `remote`
   * may be omitted then). After hold(), the direction reflects it (RFC 3264 §8.4). Returns the
   * section with its own `connection` when it differs from the session's address.
   */
  getLocalMedia(forOffer: boolean, remote?: RemoteMedia): MediaDescription;
  initialize(session: MediaStreamHost, direction: StreamDirection): Promise<void>;
  start(localSdp: SessionDescription, remoteSdp: SessionDescription, streamIndex: number): Promise<void>;
  /** Whether a received re-offer's changes are acceptable. Must not change any state. */
  validateUpdate(remoteSdp: SessionDescription, streamIndex: number): boolean;
  /** Apply a completed renegotiation (either side's offer). */
  update(localSdp: SessionDescription, remoteSdp: SessionDescription, streamIndex: number): void;
  hold(): void;
  unhold(): void;
  deactivate(): void;
  end(): Promise<void>;
}

/** The class side of a stream type: what the MediaStreamRegistry holds. */
export interface MediaStreamType<S extends MediaStream = MediaStream> {
  readonly type: string;
  readonly priority: number;
  /** A stream for the offered m= line at `streamIndex`, or undefined if this type does not take it. */
  newFromSdp(remoteSdp: SessionDescription, streamIndex: number): S | undefined;
  /** A fresh stream to offer when an INVITE came without SDP (we offer in the 200, RFC 3264 §5). Optional. */
  create?(): S;
}

/** A stream method called in a state that does not allow it, or with bad arguments. */
export class MediaStreamError extends Error {
  override readonly name = 'MediaStreamError';
}

declare module '../api/notification-center.js' {
  interface NotificationDataMap {
    MediaStreamDidInitialize: Record<string, never>;
    MediaStreamDidStart: Record<string, never>;
    /** Not in the seed's (empty) field list: why it failed. */
    MediaStreamDidFail: { reason: string };
    MediaStreamWillEnd: Record<string, never>;
    /** Not in the seed: the error that ended it, if any. */
    MediaStreamDidEnd: { error?: string };
  }
}
