// An account's registration — RFC 3261 §10.2, RFC 3263 §4.3 failover, Middleware API §6.2.
// Model-based: getShortestPaths (xstate/graph) gives one shortest path per edge of the abstract
// state graph (state, route, interval, binding); each path is replayed on a real actor with a
// StepClock and every step is checked against the oracle below, written from the RFC and the
// Middleware API without looking at the machine. The transitions and states the actors went
// through must be exactly those of the machine definition. Then timing and behaviour.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import {
  MAX_INTERVAL_RETRIES,
  MAX_RETRY_AFTER,
  type RegistrationContext,
  type RegistrationEvent,
  type RegistrationInput,
  backoffDelay,
  nextJitter,
  refreshDelay,
  registration as machine,
  retryDelay,
} from '../../machines/registration.js';
import { type UsageModel, definition, leaves, minus, replayAll, runScript } from './usage-model.js';

const EFFECTS = ['sendRegister', 'sendUnregister'] as const;
const CONTACT = '<sip:alice@192.0.2.10:5062>';

const input = (over: Partial<RegistrationInput> = {}): RegistrationInput => ({
  id: 'alice@example.com',
  expires: 600,
  routes: 2,
  retry: { min: 30, max: 600 },
  seed: 7,
  ...over,
});
type Response = Extract<RegistrationEvent, { type: 'response' }>;
const response = (status: number, reason: string, extra: Partial<Response> = {}): RegistrationEvent => ({ type: 'response', status, reason, ...extra });
const ok = (expires: number): RegistrationEvent =>
  response(200, 'OK', { expires, contact: `${CONTACT};expires=${expires}`, contacts: [`${CONTACT};expires=${expires}`, '<sip:alice@198.51.100.7>;expires=90'] });

const ev = {
  start: { type: 'start' } as RegistrationEvent,
  stop: { type: 'stop' } as RegistrationEvent,
  r100: response(100, 'Trying'),
  r200: ok(300),
  r200zero: response(200, 'OK', { expires: 0, contacts: [] }),
  r423: response(423, 'Interval Too Brief', { minExpires: 1200 }),
  r423bare: response(423, 'Interval Too Brief'),
  r503: response(503, 'Service Unavailable', { retryAfter: 120 }),
  r404: response(404, 'Not Found'),
  timeout: { type: 'timeout' } as RegistrationEvent,
  transportError: { type: 'transportError', error: 'ECONNREFUSED' } as RegistrationEvent,
  networkChanged: { type: 'networkChanged' } as RegistrationEvent,
  transportLost: { type: 'transportLost' } as RegistrationEvent,
  credentialsRejected: { type: 'credentialsRejected', status: 401, reason: 'Unauthorized' } as RegistrationEvent,
};

const label = (e: EventObject): string => {
  if (e.type.startsWith('xstate.after.')) return `after:${e.type.split('.')[2]}`;
  if (e.type !== 'response') return e.type;
  const r = e as Response;
  return `response ${r.status}${r.expires !== undefined ? ` expires=${r.expires}` : ''}${r.minExpires !== undefined ? ` min=${r.minExpires}` : ''}`;
};
const where = (s: AnyMachineSnapshot) => leaves(s).join('+');
const ctx = (s: AnyMachineSnapshot) => s.context as RegistrationContext;
const key = (s: AnyMachineSnapshot) => {
  const c = ctx(s);
  return `${where(s)} route=${c.route} expires=${c.expires} bound=${c.bound} i423=${c.intervalRetries}`;
};

// ---- the oracle: RFC 3261 §10.2, RFC 3263 §4.3, Middleware API §6.2 -------------------------------

/** What a registration must do in `state` on event `e`, from the RFCs and the Middleware API. */
function oracle(s: AnyMachineSnapshot, e: EventObject): { to: string; effects: string[]; context?: Partial<RegistrationContext> } {
  const c = ctx(s);
  const from = where(s);
  const stay = { to: from, effects: [] as string[] };
  const r = e.type === 'response' ? (e as Response) : undefined;
  const type = e.type.startsWith('xstate.after.') ? e.type.split('.')[2]! : e.type;
  const lastRoute = c.route + 1 >= c.routes;
  // a new REGISTER to route `route` (its entry sends it)
  const register = (effects: string[], context: Partial<RegistrationContext>) => ({ to: 'registering', effects: [...effects, 'sendRegister'], context });
  const fail = (effects: string[]) => ({ to: 'waitingToRetry', effects: [...effects, 'DidFail'], context: { route: 0, attempt: c.attempt + 1, intervalRetries: 0 } });
  switch (from) {
    case 'idle':
      // SIPAccountWillRegister: "about to register for the first time".
      if (type === 'start') return register(['WillRegister'], { route: 0 });
      if (type === 'stop') return { to: 'stopped', effects: [] };
      return stay;
    case 'registering':
      if (r) {
        if (r.status < 200) return { ...stay, effects: ['GotAnswer'] };
        // §10.2.4: a 2xx registers us for what it grants; expires=0 means it did not keep us.
        if (r.status < 300 && r.expires !== 0) {
          return { to: 'registered', effects: ['GotAnswer', 'DidSucceed'], context: { bound: true, granted: r.expires ?? c.expires, attempt: 0 } };
        }
        // §10.2.8: retry at once with Min-Expires when it is above what we asked (bounded).
        if (r.status === 423 && r.minExpires !== undefined && r.minExpires > c.expires && c.intervalRetries < MAX_INTERVAL_RETRIES) {
          return register(['GotAnswer'], { expires: r.minExpires, route: c.route, intervalRetries: c.intervalRetries + 1 });
        }
        // RFC 3263 §4.3: 503 → the next server, while there is one.
        if (r.status === 503 && !lastRoute) return register(['GotAnswer'], { route: c.route + 1 });
        return fail(['GotAnswer']);
      }
      if (type === 'timeout' || type === 'transportError') return lastRoute ? fail([]) : register([], { route: c.route + 1 });
      if (type === 'credentialsRejected') return fail([]);
      if (type === 'networkChanged' || type === 'transportLost') return register([], { route: 0 });
      // §10.2: no new REGISTER before the one in flight is answered or timed out.
      if (type === 'stop') return { to: 'unregistering.draining', effects: [] };
      return stay;
    case 'registered':
      if (type === 'refreshInterval' || type === 'networkChanged' || type === 'transportLost') {
        return register(['WillRefresh'], { route: type === 'refreshInterval' ? c.route : 0 });
      }
      if (type === 'stop') return { to: 'unregistering.sending', effects: ['sendUnregister'] };
      return stay;
    case 'waitingToRetry':
      if (type === 'retryInterval' || type === 'networkChanged' || type === 'transportLost') return register([], { route: 0 });
      if (type === 'stop') return c.bound ? { to: 'unregistering.sending', effects: ['sendUnregister'] } : { to: 'stopped', effects: [] };
      return stay;
    case 'unregistering.draining':
    case 'unregistering.sending': {
      // Stop is bounded: whatever the registrar does, the machine ends after 64·T1.
      if (type === 'unregisterLimit') return { to: 'stopped', effects: c.bound ? ['DidNotEnd'] : [] };
      const failed = (r && r.status >= 300) || type === 'timeout' || type === 'transportError' || type === 'credentialsRejected';
      const answered = r ? ['GotAnswer'] : [];
      if (r && r.status < 200) return { ...stay, effects: ['GotAnswer'] };
      if (from === 'unregistering.draining') {
        if (r && r.status < 300) return { to: 'unregistering.sending', effects: ['GotAnswer', 'sendUnregister'] };
        if (failed) return c.bound ? { to: 'unregistering.sending', effects: [...answered, 'sendUnregister'] } : { to: 'stopped', effects: answered };
        return stay;
      }
      if (r && r.status < 300) return { to: 'stopped', effects: ['GotAnswer', 'DidEnd'] };
      if (failed) return { to: 'stopped', effects: [...answered, 'DidNotEnd'] };
      return stay;
    }
    default:
      return stay;
  }
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
  emitted: (t) => t.replace(/^SIPAccount(Registration)?/, ''),
};

const run = (script: Array<[number, RegistrationEvent]>, over: Partial<RegistrationInput> = {}, until?: number) =>
  runScript(machine, input(over), EFFECTS, script, until);

// ---------------------------------------------------------------------------------------------

test('model: every state and transition is reached, and each step does what RFC 3261 §10.2 / RFC 3263 / §6.2 say', () => {
  const all = definition(machine);
  assert.is(new Set(all.transitions).size, all.transitions.length, 'transition names are unique');
  const seen = replayAll(model);
  assert.ok(seen.paths > 50, `${seen.paths} paths`);
  assert.equal(minus(all.transitions, seen.transitions), [], 'transitions never taken');
  assert.equal([...seen.transitions].sort(), all.transitions);
  assert.equal([...seen.states].sort(), all.states);
  assert.equal(all.states, [
    'idle',
    'registered',
    'registering',
    'stopped',
    'unregistering',
    'unregistering.draining',
    'unregistering.sending',
    'waitingToRetry',
  ]);
});

test('refresh timing: a lead of 10 % or 10 s, never more than half the interval, never after expiry', () => {
  assert.equal([3600, 600, 60, 15, 1, 0].map(refreshDelay), [3240, 540, 50, 7.5, 0.5, 0]);
  for (let e = 1; e <= 100000; e = Math.ceil(e * 1.37)) {
    const d = refreshDelay(e);
    assert.ok(d >= e / 2 && d < e, `refresh of ${e} s at ${d} s`);
    assert.ok(e - d >= Math.min(10, e / 2), `at least 10 s (or half) before ${e} s`);
  }
});

test('refresh: WillRefresh then a REGISTER before the granted expiry; a shorter grant is used as granted', () => {
  const { times, data, names } = run(
    [
      [0, ev.start],
      [80, ok(3600)],
      [3_240_080 + 50, ok(60)],
      [3_240_130 + 50_000 + 20, ok(60)],
    ],
    { expires: 3600 },
    3_400_000,
  );
  assert.equal(times('sendRegister'), [0, 3_240_080, 3_290_130, 3_340_150]);
  assert.equal(times('SIPAccountRegistrationWillRefresh'), [3_240_080, 3_290_130, 3_340_150]);
  assert.equal(data('sendRegister').map((c) => c.expires), [3600, 3600, 3600, 3600], 'we keep asking for our interval');
  assert.equal(data('SIPAccountRegistrationDidSucceed').map((d) => d.expires), [3600, 60, 60]);
  assert.equal(names('SIPAccountWillRegister'), ['SIPAccountWillRegister'], 'WillRegister once, on the first registration');
  const notifications = names().filter((n) => n.startsWith('SIP')).slice(0, 4);
  assert.equal(notifications, ['SIPAccountWillRegister', 'SIPAccountRegistrationGotAnswer', 'SIPAccountRegistrationDidSucceed', 'SIPAccountRegistrationWillRefresh']);
});

test('DidSucceed and GotAnswer carry the Middleware API data fields', () => {
  const { data } = run([
    [0, ev.start],
    [10, ok(300)],
  ], {}, 1000);
  assert.equal(data('SIPAccountRegistrationGotAnswer'), [
    { type: 'SIPAccountRegistrationGotAnswer', code: 200, reason: 'OK', registration: 'alice@example.com', registrar: 0 },
  ]);
  assert.equal(data('SIPAccountRegistrationDidSucceed'), [
    {
      type: 'SIPAccountRegistrationDidSucceed',
      contact_header: `${CONTACT};expires=300`,
      contact_header_list: [`${CONTACT};expires=300`, '<sip:alice@198.51.100.7>;expires=90'],
      expires: 300,
      registrar: 0,
    },
  ]);
});

test('423 Interval Too Brief: retry at once with Min-Expires, keep it for refreshes; not twice for the same value', () => {
  const a = run(
    [
      [0, ev.start],
      [50, response(423, 'Interval Too Brief', { minExpires: 1800 })],
      [100, ok(1800)],
    ],
    { expires: 600 },
    2_000_000,
  );
  assert.equal(a.times('sendRegister').slice(0, 3), [0, 50, 1_620_100]);
  assert.equal(a.data('sendRegister').map((c) => c.expires), [600, 1800, 1800], 'the refresh keeps asking for Min-Expires');
  assert.equal(a.names('SIPAccountRegistrationDidFail'), []);
  const b = run([
    [0, ev.start],
    [50, response(423, 'Interval Too Brief', { minExpires: 1800 })],
    [100, response(423, 'Interval Too Brief', { minExpires: 1800 })],
  ], {}, 1000);
  assert.equal(b.times('sendRegister'), [0, 50]);
  assert.match(String(b.data('SIPAccountRegistrationDidFail')[0]?.error), /^423 Interval Too Brief \(Min-Expires 1800 not above the 1800 s asked\)/);
  assert.is(b.value(), '"waitingToRetry"');
  const bare = run([
    [0, ev.start],
    [50, ev.r423bare],
  ], {}, 1000);
  assert.equal(bare.times('sendRegister'), [0], 'a 423 without Min-Expires is a failure');
  // a registrar raising Min-Expires forever is followed MAX_INTERVAL_RETRIES times only
  const greedy = run(
    Array.from({ length: 6 }, (_, i): [number, RegistrationEvent] => [10 * (i + 1), response(423, 'Interval Too Brief', { minExpires: 1000 * (i + 1) })]),
    {},
    1000,
  );
  const greedyWithStart = run(
    [[0, ev.start], ...Array.from({ length: 6 }, (_, i): [number, RegistrationEvent] => [10 * (i + 1), response(423, 'Interval Too Brief', { minExpires: 1000 * (i + 1) })])],
    {},
    1000,
  );
  assert.equal(greedy.times('sendRegister'), [], 'responses before start do nothing');
  assert.equal(greedyWithStart.times('sendRegister'), [0, 10, 20, 30].slice(0, MAX_INTERVAL_RETRIES + 1));
  assert.is(greedyWithStart.names('SIPAccountRegistrationDidFail').length, 1);
});

test('failover: timeout, 503 and transport errors move to the next RFC 3263 route; the attempt fails only when all failed', () => {
  const { data, times, value } = run(
    [
      [0, ev.start],
      [32_000, ev.timeout],
      [32_100, response(503, 'Service Unavailable')],
      [32_200, ev.transportError],
    ],
    { routes: 3 },
    40_000,
  );
  assert.equal(data('sendRegister').map((c) => c.route), [0, 1, 2]);
  assert.equal(times('SIPAccountRegistrationDidFail'), [32_200]);
  assert.match(String(data('SIPAccountRegistrationDidFail')[0]!.error), /^503 Service Unavailable \(transport error: ECONNREFUSED\)/);
  assert.equal(data('SIPAccountRegistrationGotAnswer').map((d) => d.registrar), [1], 'GotAnswer names the route that answered');
  assert.is(value(), '"waitingToRetry"');
  // a 404 (or any other final error) does not fail over: the next try starts again at route 0
  const other = run([
    [0, ev.start],
    [10, ev.r404],
  ], { routes: 3 }, 40_000);
  const [fail] = other.data('SIPAccountRegistrationDidFail');
  assert.equal(other.data('sendRegister').map((c) => [c.route, c.attempt]), [[0, 0], [0, 1]]);
  assert.equal(other.times('sendRegister')[1], 10 + (fail!.timeout as number) * 1000);
  assert.is(fail!.error, '404 Not Found');
});

test('backoff: exponential between min and max, jittered by the seeded PRNG, reset by a success', () => {
  const retry = { min: 30, max: 600 };
  for (let attempt = 1; attempt <= 12; attempt++) {
    const base = Math.min(600, 30 * 2 ** (attempt - 1));
    for (const f of [0, 0.25, 0.5, 0.999]) {
      const d = backoffDelay(attempt, retry, f);
      assert.ok(d >= base && d <= Math.min(600, 2 * base) && d >= 30 && d <= 600, `attempt ${attempt} f=${f}: ${d}`);
    }
  }
  assert.is(backoffDelay(1e9, retry, 0.5), 600, 'no overflow');
  assert.is(backoffDelay(1, { min: 0, max: 0 }, 0), 1, 'never below one second');
  assert.is(backoffDelay(3, retry, Number.NaN), 120, 'a bad fraction is no jitter');
  // the PRNG is a pure function of the seed
  const [f1, s1] = nextJitter(7);
  assert.equal(nextJitter(7), [f1, s1]);
  assert.ok(f1 >= 0 && f1 < 1 && s1 !== 7);

  // eight failures in a row: each DidFail timeout within its window, and the next try at that time
  const script: Array<[number, RegistrationEvent]> = [[0, ev.start]];
  const { data, times } = (() => {
    // answer every REGISTER with 500 as soon as it is sent
    let r = run(script, { routes: 1 }, 0);
    for (let i = 0; i < 8; i++) {
      const sent = r.times('sendRegister');
      script.push([sent[sent.length - 1]! + 5, response(500, 'Server Internal Error')]);
      r = run(script, { routes: 1 }, sent[sent.length - 1]! + 5 + 700_000);
    }
    return r;
  })();
  const waits = data('SIPAccountRegistrationDidFail').map((d) => d.timeout as number);
  assert.is(waits.length, 8);
  waits.forEach((w, i) => {
    const base = Math.min(600, 30 * 2 ** i);
    assert.ok(w >= base && w <= Math.min(600, 2 * base), `failure ${i + 1}: waited ${w} s`);
  });
  assert.ok(waits.slice(5).every((w) => w === 600), 'capped at max');
  const sends = times('sendRegister');
  waits.forEach((w, i) => assert.is(sends[i + 1], sends[i]! + 5 + w * 1000));
  // different seeds spread the retries of accounts that failed together
  const spread = new Set([1, 2, 3, 4, 5].map((seed) => run([[0, ev.start], [5, ev.r404]], { seed }, 10).data('SIPAccountRegistrationDidFail')[0]!.timeout));
  assert.ok(spread.size >= 4, `jittered: ${[...spread]}`);
  // a success resets the exponent
  const reset = run(
    [
      [0, ev.start],
      [5, ev.r404],
      [100_000, ok(300)],
      [100_000 + 270_000 + 5, ev.r404],
    ],
    { seed: 3 },
    400_000,
  );
  const [first, afterSuccess] = reset.data('SIPAccountRegistrationDidFail').map((d) => d.timeout as number);
  assert.ok(first! >= 30 && first! < 60 && afterSuccess! >= 30 && afterSuccess! < 60, `${first} ${afterSuccess}`);
});

test('Retry-After is honoured (not before it), and capped', () => {
  assert.is(retryDelay(1, { min: 30, max: 600 }, 0, 900), 900);
  assert.is(retryDelay(1, { min: 30, max: 600 }, 0, 5), 30, 'never before the backoff either');
  assert.is(retryDelay(1, { min: 30, max: 600 }, 0, 0xffffffff), MAX_RETRY_AFTER);
  const { data, times } = run([
    [0, ev.start],
    [10, response(503, 'Service Unavailable', { retryAfter: 900 })],
  ], { routes: 1 }, 1_000_000);
  assert.is(data('SIPAccountRegistrationDidFail')[0]!.timeout, 900);
  assert.equal(times('sendRegister'), [0, 900_010]);
});

test('unregister: stop sends Expires: 0, DidEnd on 2xx, DidNotEnd on an error, and ends in bounded time', () => {
  const done = run([
    [0, ev.start],
    [10, ok(300)],
    [1000, ev.stop],
    [1050, ok(0)],
  ]);
  assert.equal(done.times('sendUnregister'), [1000]);
  assert.equal(done.data('SIPAccountRegistrationDidEnd'), [{ type: 'SIPAccountRegistrationDidEnd', registration: 'alice@example.com' }]);
  assert.is(done.actor.getSnapshot().status, 'done');
  const refused = run([
    [0, ev.start],
    [10, ok(300)],
    [1000, ev.stop],
    [1050, response(500, 'Server Internal Error')],
  ]);
  assert.equal(refused.data('SIPAccountRegistrationDidNotEnd'), [
    { type: 'SIPAccountRegistrationDidNotEnd', code: 500, reason: 'Server Internal Error', registration: 'alice@example.com' },
  ]);
  // nothing answers, and the transaction layer never reports a timeout either: 64·T1 bounds it
  const silent = run([
    [0, ev.start],
    [10, ok(300)],
    [1000, ev.stop],
  ], { T1: 500 });
  assert.equal(silent.times('SIPAccountRegistrationDidNotEnd'), [33_000]);
  assert.equal(silent.data('SIPAccountRegistrationDidNotEnd')[0], { type: 'SIPAccountRegistrationDidNotEnd', code: 408, reason: 'Request Timeout', registration: 'alice@example.com' });
  assert.is(silent.actor.getSnapshot().status, 'done');
  assert.is(silent.clock.due.size, 0);
  const timedOut = run([
    [0, ev.start],
    [10, ok(300)],
    [1000, ev.stop],
    [1000 + 32_000, ev.timeout],
  ]);
  assert.equal(timedOut.data('SIPAccountRegistrationDidNotEnd').map((d) => d.code), [408]);
});

test('stop while a REGISTER is in flight waits for its outcome (§10.2), then unregisters only if a binding may exist', () => {
  const succeeded = run([
    [0, ev.start],
    [10, ev.stop],
    [50, ok(300)],
    [60, ok(0)],
  ]);
  assert.equal(succeeded.times('sendRegister'), [0]);
  assert.equal(succeeded.times('sendUnregister'), [50], 'not before the REGISTER in flight was answered');
  assert.equal(succeeded.names('SIPAccountRegistrationDidSucceed', 'SIPAccountRegistrationDidEnd'), ['SIPAccountRegistrationDidEnd']);
  const failed = run([
    [0, ev.start],
    [10, ev.stop],
    [50, ev.r404],
  ]);
  assert.equal(failed.times('sendUnregister'), [], 'never registered: nothing to remove');
  assert.equal(failed.names().filter((n) => /DidEnd|DidNotEnd|DidFail/.test(n)), []);
  assert.is(failed.actor.getSnapshot().status, 'done');
  // a refresh in flight: the binding exists whatever the refresh's fate
  const refreshing = run([
    [0, ev.start],
    [10, ok(60)],
    [50_010 + 5, ev.stop],
    [50_010 + 60, ev.timeout],
    [50_010 + 70, ok(0)],
  ], { routes: 1 });
  assert.equal(refreshing.times('sendUnregister'), [50_070]);
  assert.equal(refreshing.names('SIPAccountRegistrationDidEnd').length, 1);
  // stopping while waiting to retry: unregister if an earlier REGISTER succeeded, else just end
  const waiting = run([[0, ev.start], [10, ev.r404], [20, ev.stop]]);
  assert.equal(waiting.times('sendUnregister'), []);
  assert.is(waiting.actor.getSnapshot().status, 'done');
  const waitingBound = run([[0, ev.start], [10, ok(60)], [50_010, ev.r404], [50_020, ev.stop], [50_030, ok(0)]], { routes: 1 });
  assert.equal(waitingBound.times('sendUnregister'), [50_020]);
});

test('network change and transport loss re-register at once, from the first route', () => {
  const { times, data, names } = run(
    [
      [0, ev.start],
      [10, ev.timeout],
      [20, ok(600)],
      [5000, ev.networkChanged],
      [5010, ok(600)],
      [9000, ev.transportLost],
    ],
    {},
    10_000,
  );
  assert.equal(times('sendRegister'), [0, 10, 5000, 9000]);
  assert.equal(data('sendRegister').map((c) => c.route), [0, 1, 0, 0]);
  assert.equal(names('SIPAccountRegistrationWillRefresh').length, 2);
  const waiting = run([[0, ev.start], [10, ev.r404], [20, ev.networkChanged]], {}, 100);
  assert.equal(waiting.times('sendRegister'), [0, 20], 'no need to wait out the backoff on a new network');
});

test('credentials rejected by the digest layer: DidFail and retry later; a 2xx with expires=0 is not a registration', () => {
  const rejected = run([[0, ev.start], [10, ev.credentialsRejected]], {}, 100);
  assert.match(String(rejected.data('SIPAccountRegistrationDidFail')[0]!.error), /^401 Unauthorized \(credentials rejected\)$/);
  assert.is(rejected.value(), '"waitingToRetry"');
  const dropped = run([[0, ev.start], [10, ev.r200zero]], {}, 100);
  assert.equal(dropped.names('SIPAccountRegistrationDidSucceed'), []);
  assert.match(String(dropped.data('SIPAccountRegistrationDidFail')[0]!.error), /did not keep our binding/);
  assert.equal(dropped.times('sendRegister'), [0], 'no tight loop: the next try waits for the backoff');
});

test('input is sanitised: at least one route; stray events are ignored', () => {
  const zero = run([[0, ev.start], [10, ev.timeout]], { routes: 0 }, 100);
  assert.equal(zero.times('sendRegister'), [0]);
  assert.equal(zero.names('SIPAccountRegistrationDidFail').length, 1);
  const stray = run([[0, ev.r200], [1, ev.timeout], [2, ev.start], [3, ev.start]], {}, 100);
  assert.equal(stray.times('sendRegister'), [2]);
  assert.is(stray.value(), '"registering"');
});

test.run();
