// INVITE client transaction — RFC 3261 §17.1.1 (Figure 5) with RFC 6026 §8.4.
// Model-based: xstate/graph enumerates one shortest path per transition of the machine, each path
// is replayed on a real actor driven by a SimulatedClock, and every step is checked against
// Figure 5 written out below as a table. Then exact timer schedules and behaviour.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SimulatedClock, createActor } from 'xstate';
import { SIPRequest, SIPResponse } from '../../src/sip/message.js';
import {
  type InviteClientTransactionEvent,
  type InviteClientTransactionInput,
  inviteClientTransaction as machine,
} from '../../machines/invite-client-transaction.js';
import { type TimerSettings, defaultTimers } from '../../machines/transaction-timers.js';
import { type Model, type Row, definition, minus, replayAll, runScript, union } from './harness.js';

const invite = new SIPRequest({ method: 'INVITE', uri: 'sip:bob@example.com' });
const response = (status: number): InviteClientTransactionEvent => ({ type: 'response', response: new SIPResponse({ status }) });
const transportError: InviteClientTransactionEvent = { type: 'transportError', error: new Error('ECONNRESET') };
const input = (reliable: boolean, timers: TimerSettings = defaultTimers): InviteClientTransactionInput => ({
  id: 'z9hG4bK-ict',
  request: invite,
  reliable,
  timers,
});
const EFFECTS = ['sendRequest', 'sendAck', 'passResponse', 'reportTimeout', 'reportTransportError', 'terminate'] as const;

/** RFC 3261 Figure 5 as corrected by RFC 6026 §8.4; D is zero on reliable transports. */
const figure5 = (reliable: boolean): Row[] => {
  const final: [string, string] = reliable ? ['terminated', 'sendAck passResponse terminate'] : ['completed', 'sendAck passResponse'];
  return [
    ['calling', 'after:timerA', 'calling', 'sendRequest'],
    ['calling', 'after:timerB', 'terminated', 'reportTimeout terminate'],
    ['calling', 'transportError', 'terminated', 'reportTransportError terminate'],
    ['calling', '1xx', 'proceeding', 'passResponse'],
    ['calling', '2xx', 'accepted', 'passResponse'],
    ['calling', '3xx-6xx', ...final],
    ['proceeding', '1xx', 'proceeding', 'passResponse'],
    ['proceeding', '2xx', 'accepted', 'passResponse'],
    ['proceeding', '3xx-6xx', ...final],
    ['accepted', '2xx', 'accepted', 'passResponse'],
    ['accepted', 'after:timerM', 'terminated', 'terminate'],
    ['completed', '3xx-6xx', 'completed', 'sendAck'],
    ['completed', 'after:timerD', 'terminated', 'terminate'],
    ['completed', 'transportError', 'terminated', 'reportTransportError terminate'],
  ];
};

const model: Model = {
  machine,
  events: [response(180), response(200), response(486), transportError],
  key: (s) => JSON.stringify(s.value),
  figureState: (s) => (typeof s.value === 'string' ? s.value : Object.keys(s.value)[0]!),
  figure: figure5,
  effects: EFFECTS,
  initialActions: 'sendRequest',
};

const run = (inp: InviteClientTransactionInput, script: Array<[number, InviteClientTransactionEvent]> = []) =>
  runScript(machine, inp, EFFECTS, script);

// ---------------------------------------------------------------------------------------------

test('model: every state and transition of Figure 5 is reached, and each step does what the figure says', () => {
  const all = definition(machine);
  assert.is(new Set(all.transitions).size, all.transitions.length, 'transition names are unique');
  const udp = replayAll(model, input(false));
  const tcp = replayAll(model, input(true));
  assert.ok(udp.paths > 10 && tcp.paths > 5);
  // together the two transports cover the whole machine ...
  assert.equal(union(udp.transitions, tcp.transitions), all.transitions);
  assert.equal(union(udp.states, tcp.states), all.states);
  // ... and what one of them does not reach is exactly what the RFC rules out for it
  assert.equal(minus(all.transitions, tcp.transitions), [
    'calling response → completed',
    'calling.retransmitting after:timerA → calling.retransmitting',
    'calling.sent always → calling.retransmitting',
    'completed after:timerD → terminated',
    'completed response',
    'completed transportError → terminated',
    'proceeding response → completed',
  ]);
  assert.equal(minus(all.states, tcp.states), ['calling.retransmitting', 'completed']);
  assert.equal(minus(all.transitions, udp.transitions), ['calling response → terminated', 'proceeding response → terminated']);
  assert.equal(minus(all.states, udp.states), ['calling.sent']);
});

test('UDP: Timer A retransmits at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s, Timer B times out at 32 s', () => {
  const { actor, times, clock } = run(input(false));
  assert.equal(times('sendRequest'), [0, 500, 1500, 3500, 7500, 15500, 31500]);
  assert.equal(times('reportTimeout'), [32000]);
  assert.equal(times('terminate'), [32000]);
  assert.equal(times('sendAck'), []);
  assert.is(actor.getSnapshot().status, 'done');
  assert.is(clock.due.size, 0, 'no timer left behind');
});

test('reliable: no Timer A at all; Timer B still times out at 64·T1', () => {
  const { times, clock } = run(input(true));
  assert.equal(times('sendRequest'), [0]);
  assert.equal(times('reportTimeout'), [32000]);
  assert.equal(clock.scheduled, [32000], 'only Timer B was ever scheduled');
});

test('custom T1: A doubles from T1 without cap, B is 64·T1', () => {
  const { times } = run(input(false, { T1: 100, T2: 400, T4: 1000 }));
  assert.equal(times('sendRequest'), [0, 100, 300, 700, 1500, 3100, 6300]);
  assert.equal(times('reportTimeout'), [6400]);
});

test('a 1xx stops retransmissions, and Proceeding has no timeout of its own', () => {
  const { actor, times, clock } = run(input(false), [[700, response(180)]]);
  assert.equal(times('sendRequest'), [0, 500]);
  assert.equal(times('passResponse'), [700]);
  assert.equal(times('reportTimeout'), []);
  assert.is(clock.due.size, 0);
  assert.equal(actor.getSnapshot().value, 'proceeding');
});

test('300-699: ACK sent and response passed once, retransmissions re-ACKed but not passed, Timer D at 32 s', () => {
  const { times, clock } = run(input(false), [
    [100, response(180)],
    [1000, response(486)],
    [1500, response(486)],
    [2000, response(200)],
  ]);
  assert.equal(times('passResponse'), [100, 1000]);
  assert.equal(times('sendAck'), [1000, 1500]);
  assert.equal(times('terminate'), [33000]);
  assert.equal(clock.scheduled, [32000, 500, 32000], 'B, A, then D');
});

test('Timer D is max(32 s, 64·T1) on UDP and zero (no timer, straight to Terminated) on reliable transports', () => {
  assert.equal(run(input(false, { T1: 1000, T2: 4000, T4: 5000 }), [[0, response(404)]]).times('terminate'), [64000]);
  assert.equal(run(input(false, { T1: 100, T2: 4000, T4: 5000 }), [[0, response(404)]]).times('terminate'), [32000]);
  const tcp = run(input(true), [[10, response(404)]]);
  assert.equal(tcp.times('sendAck'), [10]);
  assert.equal(tcp.times('terminate'), [10]);
  assert.equal(tcp.clock.scheduled, [32000], 'only Timer B, never D');
});

test('RFC 6026: 2xx → Accepted; 2xx retransmissions and forks go to the TU, never ACKed; Timer M at 64·T1', () => {
  for (const reliable of [false, true]) {
    const { times, actor } = run(input(reliable), [
      [300, response(200)],
      [800, response(200)],
      [900, response(486)],
      [1000, response(180)],
    ]);
    assert.equal(times('passResponse'), [300, 800]);
    assert.equal(times('sendAck'), []);
    assert.equal(times('terminate'), [32300]);
    assert.is(actor.getSnapshot().status, 'done');
  }
  assert.equal(run(input(false, { T1: 250, T2: 4000, T4: 5000 }), [[0, response(200)]]).times('terminate'), [16000]);
});

test('response classes: 100 and 199 are provisional, 200 and 299 success, 300 and 699 final non-2xx', () => {
  const after = (status: number) => {
    const actor = createActor(machine, { input: input(false), clock: new SimulatedClock() }).start();
    actor.send(response(status));
    return actor.getSnapshot().value;
  };
  assert.equal([100, 199, 200, 299, 300, 699].map(after), ['proceeding', 'proceeding', 'accepted', 'accepted', 'completed', 'completed']);
});

test('transport errors: Calling and Completed (the states that send) terminate with reportTransportError', () => {
  const calling = run(input(false), [[100, transportError]]);
  assert.equal(calling.times('reportTransportError'), [100]);
  assert.equal(calling.times('terminate'), [100]);
  const completed = run(input(false), [
    [0, response(500)],
    [100, transportError],
  ]);
  assert.equal(completed.times('reportTransportError'), [100]);
  assert.equal(completed.times('terminate'), [100]);
  assert.is(completed.clock.due.size, 0);
});

test('actions receive the event and context they act on', () => {
  const got: string[] = [];
  const resp = new SIPResponse({ status: 603 });
  const actor = createActor(
    machine.provide({
      actions: {
        sendRequest: ({ context }) => void got.push(`send ${context.request.method} ${context.id}`),
        sendAck: ({ event }) => void got.push(`ack ${event.type === 'response' && event.response === resp}`),
        passResponse: ({ event }) => void got.push(`pass ${event.type === 'response' ? event.response.status : '?'}`),
      },
    }),
    { input: input(true), clock: new SimulatedClock() },
  ).start();
  actor.send({ type: 'response', response: resp });
  assert.equal(got, ['send INVITE z9hG4bK-ict', 'ack true', 'pass 603']);
});

test.run();
