// INVITE server transaction — RFC 3261 §17.2.1 (Figure 7) with RFC 6026 §7.1 and §8.8.
// Model-based: xstate/graph enumerates one shortest path per transition of the machine, each path
// is replayed on a real actor driven by a SimulatedClock, and every step is checked against
// RFC 6026's Figure 7 written out below as a table. Then exact timer schedules and behaviour.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { SIPRequest, SIPResponse } from '../../src/sip/message.js';
import {
  type InviteServerTransactionEvent,
  type InviteServerTransactionInput,
  inviteServerTransaction as machine,
} from '../../machines/invite-server-transaction.js';
import { type TimerSettings, defaultTimers } from '../../machines/transaction-timers.js';
import { type Model, type Row, definition, minus, replayAll, runScript, union } from './harness.js';

const invite = new SIPRequest({ method: 'INVITE', uri: 'sip:bob@example.com' });
const ack = new SIPRequest({ method: 'ACK', uri: 'sip:bob@example.com' });
const request = (r: SIPRequest): InviteServerTransactionEvent => ({ type: 'request', request: r });
const respond = (status: number): InviteServerTransactionEvent => ({ type: 'respond', response: new SIPResponse({ status }) });
const transportError: InviteServerTransactionEvent = { type: 'transportError', error: new Error('EPIPE') };
const input = (reliable: boolean, timers: TimerSettings = defaultTimers): InviteServerTransactionInput => ({
  id: 'z9hG4bK-ist',
  request: invite,
  reliable,
  timers,
});
const EFFECTS = [
  'passRequest',
  'sendResponse',
  'resendResponse',
  'send100',
  'passAck',
  'reportAck',
  'reportTimeout',
  'reportTransportError',
  'terminate',
] as const;

/**
 * RFC 6026 Figure 7 (which replaces RFC 3261's): Accepted, Timer L, "ACK / to TU", transport
 * errors reported without leaving the state (§8.8); I is zero on reliable transports.
 */
const figure7 = (reliable: boolean, s: AnyMachineSnapshot): Row[] => {
  const answered = s.context.lastResponse !== undefined;
  return [
    ['proceeding', 'after:trying100', 'proceeding', answered ? '' : 'send100'],
    ['proceeding', 'INVITE', 'proceeding', answered ? 'resendResponse' : ''],
    ['proceeding', '1xx', 'proceeding', 'sendResponse'],
    ['proceeding', '2xx', 'accepted', 'sendResponse'],
    ['proceeding', '3xx-6xx', 'completed', 'sendResponse'],
    ['proceeding', 'transportError', 'proceeding', 'reportTransportError'],
    ['accepted', 'ACK', 'accepted', 'passAck'],
    ['accepted', '2xx', 'accepted', 'sendResponse'],
    ['accepted', 'transportError', 'accepted', 'reportTransportError'],
    ['accepted', 'after:timerL', 'terminated', 'terminate'],
    ['completed', 'INVITE', 'completed', 'resendResponse'],
    ['completed', 'after:timerG', 'completed', 'resendResponse'],
    ['completed', 'ACK', ...(reliable ? (['terminated', 'reportAck terminate'] as const) : (['confirmed', 'reportAck'] as const))],
    ['completed', 'after:timerH', 'terminated', 'reportTimeout terminate'],
    ['completed', 'transportError', 'completed', 'reportTransportError'],
    ['confirmed', 'after:timerI', 'terminated', 'terminate'],
  ];
};

const model: Model = {
  machine,
  events: [request(invite), request(ack), respond(180), respond(200), respond(486), transportError],
  // the guards read whether a response was sent yet
  key: (s) => JSON.stringify(s.value) + (s.context.lastResponse ? ' answered' : ''),
  figureState: (s) => (typeof s.value === 'string' ? s.value : Object.keys(s.value)[0]!),
  figure: figure7,
  effects: EFFECTS,
  initialActions: 'passRequest',
};

const lastStatus = ({ context }: { context: Record<string, unknown> }) => (context.lastResponse as SIPResponse | undefined)?.status;
const sentStatus = ({ event }: { event: EventObject }) => (event as { response?: SIPResponse }).response?.status;
const run = (inp: InviteServerTransactionInput, script: Array<[number, InviteServerTransactionEvent]> = []) =>
  runScript(machine, inp, EFFECTS, script, (a) => (a.event.type === 'respond' ? sentStatus(a) : lastStatus(a)));

// ---------------------------------------------------------------------------------------------

test('model: every state and transition of Figure 7 is reached, and each step does what the figure says', () => {
  const all = definition(machine);
  assert.is(new Set(all.transitions).size, all.transitions.length, 'transition names are unique');
  const udp = replayAll(model, input(false));
  const tcp = replayAll(model, input(true));
  assert.ok(udp.paths > 15 && tcp.paths > 10);
  assert.equal(union(udp.transitions, tcp.transitions), all.transitions);
  assert.equal(union(udp.states, tcp.states), all.states);
  assert.equal(minus(all.transitions, tcp.transitions), [
    'completed request → confirmed',
    'completed.retransmitting after:timerG → completed.retransmitting',
    'completed.sent always → completed.retransmitting',
    'confirmed after:timerI → terminated',
  ]);
  assert.equal(minus(all.states, tcp.states), ['completed.retransmitting', 'confirmed']);
  assert.equal(minus(all.transitions, udp.transitions), ['completed request → terminated']);
  assert.equal(minus(all.states, udp.states), [], 'completed.sent is passed through on the way to retransmitting');
});

test('100 Trying after 200 ms only when the TU has sent nothing yet', () => {
  assert.equal(run(input(false)).times('send100'), [200]);
  assert.equal(run(input(false), [[250, respond(180)]]).times('send100'), [200]);
  assert.equal(run(input(false), [[199, respond(180)]]).times('send100'), []);
  assert.equal(run(input(false), [[100, respond(486)]]).times('send100'), []);
  assert.equal(run(input(true), [[100, respond(200)]]).times('send100'), []);
});

test('Proceeding: 1xx from the TU are sent; an INVITE retransmission resends the latest one', () => {
  const { times, args } = run(input(false), [
    [50, request(invite)],
    [100, respond(180)],
    [300, respond(183)],
    [400, request(invite)],
    [500, request(ack)],
  ]);
  assert.equal(times('sendResponse'), [100, 300]);
  assert.equal(args('sendResponse'), [180, 183]);
  assert.equal(times('resendResponse'), [400], 'nothing to resend at 50 ms, the stray ACK is ignored');
  assert.equal(args('resendResponse'), [183]);
});

test('Completed (UDP): Timer G resends the final at 0.5, 1, 2, 4, 4... s intervals until Timer H at 32 s', () => {
  const { times, args, actor, clock } = run(input(false), [[0, respond(486)]]);
  const resends = times('resendResponse');
  assert.equal(resends, [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  assert.ok(args('resendResponse').every((s) => s === 486));
  assert.equal(times('reportTimeout'), [32000]);
  assert.equal(times('terminate'), [32000]);
  assert.is(actor.getSnapshot().status, 'done');
  assert.is(clock.due.size, 0);
});

test('Completed: an INVITE retransmission resends the final; the ACK stops G and H, Timer I ends Confirmed at T4', () => {
  const { times } = run(input(false), [
    [0, respond(404)],
    [1000, request(invite)],
    [2000, request(ack)],
    [3000, request(ack)],
    [3500, request(invite)],
    [4000, respond(500)],
  ]);
  assert.equal(times('resendResponse'), [500, 1000, 1500]);
  assert.equal(times('sendResponse'), [0]);
  assert.equal(times('reportTimeout'), []);
  assert.equal(times('terminate'), [7000]);
});

test('reliable: no Timer G, and the ACK terminates at once (no Timer I)', () => {
  const { times, clock } = run(input(true), [
    [10, respond(603)],
    [100, request(ack)],
  ]);
  assert.equal(times('resendResponse'), []);
  assert.equal(times('terminate'), [100]);
  assert.equal(clock.scheduled, [200, 32000], 'the 100 Trying timer and Timer H, nothing else');
  const noAck = run(input(true), [[10, respond(603)]]);
  assert.equal(noAck.times('reportTimeout'), [32010]);
});

test('RFC 6026 Accepted: INVITE retransmissions absorbed, ACK to the TU, 2xx from the TU sent, Timer L at 64·T1', () => {
  for (const reliable of [false, true]) {
    const { times, args } = run(input(reliable), [
      [100, respond(200)],
      [600, request(invite)],
      [700, respond(200)],
      [800, request(ack)],
      [900, respond(486)],
    ]);
    assert.equal(times('sendResponse'), [100, 700]);
    assert.equal(args('sendResponse'), [200, 200]);
    assert.equal(times('resendResponse'), []);
    assert.equal(times('passAck'), [800]);
    assert.equal(times('terminate'), [32100]);
  }
});

test('custom timers: G doubles from T1 up to T2; H, L = 64·T1; I = T4', () => {
  const t: TimerSettings = { T1: 100, T2: 400, T4: 1000 };
  const completed = run(input(false, t), [[0, respond(480)]]);
  assert.equal(completed.times('resendResponse').slice(0, 6), [100, 300, 700, 1100, 1500, 1900]);
  assert.equal(completed.times('reportTimeout'), [6400]);
  assert.equal(run(input(false, t), [[0, respond(200)]]).times('terminate'), [6400]);
  assert.equal(
    run(input(false, t), [
      [0, respond(480)],
      [50, request(ack)],
    ]).times('terminate'),
    [1050],
  );
});

test('transport errors are reported in every state that sends, and the transaction stays (RFC 6026 §8.8)', () => {
  const { times, actor } = run(input(false), [
    [10, transportError],
    [20, respond(180)],
    [30, transportError],
    [40, respond(486)],
    [50, transportError],
    [60, request(ack)],
  ]);
  assert.equal(times('reportTransportError'), [10, 30, 50]);
  assert.equal(times('terminate'), [5060], 'still reached Confirmed, then Timer I');
  assert.is(actor.getSnapshot().status, 'done');
  const accepted = run(input(false), [
    [10, respond(200)],
    [20, transportError],
  ]);
  assert.equal(accepted.times('reportTransportError'), [20]);
  assert.equal(accepted.times('terminate'), [32010]);
});

test.run();
