// Transaction timers (RFC 3261 §17, Table 4; RFC 6026 §8.4, §8.7).
//
// This file also exports the model-testing harness the four transaction machine tests share:
// StepClock, transition paths from xstate/graph, replay on real actors, coverage bookkeeping.
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
import type { SIPRequest, SIPResponse } from '../../src/sip/message.js';
import {
  TRYING_100_DELAY,
  defaultTimers,
  nextCapped,
  nextTimerA,
  timerA,
  timerB,
  timerD,
  timerE,
  timerF,
  timerG,
  timerH,
  timerI,
  timerJ,
  timerK,
  timerL,
  timerM,
} from '../../machines/transaction-timers.js';

// ---------------------------------------------------------------------------------------------
// The model-testing harness.

/** A SimulatedClock that knows when its next timer is due and logs every delay scheduled on it. */
export class StepClock extends SimulatedClock {
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
  /** When the next timer is due (Infinity when none is pending). */
  get nextDue(): number {
    return this.due.size ? Math.min(...this.due.values()) : Infinity;
  }
  /** Move time to the next due timer and fire it; false when no timer is pending. */
  next(): boolean {
    if (this.due.size === 0) return false;
    this.set(this.nextDue);
    return true;
  }
}

type Msg = { response?: SIPResponse; request?: SIPRequest };
/** `response 180`, `request ACK`, `after:timerA` (for `xstate.after.timerA.<state id>`), `transportError`. */
export const label = (e: EventObject): string => {
  if (e.type.startsWith('xstate.after.')) return `after:${e.type.split('.')[2]}`;
  const { response, request } = e as EventObject & Msg;
  return response ? `${e.type} ${response.status}` : request ? `${e.type} ${request.method}` : e.type;
};
/** The column of a figure an event falls in: 1xx, 2xx, 3xx-6xx, INVITE, ACK, after:timerX... */
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

/** Every transition (by name) and every state node the machine definition has. */
export const definition = (m: AnyStateMachine) => {
  const nodes = [m.root, ...getStateNodes(m.root)];
  const transitions = nodes.flatMap((n) => [...[...n.transitions.values()].flat(), ...(n.always ?? [])]);
  return { transitions: transitions.map((t) => transitionName(m, t)).sort(), states: nodes.slice(1).map((n) => local(m, n.id)).sort() };
};

/** A row of an RFC figure: [state, event column(s) joined by |, next state, actions]. */
export type Row = [string, string, string, string];

export interface Model {
  machine: AnyStateMachine;
  /** The events the graph offers in every state (delayed events are added per state). */
  events: EventObject[];
  /** A graph vertex: the state value plus whatever context the guards read. */
  key: (s: AnyMachineSnapshot) => string;
  /** The RFC figure's name for the state the snapshot is in. */
  figureState: (s: AnyMachineSnapshot) => string;
  /** The figure as rows; an event with no row leaves the state and does nothing. */
  figure: (reliable: boolean, s: AnyMachineSnapshot) => Row[];
  /** The named placeholder actions (replaced by recorders). */
  effects: readonly string[];
  /** The actions run when the actor starts. */
  initialActions: string;
}

/**
 * One shortest path per transition: a graph vertex is named by the transition that reaches it
 * (source vertex, event, target vertex), so getShortestPaths returns a path ending with each
 * transition of the abstract state graph. Delayed transitions are offered as the
 * `xstate.after.<delay>.<state id>` events of the states that schedule them.
 */
export const transitionPaths = (model: Model, input: unknown) =>
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

export interface Coverage {
  transitions: Set<string>;
  states: Set<string>;
  paths: number;
}

/**
 * Replays every path on a real actor whose timers run on a StepClock (a delayed event is
 * replayed by letting the clock fire timers until that one fires), and checks at each step that
 * the actor is where the graph says, in the state the figure says, having run exactly the
 * figure's actions. Returns the transitions and states the actors really went through.
 */
export const replayAll = (model: Model, input: { reliable: boolean }): Coverage => {
  const seen: Coverage = { transitions: new Set(), states: new Set(), paths: 0 };
  const m = model.machine;
  for (const path of transitionPaths(model, input)) {
    seen.paths++;
    const clock = new StepClock();
    const log: Array<[string, string]> = [];
    const processed: string[] = [];
    const recorders = Object.fromEntries(
      model.effects.map((name) => [name, ({ event }: { event: EventObject }) => void log.push([name, event.type])]),
    );
    const actor = createActor(m.provide({ actions: recorders }), {
      input,
      clock,
      inspect: (ev) => {
        if (ev.type === '@xstate.event') processed.push(ev.event.type);
        if (ev.type !== '@xstate.microstep') return;
        for (const t of ev._transitions) seen.transitions.add(transitionName(m, t));
        for (const n of (ev.snapshot as AnyMachineSnapshot)._nodes) if (n.parent) seen.states.add(local(m, n.id));
      },
    });
    actor.start();
    let prev: AnyMachineSnapshot = actor.getSnapshot();
    for (const n of prev._nodes) if (n.parent) seen.states.add(local(m, n.id));
    assert.is(log.map(([a]) => a).join(' '), model.initialActions, 'actions on start');
    const where = `path ${path.steps.map((s) => label(s.event)).join(', ')}`;
    for (const step of path.steps.slice(1)) {
      log.length = 0;
      processed.length = 0;
      const type = step.event.type;
      if (type.startsWith('xstate.after.')) {
        while (!processed.includes(type)) assert.ok(clock.next(), `${where}: ${type} never fired`);
      } else actor.send(step.event);
      const now: AnyMachineSnapshot = actor.getSnapshot();
      const from = model.figureState(prev);
      const ev = column(label(step.event));
      const row = model.figure(input.reliable, prev).find(([s, e]) => s === from && e.split('|').includes(ev));
      const [, , to, actions] = row ?? [from, ev, from, ''];
      const at = `${where} — in "${from}" on ${label(step.event)}`;
      assert.is(model.key(now), model.key(step.state as AnyMachineSnapshot), `${at}: actor and graph disagree`);
      assert.is(model.figureState(now), to, `${at}: next state`);
      assert.is(log.filter(([, e]) => e === type).map(([a]) => a).join(' '), actions, `${at}: actions`);
      if (to === 'terminated') assert.is(now.status, 'done', `${at}: Terminated is final`);
      prev = now;
    }
    actor.stop();
  }
  return seen;
};

/** The elements of `a` not in `b`, sorted. */
export const minus = (a: Iterable<string>, b: Iterable<string>): string[] => {
  const drop = new Set(b);
  return [...a].filter((x) => !drop.has(x)).sort();
};
export const union = (a: Iterable<string>, b: Iterable<string>): string[] => [...new Set([...a, ...b])].sort();

/**
 * Runs `machine` with recorders for `effects` on a StepClock, sending each scripted event at its
 * time and firing timers in between, until nothing is left to do. `times(action)` lists when an
 * action ran; `args(action)` what the recorder saw (see `describe`).
 */
export const runScript = (
  machine: AnyStateMachine,
  input: unknown,
  effects: readonly string[],
  script: Array<[number, EventObject]> = [],
  describe: (a: { context: Record<string, unknown>; event: EventObject }) => unknown = () => undefined,
) => {
  const clock = new StepClock();
  const log: Array<[number, string, unknown]> = [];
  const recorders = Object.fromEntries(
    effects.map((n) => [n, (a: { context: Record<string, unknown>; event: EventObject }) => void log.push([clock.now(), n, describe(a)])]),
  );
  const actor = createActor(machine.provide({ actions: recorders }), { input, clock });
  actor.start();
  const pending = [...script];
  while (pending.length || clock.due.size) {
    const at = pending[0]?.[0] ?? Infinity;
    if (at <= clock.nextDue) {
      clock.set(Math.max(at, clock.now()));
      actor.send(pending.shift()![1]);
    } else clock.next();
  }
  return {
    actor,
    clock,
    log,
    times: (name: string) => log.filter(([, n]) => n === name).map(([t]) => t),
    args: (name: string) => log.filter(([, n]) => n === name).map(([, , a]) => a),
  };
};

// ---------------------------------------------------------------------------------------------
// The timers themselves.

test('defaults: T1 500 ms, T2 4 s, T4 5 s (RFC 3261 §17.1.1.1, §17.1.2.2)', () => {
  assert.equal({ ...defaultTimers }, { T1: 500, T2: 4000, T4: 5000 });
  assert.ok(Object.isFrozen(defaultTimers));
  assert.is(TRYING_100_DELAY, 200);
});

test('Table 4 with the defaults', () => {
  const t = defaultTimers;
  assert.equal(
    [timerA(t), timerB(t), timerD(t), timerE(t), timerF(t), timerG(t), timerH(t), timerI(t), timerJ(t), timerK(t), timerL(t), timerM(t)],
    [500, 32000, 32000, 500, 32000, 500, 32000, 5000, 32000, 5000, 32000, 32000],
  );
});

test('reliable transports zero D, I, J and K, and only those', () => {
  const t = defaultTimers;
  assert.equal([timerD(t, true), timerI(t, true), timerJ(t, true), timerK(t, true)], [0, 0, 0, 0]);
  assert.equal([timerD(t, false), timerI(t, false), timerJ(t, false), timerK(t, false)], [32000, 5000, 32000, 5000]);
});

test('Timer A doubles without a cap; E and G double up to T2', () => {
  const seq = (first: number, next: (x: number) => number, n: number) => {
    const out = [first];
    while (out.length < n) out.push(next(out[out.length - 1]!));
    return out;
  };
  assert.equal(seq(timerA(defaultTimers), nextTimerA, 7), [500, 1000, 2000, 4000, 8000, 16000, 32000]);
  assert.equal(seq(timerE(defaultTimers), (x) => nextCapped(x, defaultTimers), 7), [500, 1000, 2000, 4000, 4000, 4000, 4000]);
  assert.equal(seq(timerG(defaultTimers), (x) => nextCapped(x, defaultTimers), 5), [500, 1000, 2000, 4000, 4000]);
});

test('custom T1, T2, T4 change every derived value; D never drops below 32 s', () => {
  const fast = { T1: 100, T2: 1000, T4: 2000 };
  assert.equal([timerA(fast), timerB(fast), timerD(fast), timerE(fast), timerF(fast), timerH(fast)], [100, 6400, 32000, 100, 6400, 6400]);
  assert.equal([timerI(fast), timerJ(fast), timerK(fast), timerL(fast), timerM(fast)], [2000, 6400, 2000, 6400, 6400]);
  assert.is(nextCapped(800, fast), 1000);
  const slow = { T1: 1000, T2: 4000, T4: 5000 };
  assert.is(timerD(slow), 64000);
  assert.is(timerB(slow), 64000);
});

test.run();
