/**
 * An account's registration — RFC 3261 §10.2, with RFC 3263 §4.3 failover (RFC 5626 not used).
 *
 *   idle ──start──▶ registering ──2xx──▶ registered ──refresh timer / network change──▶ registering
 *                    │  ⟲ 423 with a higher Min-Expires (at most 3 in a row)   │ stop
 *                    │  ⟲ timeout / 503 / transport error: next route           ▼
 *                    │  all routes failed, other errors, credentials rejected  unregistering ──▶ stopped
 *                    ▼                                                          ▲ (bounded by 64·T1)
 *                 waitingToRetry ──backoff timer / network change──▶ registering
 *
 * Pure: every effect is a named placeholder action the runtime provides with
 * `registration.provide({ actions })`; every timer is a named delay computed from the context.
 *
 * Notifications: the machine `emit`s the Middleware API's notifications (§6.2) with their names
 * and data fields; the runtime forwards each emitted event to the NotificationCenter (adding
 * `timestamp`, and, where it has them, its own objects):
 *
 *   SIPAccountWillRegister             {}                                   on start
 *   SIPAccountRegistrationWillRefresh  {}                                   before each refresh
 *   SIPAccountRegistrationGotAnswer    { code, reason, registration, registrar }  every response
 *   SIPAccountRegistrationDidSucceed   { contact_header, contact_header_list, expires, registrar }
 *   SIPAccountRegistrationDidFail      { error, timeout }  timeout: seconds until the next try
 *   SIPAccountRegistrationDidEnd       { registration }                     unregistered (2xx)
 *   SIPAccountRegistrationDidNotEnd    { code, reason, registration }       unregister failed
 *
 * `registration` is this machine's `id` and `registrar` the index of the route in the RFC 3263
 * list the runtime resolved (the runtime may replace both by its Registration and Route objects).
 * XState delivers a step's emitted events after the step's actions have run: a WillRefresh is
 * observed just after its REGISTER was handed to `sendRegister`, in the same tick.
 *
 * Failover is the machine's: the runtime sends each REGISTER to route `context.route` only (not
 * through a user-agent layer that fails over by itself) and reports timeouts, transport errors
 * and 503s as they are, so that the machine moves along the list and knows which route holds the
 * binding.
 *
 * The runtime turns each response to our REGISTER into a `response` event with
 * `registrationResponse()` (src/sip/registration-response.ts): `expires` is the expiry granted to
 * our binding (§10.2.4). 401/407 never reach the machine: the digest layer answers them, and only
 * when it gives up does the runtime send `credentialsRejected`. A transaction timeout (Timer F) is
 * `timeout`, a transport failure `transportError`.
 */
import { and, assign, emit, or, setup } from 'xstate';
import type { RegistrationResponseFields } from '../src/sip/registration-response.js';

// ---------------------------------------------------------------------------------------------
// Timing — pure functions, in seconds (the delays below turn them into milliseconds).

/** Backoff bounds after a failure (seconds). */
export interface RetrySettings {
  min: number;
  max: number;
}

/** The least a refresh is sent before expiry (seconds), unless that is more than half of it. */
export const REFRESH_MARGIN = 10;
/** Retry-After is honoured up to this many seconds (a hostile value cannot park us for 136 years). */
export const MAX_RETRY_AFTER = 3600;
/** Backoff never goes below one second, whatever `retry.min` says: no tight retry loops. */
export const MIN_RETRY = 1;
/** At most this many 423 answers are followed within one attempt (§10.2.8), each with a higher Min-Expires. */
export const MAX_INTERVAL_RETRIES = 3;
/** RFC 3261 §17.1.1.1 default T1 (ms). */
export const DEFAULT_T1 = 500;

/**
 * When to refresh a binding or subscription granted for `expires` seconds: a lead of 10 % or
 * REFRESH_MARGIN seconds, whichever is longer, but never more than half the interval — so a
 * refresh is always sent after half the interval has passed and before it ends.
 *   3600 → 3240,  600 → 540,  60 → 50,  15 → 7.5,  0 → 0.
 */
export function refreshDelay(expires: number): number {
  if (!(expires > 0)) return 0;
  const lead = Math.min(expires / 2, Math.max(expires / 10, REFRESH_MARGIN));
  return expires - lead;
}

/**
 * The wait before retry number `attempt` (1 for the first failure): exponential from `min`,
 * doubling up to `max`, and jittered upwards by `fraction` ∈ [0, 1) within [base, min(2·base, max)]
 * so that clients failing together do not retry together. Always within [max(min, 1), max].
 */
export function backoffDelay(attempt: number, retry: RetrySettings, fraction: number): number {
  const min = Math.max(MIN_RETRY, retry.min);
  const max = Math.max(min, retry.max);
  const base = Math.min(max, min * 2 ** Math.max(0, Math.min(attempt, 64) - 1));
  const top = Math.min(max, 2 * base);
  const f = fraction >= 0 && fraction < 1 ? fraction : 0;
  return base + (top - base) * f;
}

/**
 * The backoff, but not before the peer's Retry-After (RFC 3261 §20.33), capped at MAX_RETRY_AFTER;
 * in seconds rounded to the millisecond the timer can keep.
 */
export function retryDelay(attempt: number, retry: RetrySettings, fraction: number, retryAfter?: number): number {
  const backoff = backoffDelay(attempt, retry, fraction);
  const wait = retryAfter !== undefined && retryAfter > 0 ? Math.max(backoff, Math.min(retryAfter, MAX_RETRY_AFTER)) : backoff;
  return Math.round(wait * 1000) / 1000;
}

/**
 * The jitter source: mulberry32, a 32-bit PRNG, so the machine needs no Math.random. Given the
 * seed in the context it returns a fraction in [0, 1) and the next seed. The runtime seeds each
 * machine differently (input `seed`); tests pick theirs.
 */
export function nextJitter(seed: number): [fraction: number, next: number] {
  const next = (seed + 0x6d2b79f5) >>> 0;
  let r = Math.imul(next ^ (next >>> 15), next | 1);
  r ^= r + Math.imul(r ^ (r >>> 7), r | 61);
  return [((r ^ (r >>> 14)) >>> 0) / 4294967296, next];
}

// ---------------------------------------------------------------------------------------------
// Types.

export interface RegistrationInput {
  id: string;
  /** The registration interval to request (Expires, seconds). */
  expires: number;
  /** How many registrar routes the RFC 3263 lookup returned (failover order); at least 1. */
  routes: number;
  /** Backoff after a failure (seconds). */
  retry: RetrySettings;
  /** Jitter PRNG seed (any 32-bit integer); default 0. */
  seed?: number;
  /** T1 in ms (default 500): unregistering ends within 64·T1 whatever happens. */
  T1?: number;
}

export interface RegistrationContext {
  id: string;
  /** The interval we ask for; raised by 423 Min-Expires (§10.2.8) and kept from then on. */
  expires: number;
  routes: number;
  retry: RetrySettings;
  seed: number;
  T1: number;
  /** The route (index in the RFC 3263 list) of the REGISTER in flight, or of our binding. */
  route: number;
  /** The interval the registrar granted our binding (seconds). */
  granted: number;
  /** Failed attempts since the last success (the backoff exponent). */
  attempt: number;
  /** The wait of waitingToRetry (seconds). */
  retryDelay: number;
  /** 423 answers followed in this attempt. */
  intervalRetries: number;
  /** A REGISTER of ours has succeeded: there may be a binding to remove on stop. */
  bound: boolean;
  /** Why the last attempt failed. */
  error: string | undefined;
}

export type RegistrationResponseEvent = { type: 'response' } & RegistrationResponseFields;

export type RegistrationEvent =
  | { type: 'start' }
  /** Unregister (REGISTER with Expires: 0) and end: account deactivated or application stopping. */
  | { type: 'stop' }
  | RegistrationResponseEvent
  /** The REGISTER transaction timed out (Timer F). */
  | { type: 'timeout' }
  | { type: 'transportError'; error?: string }
  /** The local address changed, or the connection the binding lives on was lost: re-register now. */
  | { type: 'networkChanged' }
  | { type: 'transportLost' }
  /** The digest layer gave up (wrong credentials, or a challenge it cannot answer). */
  | { type: 'credentialsRejected'; status?: number; reason?: string };

export type RegistrationEmitted =
  | { type: 'SIPAccountWillRegister' }
  | { type: 'SIPAccountRegistrationWillRefresh' }
  | {
      type: 'SIPAccountRegistrationDidSucceed';
      contact_header: string | undefined;
      contact_header_list: string[];
      expires: number;
      registrar: number;
    }
  | { type: 'SIPAccountRegistrationDidFail'; error: string; timeout: number }
  | { type: 'SIPAccountRegistrationDidEnd'; registration: string }
  | { type: 'SIPAccountRegistrationDidNotEnd'; code: number; reason: string; registration: string }
  | { type: 'SIPAccountRegistrationGotAnswer'; code: number; reason: string; registration: string; registrar: number };

type Ev = RegistrationEvent;
type Ctx = RegistrationContext;
const responseOf = (e: Ev): RegistrationResponseEvent | undefined => (e.type === 'response' ? e : undefined);
const status = (e: Ev): number => responseOf(e)?.status ?? 0;

/** The code and reason a failed REGISTER reports: its response, or what stood in for one. */
function failureOf(e: Ev): { code: number; reason: string } {
  switch (e.type) {
    case 'response':
      return { code: e.status, reason: e.reason };
    case 'timeout':
      return { code: 408, reason: 'Request Timeout' };
    case 'transportError':
      return { code: 503, reason: `Service Unavailable (transport error${e.error ? `: ${e.error}` : ''})` };
    case 'credentialsRejected':
      return { code: e.status ?? 401, reason: e.reason ?? 'Unauthorized' };
    default:
      return { code: 0, reason: e.type };
  }
}

/** The DidFail `error` text for the event that ended an attempt. */
function errorOf(c: Ctx, e: Ev): string {
  const r = responseOf(e);
  if (r && r.status >= 200 && r.status < 300) return `${r.status} ${r.reason}: the registrar did not keep our binding (expires=0)`;
  if (r?.status === 423) {
    const min =
      r.minExpires === undefined
        ? 'no Min-Expires'
        : r.minExpires <= c.expires
          ? `Min-Expires ${r.minExpires} not above the ${c.expires} s asked`
          : `${c.intervalRetries} intervals refused already`;
    return `${r.status} ${r.reason} (${min})`;
  }
  const { code, reason } = failureOf(e);
  return e.type === 'credentialsRejected' ? `${code} ${reason} (credentials rejected)` : `${code} ${reason}`;
}

// ---------------------------------------------------------------------------------------------
// The machine.

export const registration = setup({
  types: {} as {
    context: RegistrationContext;
    input: RegistrationInput;
    events: RegistrationEvent;
    emitted: RegistrationEmitted;
  },
  actions: {
    /** Send REGISTER to route `context.route` with Expires `context.expires` (same Call-ID, next CSeq). */
    sendRegister: () => {},
    /** Send REGISTER with Expires: 0 for our Contact to route `context.route` (§10.2.2). */
    sendUnregister: () => {},

    firstRoute: assign({ route: 0, intervalRetries: 0 }),
    nextRoute: assign({ route: ({ context }) => context.route + 1 }),
    raiseInterval: assign({
      expires: ({ context, event }) => responseOf(event)?.minExpires ?? context.expires,
      intervalRetries: ({ context }) => context.intervalRetries + 1,
    }),
    acceptBinding: assign({
      granted: ({ context, event }) => responseOf(event)?.expires ?? context.expires,
      bound: true,
      attempt: 0,
      intervalRetries: 0,
      error: undefined,
    }),
    scheduleRetry: assign(({ context, event }) => {
      const [fraction, seed] = nextJitter(context.seed);
      const attempt = context.attempt + 1;
      return {
        attempt,
        seed,
        retryDelay: retryDelay(attempt, context.retry, fraction, responseOf(event)?.retryAfter),
        error: errorOf(context, event),
        route: 0,
        intervalRetries: 0,
      };
    }),

    notifyWillRegister: emit({ type: 'SIPAccountWillRegister' as const }),
    notifyWillRefresh: emit({ type: 'SIPAccountRegistrationWillRefresh' as const }),
    notifyGotAnswer: emit(({ context, event }) => ({
      type: 'SIPAccountRegistrationGotAnswer' as const,
      code: status(event),
      reason: responseOf(event)?.reason ?? '',
      registration: context.id,
      registrar: context.route,
    })),
    notifySucceeded: emit(({ context, event }) => ({
      type: 'SIPAccountRegistrationDidSucceed' as const,
      contact_header: responseOf(event)?.contact,
      contact_header_list: responseOf(event)?.contacts ?? [],
      expires: context.granted,
      registrar: context.route,
    })),
    notifyFailed: emit(({ context }) => ({
      type: 'SIPAccountRegistrationDidFail' as const,
      error: context.error ?? 'unknown error',
      timeout: context.retryDelay,
    })),
    notifyEnded: emit(({ context }) => ({ type: 'SIPAccountRegistrationDidEnd' as const, registration: context.id })),
    notifyNotEnded: emit(({ context, event }) => ({
      type: 'SIPAccountRegistrationDidNotEnd' as const,
      ...failureOf(event),
      registration: context.id,
    })),
    /** unregisterLimit fired: nothing answered the unregistration in 64·T1. */
    notifyNotEndedInTime: emit(({ context }) => ({
      type: 'SIPAccountRegistrationDidNotEnd' as const,
      code: 408,
      reason: 'Request Timeout',
      registration: context.id,
    })),
  },
  guards: {
    isProvisional: ({ event }) => event.type === 'response' && event.status < 200,
    isSuccess: ({ event }) => status(event) >= 200 && status(event) < 300,
    /** A 2xx that lists our binding with expires=0 did not register us. */
    bindingKept: ({ event }) => (responseOf(event)?.expires ?? 1) > 0,
    /** §10.2.8: a 423 whose Min-Expires is above what we asked, within MAX_INTERVAL_RETRIES. */
    canRaiseInterval: ({ context, event }) => {
      const r = responseOf(event);
      return r?.status === 423 && r.minExpires !== undefined && r.minExpires > context.expires && context.intervalRetries < MAX_INTERVAL_RETRIES;
    },
    /** RFC 3263 §4.3: 503 means "try the next server", like a timeout or a transport error. */
    isUnavailable: ({ event }) => status(event) === 503,
    hasNextRoute: ({ context }) => context.route + 1 < context.routes,
    bound: ({ context }) => context.bound,
  },
  delays: {
    refreshInterval: ({ context }) => Math.round(refreshDelay(context.granted) * 1000),
    retryInterval: ({ context }) => Math.round(context.retryDelay * 1000),
    unregisterLimit: ({ context }) => 64 * context.T1,
  },
}).createMachine({
  id: 'registration',
  context: ({ input }) => ({
    id: input.id,
    expires: input.expires,
    routes: Math.max(1, Math.floor(input.routes)),
    retry: input.retry,
    seed: (input.seed ?? 0) >>> 0,
    T1: input.T1 ?? DEFAULT_T1,
    route: 0,
    granted: input.expires,
    attempt: 0,
    retryDelay: 0,
    intervalRetries: 0,
    bound: false,
    error: undefined,
  }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        // Middleware API §6.2: SIPAccountWillRegister, "sent when the account is about to register
        // for the first time".
        start: { target: 'registering', actions: 'notifyWillRegister' },
        stop: 'stopped',
      },
    },

    // §10.2: "A UA MUST NOT send a new registration (that is, containing new Contact header field
    // values, as opposed to a retransmission) until it has received a final response from the
    // registrar for the previous one or the previous REGISTER request has timed out." One
    // REGISTER is in flight here; a stop waits for its outcome in unregistering.draining.
    registering: {
      entry: 'sendRegister',
      on: {
        response: [
          // SIPAccountRegistrationGotAnswer: "Sent whenever a response is received to a REGISTER".
          { guard: 'isProvisional', actions: 'notifyGotAnswer' },
          // §10.2.4: "If so, it updates the expiration time interval according to the expires
          // parameter or, if absent, the Expires field value. The UA then issues a REGISTER
          // request for each of its bindings before the expiration interval has elapsed."
          {
            guard: and(['isSuccess', 'bindingKept']),
            target: 'registered',
            actions: ['notifyGotAnswer', 'acceptBinding', 'notifySucceeded'],
          },
          // §10.2.8: "If a UA receives a 423 (Interval Too Brief) response, it MAY retry the
          // registration after making the expiration interval of all contact addresses in the
          // REGISTER request equal to or greater than the expiration interval within the
          // Min-Expires header field of the 423 (Interval Too Brief) response." A 423 that does not
          // raise the interval is a failure, and so is the (MAX_INTERVAL_RETRIES+1)th in a row.
          { guard: 'canRaiseInterval', target: 'registering', reenter: true, actions: ['notifyGotAnswer', 'raiseInterval'] },
          // RFC 3263 §4.3: a 503 moves on to the next element of the server list.
          { guard: and(['isUnavailable', 'hasNextRoute']), target: 'registering', reenter: true, actions: ['notifyGotAnswer', 'nextRoute'] },
          // Every other final response fails the attempt: retry after the backoff.
          { target: 'waitingToRetry', actions: ['notifyGotAnswer', 'scheduleRetry', 'notifyFailed'] },
        ],
        // RFC 3263 §4.3: so do a transaction timeout and a transport error; only when the list
        // is exhausted does the attempt fail.
        timeout: [
          { guard: 'hasNextRoute', target: 'registering', reenter: true, actions: 'nextRoute' },
          { target: 'waitingToRetry', actions: ['scheduleRetry', 'notifyFailed'] },
        ],
        transportError: [
          { guard: 'hasNextRoute', target: 'registering', reenter: true, actions: 'nextRoute' },
          { target: 'waitingToRetry', actions: ['scheduleRetry', 'notifyFailed'] },
        ],
        credentialsRejected: { target: 'waitingToRetry', actions: ['scheduleRetry', 'notifyFailed'] },
        // A new address invalidates the Contact of the REGISTER in flight: register again at once
        // (the runtime abandons the old transaction and re-resolves the routes).
        networkChanged: { target: 'registering', reenter: true, actions: 'firstRoute' },
        transportLost: { target: 'registering', reenter: true, actions: 'firstRoute' },
        stop: '#registration.unregistering.draining',
      },
    },

    registered: {
      after: {
        // Refresh before the binding expires (refreshDelay: never later than the granted expiry).
        refreshInterval: { target: 'registering', actions: 'notifyWillRefresh' },
      },
      on: {
        networkChanged: { target: 'registering', actions: ['notifyWillRefresh', 'firstRoute'] },
        transportLost: { target: 'registering', actions: ['notifyWillRefresh', 'firstRoute'] },
        stop: '#registration.unregistering.sending',
      },
    },

    // SIPAccountRegistrationDidFail: "timeout: number of seconds ... after which the registration
    // will be tried again".
    waitingToRetry: {
      after: { retryInterval: 'registering' },
      on: {
        networkChanged: 'registering',
        transportLost: 'registering',
        // A binding of an earlier success may still be there: remove it; otherwise just end.
        stop: [{ guard: 'bound', target: '#registration.unregistering.sending' }, { target: 'stopped' }],
      },
    },

    // §10.2.2: "A UA can request the immediate removal of a specific binding by specifying an
    // expiration interval of "0" for that contact address in a REGISTER request." Whatever the
    // registrar does, the machine ends within 64·T1 (the application's shutdown must not hang).
    unregistering: {
      initial: 'sending',
      after: {
        unregisterLimit: [{ guard: 'bound', target: 'stopped', actions: 'notifyNotEndedInTime' }, { target: 'stopped' }],
      },
      states: {
        // Stopped while a REGISTER was in flight: wait for its outcome (§10.2, above); a binding
        // exists if it or an earlier REGISTER succeeded.
        draining: {
          on: {
            response: [
              { guard: 'isProvisional', actions: 'notifyGotAnswer' },
              { guard: or(['isSuccess', 'bound']), target: 'sending', actions: 'notifyGotAnswer' },
              { target: '#registration.stopped', actions: 'notifyGotAnswer' },
            ],
            timeout: [{ guard: 'bound', target: 'sending' }, { target: '#registration.stopped' }],
            transportError: [{ guard: 'bound', target: 'sending' }, { target: '#registration.stopped' }],
            credentialsRejected: [{ guard: 'bound', target: 'sending' }, { target: '#registration.stopped' }],
          },
        },
        sending: {
          entry: 'sendUnregister',
          on: {
            response: [
              { guard: 'isProvisional', actions: 'notifyGotAnswer' },
              // SIPAccountRegistrationDidEnd: "Sent when a registration ends (the account is unregistered)."
              { guard: 'isSuccess', target: '#registration.stopped', actions: ['notifyGotAnswer', 'notifyEnded'] },
              // SIPAccountRegistrationDidNotEnd: "Sent when a registration fails to end".
              { target: '#registration.stopped', actions: ['notifyGotAnswer', 'notifyNotEnded'] },
            ],
            timeout: { target: '#registration.stopped', actions: 'notifyNotEnded' },
            transportError: { target: '#registration.stopped', actions: 'notifyNotEnded' },
            credentialsRejected: { target: '#registration.stopped', actions: 'notifyNotEnded' },
          },
        },
      },
    },

    stopped: { type: 'final' },
  },
});
