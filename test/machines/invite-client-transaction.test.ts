// INVITE client transaction — RFC 3261 §17.1.1 (Figure 5) with RFC 6026 §8.4.
// Model-based: xstate/graph enumerates one shortest path per transition of the machine, each path
// is replayed on a real actor driven by a SimulatedClock, and every step is checked against
// Figure 5 written out below as a table. Then exact timer schedules and behaviour.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyTransitionDefinition,
  type EventObject,
  SimulatedClock,
  createActor,
} from 'xstate';
import { getShortestPaths, getStateNodes } from 'xstate/graph';
import { SIPRequest, SIPResponse } from '../../src/sip/message.js';
import {
  type InviteClientTransactionEvent,
  type InviteClientTransactionInput,
  inviteClientTransaction as machine,
} from '../../machines/invite-client-transaction.js';
import { type TimerSettings, defaultTimers } from '../../machines/transaction-timers.js';

// ---------------------------------------------------------------------------------------------
// Model-testing harness (the same in the four transaction machine tests).

/** A SimulatedClock that knows when its next timer is due and logs every delay scheduled on it. */
class StepClock extends SimulatedClock {
  readonly due = new Map<number, number>();
  readonly scheduled: number[] = [];
  override setTimeout(fn: (...args: unknown[]) => void, ms: number): number {
    this.scheduled.push(ms);
    const id: number = super.setTimeout(() => {
      this.due.delete(id);
      fn();
    }, ms);
    this.due.set(id, this.now() + ms);
    return id;
  }
  override clearTimeout(id: number): void {
    this.due.delete(id);
    super.clearTimeout(id);
  }
  /** Move time to the next due timer and fire it; false when no timer is pending. */
  next(): boolean {
    if (this.due.size === 0) return false;
    this.set(Math.min(...this.due.values()));
    return true;
  }
}

type Msg = { response?: SIPResponse; request?: SIPRequest };
/** `response 180`, `request ACK`, `after:timerA` (for `xstate.after.timerA.<state id>`), `transportError`. */
const label = (e: EventObject): string => {
  if (e.type.startsWith('xstate.after.')) return `after:${e.type.split('.')[2]}`;
  const { response, request } = e as EventObject & Msg;
  return response ? `${e.type} ${response.status}` : request ? `${e.type} ${request.method}` : e.type;
};
/** The column of the figure an event falls in: 1xx, 2xx, 3xx-6xx, INVITE, ACK, after:timerX... */
const column = (l: string): string => {
  const m = /^(?:response|respond) (\d)/.exec(l);
  if (!m) return l.replace(/^request /, '');
  return m[1] === '1' ? '1xx' : m[1] === '2' ? '2xx' : '3xx-6xx';
};
const local = (m: AnyStateMachine, id: string) => id.slice(m.id.length + 1);
/** A transition named by its source, event and target: `calling response → proceeding`. */
const transitionName = (m: AnyStateMachine, t: AnyTransitionDefinition): string => {
  const ev = t.eventType === '' ? 'always' : label({ type: t.eventType });
  const target = t.target?.length ? ` → ${t.target.map((s) => local(m, s.id)).join(',')}` : '';
  return `${local(m, t.source.id)} ${ev}${target}`;
};
/** Every transition and every state node the machine defines. */
const definition = (m: AnyStateMachine) => {
  const nodes = [m.root, ...getStateNodes(m.root)];
  const transitions = nodes.flatMap((n) => [...[...n.transitions.values()].flat(), ...(n.always ?? [])]);
  return { transitions: transitions.map((t) => transitionName(m, t)), states: nodes.slice(1).map((n) => local(m, n.id)) };
};

/** [state, event column(s) separated by |, next state, actions]: the figure as a table. */
type Row = [string, string, string, string];
interface Model {
  machine: AnyStateMachine;
  events: EventObject[];
  /** The graph vertex: the state value plus whatever context the guards read. */
  key: (s: AnyMachineSnapshot) => string;
  /** The RFC figure's name for the state. */
  figureState: (s: AnyMachineSnapshot) => string;
  figure: (reliable: boolean, s: AnyMachineSnapshot) => Row[];
  effects: readonly string[];
  initialActions: string;
}

/**
 * One shortest path per transition: the vertices of the graph are named by the transition that
 * reaches them (source, event, target), so getShortestPaths returns a path ending with each one.
 * Delayed transitions are offered as their `xstate.after.*` events in the states that schedule them.
 */
const transitionPaths = (model: Model, input: unknown) =>
  getShortestPaths(model.machine, {
    input,
    events: (s: AnyMachineSnapshot) => [
      ...model.events,
      ...[...new Set(s._nodes.flatMap((n) => n.ownEvents))].filter((t) => t.startsWith('xstate.after.')).map((type) => ({ type })),
    ],
    serializeEvent: label as never,
    serializeState: ((s: AnyMachineSnapshot, e: EventObject | undefined, prev: AnyMachineSnapshot | undefined) =>
      `${prev ? model.key(prev) : ''} ${e ? label(e) : 'start'} → ${model.key(s)}`) as never,
    stopWhen: (s: AnyMachineSnapshot) => s.status === 'done',
  });

interface Replay {
  transitions: Set<string>;
  states: Set<string>;
  paths: number;
}

/**
 * Replays every path on a real actor whose timers run on a StepClock, and checks at each step
 * that the actor is where the graph says, in the state the figure says, having run exactly the
 * figure's actions. Records the transitions and states the actor really went through.
 */
const replayAll = (model: Model, input: { reliable: boolean }): Replay => {
  const seen: Replay = { transitions: new Set(), states: new Set(), paths: 0 };
  for (const path of transitionPaths(model, input)) {
    seen.paths++;
    const clock = new StepClock();
    const log: Array<[string, string]> = [];
    const processed: string[] = [];
    const recorders = Object.fromEntries(
      model.effects.map((name) => [name, ({ event }: { event: EventObject }) => void log.push([name, event.type])]),
    );
    const actor = createActor(model.machine.provide({ actions: recorders }), {
      input,
      clock,
      inspect: (ev) => {
        if (ev.type === '@xstate.event') processed.push(ev.event.type);
        if (ev.type !== '@xstate.microstep') return;
        for (const t of ev._transitions) seen.transitions.add(transitionName(model.machine, t));
        for (const n of (ev.snapshot as AnyMachineSnapshot)._nodes) if (n.parent) seen.states.add(local(model.machine, n.id));
      },
    });
    actor.start();
    let prev = actor.getSnapshot();
    for (const n of prev._nodes) if (n.parent) seen.states.add(local(model.machine, n.id));
    assert.is(log.map(([a]) => a).join(' '), model.initialActions, 'actions on start');
    const where = `path ${path.steps.map((s) => label(s.event)).join(', ')}`;
    for (const step of path.steps.slice(1)) {
      log.length = 0;
      processed.length = 0;
      const type = step.event.type;
      if (type.startsWith('xstate.after.')) {
        // let the clock fire timers, in order, until this one has fired
        while (!processed.includes(type)) assert.ok(clock.next(), `${where}: ${type} never fired`);
      } else actor.send(step.event);
      const now = actor.getSnapshot();
      const from = model.figureState(prev);
      const ev = column(label(step.event));
      const row = model.figure(input.reliable, prev).find(([s, e]) => s === from && e.split('|').includes(ev));
      const [, , to, actions] = row ?? [from, ev, from, ''];
      const at = `${where} — at "${from}" on ${label(step.event)}`;
      assert.is(model.key(now), model.key(step.state), `${at}: actor and graph disagree`);
      assert.is(model.figureState(now), to, `${at}: next state`);
      assert.is(log.filter(([, e]) => e === type).map(([a]) => a).join(' '), actions, `${at}: actions`);
      if (to === 'terminated') assert.is(now.status, 'done', `${at}: terminated is final`);
      prev = now;
    }
    actor.stop();
  }
  return seen;
};

const minus = (a: Iterable<string>, b: Iterable<string>) => {
  const drop = new Set(b);
  return [...a].filter((x) => !drop.has(x)).sort();
};

// ---------------------------------------------------------------------------------------------

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

/** Runs an actor with recorders and a StepClock; `at(t, event)` schedules sends. */
const run = (inp: InviteClientTransactionInput, script: Array<[number, InviteClientTransactionEvent]> = []) => {
  const clock = new StepClock();
  const log: Array<[number, string]> = [];
  const recorders = Object.fromEntries(EFFECTS.map((n) => [n, () => void log.push([clock.now(), n])]));
  const actor = createActor(machine.provide({ actions: recorders }), { input: inp, clock });
  actor.start();
  const pending = [...script];
  for (;;) {
    const nextTimer = clock.due.size ? Math.min(...clock.due.values()) : Infinity;
    const nextSend = pending.length ? pending[0]![0] : Infinity;
    if (nextSend === Infinity && nextTimer === Infinity) break;
    if (nextSend <= nextTimer) {
      clock.set(nextSend);
      actor.send(pending.shift()![1]);
    } else clock.next();
  }
  const times = (name: string) => log.filter(([, n]) => n === name).map(([t]) => t);
  return { actor, clock, log, times };
};

// ---------------------------------------------------------------------------------------------

test('model: every state and transition of Figure 5 is reached, and each step does what the figure says', () => {
  const all = definition(machine);
  assert.is(new Set(all.transitions).size, all.transitions.length, 'transition names are unique');
  const udp = replayAll(model, input(false));
  const tcp = replayAll(model, input(true));
  assert.ok(udp.paths > 10 && tcp.paths > 5);
  // together the two transports cover the whole machine ...
  assert.equal([...new Set([...udp.transitions, ...tcp.transitions])].sort(), [...all.transitions].sort());
  assert.equal([...new Set([...udp.states, ...tcp.states])].sort(), [...all.states].sort());
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
