/**
 * INVITE server transaction — RFC 3261 §17.2.1 (Figure 7), as corrected by RFC 6026 §7.1 (its
 * Figure 7: the Accepted state, Timer L, ACKs for a 2xx passed to the TU) and §8.8 (a transport
 * error is reported to the TU and the transaction stays where it is).
 *
 *   proceeding ──2xx from TU──▶ accepted ──Timer L──▶ terminated
 *   proceeding ──300-699 from TU──▶ completed ──ACK──▶ confirmed ──Timer I──▶ terminated
 *                                   completed ──Timer H──▶ terminated
 *
 * Pure: every effect is a named placeholder action that the running system replaces with
 * `inviteServerTransaction.provide({ actions })`; every timer is a named delay.
 */
import { and, assign, not, setup } from 'xstate';
import type { SIPRequest, SIPResponse } from '../src/sip/message.js';
import { type TimerSettings, TRYING_100_DELAY, nextCapped, timerG, timerH, timerI, timerL } from './transaction-timers.js';

export interface InviteServerTransactionInput {
  /** The transaction key (RFC 3261 §17.2.3). */
  id: string;
  /** The INVITE that created this transaction. */
  request: SIPRequest;
  /** TCP, TLS, SCTP, WS: no Timer G, Timer I is zero. */
  reliable: boolean;
  timers: TimerSettings;
}

export interface InviteServerTransactionContext extends InviteServerTransactionInput {
  /** The interval Timer G is (or will next be) running with. */
  g: number;
  /** The last response the TU sent through this transaction: retransmitted by `resendResponse`. */
  lastResponse: SIPResponse | undefined;
}

export type InviteServerTransactionEvent =
  /** A retransmission of the INVITE, or an ACK (`request.method === 'ACK'`). */
  | { type: 'request'; request: SIPRequest }
  /** The TU sends a response through the transaction. */
  | { type: 'respond'; response: SIPResponse }
  | { type: 'transportError'; error: Error };

type Ev = InviteServerTransactionEvent;
const status = (e: Ev): number => (e.type === 'respond' ? e.response.status : 0);

export const inviteServerTransaction = setup({
  types: {} as {
    context: InviteServerTransactionContext;
    input: InviteServerTransactionInput;
    events: InviteServerTransactionEvent;
  },
  actions: {
    /** Entry: hand the INVITE (`context.request`) to the TU. */
    passRequest: () => {},
    /** Send `event.response` (storeResponse keeps it for retransmission). */
    sendResponse: () => {},
    /** Retransmit `context.lastResponse`. */
    resendResponse: () => {},
    /** Build a 100 (Trying) for `context.request` (no To-tag, §8.2.6.1) and send it. */
    send100: () => {},
    /** Hand the ACK in `event.request` (it acknowledges the 2xx) to the TU. */
    passAck: () => {},
    /** The ACK for the non-2xx final response came (§17.2.1): the TU may report that it did. */
    reportAck: () => {},
    /** Timer H fired: no ACK came for the final response. */
    reportTimeout: () => {},
    /** Tell the TU about `event.error`. */
    reportTransportError: () => {},
    /** Entry of Terminated: the owner stops this actor and forgets it. */
    terminate: () => {},
    storeResponse: assign({ lastResponse: ({ event }) => (event.type === 'respond' ? event.response : undefined) }),
    backOffTimerG: assign({ g: ({ context }) => nextCapped(context.g, context.timers) }),
  },
  guards: {
    reliable: ({ context }) => context.reliable,
    unreliable: ({ context }) => !context.reliable,
    hasResponse: ({ context }) => context.lastResponse !== undefined,
    isAck: ({ event }) => event.type === 'request' && event.request.method === 'ACK',
    isProvisional: ({ event }) => status(event) >= 100 && status(event) < 200,
    is2xx: ({ event }) => status(event) >= 200 && status(event) < 300,
    isFinalNon2xx: ({ event }) => status(event) >= 300,
  },
  delays: {
    trying100: TRYING_100_DELAY,
    timerG: ({ context }) => context.g,
    timerH: ({ context }) => timerH(context.timers),
    timerI: ({ context }) => timerI(context.timers),
    timerL: ({ context }) => timerL(context.timers),
  },
}).createMachine({
  id: 'ist',
  context: ({ input }) => ({
    id: input.id,
    request: input.request,
    reliable: input.reliable,
    timers: input.timers,
    g: timerG(input.timers),
    lastResponse: undefined,
  }),
  initial: 'proceeding',
  states: {
    // §17.2.1: "When a server transaction is constructed for a request, it enters the
    // "Proceeding" state. The server transaction MUST generate a 100 (Trying) response unless it
    // knows that the TU will generate a provisional or final response within 200 ms ... The
    // request MUST be passed to the TU."
    proceeding: {
      entry: 'passRequest',
      after: { trying100: { guard: not('hasResponse'), actions: 'send100' } },
      on: {
        // "If a request retransmission is received while in the "Proceeding" state, the most
        // recent provisional response that was received from the TU MUST be passed to the
        // transport layer for retransmission."
        request: { guard: and(['hasResponse', not('isAck')]), actions: 'resendResponse' },
        respond: [
          // "The TU passes any number of provisional responses to the server transaction. So
          // long as the server transaction is in the "Proceeding" state, each of these MUST be
          // passed to the transport layer for transmission."
          { guard: 'isProvisional', actions: ['sendResponse', 'storeResponse'] },
          // RFC 6026 §7.1 / §8.5: "If, while in the "Proceeding" state, the TU passes a 2xx
          // response to the server transaction, the server transaction MUST pass this response
          // to the transport layer for transmission. It is not retransmitted by the server
          // transaction; retransmissions of 2xx responses are handled by the TU. The server
          // transaction MUST then transition to the "Accepted" state."
          { guard: 'is2xx', target: 'accepted', actions: ['sendResponse', 'storeResponse'] },
          // "While in the "Proceeding" state, if the TU passes a response with status code from
          // 300 to 699 to the server transaction, the response MUST be passed to the transport
          // layer for transmission, and the state machine MUST enter the "Completed" state."
          { guard: 'isFinalNon2xx', target: 'completed', actions: ['sendResponse', 'storeResponse'] },
        ],
        // RFC 6026 §8.8: "the server transaction SHOULD inform the TU that a failure has
        // occurred, and MUST remain in the current state."
        transportError: { actions: 'reportTransportError' },
      },
    },
    // RFC 6026 §7.1: "While in the "Accepted" state, any retransmissions of the INVITE received
    // will match this transaction state machine and will be absorbed by the machine without
    // changing its state. These retransmissions are not passed onto the TU." (Figure 7: "ACK / to
    // TU", "2xx from TU / send response".) "When Timer L fires and the state machine is in the
    // "Accepted" state, the machine MUST transition to the "Terminated" state."
    accepted: {
      after: { timerL: 'terminated' },
      on: {
        request: { guard: 'isAck', actions: 'passAck' },
        respond: { guard: 'is2xx', actions: 'sendResponse' },
        transportError: { actions: 'reportTransportError' },
      },
    },
    // "When the "Completed" state is entered, timer H MUST be set to fire in 64*T1 seconds for
    // all transports. ... If timer H fires while in the "Completed" state, it implies that the
    // ACK was never received. In this case, the server transaction MUST transition to the
    // "Terminated" state, and MUST indicate to the TU that a transaction failure has occurred."
    completed: {
      after: { timerH: { target: 'terminated', actions: 'reportTimeout' } },
      initial: 'sent',
      states: {
        // "For unreliable transports, timer G is set to fire in T1 seconds, and is not set to
        // fire for reliable transports."
        sent: { always: { guard: 'unreliable', target: 'retransmitting' } },
        // "If timer G fires, the response is passed to the transport layer once more for
        // retransmission, and timer G is set to fire in MIN(2*T1, T2) seconds. From then on,
        // when timer G fires, the response is passed to the transport again for transmission,
        // and timer G is reset with a value that doubles, unless that value exceeds T2".
        retransmitting: {
          after: { timerG: { target: 'retransmitting', reenter: true, actions: ['resendResponse', 'backOffTimerG'] } },
        },
      },
      on: {
        request: [
          // "If an ACK is received while the server transaction is in the "Completed" state, the
          // server transaction MUST transition to the "Confirmed" state." Timer I is zero on
          // reliable transports: straight to Terminated.
          { guard: and(['isAck', 'reliable']), target: 'terminated', actions: 'reportAck' },
          { guard: 'isAck', target: 'confirmed', actions: 'reportAck' },
          // "while in the "Completed" state, if a request retransmission is received, the server
          // SHOULD pass the response to the transport for retransmission."
          { actions: 'resendResponse' },
        ],
        // RFC 6026 §8.8 (Figure 7: "Transport Err. / Inform TU" loops on Completed).
        transportError: { actions: 'reportTransportError' },
      },
    },
    // "The purpose of the "Confirmed" state is to absorb any additional ACK messages that arrive,
    // triggered from retransmissions of the final response. When this state is entered, timer I
    // is set to fire in T4 seconds for unreliable transports ... Once timer I fires, the server
    // MUST transition to the "Terminated" state." (Entered on unreliable transports only.)
    confirmed: { after: { timerI: 'terminated' } },
    // "Once the transaction is in the "Terminated" state, it MUST be destroyed immediately."
    terminated: { type: 'final', entry: 'terminate' },
  },
});
