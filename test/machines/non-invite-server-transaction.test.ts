// Non-INVITE server transaction — RFC 3261 §17.2.2 (Figure 8).
// Model-based: xstate/graph enumerates one shortest path per transition of the machine, each path
// is replayed on a real actor driven by a SimulatedClock, and every step is checked against
// Figure 8 written out below as a table. Then timer schedules and the seed's defects (notes §12).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, SimulatedClock } from 'xstate';
import { SIPRequest, SIPResponse } from '../../src/sip/message.js';
import {
  type NonInviteServerTransactionEvent,
  type NonInviteServerTransactionInput,
  nonInviteServerTransaction as machine,
} from '../../machines/non-invite-server-transaction.js';
import { type TimerSettings, defaultTimers } from '../../machines/transaction-timers.js';
import { type Model, type Row, definition, minus, replayAll, runScript, union } from './harness.js';

const options = new SIPRequest({ method: 'OPTIONS', uri: 'sip:alice@example.com' });
const retransmission: NonInviteServerTransactionEvent = { type: 'request', request: options };
const respond = (status: number): NonInviteServerTransactionEvent => ({ type: 'respond', response: new SIPResponse({ status }) });
const transportError: NonInviteServerTransactionEvent = { type: 'transportError', error: new Error('ECONNREFUSED') };
const input = (reliable: boolean, timers: TimerSettings = defaultTimers): NonInviteServerTransactionInput => ({
  id: 'z9hG4bK-nist',
  request: options,
  reliable,
  timers,
});
const EFFECTS = ['passRequest', 'sendResponse', 'resendResponse', 'reportTransportError', 'terminate'] as const;

/** RFC 3261 Figure 8; J is zero on reliable transports. Finals from the TU in Completed are discarded. */
const figure8 = (reliable: boolean): Row[] => {
  const final: [string, string] = reliable ? ['terminated', 'sendResponse terminate'] : ['completed', 'sendResponse'];
  return [
    ['trying', '1xx', 'proceeding', 'sendResponse'],
    ['trying', '2xx|3xx-6xx', ...final],
    ['trying', 'transportError', 'terminated', 'reportTransportError terminate'],
    ['proceeding', 'OPTIONS', 'proceeding', 'resendResponse'],
    ['proceeding', '1xx', 'proceeding', 'sendResponse'],
    ['proceeding', '2xx|3xx-6xx', ...final],
    ['proceeding', 'transportError', 'terminated', 'reportTransportError terminate'],
    ['completed', 'OPTIONS', 'completed', 'resendResponse'],
    ['completed', 'after:timerJ', 'terminated', 'terminate'],
    ['completed', 'transportError', 'terminated', 'reportTransportError terminate'],
  ];
};

const model: Model = {
  machine,
  events: [retransmission, respond(100), respond(200), respond(481), transportError],
  key: (s) => JSON.stringify(s.value),
  figureState: (s) => s.value as string,
  figure: figure8,
  effects: EFFECTS,
  initialActions: 'passRequest',
};

const run = (inp: NonInviteServerTransactionInput, script: Array<[number, NonInviteServerTransactionEvent]> = []) =>
  runScript(machine, inp, EFFECTS, script, ({ context, event }) => {
    const { response } = event as { response?: SIPResponse };
    return (response ?? (context.lastResponse as SIPResponse | undefined))?.status;
  });

// ---------------------------------------------------------------------------------------------

test('model: every state and transition of Figure 8 is reached, and each step does what the figure says', () => {
  const all = definition(machine);
  assert.is(new Set(all.transitions).size, all.transitions.length, 'transition names are unique');
  const udp = replayAll(model, input(false));
  const tcp = replayAll(model, input(true));
  assert.ok(udp.paths > 10 && tcp.paths > 5);
  assert.equal(union(udp.transitions, tcp.transitions), all.transitions);
  assert.equal(union(udp.states, tcp.states), all.states);
  assert.equal(minus(all.transitions, tcp.transitions), [
    'completed after:timerJ → terminated',
    'completed request',
    'completed transportError → terminated',
    'proceeding respond → completed',
    'trying respond → completed',
  ]);
  assert.equal(minus(all.states, tcp.states), ['completed']);
  assert.equal(minus(all.transitions, udp.transitions), ['proceeding respond → terminated', 'trying respond → terminated']);
  assert.equal(minus(all.states, udp.states), []);
});

test('Trying absorbs retransmissions; Timer J ends Completed after 64·T1 on UDP', () => {
  const { times, actor, clock } = run(input(false), [
    [10, retransmission],
    [100, respond(200)],
    [600, retransmission],
  ]);
  assert.equal(times('passRequest'), [0]);
  assert.equal(times('resendResponse'), [600], 'nothing to resend in Trying');
  assert.equal(times('terminate'), [32100]);
  assert.is(actor.getSnapshot().status, 'done');
  assert.is(clock.due.size, 0);
  assert.equal(run(input(false, { T1: 100, T2: 400, T4: 1000 }), [[0, respond(404)]]).times('terminate'), [6400]);
});

test('reliable: J is zero, so the final response ends the transaction at once and no timer is ever scheduled', () => {
  const { times, clock } = run(input(true), [
    [10, respond(100)],
    [20, respond(202)],
  ]);
  assert.equal(times('sendResponse'), [10, 20]);
  assert.equal(times('terminate'), [20]);
  assert.equal(clock.scheduled, []);
});

test('seed defect 5: a 1xx in Proceeding is sent, and a later final does not overwrite the one sent', () => {
  const { times, args } = run(input(false), [
    [10, respond(100)],
    [20, respond(180)],
    [30, retransmission],
    [40, respond(200)],
    [50, respond(500)],
    [60, retransmission],
    [70, respond(180)],
  ]);
  assert.equal(times('sendResponse'), [10, 20, 40]);
  assert.equal(args('sendResponse'), [100, 180, 200]);
  assert.equal(times('resendResponse'), [30, 60]);
  assert.equal(args('resendResponse'), [180, 200], 'the 500 was discarded, not remembered');
  const actor = createActor(machine, { input: input(false), clock: new SimulatedClock() }).start();
  actor.send(respond(486));
  const stored = actor.getSnapshot().context.lastResponse;
  actor.send(respond(200));
  assert.is(actor.getSnapshot().context.lastResponse, stored);
  assert.is(stored?.status, 486);
});

test('transport errors end the transaction from every state, with reportTransportError and terminate', () => {
  const trying = run(input(false), [[10, transportError]]);
  const proceeding = run(input(false), [
    [10, respond(100)],
    [20, transportError],
  ]);
  const completed = run(input(false), [
    [10, respond(200)],
    [30, transportError],
  ]);
  assert.equal([trying, proceeding, completed].map((r) => r.times('reportTransportError')), [[10], [20], [30]]);
  assert.equal([trying, proceeding, completed].map((r) => r.times('terminate')), [[10], [20], [30]]);
  assert.ok([trying, proceeding, completed].every((r) => r.clock.due.size === 0 && r.actor.getSnapshot().status === 'done'));
});

test.run();
