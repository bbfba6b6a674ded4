/**
 * A subscriber — RFC 6665 §4.1 (SUBSCRIBE/NOTIFY), for any event package: message-summary,
 * presence, presence.winfo, dialog, reg.
 *
 *   idle ──start──▶ subscribing ──2xx or NOTIFY──▶ subscribed ┬ status:  waiting ─NOTIFY─▶ pending ⇄ active
 *                   │ Timer N · ⟲ 423                          └ refresh: running ─timer─▶ refreshing ─2xx─▶ running
 *                   ▼                                                (shortened by a NOTIFY; refreshing.lapsing
 *   waitingToRetry ◀── errors, Timer N, NOTIFY terminated             after a failed refresh)
 *                      (probation, giveup, no reason)
 *   subscribing ◀── NOTIFY terminated (deactivated, timeout), 481 to a refresh, lapsed refresh
 *   terminated ◀── 489, NOTIFY terminated (rejected, noresource, invariant), unsubscribing, stop
 *
 * RFC 6665 Figure 3's notify_wait is `subscribing` plus `subscribed.status.waiting`; its pending
 * and active are the `status` region of `subscribed`. Refreshing is orthogonal to pending/active,
 * so it is a second region (design: "Orthogonal concerns are parallel regions"): its timer starts
 * at the 2xx that granted the duration (or at a NOTIFY that shortened it), and each SUBSCRIBE
 * waits for its 2xx and for the NOTIFY it triggers, in either order. Timer N (64·T1) runs from
 * each SUBSCRIBE until a NOTIFY; when the 2xx comes first it runs again from the 2xx (the refresh
 * timer must start there), so a missing NOTIFY is noticed within 64·T1 of the 2xx.
 *
 * Pure: effects are named placeholder actions (`subscription.provide({ actions })`); timers are
 * named delays. Notifications are emitted as generic events (the runtime names them per event
 * package, e.g. `SIPAccountMWIDidGetSummary` for a message-summary `gotNotify`):
 *
 *   subscriptionDidStart { id, event, state }          a (new) subscription's first NOTIFY
 *   gotNotify            { id, event, state, reason?, expires?, body?, contentType? }  every NOTIFY
 *   subscriptionDidFail  { id, event, code?, reason, timeout }  the subscription failed or was
 *                        lost and will be tried again in `timeout` s (0: at once)
 *   subscriptionDidEnd   { id, event, code?, reason }  the machine ended (final)
 *
 * (XState delivers a step's emitted events after its actions have run.) The runtime sends
 * `{ type: 'response', ...responseFields(res) }` and `{ type: 'notify', ...notifyFields(req) }`
 * (below), having answered the NOTIFY itself.
 *
 * R-MSG-2: a 202 Accepted from an older notifier is a 2xx like 200 (RFC 6665 deprecates sending
 * it, not accepting it).
 */
import { and, assign, emit, not, setup } from 'xstate';
import type { SIPRequest } from '../src/sip/message.js';
import type { ResponseFields } from '../src/sip/registration-response.js';
import { DEFAULT_T1, MAX_INTERVAL_RETRIES, type RetrySettings, nextJitter, refreshDelay, retryDelay } from './registration.js';

export interface SubscriptionInput {
  id: string;
  /** The event package (Event header): message-summary, presence, presence.winfo, dialog, reg... */
  event: string;
  /** The subscription duration to request (Expires, seconds). */
  expires: number;
  /** Backoff after a failure (seconds). */
  retry: RetrySettings;
  /** T1 in ms (default 500): Timer N is 64·T1, and so is the unsubscribe limit. */
  T1?: number;
  /** Jitter PRNG seed (any 32-bit integer); default 0. */
  seed?: number;
}

export interface SubscriptionContext {
  id: string;
  event: string;
  /** The duration we ask for; raised by 423 Min-Expires. */
  expires: number;
  retry: RetrySettings;
  T1: number;
  seed: number;
  /** How long the subscription lasts from the last 2xx or shortening NOTIFY (seconds). */
  granted: number;
  /** Subscriptions lost or failed since one last lived until its refresh (the backoff exponent). */
  attempt: number;
  /** The wait of waitingToRetry (seconds). */
  retryDelay: number;
  /** 423 answers followed for the SUBSCRIBE being sent. */
  intervalRetries: number;
  /** How long the subscription still lasts when `refresh.refreshing` is entered (seconds). */
  validFor: number;
}

export type NotifyState = 'active' | 'pending' | 'terminated';

/** A NOTIFY of this subscription (the runtime has answered it 200), from `notifyFields()`. */
export interface NotifyFields {
  state: NotifyState;
  reason?: string;
  expires?: number;
  retryAfter?: number;
  body?: string;
  contentType?: string;
}

export type SubscriptionEvent =
  | { type: 'start' }
  /** Unsubscribe (SUBSCRIBE with Expires: 0) and end. */
  | { type: 'stop' }
  /** A final (or provisional) response to our SUBSCRIBE, from `responseFields()`. */
  | ({ type: 'response' } & ResponseFields)
  | ({ type: 'notify' } & NotifyFields)
  /** The SUBSCRIBE transaction timed out (Timer F) or could not be sent. */
  | { type: 'timeout' };

export type SubscriptionEmitted =
  | { type: 'subscriptionDidStart'; id: string; event: string; state: NotifyState }
  | ({ type: 'gotNotify'; id: string; event: string } & NotifyFields)
  | { type: 'subscriptionDidFail'; id: string; event: string; code?: number; reason: string; timeout: number }
  | { type: 'subscriptionDidEnd'; id: string; event: string; code?: number; reason: string };

type Ev = SubscriptionEvent;
type NotifyEvent = Extract<Ev, { type: 'notify' }>;
type ResponseEvent = Extract<Ev, { type: 'response' }>;
const notifyOf = (e: Ev): NotifyEvent | undefined => (e.type === 'notify' ? e : undefined);
const responseOf = (e: Ev): ResponseEvent | undefined => (e.type === 'response' ? e : undefined);
const status = (e: Ev): number => responseOf(e)?.status ?? 0;

/**
 * RFC 6665 §4.1.2.2: "If a SUBSCRIBE request to refresh a subscription receives a 404, 405, 410,
 * 416, 480-485, 489, 501, or 604 response, the subscriber MUST consider the subscription
 * terminated." (481 and 489 have transitions of their own.)
 */
export const REFRESH_TERMINATING = new Set([404, 405, 410, 416, 480, 481, 482, 483, 484, 485, 489, 501, 604]);

/** Why a SUBSCRIBE or a subscription failed, for subscriptionDidFail / subscriptionDidEnd. */
function failureOf(e: Ev): { code?: number; reason: string } {
  switch (e.type) {
    case 'response':
      return { code: e.status, reason: e.reason };
    case 'timeout':
      return { code: 408, reason: 'Request Timeout' };
    case 'notify':
      return { reason: e.reason ?? 'terminated' };
    default:
      return { reason: e.type };
  }
}

const notifyData = (e: NotifyEvent): NotifyFields => {
  const out: NotifyFields = { state: e.state };
  if (e.reason !== undefined) out.reason = e.reason;
  if (e.expires !== undefined) out.expires = e.expires;
  if (e.retryAfter !== undefined) out.retryAfter = e.retryAfter;
  if (e.body !== undefined) out.body = e.body;
  if (e.contentType !== undefined) out.contentType = e.contentType;
  return out;
};

// RFC 6665 §4.1.3, a NOTIFY with "terminated": what the reason asks of the subscriber. Shared by
// `subscribing` (the NOTIFY may come before or after the 2xx) and `subscribed`.
const onTerminated = [
  // deactivated: "the subscriber SHOULD retry immediately with a new subscription"; timeout:
  // "Clients MAY re-subscribe immediately." At once the first time, and again only
  // once a subscription has lived until its refresh: a notifier that ends every new subscription
  // straight away gets the backoff instead of a tight loop.
  {
    guard: and(['isTerminated', 'asksResubscribe', 'firstLoss']),
    target: '#subscription.subscribing',
    reenter: true,
    actions: ['notifyGotNotify', 'countLoss', 'notifyFailedAtOnce'],
  },
  // "rejected", "noresource", "invariant": "Clients SHOULD NOT attempt to re-subscribe."
  { guard: and(['isTerminated', 'isFinalReason']), target: '#subscription.terminated', actions: ['notifyGotNotify', 'notifyEnded'] },
  // probation, giveup, an unknown reason or none: re-subscribe later; with a retry-after, "the
  // client SHOULD wait at least the number of seconds specified by that parameter before
  // attempting to re-subscribe" (without one, after the backoff).
  { guard: 'isTerminated', target: '#subscription.waitingToRetry', actions: ['notifyGotNotify', 'scheduleRetry', 'notifyFailed'] },
] as const;

// Failures of a SUBSCRIBE in flight in `subscribed` (RFC 6665 §4.1.2.2).
const onRefreshResponse = [
  { guard: 'canRaiseInterval', target: '#subscription.subscribed.refresh.refreshing.inFlight', reenter: true, actions: ['raiseInterval', 'sendRefresh'] },
  // 481: the notifier no longer knows the subscription — "compose an unrelated initial SUBSCRIBE".
  { guard: 'isGone', target: '#subscription.subscribing', actions: ['countLoss', 'notifyFailedAtOnce'] },
  { guard: 'isBadEvent', target: '#subscription.terminated', actions: 'notifyEnded' },
  { guard: 'endsSubscription', target: '#subscription.waitingToRetry', actions: ['scheduleRetry', 'notifyFailed'] },
  // "If a SUBSCRIBE request to refresh a subscription fails with any error code other than those
  // listed above, the original subscription is still considered valid for the duration of the
  // most recently known "Expires" value".
  { guard: 'isFailure', target: '#subscription.subscribed.refresh.refreshing.lapsing' },
] as const;

export const subscription = setup({
  types: {} as {
    context: SubscriptionContext;
    input: SubscriptionInput;
    events: SubscriptionEvent;
    emitted: SubscriptionEmitted;
  },
  actions: {
    /** Send an initial SUBSCRIBE (new Call-ID and From tag: a new dialog) with Expires `context.expires`. */
    sendSubscribe: () => {},
    /** Send a SUBSCRIBE in the subscription's dialog with Expires `context.expires`. */
    sendRefresh: () => {},
    /** Send a SUBSCRIBE in the dialog with Expires: 0 (§4.1.2.3). */
    sendUnsubscribe: () => {},

    newSubscription: assign({ granted: ({ context }) => context.expires }),
    /** "The "Expires" header field in a 200-class response to SUBSCRIBE request indicates the actual duration" (§4.1.2.1). */
    grant: assign({ granted: ({ context, event }) => responseOf(event)?.expires ?? context.expires, intervalRetries: 0 }),
    /**
     * The refresh goes out: the subscription still lasts the refresh lead. It lasted until its
     * refresh, so the next loss may re-subscribe at once again.
     */
    refreshDue: assign({
      validFor: ({ context }) => context.granted - refreshDelay(context.granted),
      attempt: 0,
      intervalRetries: 0,
    }),
    /** The NOTIFY came before the 2xx of the initial SUBSCRIBE: the subscription lasts what it says. */
    confirmed: assign({ validFor: ({ context }) => context.granted }),
    /** A NOTIFY's expires shortens what is left (§4.1.3: "take it as the authoritative subscription duration"). */
    shorten: assign({ granted: ({ context, event }) => Math.min(context.granted, notifyOf(event)?.expires ?? Infinity) }),
    /** While lapsing, a NOTIFY's expires says how long the subscription still lasts. */
    takeNotifyExpiry: assign({ granted: ({ context, event }) => notifyOf(event)?.expires ?? context.granted }),
    raiseInterval: assign({
      expires: ({ context, event }) => responseOf(event)?.minExpires ?? context.expires,
      intervalRetries: ({ context }) => context.intervalRetries + 1,
    }),
    countLoss: assign({ attempt: ({ context }) => context.attempt + 1, intervalRetries: 0 }),
    scheduleRetry: assign(({ context, event }) => {
      const [fraction, seed] = nextJitter(context.seed);
      const attempt = context.attempt + 1;
      const retryAfter = event.type === 'response' || event.type === 'notify' ? event.retryAfter : undefined;
      return { attempt, seed, retryDelay: retryDelay(attempt, context.retry, fraction, retryAfter), intervalRetries: 0 };
    }),

    notifyStarted: emit(({ context, event }) => ({
      type: 'subscriptionDidStart' as const,
      id: context.id,
      event: context.event,
      state: notifyOf(event)?.state ?? 'active',
    })),
    notifyGotNotify: emit(({ context, event }) => ({
      type: 'gotNotify' as const,
      id: context.id,
      event: context.event,
      ...(notifyOf(event) ? notifyData(notifyOf(event)!) : { state: 'active' as const }),
    })),
    notifyFailed: emit(({ context, event }) => ({
      type: 'subscriptionDidFail' as const,
      id: context.id,
      event: context.event,
      ...failureOf(event),
      timeout: context.retryDelay,
    })),
    notifyFailedAtOnce: emit(({ context, event }) => ({
      type: 'subscriptionDidFail' as const,
      id: context.id,
      event: context.event,
      ...failureOf(event),
      timeout: 0,
    })),
    /** Timer N fired: no NOTIFY came (§4.1.2.4, §4.1.2.2). */
    notifyNoNotify: emit(({ context }) => ({
      type: 'subscriptionDidFail' as const,
      id: context.id,
      event: context.event,
      code: 408,
      reason: 'Timer N: no NOTIFY',
      timeout: context.retryDelay,
    })),
    /** The subscription outlived its last known expiry without a successful refresh. */
    notifyExpired: emit(({ context }) => ({
      type: 'subscriptionDidFail' as const,
      id: context.id,
      event: context.event,
      reason: 'expired',
      timeout: 0,
    })),
    notifyEnded: emit(({ context, event }) => ({
      type: 'subscriptionDidEnd' as const,
      id: context.id,
      event: context.event,
      ...(event.type === 'stop' ? { reason: 'stopped' } : event.type === 'response' && event.status < 300 ? { code: event.status, reason: 'unsubscribed' } : failureOf(event)),
    })),
    notifyEndedInTime: emit(({ context }) => ({
      type: 'subscriptionDidEnd' as const,
      id: context.id,
      event: context.event,
      code: 408,
      reason: 'unsubscribe timed out',
    })),
  },
  guards: {
    isSuccess: ({ event }) => status(event) >= 200 && status(event) < 300,
    isFailure: ({ event }) => status(event) >= 300,
    isFinal: ({ event }) => status(event) >= 200,
    canRaiseInterval: ({ context, event }) => {
      const r = responseOf(event);
      return r?.status === 423 && r.minExpires !== undefined && r.minExpires > context.expires && context.intervalRetries < MAX_INTERVAL_RETRIES;
    },
    isGone: ({ event }) => status(event) === 481,
    isBadEvent: ({ event }) => status(event) === 489,
    endsSubscription: ({ event }) => REFRESH_TERMINATING.has(status(event)),
    isActive: ({ event }) => notifyOf(event)?.state === 'active',
    isPending: ({ event }) => notifyOf(event)?.state === 'pending',
    isTerminated: ({ event }) => notifyOf(event)?.state === 'terminated',
    asksResubscribe: ({ event }) => ['deactivated', 'timeout'].includes(notifyOf(event)?.reason ?? ''),
    isFinalReason: ({ event }) => ['rejected', 'noresource', 'invariant'].includes(notifyOf(event)?.reason ?? ''),
    firstLoss: ({ context }) => context.attempt === 0,
    /** A NOTIFY (not terminated) whose expires is shorter than what the refresh timer assumes. */
    shortens: ({ context, event }) => {
      const n = notifyOf(event);
      return n !== undefined && n.state !== 'terminated' && n.expires !== undefined && n.expires < context.granted;
    },
    tellsExpiry: ({ event }) => {
      const n = notifyOf(event);
      return n !== undefined && n.state !== 'terminated' && n.expires !== undefined;
    },
  },
  delays: {
    refreshInterval: ({ context }) => Math.round(refreshDelay(context.granted) * 1000),
    /** What is left of the subscription while a SUBSCRIBE is out (context.validFor). */
    lapseInterval: ({ context }) => Math.round(context.validFor * 1000),
    retryInterval: ({ context }) => Math.round(context.retryDelay * 1000),
    /** Timer N (RFC 6665 §4.1.2.4): 64·T1. */
    timerN: ({ context }) => 64 * context.T1,
    unsubscribeLimit: ({ context }) => 64 * context.T1,
  },
}).createMachine({
  id: 'subscription',
  context: ({ input }) => ({
    id: input.id,
    event: input.event,
    expires: input.expires,
    retry: input.retry,
    T1: input.T1 ?? DEFAULT_T1,
    seed: (input.seed ?? 0) >>> 0,
    granted: input.expires,
    attempt: 0,
    retryDelay: 0,
    intervalRetries: 0,
    validFor: input.expires,
  }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        start: 'subscribing',
        stop: { target: 'terminated', actions: 'notifyEnded' },
      },
    },

    // Figure 3's notify_wait, until the 2xx or the first NOTIFY. §4.1.2.4: "To ensure that
    // subscribers do not wait indefinitely for a subscription to be established, a subscriber
    // starts a Timer N, set to 64*T1, when it sends a SUBSCRIBE request. If this Timer N expires
    // prior to the receipt of a NOTIFY request, the subscriber considers the subscription failed".
    subscribing: {
      entry: ['newSubscription', 'sendSubscribe'],
      after: { timerN: { target: 'waitingToRetry', actions: ['scheduleRetry', 'notifyNoNotify'] } },
      on: {
        response: [
          // 200, and 202 from older notifiers (R-MSG-2). §4.1.2.1: "The "Expires" header field in
          // a 200-class response to SUBSCRIBE request indicates the actual duration for which the
          // subscription will remain active (unless refreshed)": the refresh timer starts here,
          // and the NOTIFY is still owed.
          {
            guard: 'isSuccess',
            target: ['#subscription.subscribed.status.waiting', '#subscription.subscribed.refresh.running'],
            actions: 'grant',
          },
          // §4.1.2.1: "If the duration specified in a SUBSCRIBE request is unacceptably short,
          // the notifier may be able to send a 423 response" — ask again with Min-Expires.
          { guard: 'canRaiseInterval', target: 'subscribing', reenter: true, actions: 'raiseInterval' },
          // 489 Bad Event: the notifier does not support the package; asking again is useless.
          { guard: 'isBadEvent', target: 'terminated', actions: 'notifyEnded' },
          // "SUBSCRIBE failure response" (Figure 3): try again later, after any Retry-After.
          { guard: 'isFailure', target: 'waitingToRetry', actions: ['scheduleRetry', 'notifyFailed'] },
        ],
        timeout: { target: 'waitingToRetry', actions: ['scheduleRetry', 'notifyFailed'] },
        notify: [
          // §4.1.2.4: "Due to the potential for out-of-order messages, packet loss, and forking,
          // the subscriber MUST be prepared to receive NOTIFY requests before the SUBSCRIBE
          // transaction has completed": the NOTIFY confirms the subscription; its 2xx is still
          // awaited in refresh.refreshing.inFlight.notified.
          {
            guard: 'isActive',
            target: ['#subscription.subscribed.status.active', '#subscription.subscribed.refresh.refreshing.inFlight.notified'],
            actions: ['shorten', 'confirmed', 'notifyGotNotify', 'notifyStarted'],
          },
          {
            guard: 'isPending',
            target: ['#subscription.subscribed.status.pending', '#subscription.subscribed.refresh.refreshing.inFlight.notified'],
            actions: ['shorten', 'confirmed', 'notifyGotNotify', 'notifyStarted'],
          },
          ...onTerminated,
        ],
        // No 2xx and no NOTIFY yet: nothing to unsubscribe in until one of them comes.
        stop: '#subscription.unsubscribing.draining',
      },
    },

    subscribed: {
      type: 'parallel',
      on: {
        notify: [...onTerminated],
        stop: '#subscription.unsubscribing.sending',
      },
      states: {
        // §4.1.3: "If the "Subscription-State" header field value is "active", it means that the
        // subscription has been accepted and (in general) has been authorized. ... If the
        // "Subscription-State" value is "pending", the subscription has been received by the
        // notifier, but there is insufficient policy information to grant or deny". `waiting`:
        // accepted by a 2xx, no NOTIFY yet.
        status: {
          initial: 'waiting',
          states: {
            waiting: {
              on: {
                notify: [
                  { guard: 'isActive', target: 'active', actions: ['notifyGotNotify', 'notifyStarted'] },
                  { guard: 'isPending', target: 'pending', actions: ['notifyGotNotify', 'notifyStarted'] },
                ],
              },
            },
            pending: {
              on: {
                notify: [
                  { guard: 'isActive', target: 'active', actions: 'notifyGotNotify' },
                  { guard: 'isPending', actions: 'notifyGotNotify' },
                ],
              },
            },
            active: {
              on: {
                notify: [
                  { guard: 'isPending', target: 'pending', actions: 'notifyGotNotify' },
                  { guard: 'isActive', actions: 'notifyGotNotify' },
                ],
              },
            },
          },
        },
        refresh: {
          initial: 'running',
          states: {
            // The duration the last 2xx granted is running. §4.1.2.2: "At any time before a
            // subscription expires, the subscriber may refresh the timer on such a subscription by
            // sending another SUBSCRIBE request on the same dialog as the existing subscription."
            // `owed`: the 2xx came before its NOTIFY, which Timer N still waits for.
            running: {
              after: { refreshInterval: { target: 'refreshing', actions: ['refreshDue', 'sendRefresh'] } },
              initial: 'owed',
              on: { notify: { guard: 'shortens', target: 'shortened', actions: 'shorten' } },
              states: {
                owed: {
                  after: { timerN: { target: '#subscription.waitingToRetry', actions: ['scheduleRetry', 'notifyNoNotify'] } },
                  on: {
                    notify: [
                      { guard: 'shortens', target: '#subscription.subscribed.refresh.shortened', actions: 'shorten' },
                      { guard: not('isTerminated'), target: 'settled' },
                    ],
                  },
                },
                settled: {},
              },
            },
            // A NOTIFY said the subscription ends sooner (§4.1.3: "the subscriber SHOULD take it
            // as the authoritative subscription duration"): refresh by then.
            shortened: {
              after: { refreshInterval: { target: 'refreshing', actions: ['refreshDue', 'sendRefresh'] } },
              on: { notify: { guard: 'shortens', target: 'shortened', reenter: true, actions: 'shorten' } },
            },
            // A SUBSCRIBE refreshes the subscription (or is the initial one, its NOTIFY come
            // first). Whatever happens to it, the subscription itself lasts only until the end of
            // the duration last granted: the lead left when the refresh went out (or, for the
            // initial one, the duration the NOTIFY confirmed).
            refreshing: {
              after: { lapseInterval: { target: '#subscription.subscribing', actions: ['countLoss', 'notifyExpired'] } },
              initial: 'inFlight',
              states: {
                // §4.1.2.2: "When refreshing a subscription, a subscriber starts Timer N, set to
                // 64*T1, when it sends the SUBSCRIBE request. If this Timer N expires prior to the
                // receipt of a NOTIFY request, the subscriber considers the subscription terminated."
                inFlight: {
                  initial: 'sent',
                  on: { response: [...onRefreshResponse], timeout: 'lapsing' },
                  states: {
                    sent: {
                      after: { timerN: { target: '#subscription.waitingToRetry', actions: ['scheduleRetry', 'notifyNoNotify'] } },
                      on: {
                        response: { guard: 'isSuccess', target: '#subscription.subscribed.refresh.running', actions: 'grant' },
                        notify: { guard: not('isTerminated'), target: 'notified', actions: 'shorten' },
                      },
                    },
                    notified: {
                      on: { response: { guard: 'isSuccess', target: '#subscription.subscribed.refresh.running.settled', actions: 'grant' } },
                    },
                  },
                },
                // "If a SUBSCRIBE request to refresh a subscription fails with any error code other
                // than those listed above, the original subscription is still considered valid for
                // the duration of the most recently known "Expires" value as negotiated by the most
                // recent successful SUBSCRIBE transaction, or as communicated by a NOTIFY request in
                // its "Subscription-State" header field "expires" parameter." A NOTIFY stating its
                // expiry gives the refresh another chance; otherwise it starts afresh when it lapses.
                lapsing: {
                  on: { notify: { guard: 'tellsExpiry', target: '#subscription.subscribed.refresh.shortened', actions: 'takeNotifyExpiry' } },
                },
              },
            },
          },
        },
      },
    },

    waitingToRetry: {
      after: { retryInterval: 'subscribing' },
      on: { stop: { target: 'terminated', actions: 'notifyEnded' } },
    },

    // §4.1.2.3: "Unsubscribing is handled in the same way as refreshing of a subscription, with
    // the "Expires" header field set to "0"." The machine ends within 64·T1 whatever happens.
    unsubscribing: {
      initial: 'sending',
      after: { unsubscribeLimit: { target: 'terminated', actions: 'notifyEndedInTime' } },
      on: { notify: { guard: 'isTerminated', target: 'terminated', actions: ['notifyGotNotify', 'notifyEnded'] } },
      states: {
        // Stopped before the 2xx and the first NOTIFY: either brings the dialog to unsubscribe in.
        draining: {
          on: {
            notify: { guard: not('isTerminated'), target: 'sending', actions: 'notifyGotNotify' },
            response: [
              { guard: 'isSuccess', target: 'sending' },
              { guard: 'isFailure', target: '#subscription.terminated', actions: 'notifyEnded' },
            ],
            timeout: { target: '#subscription.terminated', actions: 'notifyEnded' },
          },
        },
        sending: {
          entry: 'sendUnsubscribe',
          on: {
            // "a successful unsubscription will also trigger a final NOTIFY request": the runtime
            // answers it after the machine has ended.
            response: { guard: 'isFinal', target: '#subscription.terminated', actions: 'notifyEnded' },
            timeout: { target: '#subscription.terminated', actions: 'notifyEnded' },
            notify: { guard: not('isTerminated'), actions: 'notifyGotNotify' },
          },
        },
      },
    },

    terminated: { type: 'final' },
  },
});

// ---------------------------------------------------------------------------------------------
// Event data from messages (pure; the runtime sends `{ type: 'notify', ...notifyFields(req) }`).

const isNotifyState = (s: string): s is NotifyState => s === 'active' || s === 'pending' || s === 'terminated';

/**
 * The `notify` event data of a NOTIFY, or undefined when it has no usable Subscription-State
 * (RFC 6665 §4.1.3: NOTIFY requests "MUST contain Subscription-State header fields"; the runtime
 * answers such a NOTIFY 400 and does not pass it on). A substate-value other than active,
 * pending and terminated is refused the same way.
 */
export function notifyFields(request: SIPRequest): NotifyFields | undefined {
  let ss;
  try {
    ss = request.header('subscription-state');
  } catch {
    return undefined;
  }
  if (!ss || !isNotifyState(ss.state)) return undefined;
  const out: NotifyFields = { state: ss.state };
  if (ss.reason !== undefined) out.reason = ss.reason;
  // §4.1.3: "The "expires" parameter has no semantics for "terminated" ... subscribers MUST ignore
  // any such parameter, if present."
  if (ss.expires !== undefined && ss.state !== 'terminated') out.expires = ss.expires;
  if (ss.retryAfter !== undefined) out.retryAfter = ss.retryAfter;
  if (request.body.length) {
    out.body = request.body.toString('utf8');
    const type = request.mimeType;
    if (type) out.contentType = type;
  }
  return out;
}
