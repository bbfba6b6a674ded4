// A SUBSCRIBE/NOTIFY subscriber — RFC 6665 §4.1, known issue R-MSG-2 (202 is a success).
// Model-based: getShortestPaths (xstate/graph) gives one shortest path per edge of the abstract
// state graph (state, interval, granted duration, losses, 423s); each path is replayed on a real
// actor with a StepClock and every step is checked against the oracle below, written from RFC
// 6665 without looking at the machine. The transitions and states the actors went through must be
// exactly those of the machine definition. Then timing and behaviour.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { parseMessage } from '../../src/sip/parser.js';
import type { SIPRequest } from '../../src/sip/message.js';
import { MAX_INTERVAL_RETRIES, refreshDelay } from '../../machines/registration.js';
import {
  REFRESH_TERMINATING,
  type SubscriptionContext,
  type SubscriptionEvent,
  type SubscriptionInput,
  notifyFields,
  subscription as machine,
} from '../../machines/subscription.js';
import { type UsageModel, definition, leaves, minus, replayAll, runScript } from './usage-model.js';

const EFFECTS = ['sendSubscribe', 'sendRefresh', 'sendUnsubscribe'] as const;

const input = (over: Partial<SubscriptionInput> = {}): SubscriptionInput => ({
  id: 'mwi-1',
  event: 'message-summary',
  expires: 600,
  retry: { min: 30, max: 600 },
  T1: 500,
  seed: 11,
  ...over,
});
type Response = Extract<SubscriptionEvent, { type: 'response' }>;
type Notify = Extract<SubscriptionEvent, { type: 'notify' }>;
const response = (status: number, reason: string, extra: Partial<Response> = {}): SubscriptionEvent => ({ type: 'response', status, reason, ...extra });
const notify = (state: Notify['state'], extra: Partial<Notify> = {}): SubscriptionEvent => ({ type: 'notify', state, ...extra });

const ev = {
  start: { type: 'start' } as SubscriptionEvent,
  stop: { type: 'stop' } as SubscriptionEvent,
  r100: response(100, 'Trying'),
  r200: response(200, 'OK', { expires: 600 }),
  r202: response(202, 'Accepted', { expires: 300 }),
  r423: response(423, 'Interval Too Brief', { minExpires: 1200 }),
  r481: response(481, 'Call/Transaction Does Not Exist'),
  r489: response(489, 'Bad Event'),
  r404: response(404, 'Not Found'),
  r500: response(500, 'Server Internal Error', { retryAfter: 120 }),
  timeout: { type: 'timeout' } as SubscriptionEvent,
  nActive: notify('active', { expires: 600, body: 'Messages-Waiting: no\r\n', contentType: 'application/simple-message-summary' }),
  nActive200: notify('active', { expires: 200 }),
  nPending: notify('pending'),
  nDeactivated: notify('terminated', { reason: 'deactivated' }),
  nProbation: notify('terminated', { reason: 'probation', retryAfter: 60 }),
  nRejected: notify('terminated', { reason: 'rejected' }),
  nTerminated: notify('terminated'),
};

const label = (e: EventObject): string => {
  if (e.type.startsWith('xstate.after.')) return `after:${e.type.split('.')[2]}`;
  if (e.type === 'response') {
    const r = e as Response;
    return `response ${r.status}${r.expires !== undefined ? ` expires=${r.expires}` : ''}${r.minExpires !== undefined ? ` min=${r.minExpires}` : ''}`;
  }
  if (e.type === 'notify') {
    const n = e as Notify;
    return `notify ${n.state}${n.reason ? `;reason=${n.reason}` : ''}${n.expires !== undefined ? `;expires=${n.expires}` : ''}`;
  }
  return e.type;
};
/** `subscribed.<status>.<refresh>` (e.g. `subscribed.active.inFlight.sent`), or the state's path. */
const where = (s: AnyMachineSnapshot): string => {
  const l = leaves(s);
  const status = l.find((x) => x.startsWith('subscribed.status.'));
  if (!status) return l.join('+');
  const refresh = l.find((x) => x.startsWith('subscribed.refresh.'))!;
  return `subscribed.${status.slice('subscribed.status.'.length)}.${refresh.slice('subscribed.refresh.'.length)}`;
};
const ctx = (s: AnyMachineSnapshot) => s.context as SubscriptionContext;
const key = (s: AnyMachineSnapshot) => {
  const c = ctx(s);
  return `${where(s)} expires=${c.expires} granted=${c.granted} lost=${c.attempt > 0} i423=${c.intervalRetries}`;
};

// ---- the oracle: RFC 6665 §4.1 -------------------------------------------------------------------

type Want = { to: string; effects: string[]; context?: Partial<SubscriptionContext> };

function oracle(s: AnyMachineSnapshot, e: EventObject): Want {
  const c = ctx(s);
  const from = where(s);
  const stay: Want = { to: from, effects: [] };
  const r = e.type === 'response' ? (e as Response) : undefined;
  const n = e.type === 'notify' ? (e as Notify) : undefined;
  const type = e.type.startsWith('xstate.after.') ? e.type.split('.')[2]! : e.type;
  const final = r !== undefined && r.status >= 200;
  const ok = r !== undefined && r.status >= 200 && r.status < 300;
  const failed = r !== undefined && r.status >= 300;
  const raises = r?.status === 423 && r.minExpires !== undefined && r.minExpires > c.expires && c.intervalRetries < MAX_INTERVAL_RETRIES;
  const live = n !== undefined && n.state !== 'terminated';
  // a new initial SUBSCRIBE (new dialog), asking for `expires`
  const subscribe = (effects: string[], context: Partial<SubscriptionContext> = {}): Want => ({
    to: 'subscribing',
    effects: [...effects, 'sendSubscribe'],
    context: { granted: context.expires ?? c.expires, ...context },
  });
  const retryLater = (effects: string[]): Want => ({ to: 'waitingToRetry', effects: [...effects, 'DidFail'], context: { attempt: c.attempt + 1, intervalRetries: 0 } });
  const ended = (effects: string[]): Want => ({ to: 'terminated', effects: [...effects, 'DidEnd'] });
  // §4.1.3, Subscription-State: terminated, by reason
  const terminatedBy = (t: Notify): Want => {
    if ((t.reason === 'deactivated' || t.reason === 'timeout') && c.attempt === 0) {
      return subscribe(['gotNotify', 'DidFail'], { attempt: 1, intervalRetries: 0 });
    }
    if (t.reason === 'rejected' || t.reason === 'noresource' || t.reason === 'invariant') return ended(['gotNotify']);
    return retryLater(['gotNotify']);
  };

  if (from === 'idle') {
    if (type === 'start') return subscribe([]);
    if (type === 'stop') return ended([]);
    return stay;
  }
  if (from === 'waitingToRetry') {
    if (type === 'retryInterval') return subscribe([]);
    if (type === 'stop') return ended([]);
    return stay;
  }
  if (from === 'terminated') return stay;
  if (from === 'subscribing') {
    // 200 or 202 (R-MSG-2): the duration starts; the NOTIFY is still owed
    if (ok) return { to: 'subscribed.waiting.running.owed', effects: [], context: { granted: r!.expires ?? c.expires, intervalRetries: 0 } };
    if (raises) return subscribe([], { expires: r!.minExpires!, intervalRetries: c.intervalRetries + 1 });
    if (r?.status === 489) return ended([]);
    if (failed || type === 'timeout' || type === 'timerN') return retryLater([]);
    // NOTIFY before the 2xx (§4.1.2.4)
    if (live) {
      const granted = Math.min(c.granted, n!.expires ?? Infinity);
      return { to: `subscribed.${n!.state}.refreshing.inFlight.notified`, effects: ['gotNotify', 'DidStart'], context: { granted, validFor: granted } };
    }
    if (n) return terminatedBy(n);
    if (type === 'stop') return { to: 'unsubscribing.draining', effects: [] };
    return stay;
  }
  if (from.startsWith('unsubscribing.')) {
    if (type === 'unsubscribeLimit') return ended([]);
    if (n?.state === 'terminated') return ended(['gotNotify']);
    if (from === 'unsubscribing.draining') {
      if (live) return { to: 'unsubscribing.sending', effects: ['gotNotify', 'sendUnsubscribe'] };
      if (ok) return { to: 'unsubscribing.sending', effects: ['sendUnsubscribe'] };
      if (failed || type === 'timeout') return ended([]);
      return stay;
    }
    if (final || type === 'timeout') return ended([]);
    if (live) return { ...stay, effects: ['gotNotify'] };
    return stay;
  }

  // subscribed.<status>.<refresh>
  const [, status, ...rest] = from.split('.');
  const refresh = rest.join('.');
  const inFlight = refresh.startsWith('refreshing.inFlight');
  const refreshing = refresh.startsWith('refreshing');
  if (type === 'stop') return { to: 'unsubscribing.sending', effects: ['sendUnsubscribe'] };
  if (n?.state === 'terminated') return terminatedBy(n);
  if (type === 'timerN') return retryLater([]);
  // the duration ran out while refreshing: start afresh
  if (refreshing && type === 'lapseInterval') return subscribe(['DidFail'], { attempt: c.attempt + 1, intervalRetries: 0 });
  if (inFlight && failed) {
    // §4.1.2.2, a SUBSCRIBE refreshing the subscription fails
    if (raises) return { to: `subscribed.${status}.refreshing.inFlight.sent`, effects: ['sendRefresh'], context: { expires: r!.minExpires!, intervalRetries: c.intervalRetries + 1 } };
    if (r!.status === 481) return subscribe(['DidFail'], { attempt: c.attempt + 1, intervalRetries: 0 });
    if (r!.status === 489) return ended([]);
    if (REFRESH_TERMINATING.has(r!.status)) return retryLater([]);
    return { to: `subscribed.${status}.refreshing.lapsing`, effects: [] };
  }
  if (inFlight && type === 'timeout') return { to: `subscribed.${status}.refreshing.lapsing`, effects: [] };
  // both regions: the status follows the NOTIFY; the refresh timer follows 2xx, NOTIFY expiry, timer
  let nextStatus = status!;
  const effects: string[] = [];
  if (live) {
    effects.push('gotNotify');
    if (status === 'waiting') effects.push('DidStart');
    nextStatus = n!.state;
  }
  const shortens = live && n!.expires !== undefined && n!.expires < c.granted;
  let nextRefresh = refresh;
  let context: Partial<SubscriptionContext> = {};
  if ((refresh.startsWith('running') || refresh === 'shortened') && type === 'refreshInterval') {
    nextRefresh = 'refreshing.inFlight.sent';
    effects.push('sendRefresh');
    context = { attempt: 0, intervalRetries: 0, validFor: c.granted - refreshDelay(c.granted) };
  } else if ((refresh.startsWith('running') || refresh === 'shortened') && shortens) {
    nextRefresh = 'shortened';
    context = { granted: n!.expires! };
  } else if (refresh === 'running.owed' && live) nextRefresh = 'running.settled';
  else if (refresh === 'refreshing.inFlight.sent' && ok) {
    nextRefresh = 'running.owed';
    context = { granted: r!.expires ?? c.expires };
  } else if (refresh === 'refreshing.inFlight.sent' && live) {
    nextRefresh = 'refreshing.inFlight.notified';
    context = { granted: Math.min(c.granted, n!.expires ?? Infinity) };
  } else if (refresh === 'refreshing.inFlight.notified' && ok) {
    nextRefresh = 'running.settled';
    context = { granted: r!.expires ?? c.expires };
  } else if (refresh === 'refreshing.lapsing' && live && n!.expires !== undefined) {
    nextRefresh = 'shortened';
    context = { granted: n!.expires };
  }
  return { to: `subscribed.${nextStatus}.${nextRefresh}`, effects, context };
}

const model: UsageModel = {
  machine,
  input: input(),
  events: Object.values(ev),
  label,
  key,
  where,
  oracle,
  effects: EFFECTS,
  emitted: (t) => t.replace(/^subscription/, ''),
};

const run = (script: Array<[number, SubscriptionEvent]>, over: Partial<SubscriptionInput> = {}, until?: number) =>
  runScript(machine, input(over), EFFECTS, script, until);
const fails = (r: ReturnType<typeof run>) => r.data('subscriptionDidFail');

// ---------------------------------------------------------------------------------------------

test('model: every state and transition is reached, and each step does what RFC 6665 §4.1 says', () => {
  const all = definition(machine);
  assert.is(new Set(all.transitions).size, all.transitions.length, 'transition names are unique');
  const seen = replayAll(model);
  assert.ok(seen.paths > 100, `${seen.paths} paths`);
  assert.equal(minus(all.transitions, seen.transitions), [], 'transitions never taken');
  assert.equal([...seen.transitions].sort(), all.transitions);
  assert.equal([...seen.states].sort(), all.states);
  assert.equal(all.states, [
    'idle',
    'subscribed',
    'subscribed.refresh',
    'subscribed.refresh.refreshing',
    'subscribed.refresh.refreshing.inFlight',
    'subscribed.refresh.refreshing.inFlight.notified',
    'subscribed.refresh.refreshing.inFlight.sent',
    'subscribed.refresh.refreshing.lapsing',
    'subscribed.refresh.running',
    'subscribed.refresh.running.owed',
    'subscribed.refresh.running.settled',
    'subscribed.refresh.shortened',
    'subscribed.status',
    'subscribed.status.active',
    'subscribed.status.pending',
    'subscribed.status.waiting',
    'subscribing',
    'terminated',
    'unsubscribing',
    'unsubscribing.draining',
    'unsubscribing.sending',
    'waitingToRetry',
  ]);
});

test('NOTIFY before the 200 (§4.1.2.4): the subscription starts at the NOTIFY, the refresh timer at the 2xx', () => {
  const { times, data, value } = run([
    [0, ev.start],
    [10, ev.nActive],
    [20, ev.r200],
  ], {}, 545_000);
  assert.equal(times('subscriptionDidStart'), [10]);
  assert.equal(data('subscriptionDidStart'), [{ type: 'subscriptionDidStart', id: 'mwi-1', event: 'message-summary', state: 'active' }]);
  assert.equal(data('gotNotify'), [
    {
      type: 'gotNotify',
      id: 'mwi-1',
      event: 'message-summary',
      state: 'active',
      expires: 600,
      body: 'Messages-Waiting: no\r\n',
      contentType: 'application/simple-message-summary',
    },
  ]);
  assert.equal(times('sendRefresh'), [20 + refreshDelay(600) * 1000]);
  assert.equal(times('subscriptionDidFail'), [], 'no Timer N: the NOTIFY came');
  assert.is(value(), '{"subscribed":{"status":"active","refresh":{"refreshing":{"inFlight":"sent"}}}}');
});

test('2xx first: the refresh timer starts at the 2xx, whenever the NOTIFY comes; pending then active', () => {
  const { times, names } = run([
    [0, ev.start],
    [20, ev.r200],
    [9_000, ev.nPending],
    [60_000, ev.nActive],
  ], {}, 600_000);
  assert.equal(times('sendRefresh'), [20 + 540_000]);
  assert.equal(names('subscriptionDidStart'), ['subscriptionDidStart']);
  assert.equal(names('gotNotify').length, 2);
});

test('R-MSG-2: a 202 Accepted is a success, and its Expires is the granted duration', () => {
  const { times, names, value } = run([
    [0, ev.start],
    [15, ev.r202],
    [30, ev.nActive],
  ], {}, 300_000);
  assert.equal(names('subscriptionDidFail'), []);
  assert.equal(times('sendRefresh'), [15 + refreshDelay(300) * 1000]);
  assert.match(value(), /"status":"active"/);
});

test('Timer N (64·T1, T1 an input): no NOTIFY after the SUBSCRIBE, after its 2xx, or after a refresh → failure', () => {
  const silent = run([[0, ev.start]], { T1: 100 }, 7_000);
  assert.equal(silent.times('subscriptionDidFail'), [6_400]);
  assert.equal(fails(silent)[0]!.reason, 'Timer N: no NOTIFY');
  assert.is(silent.value(), '"waitingToRetry"');
  const noNotify = run([[0, ev.start], [300, ev.r200]], { T1: 500 }, 40_000);
  assert.equal(noNotify.times('subscriptionDidFail'), [300 + 32_000], 'Timer N runs again from the 2xx');
  assert.equal(noNotify.names('subscriptionDidStart'), []);
  // a refresh answered 200 but never followed by its NOTIFY: "considers the subscription terminated"
  const refreshAt = 20 + 540_000;
  const refresh = run([
    [0, ev.start],
    [10, ev.nActive],
    [20, ev.r200],
    [refreshAt + 50, ev.r200],
  ], {}, refreshAt + 40_000);
  assert.equal(refresh.times('sendRefresh'), [refreshAt]);
  assert.equal(refresh.times('subscriptionDidFail'), [refreshAt + 50 + 32_000]);
  // and with its NOTIFY (before or after the 200) all is well
  const fine = run([
    [0, ev.start],
    [10, ev.nActive],
    [20, ev.r200],
    [refreshAt + 40, ev.nActive],
    [refreshAt + 50, ev.r200],
  ], {}, refreshAt + 40_000);
  assert.equal(fine.names('subscriptionDidFail'), []);
  assert.equal(fine.times('sendRefresh'), [refreshAt], 'the next refresh is due from the 200 at +50');
});

test('481 to a refresh: the subscription is gone — a fresh SUBSCRIBE at once; 489: terminated for good', () => {
  const refreshAt = 20 + 540_000;
  const gone = run([
    [0, ev.start],
    [10, ev.nActive],
    [20, ev.r200],
    [refreshAt + 30, ev.r481],
  ], {}, refreshAt + 1000);
  assert.equal(gone.times('sendSubscribe'), [0, refreshAt + 30]);
  assert.equal(fails(gone).map((f) => [f.code, f.timeout]), [[481, 0]]);
  assert.is(gone.value(), '"subscribing"');
  const badEvent = run([[0, ev.start], [10, ev.r489]]);
  assert.equal(badEvent.data('subscriptionDidEnd'), [{ type: 'subscriptionDidEnd', id: 'mwi-1', event: 'message-summary', code: 489, reason: 'Bad Event' }]);
  assert.is(badEvent.actor.getSnapshot().status, 'done');
  assert.equal(badEvent.times('sendSubscribe'), [0], 'never asked again');
  const badOnRefresh = run([[0, ev.start], [10, ev.nActive], [20, ev.r200], [refreshAt + 30, ev.r489]]);
  assert.is(badOnRefresh.actor.getSnapshot().status, 'done');
  assert.is(badOnRefresh.clock.due.size, 0);
});

test('refresh errors (§4.1.2.2): the listed codes end the subscription (retry later); others keep it until it lapses', () => {
  const refreshAt = 20 + 540_000;
  const base: Array<[number, SubscriptionEvent]> = [[0, ev.start], [10, ev.nActive], [20, ev.r200]];
  for (const code of [404, 405, 410, 416, 480, 482, 483, 484, 485, 501, 604]) {
    const r = run([...base, [refreshAt + 30, response(code, 'x')]], {}, refreshAt + 1000);
    assert.is(r.value(), '"waitingToRetry"', `${code}`);
    assert.equal(fails(r).map((f) => f.code), [code]);
  }
  // a 500: still valid until the duration ends (60 s after the refresh went out), then afresh
  const lapse = run([...base, [refreshAt + 30, ev.r500]], {}, refreshAt + 70_000);
  assert.equal(lapse.times('sendSubscribe'), [0, 20 + 600_000]);
  assert.equal(fails(lapse).map((f) => [f.reason, f.timeout]), [['expired', 0]]);
  // …unless a NOTIFY says how long it still lasts: then the refresh is tried again by then
  const saved = run([...base, [refreshAt + 30, ev.timeout], [refreshAt + 40, notify('active', { expires: 50 })]], {}, refreshAt + 45_000);
  assert.equal(saved.times('sendRefresh'), [refreshAt, refreshAt + 40 + refreshDelay(50) * 1000]);
  assert.equal(saved.names('subscriptionDidFail'), []);
  // a refresh nothing answers: Timer N (32 s) or the end of the duration, whichever comes first
  const unanswered = run(base, {}, refreshAt + 33_000);
  assert.equal(unanswered.times('subscriptionDidFail'), [refreshAt + 32_000]);
  assert.is(fails(unanswered)[0]!.reason, 'Timer N: no NOTIFY');
  const short = run([[0, ev.start], [10, ev.nActive], [20, response(200, 'OK', { expires: 60 })]], {}, 20 + 60_000 + 1);
  assert.equal(short.times('sendRefresh'), [20 + 50_000]);
  assert.equal(short.times('sendSubscribe'), [0, 20 + 60_000], 'lapsed at the end of the 60 s granted, before Timer N');
});

test('423 Interval Too Brief: SUBSCRIBE again at once with Min-Expires (initial and refresh), bounded', () => {
  const initial = run([
    [0, ev.start],
    [10, ev.r423],
    [20, response(200, 'OK', { expires: 1200 })],
    [30, notify('active')],
  ], {}, 20 + refreshDelay(1200) * 1000 + 1000);
  assert.equal(initial.times('sendSubscribe'), [0, 10]);
  assert.equal(initial.data('sendSubscribe').map((c) => c.expires), [600, 1200]);
  assert.equal(initial.times('sendRefresh'), [20 + refreshDelay(1200) * 1000]);
  assert.equal(initial.data('sendRefresh').map((c) => c.expires), [1200]);
  const refreshAt = 20 + 540_000;
  const onRefresh = run([[0, ev.start], [10, ev.nActive], [20, ev.r200], [refreshAt + 30, ev.r423]], {}, refreshAt + 1000);
  assert.equal(onRefresh.times('sendRefresh'), [refreshAt, refreshAt + 30]);
  assert.equal(onRefresh.data('sendRefresh').map((c) => c.expires), [600, 1200]);
  const same = run([[0, ev.start], [10, ev.r423], [20, ev.r423]], {}, 100);
  assert.equal(same.times('sendSubscribe'), [0, 10], 'a second 423 with the same Min-Expires is a failure');
  assert.equal(fails(same).map((f) => f.code), [423]);
  const greedy = run(
    [[0, ev.start], ...Array.from({ length: 6 }, (_, i): [number, SubscriptionEvent] => [10 * (i + 1), response(423, 'Interval Too Brief', { minExpires: 1000 * (i + 1) })])],
    {},
    100,
  );
  assert.is(greedy.times('sendSubscribe').length, MAX_INTERVAL_RETRIES + 1);
});

test('Subscription-State expires shortens the refresh; a longer one does not lengthen it', () => {
  const { times } = run([
    [0, ev.start],
    [20, ev.r200],
    [30, ev.nActive],
    [100_000, notify('active', { expires: 100 })],
    [120_000, notify('active', { expires: 3600 })],
  ], {}, 300_000);
  assert.equal(times('sendRefresh'), [100_000 + refreshDelay(100) * 1000]);
});

test('NOTIFY terminated (§4.1.3): deactivated/timeout at once (once), probation/giveup after retry-after, rejected/noresource/invariant never', () => {
  const base: Array<[number, SubscriptionEvent]> = [[0, ev.start], [10, ev.nActive], [20, ev.r200]];
  for (const reason of ['deactivated', 'timeout']) {
    const r = run([...base, [1000, notify('terminated', { reason })]], {}, 2000);
    assert.equal(r.times('sendSubscribe'), [0, 1000], reason);
    assert.equal(fails(r).map((f) => [f.reason, f.timeout]), [[reason, 0]]);
  }
  // a notifier that ends every new subscription at once: the second time waits for the backoff
  const loop = run([...base, [1000, ev.nDeactivated], [1010, ev.nActive], [1020, ev.r200], [2000, ev.nDeactivated]], {}, 3000);
  assert.equal(loop.times('sendSubscribe'), [0, 1000]);
  const wait = fails(loop)[1]!.timeout as number;
  assert.ok(wait >= 60 && wait <= 120, `backoff ${wait}`);
  // …but a subscription that lived until its refresh has earned the next immediate re-subscribe
  const refreshAt = 20 + 540_000;
  const earned = run([...base, [1000, ev.nDeactivated], [1010, ev.nActive], [1020, ev.r200], [refreshAt + 1000 + 5, ev.r200], [refreshAt + 1000 + 6, ev.nActive], [refreshAt + 2000, ev.nDeactivated]], {}, refreshAt + 3000);
  assert.equal(earned.times('sendSubscribe'), [0, 1000, refreshAt + 2000]);
  for (const reason of ['probation', 'giveup']) {
    const r = run([...base, [1000, notify('terminated', { reason, retryAfter: 90 })]], {}, 200_000);
    assert.equal(r.times('sendSubscribe'), [0, 1000 + 90_000], reason);
    assert.equal(fails(r)[0]!.timeout, 90);
  }
  for (const reason of ['rejected', 'noresource', 'invariant']) {
    const r = run([...base, [1000, notify('terminated', { reason })]]);
    assert.equal(r.data('subscriptionDidEnd').map((d) => d.reason), [reason]);
    assert.is(r.actor.getSnapshot().status, 'done');
    assert.equal(r.times('sendSubscribe'), [0]);
  }
  const noReason = run([...base, [1000, ev.nTerminated]], {}, 100_000);
  const t = fails(noReason)[0]!.timeout as number;
  assert.ok(t >= 30 && t < 60, `no reason: backoff ${t}`);
  // rejected before any 2xx (a NOTIFY racing the SUBSCRIBE's answer)
  const early = run([[0, ev.start], [5, ev.nRejected]]);
  assert.is(early.actor.getSnapshot().status, 'done');
});

test('errors and timeouts retry with backoff between min and max; Retry-After honoured', () => {
  // every SUBSCRIBE answered 404 after 5 ms
  const script: Array<[number, SubscriptionEvent]> = [[0, ev.start]];
  const waits: number[] = [];
  let sentAt = 0;
  for (let i = 0; i < 7; i++) {
    script.push([sentAt + 5, ev.r404]);
    const wait = fails(run(script, {}, sentAt + 5)).at(-1)!.timeout as number;
    waits.push(wait);
    sentAt += 5 + wait * 1000;
  }
  const r = run(script, {}, sentAt);
  assert.equal(r.times('sendSubscribe'), [0, ...waits.map((_, i) => waits.slice(0, i + 1).reduce((t, w) => t + 5 + w * 1000, 0))]);
  assert.equal(fails(r).map((f) => f.timeout), waits);
  waits.forEach((w, i) => {
    const base = Math.min(600, 30 * 2 ** i);
    assert.ok(w >= base && w <= Math.min(600, 2 * base), `failure ${i + 1}: ${w} s`);
  });
  const after = run([[0, ev.start], [10, response(503, 'Service Unavailable', { retryAfter: 400 })]], {}, 500_000);
  assert.equal(after.times('sendSubscribe'), [0, 400_010]);
  const timedOut = run([[0, ev.start], [32_000, ev.timeout]], {}, 33_000);
  assert.equal(fails(timedOut).map((f) => f.code), [408]);
});

test('unsubscribe: Expires 0 in the dialog, DidEnd on the answer, bounded by 64·T1; stop before the dialog waits for it', () => {
  const base: Array<[number, SubscriptionEvent]> = [[0, ev.start], [10, ev.nActive], [20, ev.r200]];
  const done = run([...base, [5000, ev.stop], [5050, ev.r200]]);
  assert.equal(done.times('sendUnsubscribe'), [5000]);
  assert.equal(done.data('subscriptionDidEnd'), [{ type: 'subscriptionDidEnd', id: 'mwi-1', event: 'message-summary', code: 200, reason: 'unsubscribed' }]);
  assert.is(done.actor.getSnapshot().status, 'done');
  assert.is(done.clock.due.size, 0);
  const silent = run([...base, [5000, ev.stop]], { T1: 500 });
  assert.equal(silent.times('subscriptionDidEnd'), [5000 + 32_000]);
  assert.is(silent.data('subscriptionDidEnd')[0]!.code, 408);
  const finalNotify = run([...base, [5000, ev.stop], [5040, notify('terminated', { reason: 'timeout' })]]);
  assert.equal(finalNotify.times('subscriptionDidEnd'), [5040]);
  assert.equal(finalNotify.times('sendSubscribe'), [0], 'a terminated NOTIFY while unsubscribing is the end, not a reason to re-subscribe');
  const early = run([[0, ev.start], [5, ev.stop], [10, ev.r200], [20, ev.r200]]);
  assert.equal(early.times('sendUnsubscribe'), [10], 'unsubscribed once the 2xx brought the dialog');
  const refused = run([[0, ev.start], [5, ev.stop], [10, ev.r404]]);
  assert.equal(refused.times('sendUnsubscribe'), []);
  assert.is(refused.actor.getSnapshot().status, 'done');
  const idle = run([[0, ev.stop]]);
  assert.equal(idle.data('subscriptionDidEnd').map((d) => d.reason), ['stopped']);
  const waiting = run([[0, ev.start], [10, ev.r404], [20, ev.stop]]);
  assert.equal(waiting.names('subscriptionDidEnd').length, 1);
  assert.is(waiting.clock.due.size, 0);
});

// ---- NOTIFY → notify event ------------------------------------------------------------------

const notifyRequest = (headers: string[], body = ''): SIPRequest =>
  parseMessage(
    [
      'NOTIFY sip:alice@192.0.2.10:5062 SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bK776sgdkse',
      'From: <sip:alice@example.com>;tag=4442',
      'To: <sip:alice@example.com>;tag=78923',
      'Call-ID: 1349882@alice-phone',
      'CSeq: 20 NOTIFY',
      'Event: message-summary',
      ...headers,
      `Content-Length: ${Buffer.byteLength(body)}`,
    ].join('\r\n') +
      '\r\n\r\n' +
      body,
  ) as SIPRequest;

test('notifyFields: Subscription-State and the body, as the machine takes them', () => {
  const body = 'Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\nVoice-Message: 2/8 (0/2)\r\n';
  const req = notifyRequest(['Subscription-State: Active;expires=3500', 'Content-Type: application/simple-message-summary'], body);
  assert.equal(notifyFields(req), { state: 'active', expires: 3500, body, contentType: 'application/simple-message-summary' });
  assert.equal(notifyFields(notifyRequest(['Subscription-State: terminated;reason=probation;retry-after=30;expires=9'])), {
    state: 'terminated',
    reason: 'probation',
    retryAfter: 30,
  });
  assert.is(notifyFields(notifyRequest([])), undefined, 'no Subscription-State');
  assert.is(notifyFields(notifyRequest(['Subscription-State: waiting'])), undefined, 'unknown substate');
  assert.is(notifyFields(notifyRequest(['Subscription-State: active;expires=-1'])), undefined, 'malformed');
});

test.run();
