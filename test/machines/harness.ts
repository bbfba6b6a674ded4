/**
 * The model-testing harness shared by the machine tests: a stepping SimulatedClock, the full
 * transition and state sets of a machine definition, shortest paths per transition
 * (xstate/graph), and replay of each path on a real actor against a figure of the RFC.
 */
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


/**
 * Generic coverage for machines without an RFC figure: one shortest path per transition of the
 * abstract graph (`key` names a vertex: state value plus whatever context guards read), each
 * replayed on a real actor (delayed events by firing the StepClock). Returns what the actors
 * really went through, to compare with `definition(machine)`; `check` runs after every step.
 */
export const coverPaths = (
  machine: AnyStateMachine,
  input: unknown,
  events: EventObject[],
  key: (s: AnyMachineSnapshot) => string,
  check?: (before: AnyMachineSnapshot, event: EventObject, after: AnyMachineSnapshot, emitted: EventObject[]) => void,
): Coverage => {
  const seen: Coverage = { transitions: new Set(), states: new Set(), paths: 0 };
  const paths = getShortestPaths(machine, {
    input,
    events: (s: AnyMachineSnapshot) => [
      ...events,
      ...[...new Set(s._nodes.flatMap((n) => n.ownEvents))].filter((t) => t.startsWith('xstate.after.')).map((type) => ({ type })),
    ],
    serializeEvent: label as never,
    serializeState: ((s: AnyMachineSnapshot, e: EventObject | undefined, prev: AnyMachineSnapshot | undefined) =>
      `${prev ? key(prev) : ''} ${e ? label(e) : 'start'} → ${key(s)}`) as never,
    stopWhen: (s: AnyMachineSnapshot) => s.status === 'done',
  });
  for (const path of paths) {
    seen.paths++;
    const clock = new StepClock();
    const processed: string[] = [];
    const emitted: EventObject[] = [];
    const actor = createActor(machine, {
      input,
      clock,
      inspect: (ev) => {
        if (ev.type === '@xstate.event') processed.push(ev.event.type);
        if (ev.type !== '@xstate.microstep') return;
        for (const t of ev._transitions) seen.transitions.add(transitionName(machine, t));
        for (const n of (ev.snapshot as AnyMachineSnapshot)._nodes) if (n.parent) seen.states.add(local(machine, n.id));
      },
    });
    actor.on('*', (e) => void emitted.push(e));
    actor.start();
    for (const n of actor.getSnapshot()._nodes) if (n.parent) seen.states.add(local(machine, n.id));
    let prev: AnyMachineSnapshot = actor.getSnapshot();
    for (const step of path.steps.slice(1)) {
      processed.length = 0;
      emitted.length = 0;
      const type = step.event.type;
      if (type.startsWith('xstate.after.')) {
        while (!processed.includes(type)) assert.ok(clock.next(), `${type} never fired`);
      } else actor.send(step.event);
      const now: AnyMachineSnapshot = actor.getSnapshot();
      assert.is(key(now), key(step.state as AnyMachineSnapshot), `path ${path.steps.map((s) => label(s.event)).join(', ')}: actor and graph disagree`);
      check?.(prev, step.event, now, [...emitted]);
      prev = now;
    }
    actor.stop();
  }
  return seen;
};
