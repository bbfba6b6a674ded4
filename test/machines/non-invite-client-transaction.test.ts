// Non-INVITE client transaction — RFC 3261 §17.1.2 (Figure 6).
// Model-based: xstate/graph enumerates one shortest path per transition of the machine, each path
// is replayed on a real actor driven by a SimulatedClock, and every step is checked against
// Figure 6 written out below as a table. Then exact timer schedules and behaviour.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AnyMachineSnapshot } from 'xstate';
import { SIPRequest, SIPResponse } from '../../src/sip/message.js';
import {
  type NonInviteClientTransactionEvent,
  type NonInviteClientTransactionInput,
  nonInviteClientTransaction as machine,
} from '../../machines/non-invite-client-transaction.js';
import { type TimerSettings, defaultTimers } from '../../machines/transaction-timers.js';
import { type Model, type Row, definition, minus, replayAll, runScript, union } from './harness.js';

const options = new SIPRequest({ method: 'OPTIONS', uri: 'sip:bob@example.com' });
const response = (status: number): NonInviteClientTransactionEvent => ({ type: 'response', response: new SIPResponse({ status }) });
const transportError: NonInviteClientTransactionEvent = { type: 'transportError', error: new Error('EHOSTUNREACH') };
const input = (reliable: boolean, timers: TimerSettings = defaultTimers): NonInviteClientTransactionInput => ({
  id: 'z9hG4bK-nict',
  request: options,
  reliable,
  timers,
});
const EFFECTS = ['sendRequest', 'passResponse', 'reportTimeout', 'reportTransportError', 'terminate'] as const;

/** RFC 3261 Figure 6; K is zero on reliable transports. 200-699 are all just "final". */
const figure6 = (reliable: boolean): Row[] => {
  const final: [string, string] = reliable ? ['terminated', 'passResponse terminate'] : ['completed', 'passResponse'];
  return [
    ['trying', 'after:timerE', 'trying', 'sendRequest'],
    ['trying', 'after:timerF', 'terminated', 'reportTimeout terminate'],
    ['trying', 'transportError', 'terminated', 'reportTransportError terminate'],
    ['trying', '1xx', 'proceeding', 'passResponse'],
    ['trying', '2xx|3xx-6xx', ...final],
    ['proceeding', 'after:timerE', 'proceeding', 'sendRequest'],
    ['proceeding', 'after:timerF', 'terminated', 'reportTimeout terminate'],
    ['proceeding', 'transportError', 'terminated', 'reportTransportError terminate'],
    ['proceeding', '1xx', 'proceeding', 'passResponse'],
    ['proceeding', '2xx|3xx-6xx', ...final],
    ['completed', 'after:timerK', 'terminated', 'terminate'],
  ];
};

/** Figure 6's Trying and Proceeding are the `progress` region of `active`. */
const figureState = (s: AnyMachineSnapshot): string => {
  const v = s.value as string | { active: { progress: string } };
  return typeof v === 'string' ? v : v.active.progress;
};

const model: Model = {
  machine,
  events: [response(180), response(200), response(404), transportError],
  key: (s) => JSON.stringify(s.value),
  figureState,
  figure: figure6,
  effects: EFFECTS,
  initialActions: 'sendRequest',
};

const run = (inp: NonInviteClientTransactionInput, script: Array<[number, NonInviteClientTransactionEvent]> = []) =>
  runScript(machine, inp, EFFECTS, script);

// ---------------------------------------------------------------------------------------------

test('model: every state and transition of Figure 6 is reached, and each step does what the figure says', () => {
  const all = definition(machine);
  assert.is(new Set(all.transitions).size, all.transitions.length, 'transition names are unique');
  const udp = replayAll(model, input(false));
  const tcp = replayAll(model, input(true));
  assert.ok(udp.paths > 10 && tcp.paths > 5);
  assert.equal(union(udp.transitions, tcp.transitions), all.transitions);
  assert.equal(union(udp.states, tcp.states), all.states);
  assert.equal(minus(all.transitions, tcp.transitions), [
    'active response → completed',
    'active.retransmit.retransmitting after:timerE → active.retransmit.retransmitting',
    'active.retransmit.sent always → active.retransmit.retransmitting',
    'completed after:timerK → terminated',
  ]);
  assert.equal(minus(all.states, tcp.states), ['active.retransmit.retransmitting', 'completed']);
  assert.equal(minus(all.transitions, udp.transitions), ['active response → terminated']);
  assert.equal(minus(all.states, udp.states), ['active.retransmit.sent']);
});

test('UDP: Timer E retransmits at intervals 0.5, 1, 2, 4, 4, 4... s until Timer F at 32 s', () => {
  const { times, actor, clock } = run(input(false));
  const sends = times('sendRequest');
  assert.equal(sends, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  assert.equal(sends.slice(1).map((t, i) => t - sends[i]!), [500, 1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000]);
  assert.equal(times('reportTimeout'), [32000]);
  assert.equal(times('terminate'), [32000]);
  assert.is(actor.getSnapshot().status, 'done');
  assert.is(clock.due.size, 0);
});

test('Proceeding: the running Timer E is not restarted by the 1xx, and is reset with T2 from then on; F keeps running', () => {
  const late = run(input(false), [[600, response(100)]]);
  assert.equal(late.times('sendRequest'), [0, 500, 1500, 5500, 9500, 13500, 17500, 21500, 25500, 29500]);
  assert.equal(late.times('reportTimeout'), [32000], 'F started with the request, not with the 1xx');
  const early = run(input(false), [[100, response(180)]]);
  assert.equal(early.times('sendRequest'), [0, 500, 4500, 8500, 12500, 16500, 20500, 24500, 28500]);
  assert.equal(early.times('passResponse'), [100]);
});

test('reliable: no Timer E; Timer F still at 64·T1', () => {
  const { times, clock } = run(input(true), [[100, response(100)]]);
  assert.equal(times('sendRequest'), [0]);
  assert.equal(times('reportTimeout'), [32000]);
  assert.equal(clock.scheduled, [32000], 'only Timer F was ever scheduled');
});

test('final response: passed once, retransmissions absorbed, Timer K at T4 (UDP) or none at all (reliable)', () => {
  const udp = run(input(false), [
    [100, response(180)],
    [2000, response(200)],
    [2500, response(200)],
    [3000, response(503)],
  ]);
  assert.equal(udp.times('passResponse'), [100, 2000]);
  assert.equal(udp.times('terminate'), [7000]);
  assert.equal(udp.times('sendRequest'), [0, 500], 'E reset to T2 by the 1xx, stopped by the final response');
  const tcp = run(input(true), [[10, response(486)]]);
  assert.equal(tcp.times('passResponse'), [10]);
  assert.equal(tcp.times('terminate'), [10]);
  assert.equal(tcp.clock.scheduled, [32000], 'F only: no Timer K');
});

test('custom timers: E = T1 doubling to T2, F = 64·T1, K = T4', () => {
  const t: TimerSettings = { T1: 100, T2: 400, T4: 1000 };
  const { times } = run(input(false, t));
  assert.equal(times('sendRequest').slice(0, 7), [0, 100, 300, 700, 1100, 1500, 1900]);
  assert.equal(times('reportTimeout'), [6400]);
  assert.equal(run(input(false, t), [[50, response(404)]]).times('terminate'), [1050]);
});

test('transport errors in Trying and Proceeding terminate with reportTransportError', () => {
  const trying = run(input(false), [[100, transportError]]);
  assert.equal(trying.times('reportTransportError'), [100]);
  assert.equal(trying.times('terminate'), [100]);
  const proceeding = run(input(false), [
    [100, response(180)],
    [200, transportError],
  ]);
  assert.equal(proceeding.times('reportTransportError'), [200]);
  assert.equal(proceeding.times('terminate'), [200]);
  assert.is(proceeding.clock.due.size, 0);
});

test('a 2xx is just a final response: Completed with Timer K, no Accepted state, retransmissions absorbed', () => {
  const { times, actor } = run(input(false), [
    [100, response(200)],
    [200, response(200)],
  ]);
  assert.equal(times('passResponse'), [100]);
  assert.equal(times('terminate'), [5100]);
  assert.is(actor.getSnapshot().status, 'done');
});

test.run();
