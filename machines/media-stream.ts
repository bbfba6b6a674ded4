/**
 * A media stream's life cycle (Middleware API §4.3 IMediaStream), the same for every stream type:
 * RTP audio now, MSRP chat and file transfer later.
 *
 *   preparing: idle ─initialize─▶ initializing ─initialized─▶ initialized ─start─▶ starting
 *                                   │ initFailed                                   │ startFailed
 *                                   ▼                                              ▼
 *                                 failed ◀──────────── fail / closed ──────────── failed
 *   starting ─started─▶ started ∥ local: unheld ⇄ held   (hold / unhold)
 *                               ∥ remote: unheld ⇄ held  (remoteHold / remoteUnhold)
 *   any ─end─▶ ending ─ended─▶ ended (final)
 *
 * - §4.3 initialize / start: MediaStreamDidInitialize or MediaStreamDidFail; MediaStreamDidStart or
 *   MediaStreamDidFail. A failure of the running stream (fail, or the peer closing the transport
 *   before deactivate()) is MediaStreamDidFail too.
 * - §4.3 end: "MediaStreamWillEnd just after this method is called and MediaStreamDidEnd as soon
 *   as the operation is complete", from any state, failed included: "even after a stream sends
 *   MediaStreamDidFail, the Session still calls end()".
 * - §4.3 deactivate: "must treat the other endpoint closing the transport after this call as
 *   normal rather than as an error" — `closed` after `deactivate` is not a failure.
 * - R-MED-1: "a stream must be able to start deactivated or on hold": hold / unhold before the
 *   stream started are remembered (context.localHold, also settable by input) and applied when it
 *   starts; a remote hold learnt from the negotiation before `started` likewise. The hold regions
 *   are decided on entry, so a stream that starts held reports it (holdChanged) as it starts.
 * - `inactivity` is the runtime's media timeout (RTP: no packet for rtp.timeout seconds, the
 *   AudioStreamDidTimeout of §4.6). It counts only while started and not on hold: a held peer
 *   sends nothing by design (RFC 3264 §8.4).
 *
 * Pure: every effect is a named placeholder action the runtime provides with
 * `mediaStream.provide({ actions })`; the machine has no timers. The runtime answers the actions
 * that start work with events (initializeTransport → initialized | initFailed, startMedia →
 * started | startFailed, closeTransport → ended). Notifications are emitted with the spec's names
 * (the runtime posts them with the stream as sender):
 *
 *   MediaStreamDidInitialize  {}
 *   MediaStreamDidStart       {}
 *   MediaStreamDidFail        { reason }
 *   MediaStreamWillEnd        {}
 *   MediaStreamDidEnd         { error? }   error: the reason of an earlier failure
 *
 * Hold changes of a specific stream type (AudioStreamDidChangeHoldState { originator, on_hold })
 * go through the `holdChanged` action with those values as params, because their names belong to
 * the stream type.
 */
import { assign, emit, setup } from 'xstate';

/** §4.3 initialize(session, direction). */
export type MediaStreamDirection = 'incoming' | 'outgoing';
export type HoldOriginator = 'local' | 'remote';

export interface MediaStreamInput {
  /** The stream's id (for the inspector and logs). */
  id: string;
  /** Start on hold (R-MED-1): hold() was called before the actor existed. */
  localHold?: boolean;
}

export interface MediaStreamContext {
  id: string;
  /** Set by initialize. */
  direction: MediaStreamDirection | undefined;
  /** The local party wants the stream held (hold() / unhold()), applied once started. */
  localHold: boolean;
  /** The remote party holds the stream (from the last negotiation). */
  remoteHold: boolean;
  /** deactivate() was called: the peer closing its transport is normal now (§4.3). */
  deactivated: boolean;
  /** Why the stream failed, if it did. */
  error: string | undefined;
}

export type MediaStreamEvent =
  | { type: 'initialize'; direction: MediaStreamDirection }
  | { type: 'initialized' }
  | { type: 'initFailed'; reason: string }
  | { type: 'start' }
  | { type: 'started' }
  | { type: 'startFailed'; reason: string }
  | { type: 'hold' }
  | { type: 'unhold' }
  /** The last negotiation says the remote holds the stream (RFC 3264 §8.4) ... */
  | { type: 'remoteHold' }
  /** ... or does not. */
  | { type: 'remoteUnhold' }
  /** A renegotiation completed (§4.3 update). */
  | { type: 'update' }
  /** No media received for the configured time. */
  | { type: 'inactivity' }
  | { type: 'deactivate' }
  /** The running stream broke (a socket error, a protocol failure). */
  | { type: 'fail'; reason: string }
  /** The peer closed the transport (MSRP's TCP connection). */
  | { type: 'closed' }
  | { type: 'end' }
  | { type: 'ended' };

export type MediaStreamEmitted =
  | { type: 'MediaStreamDidInitialize' }
  | { type: 'MediaStreamDidStart' }
  | { type: 'MediaStreamDidFail'; reason: string }
  | { type: 'MediaStreamWillEnd' }
  | { type: 'MediaStreamDidEnd'; error?: string };

/** The `holdChanged` action's params. */
export interface HoldChange {
  originator: HoldOriginator;
  onHold: boolean;
}

const reasonOf = (e: MediaStreamEvent): string => ('reason' in e ? e.reason : 'transport closed by the remote party');
const hold = (originator: HoldOriginator, onHold: boolean) => ({ type: 'holdChanged' as const, params: { originator, onHold } });

export const mediaStream = setup({
  types: {} as {
    context: MediaStreamContext;
    input: MediaStreamInput;
    events: MediaStreamEvent;
    emitted: MediaStreamEmitted;
  },
  actions: {
    // ---- placeholders: the runtime's I/O ----
    /** Open the transport (RTP: bind the socket pair); answer `initialized` or `initFailed`. */
    initializeTransport: () => {},
    /** Apply the negotiated SDP and start media; answer `started` or `startFailed`. */
    startMedia: () => {},
    /** The started stream's hold state changed (or starts held): pause/resume media, notify. */
    holdChanged: (_: unknown, _params: HoldChange) => {},
    /** Apply a completed renegotiation (codec, remote address) to the running media. */
    applyUpdate: () => {},
    /** Report the media timeout (AudioStreamDidTimeout for RTP). */
    timedOut: () => {},
    /** Stop media after a failure; the transport stays until end(). */
    stopMedia: () => {},
    /** Release everything (RTP: RTCP BYE, close the sockets); answer `ended`. */
    closeTransport: () => {},

    // ---- context ----
    setDirection: assign({ direction: ({ event }) => (event.type === 'initialize' ? event.direction : undefined) }),
    holdLocally: assign({ localHold: true }),
    unholdLocally: assign({ localHold: false }),
    holdRemotely: assign({ remoteHold: true }),
    unholdRemotely: assign({ remoteHold: false }),
    setDeactivated: assign({ deactivated: true }),
    setError: assign({ error: ({ event }) => reasonOf(event) }),
    notifyFailure: emit(({ event }) => ({ type: 'MediaStreamDidFail' as const, reason: reasonOf(event) })),
  },
  guards: {
    localHoldWanted: ({ context }) => context.localHold,
    remoteHolds: ({ context }) => context.remoteHold,
    notOnHold: ({ context }) => !context.localHold && !context.remoteHold,
    deactivated: ({ context }) => context.deactivated,
  },
}).createMachine({
  id: 'mediaStream',
  context: ({ input }) => ({
    id: input.id,
    direction: undefined,
    localHold: input.localHold ?? false,
    remoteHold: false,
    deactivated: false,
    error: undefined,
  }),
  initial: 'preparing',
  on: {
    deactivate: { actions: 'setDeactivated' },
    // §4.3 end(): from any state, failed included.
    end: { target: '.ending', actions: emit({ type: 'MediaStreamWillEnd' }) },
  },
  states: {
    // Not started yet: hold changes are remembered for the start (R-MED-1).
    preparing: {
      initial: 'idle',
      on: {
        hold: { actions: 'holdLocally' },
        unhold: { actions: 'unholdLocally' },
        remoteHold: { actions: 'holdRemotely' },
        remoteUnhold: { actions: 'unholdRemotely' },
        fail: { target: 'failed', actions: ['setError', 'notifyFailure'] },
        closed: [{ guard: 'deactivated' }, { target: 'failed', actions: ['setError', 'notifyFailure'] }],
      },
      states: {
        idle: {
          on: { initialize: { target: 'initializing', actions: 'setDirection' } },
        },
        initializing: {
          entry: 'initializeTransport',
          on: {
            initialized: { target: 'initialized', actions: emit({ type: 'MediaStreamDidInitialize' }) },
            initFailed: { target: '#mediaStream.failed', actions: ['setError', 'notifyFailure'] },
          },
        },
        initialized: {
          on: { start: 'starting' },
        },
        starting: {
          entry: 'startMedia',
          on: {
            started: { target: '#mediaStream.started', actions: emit({ type: 'MediaStreamDidStart' }) },
            startFailed: { target: '#mediaStream.failed', actions: ['setError', 'notifyFailure'] },
          },
        },
      },
    },
    started: {
      type: 'parallel',
      on: {
        update: { actions: 'applyUpdate' },
        inactivity: { guard: 'notOnHold', actions: 'timedOut' },
        fail: { target: 'failed', actions: ['setError', 'notifyFailure'] },
        closed: [{ guard: 'deactivated' }, { target: 'failed', actions: ['setError', 'notifyFailure'] }],
      },
      states: {
        // §4.3 hold(): "must stop sending and receiving data immediately".
        local: {
          initial: 'deciding',
          states: {
            deciding: {
              always: [{ guard: 'localHoldWanted', target: 'held', actions: hold('local', true) }, { target: 'unheld' }],
            },
            unheld: { on: { hold: { target: 'held', actions: ['holdLocally', hold('local', true)] } } },
            held: { on: { unhold: { target: 'unheld', actions: ['unholdLocally', hold('local', false)] } } },
          },
        },
        // RFC 3264 §8.4: the remote holds us by what it offers or answers.
        remote: {
          initial: 'deciding',
          states: {
            deciding: {
              always: [{ guard: 'remoteHolds', target: 'held', actions: hold('remote', true) }, { target: 'unheld' }],
            },
            unheld: { on: { remoteHold: { target: 'held', actions: ['holdRemotely', hold('remote', true)] } } },
            held: { on: { remoteUnhold: { target: 'unheld', actions: ['unholdRemotely', hold('remote', false)] } } },
          },
        },
      },
    },
    failed: {
      entry: 'stopMedia',
    },
    ending: {
      entry: 'closeTransport',
      on: {
        end: {}, // already ending: end() is idempotent
        ended: {
          target: 'ended',
          actions: emit(({ context }) => ({ type: 'MediaStreamDidEnd' as const, ...(context.error !== undefined ? { error: context.error } : {}) })),
        },
      },
    },
    ended: { type: 'final' },
  },
});

/** The state names a runtime may show: the leaf of the life cycle. */
export type MediaStreamState = 'idle' | 'initializing' | 'initialized' | 'starting' | 'started' | 'failed' | 'ending' | 'ended';

/** The life-cycle state of a snapshot of this machine. */
export function mediaStreamState(s: { readonly value: unknown }): MediaStreamState {
  const v = s.value;
  if (typeof v === 'string') return v as MediaStreamState;
  if (v !== null && typeof v === 'object') {
    if ('started' in v) return 'started';
    if ('preparing' in v) return (v as { preparing: MediaStreamState }).preparing;
  }
  return 'idle';
}
