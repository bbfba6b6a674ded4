/**
 * An INVITE session — RFC 3261 §13-15, RFC 3264 offer/answer, RFC 6337, RFC 5057, Middleware API
 * §4.2 (Session), known issue R-SES-3.
 *
 *   idle ─connect─▶ outgoing {calling, ringing, early, cancelPending, cancelling} ─2xx─▶ connected
 *    │                                                                               ▲    │
 *    └─incoming─▶ incoming {waiting, ringing} ─accept─▶ accepting {waitingAck, ending}─ACK─┘    │ end / BYE /
 *                                                        │ 64·T1 without ACK / end+ACK          │ 408/481
 *                                                        ▼                                      ▼
 *                                                   terminating (BYE sent) ───────────────▶ terminated
 *
 *   connected is parallel:  proposal     none / sending / cancelling / glareWait / received
 *                           hold         local: unheld / holding / held / unholding
 *                                        remote: unheld / held
 *                           reinvite2xx  idle / waitingAck (our 2xx to a remote re-INVITE, §13.3.1.4)
 *
 * The spec's `state` (None, incoming, outgoing, accepting, connected, sending_proposal,
 * received_proposal, terminating, terminated) is `sessionState(snapshot)`: sending_proposal while
 * a re-INVITE of ours is in progress or waiting to be retried after a 491, received_proposal while
 * a remote stream proposal waits for accept_proposal / reject_proposal.
 *
 * Every re-INVITE (stream proposals, hold, unhold) belongs to the `proposal` region, so that only
 * one is in progress at a time (§14.1: "a UAC MUST NOT initiate a re-INVITE while another INVITE
 * transaction is in progress in either direction"). hold()/unhold() only record what the user
 * wants (`wantHold`): "May be called in any state; the re-INVITE is sent as soon as possible" —
 * i.e. as soon as the session is connected and no other re-INVITE is in progress. The `hold`
 * region follows the proposal region through internal events it raises (`holdSent`,
 * `holdSettled`, `remoteHoldChanged`).
 *
 * Pure: effects are named placeholder actions (the runtime provides them with
 * `session.provide({ actions })`), timers are named delays computed from the context, streams are
 * opaque ids. Notifications are `emit`ted with the Middleware API's names and data fields (the
 * runtime adds `timestamp` and replaces stream ids by its stream objects):
 *
 *   SIPSessionNewOutgoing            { streams }                 connect
 *   SIPSessionNewIncoming            { streams }                 incoming INVITE
 *   SIPSessionGotProvisionalResponse { code, reason }            every 1xx to our INVITE
 *   SIPSessionGotRingIndication      {}                          180 to our INVITE
 *   SIPSessionWillStart              {}                          2xx received / accept()
 *   SIPSessionDidStart               { streams }                 ACK sent / received
 *   SIPSessionDidFail                { originator, code, reason, failure_reason }  ended before DidStart
 *   SIPSessionWillEnd                {}                          leaving connected
 *   SIPSessionDidEnd                 { originator, end_reason }  ended after DidStart
 *   SIPSessionDidChangeHoldState     { originator, on_hold, partial }
 *   SIPSessionGotProposal            { originator, streams }
 *   SIPSessionGotAcceptProposal      { originator, streams, proposed_streams }
 *   SIPSessionGotRejectProposal      { originator, code, reason, streams }
 *   SIPSessionHadProposalFailure     { failure_reason, streams }
 *   SIPSessionDidRenegotiateStreams  { action, streams }
 *
 * Rule for the final notification: a session that never emitted DidStart ends with DidFail only;
 * one that did ends with WillEnd then DidEnd ("DidFail ... Never followed by SIPSessionDidEnd").
 * `originator` is the side that caused the failure or the end. `partial` is always false here:
 * per-stream hold support is the streams' business (the runtime may recompute it).
 */
import { assign, emit, enqueueActions, raise, setup } from 'xstate';
import { DEFAULT_T1, nextJitter } from './registration.js';

// ---------------------------------------------------------------------------------------------
// Timing.

/** RFC 3261 §17.1.1.1 default T2 (ms). */
export const DEFAULT_T2 = 4000;

/**
 * §14.1: after a 491 "it SHOULD start a timer with a value T chosen as follows: 1. If the UAC is
 * the owner of the Call-ID of the dialog ID (meaning it generated the value), T has a randomly
 * chosen value between 2.1 and 4 seconds in units of 10 ms. 2. If the UAC is not the owner of the
 * Call-ID of the dialog ID, T has a randomly chosen value of between 0 and 2 seconds in units of
 * 10 ms." `fraction` ∈ [0, 1); the result in ms.
 */
export function glareDelay(callIdOwner: boolean, fraction: number): number {
  const f = fraction >= 0 && fraction < 1 ? fraction : 0;
  return callIdOwner ? 2100 + 10 * Math.floor(f * 191) : 10 * Math.floor(f * 201);
}

// ---------------------------------------------------------------------------------------------
// Types.

export type Originator = 'local' | 'remote';

export interface SessionInput {
  id: string;
  /** T1 and T2 in ms (defaults 500 and 4000). */
  T1?: number;
  T2?: number;
  /** Jitter PRNG seed for the glare timer; default 0. */
  seed?: number;
}

/** A re-INVITE of ours: a stream proposal, a stream removal, or a hold change. */
export interface LocalProposal {
  kind: 'add' | 'remove' | 'hold' | 'unhold';
  streams: string[];
}

/** How the session ended or failed: the data of DidFail / DidEnd. */
export interface SessionOutcome {
  originator: Originator;
  code: number;
  reason: string;
  /** DidFail `failure_reason`, DidEnd `end_reason`. */
  why: string;
}

export interface SessionContext {
  id: string;
  T1: number;
  T2: number;
  seed: number;
  /** We generated the Call-ID (outgoing session): decides the glare timer's range (§14.1). */
  callIdOwner: boolean;
  /** The active streams (opaque ids). */
  streams: string[];
  /** Streams of the initial offer (ours or the remote's). */
  offered: string[];
  /** The current 2xx retransmission interval at the UAS (T1 doubling up to T2). */
  ackWait: number;
  /** The hold state the user asked for with hold() / unhold(). */
  wantHold: boolean;
  /** The hold state in effect (our last successful hold/unhold re-INVITE). */
  held: boolean;
  /** Our re-INVITE in progress (or waiting after a 491). */
  pending: LocalProposal | undefined;
  /** The streams of the remote proposal waiting for an answer. */
  received: string[] | undefined;
  /** The glare timer (ms). */
  glareDelay: number;
  /** DidStart was emitted. */
  started: boolean;
  outcome: SessionOutcome | undefined;
}

export type SessionEvent =
  // ---- from the application (Middleware API §4.2) ----
  | { type: 'connect'; streams: string[] }
  | { type: 'ringIndication' }
  | { type: 'accept'; streams: string[] }
  | { type: 'reject'; code?: number; reason?: string }
  | { type: 'acceptProposal'; streams: string[] }
  | { type: 'rejectProposal'; code?: number; reason?: string }
  /** add_stream / remove_stream. */
  | { type: 'propose'; action: 'add' | 'remove'; streams: string[] }
  | { type: 'cancelProposal' }
  | { type: 'hold' }
  | { type: 'unhold' }
  /** end(); `reason` when the runtime ends the session itself (e.g. 'rtp timeout'): DidEnd's end_reason. */
  | { type: 'end'; reason?: string }
  // ---- from the dialog layer: our INVITE ----
  | { type: 'provisional'; code: number; reason: string; sdp?: boolean }
  | { type: 'answered'; code?: number }
  | { type: 'failed'; code: number; reason: string }
  /** The client transaction in progress (INVITE, re-INVITE or BYE) timed out (Timer B / F). */
  | { type: 'timeout' }
  /** A local failure before the session started: a stream failed to initialize, the INVITE could not be built. */
  | { type: 'error'; code: number; reason: string; why: string }
  // ---- from the dialog layer: the remote's INVITE ----
  | { type: 'incoming'; streams: string[] }
  | { type: 'ack' }
  /** CANCEL of the remote's INVITE (initial or re-INVITE) in progress. */
  | { type: 'cancel' }
  | { type: 'bye' }
  /** The final response to our BYE. */
  | { type: 'byeAnswered'; code: number }
  // ---- re-INVITEs ----
  /** The final response to our re-INVITE (491 is glare). */
  | { type: 'proposalAnswered'; code: number; reason: string }
  /** A remote re-INVITE offering new streams: the application decides. */
  | { type: 'remoteProposal'; streams: string[] }
  /** A remote re-INVITE changing only the hold state (sendonly/inactive or back): answered at once. */
  | { type: 'remoteUpdate'; hold: boolean }
  /** The ACK of our 2xx to a remote re-INVITE. */
  | { type: 'reinviteAck' }
  /** The streams failed to take an accepted proposal (accept_proposal's error case). */
  | { type: 'proposalFailure'; error: string }
  // ---- internal (raised by the proposal region for the hold region) ----
  | { type: 'holdSent' }
  | { type: 'holdSettled'; ok: boolean }
  | { type: 'remoteHoldChanged'; hold: boolean }
  /** Raised with the 2xx to a remote re-INVITE: the reinvite2xx region retransmits it until its ACK. */
  | { type: 'reinvite2xxSent' };

export type SessionEmitted =
  | { type: 'SIPSessionNewOutgoing'; streams: string[] }
  | { type: 'SIPSessionNewIncoming'; streams: string[] }
  | { type: 'SIPSessionGotProvisionalResponse'; code: number; reason: string }
  | { type: 'SIPSessionGotRingIndication' }
  | { type: 'SIPSessionWillStart' }
  | { type: 'SIPSessionDidStart'; streams: string[] }
  | { type: 'SIPSessionDidFail'; originator: Originator; code: number; reason: string; failure_reason: string }
  | { type: 'SIPSessionWillEnd' }
  | { type: 'SIPSessionDidEnd'; originator: Originator; end_reason: string }
  | { type: 'SIPSessionDidChangeHoldState'; originator: Originator; on_hold: boolean; partial: boolean }
  | { type: 'SIPSessionGotProposal'; originator: Originator; streams: string[] }
  | { type: 'SIPSessionGotAcceptProposal'; originator: Originator; streams: string[]; proposed_streams: string[] }
  | { type: 'SIPSessionGotRejectProposal'; originator: Originator; code: number; reason: string; streams: string[] }
  | { type: 'SIPSessionHadProposalFailure'; failure_reason: string; streams: string[] }
  | { type: 'SIPSessionDidRenegotiateStreams'; action: 'add' | 'remove'; streams: string[] };

/** The spec's Session.state. */
export type SessionState =
  | 'None'
  | 'incoming'
  | 'outgoing'
  | 'accepting'
  | 'connected'
  | 'sending_proposal'
  | 'received_proposal'
  | 'terminating'
  | 'terminated';

type Ev = SessionEvent;
const codeOf = (e: Ev): number => ('code' in e && typeof e.code === 'number' ? e.code : 0);
const reasonOf = (e: Ev): string => ('reason' in e && typeof e.reason === 'string' ? e.reason : '');
const streamsOf = (e: Ev): string[] => ('streams' in e ? e.streams : []);
const without = (a: string[], b: string[]) => a.filter((s) => !b.includes(s));

/** The spec's `state` for a snapshot of this machine. */
export function sessionState(s: { matches: (v: never) => boolean }): SessionState {
  const m = (v: unknown) => s.matches(v as never);
  if (m('idle')) return 'None';
  if (m('incoming')) return 'incoming';
  if (m('outgoing')) return 'outgoing';
  if (m('accepting')) return 'accepting';
  if (m({ connected: { proposal: 'received' } })) return 'received_proposal';
  if (m({ connected: { proposal: 'sending' } }) || m({ connected: { proposal: 'cancelling' } }) || m({ connected: { proposal: 'glareWait' } })) {
    return 'sending_proposal';
  }
  if (m('connected')) return 'connected';
  if (m('terminating')) return 'terminating';
  return 'terminated';
}

// ---------------------------------------------------------------------------------------------
// The machine.

export const session = setup({
  types: {} as {
    context: SessionContext;
    input: SessionInput;
    events: SessionEvent;
    emitted: SessionEmitted;
  },
  actions: {
    // ---- placeholders: the dialog layer and the streams ----
    /** Send the INVITE with the offer of `context.offered`. */
    sendInvite: () => {},
    /** Send a 180 Ringing to the remote's INVITE. */
    sendProvisional: () => {},
    /** Send the 2xx with our answer to the remote's INVITE (its retransmissions: retransmit2xx). */
    send2xx: () => {},
    /** §13.3.1.4: retransmit the 2xx (the interval that just ran out was `context.ackWait`). */
    retransmit2xx: () => {},
    /** The 2xx was never ACKed (SIPSessionDidProcessTransaction with ack_received false). */
    reportNoAck: () => {},
    /** §13.3.1.4: retransmit the 2xx to the remote's re-INVITE (the interval that ran out was `context.ackWait`). */
    retransmitReinvite2xx: () => {},
    /** The 2xx to the remote's re-INVITE was never ACKed (ack_received false). */
    reportReinviteNoAck: () => {},
    /** ACK a 2xx to our INVITE (or re-INVITE: the dialog layer). */
    sendAck: () => {},
    /** Send BYE (the dialog layer; its final response is `byeAnswered`). */
    sendBye: () => {},
    /** CANCEL our INVITE or re-INVITE in progress. */
    sendCancel: () => {},
    /** Send a re-INVITE for `context.pending` (and the hold state `context.wantHold`). */
    sendReInvite: () => {},
    /** A final response to the remote's (re-)INVITE, `params.code` (`event.code` of reject). */
    sendResponse: (_: unknown, _params: { code: number }) => {},
    /** Start the negotiated streams (`context.streams`). */
    startStreams: () => {},
    /** A provisional response carried the answer (early media, RFC 3960): start the streams on it. */
    startEarlyMedia: () => {},
    /** Apply a renegotiation to the streams (added, removed, held, unheld). */
    updateStreams: () => {},
    /** End every stream. */
    endStreams: () => {},

    // ---- context ----
    setOutgoing: assign(({ event }) => ({ callIdOwner: true, offered: streamsOf(event) })),
    setIncoming: assign(({ event }) => ({ callIdOwner: false, offered: streamsOf(event) })),
    setStreams: assign(({ context, event }) => ({ streams: event.type === 'accept' ? event.streams.filter((s) => context.offered.includes(s)) : context.offered })),
    firstAckWait: assign(({ context }) => ({ ackWait: context.T1 })),
    /** §13.3.1.4: "doubling ... until it reaches T2". */
    doubleAckWait: assign(({ context }) => ({ ackWait: Math.min(2 * context.ackWait, context.T2) })),
    markStarted: assign({ started: true }),
    wantHold: assign({ wantHold: true }),
    wantUnhold: assign({ wantHold: false }),
    setProposal: assign(({ context, event }) => {
      const p: LocalProposal = { kind: event.type === 'propose' ? event.action : 'add', streams: streamsOf(event) };
      // remove_stream: "the stream is **always** removed", whatever the remote answers.
      return { pending: p, streams: p.kind === 'remove' ? without(context.streams, p.streams) : context.streams };
    }),
    setHoldProposal: assign(({ context }) => ({ pending: { kind: context.wantHold ? 'hold' : 'unhold', streams: [] } as LocalProposal })),
    applyProposal: assign(({ context }) => {
      const p = context.pending;
      if (p?.kind === 'add') return { pending: undefined, streams: [...context.streams, ...without(p.streams, context.streams)] };
      if (p?.kind === 'hold' || p?.kind === 'unhold') return { pending: undefined, held: p.kind === 'hold' };
      return { pending: undefined };
    }),
    /** §14.1: a failed re-INVITE leaves the session as it was: forget a hold change too. */
    dropProposal: assign(({ context }) => ({ pending: undefined, wantHold: context.held })),
    scheduleGlareRetry: assign(({ context }) => {
      const [fraction, seed] = nextJitter(context.seed);
      return { seed, glareDelay: glareDelay(context.callIdOwner, fraction) };
    }),
    setReceived: assign(({ event }) => ({ received: streamsOf(event) })),
    acceptReceived: assign(({ context, event }) => {
      const accepted = streamsOf(event).filter((s) => (context.received ?? []).includes(s));
      return { received: undefined, streams: [...context.streams, ...without(accepted, context.streams)] };
    }),
    clearReceived: assign({ received: undefined }),

    // outcomes (the data of the final DidFail / DidEnd)
    endedLocally: assign(({ event }) => ({
      outcome: { originator: 'local', code: 0, reason: '', why: (event.type === 'end' && event.reason) || 'user_request' } as SessionOutcome,
    })),
    endedRemotely: assign({ outcome: { originator: 'remote', code: 0, reason: '', why: 'user_request' } as SessionOutcome }),
    cancelledLocally: assign({ outcome: { originator: 'local', code: 487, reason: 'Request Terminated', why: 'user_request' } as SessionOutcome }),
    cancelledRemotely: assign({ outcome: { originator: 'remote', code: 487, reason: 'Request Terminated', why: 'user_request' } as SessionOutcome }),
    rejectedLocally: assign(({ event }) => ({
      outcome: { originator: 'local', code: codeOf(event) || 603, reason: reasonOf(event) || 'Decline', why: 'user_request' } as SessionOutcome,
    })),
    rejectedRemotely: assign(({ event }) => ({
      outcome: { originator: 'remote', code: codeOf(event), reason: reasonOf(event), why: `${codeOf(event)} ${reasonOf(event)}` } as SessionOutcome,
    })),
    failedLocally: assign(({ event }) => ({
      outcome: {
        originator: 'local',
        code: codeOf(event),
        reason: reasonOf(event),
        why: event.type === 'error' ? event.why : 'error',
      } as SessionOutcome,
    })),
    timedOut: assign({ outcome: { originator: 'local', code: 408, reason: 'Request Timeout', why: 'timeout' } as SessionOutcome }),
    /** Unless end() asked for it already (R-SES-3: then it stays a user request). */
    missingAck: assign(({ context }) => ({ outcome: context.outcome ?? ({ originator: 'remote', code: 0, reason: '', why: 'missing ACK' } as SessionOutcome) })),
    /** RFC 5057 / §14.1: a 408 or 481 to a re-INVITE (or its timeout) ends the dialog. */
    dialogLost: assign(({ event }) => ({
      outcome: {
        originator: 'remote',
        code: codeOf(event) || 408,
        reason: reasonOf(event) || 'Request Timeout',
        why: `${codeOf(event) || 408} ${reasonOf(event) || 'Request Timeout'} to re-INVITE`,
      } as SessionOutcome,
    })),

    // ---- notifications ----
    notifyNewOutgoing: emit(({ context }) => ({ type: 'SIPSessionNewOutgoing' as const, streams: context.offered })),
    notifyNewIncoming: emit(({ context }) => ({ type: 'SIPSessionNewIncoming' as const, streams: context.offered })),
    notifyProvisional: enqueueActions(({ event, enqueue }) => {
      enqueue.emit({ type: 'SIPSessionGotProvisionalResponse', code: codeOf(event), reason: reasonOf(event) });
      if (codeOf(event) === 180) enqueue.emit({ type: 'SIPSessionGotRingIndication' });
    }),
    notifyWillStart: emit({ type: 'SIPSessionWillStart' as const }),
    notifyDidStart: emit(({ context }) => ({ type: 'SIPSessionDidStart' as const, streams: context.streams })),
    notifyWillEnd: emit({ type: 'SIPSessionWillEnd' as const }),
    /** The one final notification: DidEnd after DidStart, DidFail before it. */
    notifyFinal: enqueueActions(({ context, enqueue }) => {
      const o = context.outcome ?? { originator: 'local', code: 0, reason: '', why: 'user_request' };
      if (context.started) enqueue.emit({ type: 'SIPSessionDidEnd', originator: o.originator, end_reason: o.why });
      else enqueue.emit({ type: 'SIPSessionDidFail', originator: o.originator, code: o.code, reason: o.reason, failure_reason: o.why });
    }),
    notifyLocalProposal: enqueueActions(({ context, enqueue }) => {
      const p = context.pending;
      if (p?.kind === 'add') enqueue.emit({ type: 'SIPSessionGotProposal', originator: 'local', streams: p.streams });
      if (p?.kind === 'remove') enqueue.emit({ type: 'SIPSessionDidRenegotiateStreams', action: 'remove', streams: p.streams });
    }),
    /** Our re-INVITE succeeded (before applyProposal). */
    notifyLocalAccepted: enqueueActions(({ context, enqueue }) => {
      const p = context.pending;
      if (p?.kind === 'add') {
        enqueue.emit({ type: 'SIPSessionGotAcceptProposal', originator: 'local', streams: p.streams, proposed_streams: p.streams });
        enqueue.emit({ type: 'SIPSessionDidRenegotiateStreams', action: 'add', streams: p.streams });
      }
      if (p?.kind === 'hold' || p?.kind === 'unhold') enqueue.raise({ type: 'holdSettled', ok: true });
    }),
    /** Our re-INVITE failed or was cancelled (before dropProposal). */
    notifyLocalRejected: enqueueActions(({ context, event, enqueue }) => {
      const p = context.pending;
      const code = event.type === 'cancelProposal' ? 487 : codeOf(event);
      const reason = event.type === 'cancelProposal' ? 'Request Terminated' : reasonOf(event);
      if (p?.kind === 'add') enqueue.emit({ type: 'SIPSessionGotRejectProposal', originator: 'local', code, reason, streams: p.streams });
      if (p?.kind === 'hold' || p?.kind === 'unhold') enqueue.raise({ type: 'holdSettled', ok: false });
    }),
    notifyRemoteProposal: emit(({ context }) => ({ type: 'SIPSessionGotProposal' as const, originator: 'remote' as const, streams: context.received ?? [] })),
    /** Before acceptReceived. */
    notifyRemoteAccepted: enqueueActions(({ context, event, enqueue }) => {
      const proposed = context.received ?? [];
      const accepted = streamsOf(event).filter((s) => proposed.includes(s));
      enqueue.emit({ type: 'SIPSessionGotAcceptProposal', originator: 'remote', streams: accepted, proposed_streams: proposed });
      if (accepted.length) enqueue.emit({ type: 'SIPSessionDidRenegotiateStreams', action: 'add', streams: accepted });
    }),
    notifyRemoteRejected: emit(({ context, event }) => ({
      type: 'SIPSessionGotRejectProposal' as const,
      originator: 'remote' as const,
      code: event.type === 'cancel' ? 487 : codeOf(event) || 488,
      reason: event.type === 'cancel' ? 'Request Terminated' : reasonOf(event) || 'Not Acceptable Here',
      streams: context.received ?? [],
    })),
    notifyProposalFailure: emit(({ context, event }) => ({
      type: 'SIPSessionHadProposalFailure' as const,
      failure_reason: event.type === 'proposalFailure' ? event.error : 'error',
      streams: context.received ?? [],
    })),
    raiseHoldSent: raise({ type: 'holdSent' as const }),
    raiseReinvite2xxSent: raise({ type: 'reinvite2xxSent' as const }),
    raiseRemoteHold: raise(({ event }) => ({ type: 'remoteHoldChanged' as const, hold: event.type === 'remoteUpdate' && event.hold })),
    notifyLocalHold: emit(({ context }) => ({
      type: 'SIPSessionDidChangeHoldState' as const,
      originator: 'local' as const,
      on_hold: context.held,
      partial: false,
    })),
    notifyRemoteHold: emit(({ event }) => ({
      type: 'SIPSessionDidChangeHoldState' as const,
      originator: 'remote' as const,
      on_hold: event.type === 'remoteHoldChanged' && event.hold,
      partial: false,
    })),
  },
  guards: {
    hasSdp: ({ event }) => event.type === 'provisional' && event.sdp === true,
    isRinging: ({ event }) => codeOf(event) === 180,
    isSuccess: ({ event }) => codeOf(event) >= 200 && codeOf(event) < 300,
    /** §14.1 glare. */
    isGlare: ({ event }) => codeOf(event) === 491,
    /** §14.1 / RFC 5057 §5.1: "If a UAC receives a 408 or 481 response to a re-INVITE, or the transaction times out, the UAC SHOULD terminate the dialog". */
    isRequestTimeout: ({ event }) => codeOf(event) === 408,
    isNoDialog: ({ event }) => codeOf(event) === 481,
    hasPending: ({ context }) => context.pending !== undefined,
    holdOutOfSync: ({ context }) => context.wantHold !== context.held,
    isAddProposal: ({ context }) => context.pending?.kind === 'add',
    settledOk: ({ event }) => event.type === 'holdSettled' && event.ok,
    remoteHolds: ({ event }) => event.type === 'remoteHoldChanged' && event.hold,
    remoteUnholds: ({ event }) => event.type === 'remoteHoldChanged' && !event.hold,
  },
  delays: {
    /** §13.3.1.4: the 2xx is retransmitted "with an interval that starts at T1 seconds and doubles for each retransmission until it reaches T2". */
    retransmitInterval: ({ context }) => context.ackWait,
    /** §13.3.1.4: "If the server retransmits the 2xx response for 64*T1 seconds without receiving an ACK". */
    ackTimeout: ({ context }) => 64 * context.T1,
    /** §14.1: the 491 retry timer. */
    glareRetry: ({ context }) => context.glareDelay,
    /** A BYE that is never answered (nor timed out by the transaction layer) ends anyway. */
    byeTimeout: ({ context }) => 64 * context.T1,
  },
}).createMachine({
  id: 'session',
  context: ({ input }) => ({
    id: input.id,
    T1: input.T1 ?? DEFAULT_T1,
    T2: input.T2 ?? DEFAULT_T2,
    seed: (input.seed ?? 0) >>> 0,
    callIdOwner: false,
    streams: [],
    offered: [],
    ackWait: input.T1 ?? DEFAULT_T1,
    wantHold: false,
    held: false,
    pending: undefined,
    received: undefined,
    glareDelay: 0,
    started: false,
    outcome: undefined,
  }),
  initial: 'idle',
  // hold() / unhold(): "May be called in any state; the re-INVITE is sent as soon as possible."
  on: {
    hold: { actions: 'wantHold' },
    unhold: { actions: 'wantUnhold' },
  },
  states: {
    idle: {
      on: {
        // connect: "Before the remote party is contacted, a SIPSessionNewOutgoing notification is emitted."
        connect: { target: 'outgoing', actions: ['setOutgoing', 'notifyNewOutgoing', 'sendInvite'] },
        incoming: { target: 'incoming', actions: ['setIncoming', 'notifyNewIncoming'] },
      },
    },

    // ---- UAC: our INVITE ------------------------------------------------------------------------
    outgoing: {
      initial: 'calling',
      on: {
        // "If the remote party accepts the session, SIPSessionWillStart is sent, followed by
        // SIPSessionDidStart once the session is actually established" (after the ACK, §13.2.2.4).
        answered: { target: 'connected', actions: ['notifyWillStart', 'setStreams', 'sendAck', 'markStarted', 'startStreams', 'notifyDidStart'] },
        // "If there is a failure, or the remote party rejects the offer, a SIPSessionDidFail notification is sent."
        failed: { target: 'terminated', actions: 'rejectedRemotely' },
        timeout: { target: 'terminated', actions: 'timedOut' },
        // The streams could not be set up, or the INVITE not sent: nothing reached the remote.
        error: { target: 'terminated', actions: 'failedLocally' },
      },
      states: {
        calling: {
          on: {
            provisional: [
              { guard: 'hasSdp', target: 'early', actions: ['notifyProvisional', 'startEarlyMedia'] },
              { guard: 'isRinging', target: 'ringing', actions: 'notifyProvisional' },
              { actions: 'notifyProvisional' },
            ],
            // §9.1: "If no provisional response has been received, the CANCEL request MUST NOT be
            // sent; rather, the client MUST wait for the arrival of a provisional response before
            // sending the request."
            end: { target: 'cancelPending', actions: 'cancelledLocally' },
          },
        },
        ringing: {
          on: {
            provisional: [{ guard: 'hasSdp', target: 'early', actions: ['notifyProvisional', 'startEarlyMedia'] }, { actions: 'notifyProvisional' }],
            end: { target: 'cancelling', actions: 'cancelledLocally' },
          },
        },
        early: {
          on: {
            provisional: { actions: 'notifyProvisional' },
            end: { target: 'cancelling', actions: 'cancelledLocally' },
          },
        },
        // end() before any provisional response: the CANCEL waits for one. A 100 Trying (hop by
        // hop, but a provisional response all the same) releases it too.
        cancelPending: {
          on: {
            provisional: { target: 'cancelling' },
            // the 2xx came first: see cancelling.answered.
            answered: { target: '#session.terminating', actions: 'sendAck' },
            // a final non-2xx before any provisional: the INVITE is over, the end stays ours.
            failed: { target: '#session.terminated' },
          },
        },
        cancelling: {
          entry: 'sendCancel',
          on: {
            // CANCEL crossing a 200. §9.1: "the CANCEL has no effect on the original request if a
            // final response has already been generated"; §15 / §13.2.2.4: the UAC must ACK every
            // 2xx, and the session it did not want any more is ended with a BYE. Never started, so
            // DidFail (487, user_request) and no DidEnd.
            answered: { target: '#session.terminating', actions: 'sendAck' },
            // the 487 (or any other final response): "the UAC ... ends with DidFail"
            failed: { target: '#session.terminated' },
            timeout: { target: '#session.terminated' },
          },
        },
      },
    },

    // ---- UAS: the remote's INVITE ---------------------------------------------------------------
    incoming: {
      initial: 'waiting',
      on: {
        // accept: "moves the state machine to the accepting state" — 2xx sent, ACK awaited.
        accept: { target: 'accepting', actions: ['setStreams', 'send2xx', 'notifyWillStart'] },
        // reject: the final non-2xx goes to the server transaction, which absorbs its ACK
        // (§17.2.1): nothing is left for a terminating step to wait for.
        reject: { target: 'terminated', actions: ['rejectedLocally', { type: 'sendResponse', params: ({ event }) => ({ code: codeOf(event) || 603 }) }] },
        // §9.2: the UAS "SHOULD then respond to the INVITE with a 487 (Request Terminated)".
        cancel: { target: 'terminated', actions: ['cancelledRemotely', { type: 'sendResponse', params: { code: 487 } }] },
        // accept() could not set the streams up: refuse the INVITE with the code the runtime chose.
        error: { target: 'terminated', actions: ['failedLocally', { type: 'sendResponse', params: ({ event }) => ({ code: codeOf(event) || 500 }) }] },
      },
      states: {
        waiting: { on: { ringIndication: { target: 'ringing', actions: 'sendProvisional' } } },
        ringing: { on: { ringIndication: { actions: 'sendProvisional' } } },
      },
    },

    // §13.3.1.4: "The 2xx response is passed to the transport with an interval that starts at T1
    // seconds and doubles for each retransmission until it reaches T2 seconds ... The response
    // retransmissions cease when an ACK request for the response is received. ... If the server
    // retransmits the 2xx response for 64*T1 seconds without receiving an ACK, the dialog is
    // confirmed, but the session SHOULD be terminated. This is accomplished with a BYE."
    accepting: {
      initial: 'waitingAck',
      entry: 'firstAckWait',
      after: {
        ackTimeout: { target: 'terminating', actions: ['missingAck', 'reportNoAck'] },
      },
      on: {
        // §9.2: "If the UAS has already sent a final response for the original request, the
        // CANCEL has no effect" (the transaction layer answers the CANCEL with 200).
        cancel: {},
      },
      states: {
        waitingAck: {
          after: { retransmitInterval: { target: 'waitingAck', reenter: true, actions: ['retransmit2xx', 'doubleAckWait'] } },
          on: {
            ack: { target: '#session.connected', actions: ['markStarted', 'startStreams', 'notifyDidStart'] },
            // R-SES-3: end() while accepting. A BYE may not be sent before the dialog is
            // confirmed by the ACK (§15: "the callee's UA MUST NOT send a BYE on a confirmed
            // dialog until it has received an ACK for its 2xx response or until the server
            // transaction times out"): wait for the ACK or the 64·T1 limit, then BYE.
            end: { target: 'ending', actions: 'endedLocally' },
            // BYE crossing our 2xx (the remote gave up while we were accepting).
            bye: { target: '#session.terminated', actions: ['endedRemotely', { type: 'sendResponse', params: { code: 200 } }] },
          },
        },
        ending: {
          after: { retransmitInterval: { target: 'ending', reenter: true, actions: ['retransmit2xx', 'doubleAckWait'] } },
          on: {
            ack: { target: '#session.terminating' },
            bye: { target: '#session.terminated', actions: [{ type: 'sendResponse', params: { code: 200 } }] },
          },
        },
      },
    },

    // ---- the established session ----------------------------------------------------------------
    connected: {
      type: 'parallel',
      // "SIPSessionWillEnd is sent right before termination": connected is only ever left to end.
      exit: 'notifyWillEnd',
      on: {
        end: { target: 'terminating', actions: 'endedLocally' },
        // A BYE ends the session whatever is in progress; a re-INVITE of ours crossing it gets a
        // 481/487 later that nobody listens to (BYE crossing a re-INVITE).
        bye: { target: 'terminated', actions: ['endedRemotely', { type: 'sendResponse', params: { code: 200 } }] },
      },
      states: {
        proposal: {
          initial: 'none',
          states: {
            none: {
              always: [
                // a re-INVITE deferred by glare resumes when the remote's re-INVITE is done
                { guard: 'hasPending', target: 'sending' },
                // hold()/unhold() "sent as soon as possible"
                { guard: 'holdOutOfSync', target: 'sending', actions: ['setHoldProposal', 'raiseHoldSent'] },
              ],
              on: {
                // add_stream / remove_stream: "Only in state connected."
                propose: { target: 'sending', actions: ['setProposal', 'notifyLocalProposal'] },
                remoteProposal: { target: 'received', actions: ['setReceived', 'notifyRemoteProposal'] },
                remoteUpdate: { actions: [{ type: 'sendResponse', params: { code: 200 } }, 'raiseReinvite2xxSent', 'updateStreams', 'raiseRemoteHold'] },
              },
            },
            sending: {
              entry: 'sendReInvite',
              on: {
                proposalAnswered: [
                  { guard: 'isSuccess', target: 'none', actions: ['updateStreams', 'notifyLocalAccepted', 'applyProposal'] },
                  // §14.1: "If the UAC receives a 491 response to a re-INVITE, it SHOULD start a
                  // timer with a value T ... When the timer fires, the UAC SHOULD attempt the
                  // re-INVITE once more, if it still desires for that session modification to take place."
                  { guard: 'isGlare', target: 'glareWait', actions: 'scheduleGlareRetry' },
                  // §14.1: "If a UAC receives a 408 or 481 response to a re-INVITE ... the UAC
                  // SHOULD terminate the dialog": BYE for a 408, nothing to BYE for a 481 (RFC 5057 §5.1).
                  { guard: 'isRequestTimeout', target: '#session.terminating', actions: 'dialogLost' },
                  { guard: 'isNoDialog', target: '#session.terminated', actions: 'dialogLost' },
                  // §14.1: "If a UA receives a non-2xx final response to a re-INVITE, the session
                  // parameters MUST remain unchanged, as if no re-INVITE had been issued."
                  { target: 'none', actions: ['notifyLocalRejected', 'dropProposal'] },
                ],
                timeout: { target: '#session.terminating', actions: 'dialogLost' },
                // §14.2: "A UAS that receives an INVITE on a dialog while an INVITE it had sent on
                // that dialog is in progress MUST return a 491 (Request Pending) response".
                remoteProposal: { actions: { type: 'sendResponse', params: { code: 491 } } },
                remoteUpdate: { actions: { type: 'sendResponse', params: { code: 491 } } },
                // cancel_proposal: "Cancels a proposal to add a stream ... by sending a CANCEL".
                cancelProposal: { guard: 'isAddProposal', target: 'cancelling' },
              },
            },
            cancelling: {
              entry: 'sendCancel',
              on: {
                proposalAnswered: [
                  // the 2xx crossed our CANCEL: the re-INVITE took effect (§9.1), ACKed by the dialog layer
                  { guard: 'isSuccess', target: 'none', actions: ['updateStreams', 'notifyLocalAccepted', 'applyProposal'] },
                  { guard: 'isRequestTimeout', target: '#session.terminating', actions: 'dialogLost' },
                  { guard: 'isNoDialog', target: '#session.terminated', actions: 'dialogLost' },
                  // the 487: "A SIPSessionGotRejectProposal notification is sent with code 487"
                  { target: 'none', actions: ['notifyLocalRejected', 'dropProposal'] },
                ],
                timeout: { target: '#session.terminating', actions: 'dialogLost' },
                remoteProposal: { actions: { type: 'sendResponse', params: { code: 491 } } },
                remoteUpdate: { actions: { type: 'sendResponse', params: { code: 491 } } },
              },
            },
            // After a 491: no INVITE of ours is in progress, so a remote re-INVITE is served (and
            // ours resumes after it); our own retries when the timer fires.
            glareWait: {
              after: { glareRetry: 'sending' },
              on: {
                remoteProposal: { target: 'received', actions: ['setReceived', 'notifyRemoteProposal'] },
                remoteUpdate: { actions: [{ type: 'sendResponse', params: { code: 200 } }, 'raiseReinvite2xxSent', 'updateStreams', 'raiseRemoteHold'] },
                // nothing in flight to CANCEL: just give the proposal up
                cancelProposal: { guard: 'isAddProposal', target: 'none', actions: ['notifyLocalRejected', 'dropProposal'] },
              },
            },
            received: {
              on: {
                // accept_proposal / reject_proposal: "Only in state received_proposal."
                acceptProposal: {
                  target: 'none',
                  actions: [{ type: 'sendResponse', params: { code: 200 } }, 'raiseReinvite2xxSent', 'updateStreams', 'notifyRemoteAccepted', 'acceptReceived'],
                },
                rejectProposal: {
                  target: 'none',
                  actions: [{ type: 'sendResponse', params: ({ event }) => ({ code: codeOf(event) || 488 }) }, 'notifyRemoteRejected', 'clearReceived'],
                },
                // accept_proposal: "If an error occurs while setting up the new stream,
                // SIPSessionHadProposalFailure is sent instead and a rejection is sent".
                proposalFailure: { target: 'none', actions: [{ type: 'sendResponse', params: { code: 488 } }, 'notifyProposalFailure', 'clearReceived'] },
                cancel: { target: 'none', actions: [{ type: 'sendResponse', params: { code: 487 } }, 'notifyRemoteRejected', 'clearReceived'] },
                // §14.2: "A UAS that receives a second INVITE before it sends the final response
                // to a first INVITE with a lower CSeq sequence number on the same dialog MUST
                // return a 500 (Server Internal Error) response".
                remoteProposal: { actions: { type: 'sendResponse', params: { code: 500 } } },
                remoteUpdate: { actions: { type: 'sendResponse', params: { code: 500 } } },
              },
            },
          },
        },
        // §13.3.1.4 applies to every 2xx to an INVITE, a re-INVITE's too: retransmitted at T1
        // doubling to T2 until the ACK comes; after 64·T1 without it "the session SHOULD be
        // terminated" with a BYE. The limit runs from the first send (on the parent state).
        reinvite2xx: {
          initial: 'idle',
          states: {
            idle: { on: { reinvite2xxSent: { target: 'waitingAck', actions: 'firstAckWait' } } },
            waitingAck: {
              initial: 'retransmitting',
              after: { ackTimeout: { target: '#session.terminating', actions: ['missingAck', 'reportReinviteNoAck'] } },
              on: {
                reinviteAck: 'idle',
                // a later re-INVITE's 2xx supersedes it (the remote ACKed, or gave up, the first)
                reinvite2xxSent: { target: 'waitingAck', reenter: true, actions: 'firstAckWait' },
              },
              states: {
                retransmitting: {
                  after: { retransmitInterval: { target: 'retransmitting', reenter: true, actions: ['retransmitReinvite2xx', 'doubleAckWait'] } },
                },
              },
            },
          },
        },
        hold: {
          type: 'parallel',
          states: {
            local: {
              initial: 'unheld',
              states: {
                unheld: { on: { holdSent: 'holding' } },
                holding: {
                  on: {
                    holdSettled: [
                      { guard: 'settledOk', target: 'held', actions: 'notifyLocalHold' },
                      // a failed hold re-INVITE leaves the session unheld (§14.1)
                      { target: 'unheld' },
                    ],
                  },
                },
                held: { on: { holdSent: 'unholding' } },
                unholding: {
                  on: {
                    holdSettled: [{ guard: 'settledOk', target: 'unheld', actions: 'notifyLocalHold' }, { target: 'held' }],
                  },
                },
              },
            },
            remote: {
              initial: 'unheld',
              states: {
                unheld: { on: { remoteHoldChanged: { guard: 'remoteHolds', target: 'held', actions: 'notifyRemoteHold' } } },
                held: { on: { remoteHoldChanged: { guard: 'remoteUnholds', target: 'unheld', actions: 'notifyRemoteHold' } } },
              },
            },
          },
        },
      },
    },

    // ---- ending ---------------------------------------------------------------------------------
    // BYE sent (§15.1.1); the session is over whatever its answer. Bounded by 64·T1.
    terminating: {
      entry: 'sendBye',
      after: { byeTimeout: 'terminated' },
      on: {
        byeAnswered: 'terminated',
        timeout: 'terminated',
        // BYE crossing BYE
        bye: { target: 'terminated', actions: { type: 'sendResponse', params: { code: 200 } } },
      },
    },

    terminated: {
      type: 'final',
      entry: ['endStreams', 'notifyFinal'],
    },
  },
});
