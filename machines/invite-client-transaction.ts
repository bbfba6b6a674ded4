/**
 * INVITE client transaction — RFC 3261 §17.1.1 (Figure 5), as corrected by RFC 6026 §8.4 (its
 * Figure 5: the Accepted state and Timer M).
 *
 *   calling ──1xx──▶ proceeding ──2xx──▶ accepted ──Timer M──▶ terminated
 *      │  └──2xx──▶ accepted               │
 *      └──300-699──▶ completed ◀──300-699──┘      completed ──Timer D──▶ terminated
 *   calling ──Timer B / transport error──▶ terminated;   completed ──transport error──▶ terminated
 *
 * Pure: every effect is a named placeholder action that the running system replaces with
 * `inviteClientTransaction.provide({ actions })`; every timer is a named delay.
 */
import { and, assign, setup } from 'xstate';
import type { SIPRequest, SIPResponse } from '../src/sip/message.js';
import { type TimerSettings, nextTimerA, timerA, timerB, timerD, timerM } from './transaction-timers.js';

export interface InviteClientTransactionInput {
  /** The transaction key (RFC 3261 §17.1.3). */
  id: string;
  /** The INVITE this transaction sends. */
  request: SIPRequest;
  /** TCP, TLS, SCTP, WS: no retransmissions, Timer D is zero. */
  reliable: boolean;
  timers: TimerSettings;
}

export interface InviteClientTransactionContext extends InviteClientTransactionInput {
  /** The interval Timer A is (or will next be) running with. */
  a: number;
}

export type InviteClientTransactionEvent =
  | { type: 'response'; response: SIPResponse }
  | { type: 'transportError'; error: Error };

type Ev = InviteClientTransactionEvent;
const status = (e: Ev): number => (e.type === 'response' ? e.response.status : 0);

export const inviteClientTransaction = setup({
  types: {} as {
    context: InviteClientTransactionContext;
    input: InviteClientTransactionInput;
    events: InviteClientTransactionEvent;
  },
  actions: {
    /** Pass the INVITE to the transport: the first send and every Timer A retransmission. */
    sendRequest: () => {},
    /** Build the ACK of §17.1.1.3 for the 300-699 response in `event` and send it. */
    sendAck: () => {},
    /** Pass `event.response` up to the TU. */
    passResponse: () => {},
    /** Timer B fired: tell the TU the request timed out. */
    reportTimeout: () => {},
    /** Tell the TU about `event.error`. */
    reportTransportError: () => {},
    /** Entry of Terminated: the owner stops this actor and forgets it. */
    terminate: () => {},
    backOffTimerA: assign({ a: ({ context }) => nextTimerA(context.a) }),
  },
  guards: {
    reliable: ({ context }) => context.reliable,
    unreliable: ({ context }) => !context.reliable,
    isProvisional: ({ event }) => status(event) >= 100 && status(event) < 200,
    is2xx: ({ event }) => status(event) >= 200 && status(event) < 300,
    isFinalNon2xx: ({ event }) => status(event) >= 300,
  },
  delays: {
    timerA: ({ context }) => context.a,
    timerB: ({ context }) => timerB(context.timers),
    timerD: ({ context }) => timerD(context.timers),
    timerM: ({ context }) => timerM(context.timers),
  },
}).createMachine({
  id: 'ict',
  context: ({ input }) => ({
    id: input.id,
    request: input.request,
    reliable: input.reliable,
    timers: input.timers,
    a: timerA(input.timers),
  }),
  initial: 'calling',
  states: {
    // §17.1.1.2: "The initial state, "calling", MUST be entered when the TU initiates a new
    // client transaction with an INVITE request. The client transaction MUST pass the request
    // to the transport layer for transmission."
    calling: {
      entry: 'sendRequest',
      // "If the client transaction is still in the "Calling" state when timer B fires, the
      // client transaction SHOULD inform the TU that a timeout has occurred. The client
      // transaction MUST NOT generate an ACK." (B runs on every transport.)
      after: { timerB: { target: 'terminated', actions: 'reportTimeout' } },
      initial: 'sent',
      states: {
        // "If an unreliable transport is being used, the client transaction MUST start timer A
        // with a value of T1. If a reliable transport is being used, the client transaction
        // SHOULD NOT start timer A."
        sent: { always: { guard: 'unreliable', target: 'retransmitting' } },
        // "When timer A fires, the client transaction MUST retransmit the request ... and reset
        // the timer with a value of 2*T1. ... intervals that double after each transmission.
        // These retransmissions SHOULD only be done while the client transaction is in the
        // "calling" state."
        retransmitting: {
          after: { timerA: { target: 'retransmitting', reenter: true, actions: ['sendRequest', 'backOffTimerA'] } },
        },
      },
      on: {
        // "If the client transaction receives a provisional response while in the "Calling"
        // state, it transitions to the "Proceeding" state. ... the client transaction SHOULD NOT
        // retransmit the request any longer. Furthermore, the provisional response MUST be
        // passed to the TU."
        response: [
          { guard: 'isProvisional', target: 'proceeding', actions: 'passResponse' },
          // RFC 6026 §8.4: "When a 2xx response is received while in either the "Calling" or
          // "Proceeding" states, the client transaction MUST transition to the "Accepted" state,
          // and Timer M MUST be started ... The 2xx response MUST be passed up to the TU. The
          // client transaction MUST NOT generate an ACK to the 2xx response".
          { guard: 'is2xx', target: 'accepted', actions: 'passResponse' },
          // "reception of a response with status code from 300-699 MUST cause the client
          // transaction to transition to "Completed". The client transaction MUST pass the
          // received response up to the TU, and the client transaction MUST generate an ACK
          // request" — Timer D is zero on reliable transports: straight to Terminated.
          { guard: and(['isFinalNon2xx', 'reliable']), target: 'terminated', actions: ['sendAck', 'passResponse'] },
          { guard: 'isFinalNon2xx', target: 'completed', actions: ['sendAck', 'passResponse'] },
        ],
        // §17.1.4: "the client transaction SHOULD inform the TU that a transport failure has
        // occurred, and the client transaction SHOULD transition directly to the "Terminated"
        // state."
        transportError: { target: 'terminated', actions: 'reportTransportError' },
      },
    },
    // "Any further provisional responses MUST be passed up to the TU while in the "Proceeding"
    // state." Nothing is sent here, so there is no transport error (Figure 5).
    proceeding: {
      on: {
        response: [
          { guard: 'isProvisional', actions: 'passResponse' },
          { guard: 'is2xx', target: 'accepted', actions: 'passResponse' },
          { guard: and(['isFinalNon2xx', 'reliable']), target: 'terminated', actions: ['sendAck', 'passResponse'] },
          { guard: 'isFinalNon2xx', target: 'completed', actions: ['sendAck', 'passResponse'] },
        ],
      },
    },
    // RFC 6026 §8.4: "Any 2xx responses that match this client transaction and that are received
    // while in the "Accepted" state MUST be passed up to the TU. The client transaction MUST NOT
    // generate an ACK to the 2xx response. ... If Timer M fires while the client transaction is
    // in the "Accepted" state, the client transaction MUST move to the "Terminated" state."
    accepted: {
      after: { timerM: 'terminated' },
      on: { response: { guard: 'is2xx', actions: 'passResponse' } },
    },
    // "Any retransmissions of the final response that are received while in the "Completed"
    // state MUST cause the ACK to be re-passed to the transport layer for retransmission, but
    // the newly received response MUST NOT be passed up to the TU." Timer D: "If timer D fires
    // while the client transaction is in the "Completed" state, the client transaction MUST
    // move to the terminated state." (Entered on unreliable transports only: D is zero otherwise.)
    completed: {
      after: { timerD: 'terminated' },
      on: {
        response: { guard: 'isFinalNon2xx', actions: 'sendAck' },
        transportError: { target: 'terminated', actions: 'reportTransportError' },
      },
    },
    // "The client transaction MUST be destroyed the instant it enters the "Terminated" state."
    terminated: { type: 'final', entry: 'terminate' },
  },
});
