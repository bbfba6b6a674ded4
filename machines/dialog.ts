/**
 * The dialog — RFC 3261 §12, with the dialog usages of RFC 5057.
 *
 *   early ──confirm (2xx)──▶ confirmed
 *     │ fail (non-2xx final to the INVITE)            │
 *     │ terminate · BYE or removeUsage ending the      │ terminate · BYE or removeUsage ending the
 *     ▼            last usage                          ▼            last usage
 *   terminated ◀───────────────────────────────────────┘
 *
 * One actor per dialog: a forked INVITE gets one early dialog (one actor) per To tag. The
 * context is the DialogState of src/sip/dialog-state.ts, flat, plus our side and the usages
 * sharing the dialog, so `snapshot.context` can be handed to `buildInDialogRequest` as it is.
 *
 * Requests are built outside the machine (pure functions in src/sip/dialog-state.ts); the owner
 * sends `send` when it sends a request so the machine's local sequence number follows. Early
 * dialogs have no timer here: the INVITE transaction's Timer B (or a proxy's Timer C) ends them
 * with a 408 that the owner turns into `fail`.
 *
 * Usages (RFC 5057 §4): an INVITE creates the `invite` usage; a SUBSCRIBE or REFER in the dialog
 * adds a subscription usage (the owner names it, e.g. `subscribe:refer;id=93`). RFC 5057 §5.5:
 * each usage ends by its own means — BYE ends the invite usage (and only it), a NOTIFY with
 * `Subscription-State: terminated` or an expiry ends a subscription — and the dialog ends with
 * its last usage. So a BYE received here removes `invite`; the dialog terminates only when no
 * other usage remains, and otherwise stays confirmed for the subscriptions (the REFER's NOTIFYs
 * after a transfer, RFC 5057 §3.1). A BYE we send is the owner's: it removes the `invite` usage
 * when the BYE transaction ends (§15.1.1 needs the dialog for a challenged BYE's retry). A 481
 * (or a timeout, §12.2.1.2) to a request in the dialog destroys the whole dialog: the owner sends
 * `terminate` (RFC 5057 §5.1 lists which responses end only a usage).
 *
 * Pure: every effect is a named placeholder action provided with `dialog.provide({ actions })`.
 */
import { assign, not, setup } from 'xstate';
import type { SIPRequest, SIPResponse } from '../src/sip/message.js';
import {
  type DialogSide,
  type DialogState,
  applyTargetRefresh,
  checkRemoteSeq,
  confirmUacState,
  nextLocalSeq,
  takesNewCSeq,
} from '../src/sip/dialog-state.js';

/** The usage an INVITE creates (RFC 5057 §4.1); BYE ends it. */
export const INVITE_USAGE = 'invite';

export interface DialogInput {
  /** From `uacDialogState` or `uasDialogState`. */
  state: DialogState;
  /** 'uac' for a dialog our request created, 'uas' for one our response created. */
  side: DialogSide;
  /** The usages the dialog starts with; default `['invite']`. */
  usages?: readonly string[];
}

export interface DialogContext extends DialogState {
  side: DialogSide;
  /** RFC 5057: the usages sharing this dialog; never empty while the dialog lives. */
  usages: readonly string[];
}

export type DialogEvent =
  /** A 2xx: for the INVITE that created the early dialog (`response` at the UAC side), or our own 2xx (UAS). A dialog created by a 2xx is started and confirmed at once, without `response`. */
  | { type: 'confirm'; response?: SIPResponse }
  /** A non-2xx final response (or a timeout) for the INVITE while the dialog is early. */
  | { type: 'fail' }
  /** A request received in the dialog (matched by `dialogIdOf`). */
  | { type: 'request'; request: SIPRequest }
  /** A 2xx to a target refresh we sent in the dialog (re-INVITE, UPDATE...). */
  | { type: 'refresh'; message: SIPRequest | SIPResponse }
  /** We sent a request of `method` in the dialog (built with `buildInDialogRequest`). */
  | { type: 'send'; method: string }
  | { type: 'addUsage'; usage: string }
  | { type: 'removeUsage'; usage: string }
  /** End the dialog now, whatever its usages (481, 408, owner shutting down). */
  | { type: 'terminate' };

type Ev = DialogEvent;
const requestOf = (e: Ev): SIPRequest | undefined => (e.type === 'request' ? e.request : undefined);
const isBye = (e: Ev): boolean => requestOf(e)?.method === 'BYE';
const only = (usages: readonly string[], usage: string): boolean => usages.length === 1 && usages[0] === usage;

export const dialog = setup({
  types: {} as {
    context: DialogContext;
    input: DialogInput;
    events: DialogEvent;
  },
  actions: {
    /** Hand `event.request` to the dialog's user (session, subscription...). */
    passRequest: () => {},
    /** §12.2.2: answer `event.request` with 500 (Server Internal Error): its CSeq is out of order. */
    rejectOutOfOrder: () => {},
    /** Entry of Terminated: the owner stops this actor and forgets the dialog ID. */
    terminate: () => {},
    /** §12.2.2: remote sequence number and, for a target refresh request, remote target. */
    acceptRequest: assign(({ context, event }) => {
      const request = requestOf(event);
      if (!request) return {};
      const checked = checkRemoteSeq(context, request);
      if (!checked.ok) return {};
      const next = applyTargetRefresh(checked.state, request);
      return { remoteSeq: next.remoteSeq, remoteTarget: next.remoteTarget };
    }),
    /** §13.2.2.4: route set and remote target recomputed from the 2xx (UAC). */
    recomputeFromResponse: assign(({ context, event }) => {
      if (event.type !== 'confirm' || !event.response) return {};
      const next = confirmUacState(context, event.response);
      return { routeSet: next.routeSet, remoteTarget: next.remoteTarget };
    }),
    /** §12.2.1.2: remote target from the Contact of a 2xx to our target refresh. */
    refreshTarget: assign(({ context, event }) => {
      if (event.type !== 'refresh') return {};
      return { remoteTarget: applyTargetRefresh(context, event.message).remoteTarget };
    }),
    /** §12.2.1.1: the local sequence number a new request used. */
    nextLocalSeq: assign({ localSeq: ({ context }) => nextLocalSeq(context) }),
    /** RFC 5057 §5.5: BYE ends the invite usage. */
    endInviteUsage: assign({ usages: ({ context }) => context.usages.filter((u) => u !== INVITE_USAGE) }),
    recordUsage: assign({
      usages: ({ context, event }) =>
        event.type === 'addUsage' && !context.usages.includes(event.usage) ? [...context.usages, event.usage] : context.usages,
    }),
    forgetUsage: assign({
      usages: ({ context, event }) => (event.type === 'removeUsage' ? context.usages.filter((u) => u !== event.usage) : context.usages),
    }),
  },
  guards: {
    /** The 2xx confirming a dialog we created (UAC): its route set counts, §13.2.2.4. */
    uacResponse: ({ context, event }) => context.side === 'uac' && event.type === 'confirm' && event.response !== undefined,
    /** §12.2.2: not lower than the remote sequence number (or that is empty; ACK/CANCEL always). */
    inOrder: ({ context, event }) => {
      const request = requestOf(event);
      return request !== undefined && checkRemoteSeq(context, request).ok;
    },
    isBye: ({ event }) => isBye(event),
    /** A BYE in a dialog whose only usage is the invite usage. */
    byeEndsLastUsage: ({ context, event }) => isBye(event) && only(context.usages, INVITE_USAGE),
    /** ACK and CANCEL reuse the number of their request. */
    takesNewCSeq: ({ event }) => event.type === 'send' && takesNewCSeq(event.method),
    /** RFC 5057 §4: removing the last usage destroys the dialog. */
    isLastUsage: ({ context, event }) => event.type === 'removeUsage' && only(context.usages, event.usage),
  },
}).createMachine({
  id: 'dialog',
  context: ({ input }) => ({
    ...input.state,
    side: input.side,
    usages: input.usages && input.usages.length > 0 ? [...input.usages] : [INVITE_USAGE],
  }),
  initial: 'early',
  states: {
    // §12.1: "A dialog established by a non-final response to a request is in the "early" state
    // and it is called an early dialog." §12: it may "transition to the "confirmed" state when a
    // 2xx final response arrives. For other responses, or if no response arrives at all on that
    // dialog, the early dialog terminates." Each 1xx with its own To tag to a forked INVITE is
    // its own early dialog (§13.2.2.4).
    early: {
      on: {
        // §13.2.2.4: "If the dialog identifier in the 2xx response matches the dialog identifier
        // of an existing dialog, the dialog MUST be transitioned to the "confirmed" state, and the
        // route set for the dialog MUST be recomputed based on the 2xx response". At the UAS the
        // 2xx is our own and carries the request's Record-Route: nothing to recompute.
        confirm: [
          { guard: 'uacResponse', target: 'confirmed', actions: 'recomputeFromResponse' },
          { target: 'confirmed' },
        ],
        // §12.3: "Independent of the method, if a request outside of a dialog generates a non-2xx
        // final response, any early dialogs created through provisional responses to that request
        // are terminated."
        fail: 'terminated',
        // §12.2.2 (requests in an early dialog are processed the same way: UPDATE, PRACK, INFO,
        // and the caller's BYE, §15: "The caller's UA MAY send a BYE for either confirmed or early
        // dialogs").
        //
        // "If the remote sequence number was not empty, but the sequence number of the request is
        // lower than the remote sequence number, the request is out of order and MUST be rejected
        // with a 500 (Server Internal Error) response."
        request: [
          { guard: not('inOrder'), actions: 'rejectOutOfOrder' },
          // RFC 5057 §5.5: BYE ends the invite usage; with it the last usage goes, and the dialog.
          { guard: 'byeEndsLastUsage', target: 'terminated', actions: ['acceptRequest', 'passRequest'] },
          // ... while other usages (subscriptions) keep the dialog alive.
          { guard: 'isBye', actions: ['acceptRequest', 'passRequest', 'endInviteUsage'] },
          // "When a UAS receives a target refresh request, it MUST replace the dialog's remote
          // target URI with the URI from the Contact header field in that request, if present."
          { actions: ['acceptRequest', 'passRequest'] },
        ],
        // §12.2.1.2: "When a UAC receives a 2xx response to a target refresh request, it MUST
        // replace the dialog's remote target URI with the URI from the Contact header field in
        // that response, if present."
        refresh: { actions: 'refreshTarget' },
        // §12.2.1.1: "if the local sequence number is not empty, the value of the local sequence
        // number MUST be incremented by one, and this value MUST be placed into the CSeq header
        // field" (ACK and CANCEL excepted).
        send: { guard: 'takesNewCSeq', actions: 'nextLocalSeq' },
        addUsage: { actions: 'recordUsage' },
        // RFC 5057 §4: a dialog lasts as long as any of its usages.
        removeUsage: [{ guard: 'isLastUsage', target: 'terminated' }, { actions: 'forgetUsage' }],
        terminate: 'terminated',
      },
    },
    // Everything an early dialog does (same RFC text as there), except being confirmed again (a
    // retransmitted 2xx is re-ACKed by the owner and changes nothing) or failed (no final
    // response can follow a 2xx).
    confirmed: {
      on: {
        request: [
          { guard: not('inOrder'), actions: 'rejectOutOfOrder' },
          { guard: 'byeEndsLastUsage', target: 'terminated', actions: ['acceptRequest', 'passRequest'] },
          { guard: 'isBye', actions: ['acceptRequest', 'passRequest', 'endInviteUsage'] },
          { actions: ['acceptRequest', 'passRequest'] },
        ],
        refresh: { actions: 'refreshTarget' },
        send: { guard: 'takesNewCSeq', actions: 'nextLocalSeq' },
        addUsage: { actions: 'recordUsage' },
        removeUsage: [{ guard: 'isLastUsage', target: 'terminated' }, { actions: 'forgetUsage' }],
        terminate: 'terminated',
      },
    },
    terminated: { type: 'final', entry: 'terminate' },
  },
});
