/**
 * Non-INVITE server transaction — RFC 3261 §17.2.2 (Figure 8).
 *
 *   trying ──1xx from TU──▶ proceeding ──200-699 from TU──▶ completed ──Timer J──▶ terminated
 *   trying ──200-699 from TU──▶ completed;   transport error ──▶ terminated
 *
 * Pure: every effect is a named placeholder action that the running system replaces with
 * `nonInviteServerTransaction.provide({ actions })`; every timer is a named delay.
 */
import { and, assign, setup } from 'xstate';
import type { SIPRequest, SIPResponse } from '../src/sip/message.js';
import { type TimerSettings, timerJ } from './transaction-timers.js';

export interface NonInviteServerTransactionInput {
  /** The transaction key (RFC 3261 §17.2.3). */
  id: string;
  /** The request that created this transaction (any method but INVITE and ACK). */
  request: SIPRequest;
  /** TCP, TLS, SCTP, WS: Timer J is zero. */
  reliable: boolean;
  timers: TimerSettings;
}

export interface NonInviteServerTransactionContext extends NonInviteServerTransactionInput {
  /** The last response sent: the provisional in Proceeding, the final in Completed. */
  lastResponse: SIPResponse | undefined;
}

export type NonInviteServerTransactionEvent =
  /** A retransmission of the request. */
  | { type: 'request'; request: SIPRequest }
  /** The TU sends a response through the transaction. */
  | { type: 'respond'; response: SIPResponse }
  | { type: 'transportError'; error: Error };

type Ev = NonInviteServerTransactionEvent;
const status = (e: Ev): number => (e.type === 'respond' ? e.response.status : 0);

export const nonInviteServerTransaction = setup({
  types: {} as {
    context: NonInviteServerTransactionContext;
    input: NonInviteServerTransactionInput;
    events: NonInviteServerTransactionEvent;
  },
  actions: {
    /** Entry: hand the request (`context.request`) to the TU. */
    passRequest: () => {},
    /** Send `event.response` (storeResponse keeps it for retransmission). */
    sendResponse: () => {},
    /** Retransmit `context.lastResponse`. */
    resendResponse: () => {},
    /** Tell the TU about `event.error`. */
    reportTransportError: () => {},
    /** Entry of Terminated: the owner stops this actor and forgets it. */
    terminate: () => {},
    storeResponse: assign({ lastResponse: ({ event }) => (event.type === 'respond' ? event.response : undefined) }),
  },
  guards: {
    reliable: ({ context }) => context.reliable,
    isProvisional: ({ event }) => status(event) >= 100 && status(event) < 200,
    // A 2xx to a non-INVITE is just a final response: 200-699 are handled alike.
    isFinal: ({ event }) => status(event) >= 200,
  },
  delays: {
    timerJ: ({ context }) => timerJ(context.timers),
  },
}).createMachine({
  id: 'nist',
  context: ({ input }) => ({
    id: input.id,
    request: input.request,
    reliable: input.reliable,
    timers: input.timers,
    lastResponse: undefined,
  }),
  initial: 'trying',
  states: {
    // §17.2.2: "The state machine is initialized in the "Trying" state and is passed a request
    // other than INVITE or ACK when initialized. This request is passed up to the TU. Once in
    // the "Trying" state, any further request retransmissions are discarded."
    trying: {
      entry: 'passRequest',
      on: {
        // "While in the "Trying" state, if the TU passes a provisional response to the server
        // transaction, the server transaction MUST enter the "Proceeding" state. The response
        // MUST be passed to the transport layer for transmission."
        respond: [
          { guard: 'isProvisional', target: 'proceeding', actions: ['sendResponse', 'storeResponse'] },
          // "If the TU passes a final response (status codes 200-699) to the server while in
          // the "Trying" state [or "Proceeding"], the transaction MUST enter the "Completed"
          // state, and the response MUST be passed to the transport layer for transmission."
          // Timer J is zero on reliable transports: straight to Terminated.
          { guard: and(['isFinal', 'reliable']), target: 'terminated', actions: 'sendResponse' },
          { guard: 'isFinal', target: 'completed', actions: ['sendResponse', 'storeResponse'] },
        ],
        transportError: { target: 'terminated', actions: 'reportTransportError' },
      },
    },
    proceeding: {
      on: {
        // "If a retransmission of the request is received while in the "Proceeding" state, the
        // most recently sent provisional response MUST be passed to the transport layer for
        // retransmission."
        request: { actions: 'resendResponse' },
        respond: [
          // "Any further provisional responses that are received from the TU while in the
          // "Proceeding" state MUST be passed to the transport layer for transmission."
          { guard: 'isProvisional', actions: ['sendResponse', 'storeResponse'] },
          { guard: and(['isFinal', 'reliable']), target: 'terminated', actions: 'sendResponse' },
          { guard: 'isFinal', target: 'completed', actions: ['sendResponse', 'storeResponse'] },
        ],
        // §17.2.4: "the server transaction SHOULD inform the TU that a failure has occurred, and
        // SHOULD transition to the terminated state." (Figure 8.)
        transportError: { target: 'terminated', actions: 'reportTransportError' },
      },
    },
    // "When the server transaction enters the "Completed" state, it MUST set Timer J to fire in
    // 64*T1 seconds for unreliable transports, and zero seconds for reliable transports. While
    // in the "Completed" state, the server transaction MUST pass the final response to the
    // transport layer for retransmission whenever a retransmission of the request is received.
    // Any other final responses passed by the TU to the server transaction MUST be discarded
    // while in the "Completed" state." (Entered on unreliable transports only.)
    completed: {
      after: { timerJ: 'terminated' },
      on: {
        request: { actions: 'resendResponse' },
        transportError: { target: 'terminated', actions: 'reportTransportError' },
      },
    },
    // "The server transaction remains in this state until Timer J fires, at which point it MUST
    // transition to the "Terminated" state. The server transaction MUST be destroyed the instant
    // it enters the "Terminated" state."
    terminated: { type: 'final', entry: 'terminate' },
  },
});
