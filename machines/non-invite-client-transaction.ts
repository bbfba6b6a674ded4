/**
 * Non-INVITE client transaction — RFC 3261 §17.1.2 (Figure 6).
 *
 *   active ┬ progress:   trying ──1xx──▶ proceeding
 *          └ retransmit: sent ──(unreliable)──▶ retransmitting ⟲ Timer E
 *   active ──200-699──▶ completed ──Timer K──▶ terminated
 *   active ──Timer F / transport error──▶ terminated
 *
 * Trying and Proceeding share the two timers the request was sent with: Timer F bounds the whole
 * transaction and Timer E keeps running across the 1xx (§17.1.2.2 resets E only when it fires),
 * so both live on `active`, and E has its own region: the figure's "Timer E / send request"
 * loops on Trying and on Proceeding are the one `retransmit.retransmitting` loop.
 *
 * Pure: every effect is a named placeholder action that the running system replaces with
 * `nonInviteClientTransaction.provide({ actions })`; every timer is a named delay.
 */
import { and, assign, setup } from 'xstate';
import type { SIPRequest, SIPResponse } from '../src/sip/message.js';
import { type TimerSettings, nextCapped, timerE, timerF, timerK } from './transaction-timers.js';

export interface NonInviteClientTransactionInput {
  /** The transaction key (RFC 3261 §17.1.3). */
  id: string;
  /** The request this transaction sends (any method but INVITE and ACK). */
  request: SIPRequest;
  /** TCP, TLS, SCTP, WS: no retransmissions, Timer K is zero. */
  reliable: boolean;
  timers: TimerSettings;
}

export interface NonInviteClientTransactionContext extends NonInviteClientTransactionInput {
  /** The interval Timer E will be reset with the next time it fires. */
  e: number;
}

export type NonInviteClientTransactionEvent =
  | { type: 'response'; response: SIPResponse }
  | { type: 'transportError'; error: Error };

type Ev = NonInviteClientTransactionEvent;
const status = (e: Ev): number => (e.type === 'response' ? e.response.status : 0);

export const nonInviteClientTransaction = setup({
  types: {} as {
    context: NonInviteClientTransactionContext;
    input: NonInviteClientTransactionInput;
    events: NonInviteClientTransactionEvent;
  },
  actions: {
    /** Pass the request to the transport: the first send and every Timer E retransmission. */
    sendRequest: () => {},
    /** Pass `event.response` up to the TU. */
    passResponse: () => {},
    /** Timer F fired: tell the TU the request timed out. */
    reportTimeout: () => {},
    /** Tell the TU about `event.error`. */
    reportTransportError: () => {},
    /** Entry of Terminated: the owner stops this actor and forgets it. */
    terminate: () => {},
    backOffTimerE: assign({ e: ({ context }) => nextCapped(context.e, context.timers) }),
    slowTimerE: assign({ e: ({ context }) => context.timers.T2 }),
  },
  guards: {
    reliable: ({ context }) => context.reliable,
    unreliable: ({ context }) => !context.reliable,
    isProvisional: ({ event }) => status(event) >= 100 && status(event) < 200,
    // A 2xx to a non-INVITE is just a final response: 200-699 are handled alike.
    isFinal: ({ event }) => status(event) >= 200,
  },
  delays: {
    timerE: ({ context }) => context.e,
    timerF: ({ context }) => timerF(context.timers),
    timerK: ({ context }) => timerK(context.timers),
  },
}).createMachine({
  id: 'nict',
  context: ({ input }) => ({
    id: input.id,
    request: input.request,
    reliable: input.reliable,
    timers: input.timers,
    e: timerE(input.timers),
  }),
  initial: 'active',
  states: {
    // §17.1.2.2: "The "Trying" state is entered when the TU initiates a new client transaction
    // with a request. When entering this state, the client transaction SHOULD set timer F to
    // fire in 64*T1 seconds. The request MUST be passed to the transport layer for transmission."
    active: {
      type: 'parallel',
      entry: 'sendRequest',
      // "If Timer F fires while the client transaction is still in the "Trying" state [or in
      // "Proceeding"], the client transaction SHOULD inform the TU about the timeout, and then
      // it SHOULD enter the "Terminated" state."
      after: { timerF: { target: 'terminated', actions: 'reportTimeout' } },
      on: {
        // "If a final response (status codes 200-699) is received while in the "Trying" state
        // [or "Proceeding"], the response MUST be passed to the TU, and the client transaction
        // MUST transition to the "Completed" state." Timer K is zero on reliable transports.
        response: [
          { guard: and(['isFinal', 'reliable']), target: 'terminated', actions: 'passResponse' },
          { guard: 'isFinal', target: 'completed', actions: 'passResponse' },
        ],
        // §17.1.4 / Figure 6: "Timer F or Transport Err. / inform TU" from Trying and Proceeding.
        transportError: { target: 'terminated', actions: 'reportTransportError' },
      },
      states: {
        progress: {
          initial: 'trying',
          states: {
            // "If a provisional response is received while in the "Trying" state, the response
            // MUST be passed to the TU, and then the client transaction SHOULD move to the
            // "Proceeding" state." From then on E is reset with T2 whenever it fires.
            trying: {
              on: { response: { guard: 'isProvisional', target: 'proceeding', actions: ['passResponse', 'slowTimerE'] } },
            },
            // "If a provisional response is received while in the "Proceeding" state, it MUST
            // be passed to the TU."
            proceeding: { on: { response: { guard: 'isProvisional', actions: 'passResponse' } } },
          },
        },
        retransmit: {
          initial: 'sent',
          states: {
            // "If an unreliable transport is in use, the client transaction MUST set timer E to
            // fire in T1 seconds."
            sent: { always: { guard: 'unreliable', target: 'retransmitting' } },
            // Trying: "If timer E fires while still in this state, the timer is reset, but this
            // time with a value of MIN(2*T1, T2). When the timer fires again, it is reset to a
            // MIN(4*T1, T2)." Proceeding: "If Timer E fires while in the "Proceeding" state, the
            // request MUST be passed to the transport layer for retransmission, and Timer E MUST
            // be reset with a value of T2 seconds." (slowTimerE made `e` T2 on the 1xx.)
            retransmitting: {
              after: { timerE: { target: 'retransmitting', reenter: true, actions: ['sendRequest', 'backOffTimerE'] } },
            },
          },
        },
      },
    },
    // "The "Completed" state exists to buffer any additional response retransmissions that may
    // be received (which is why the client transaction remains there only for unreliable
    // transports). ... If Timer K fires while in this state, the client transaction MUST
    // transition to the "Terminated" state." Responses here are absorbed.
    completed: { after: { timerK: 'terminated' } },
    // "Once the transaction is in the terminated state, it MUST be destroyed immediately."
    terminated: { type: 'final', entry: 'terminate' },
  },
});
