/**
 * The model-testing harness of the registration and subscription machines (RFC 5057 calls both
 * "usages"): their timers are long, their guards read the context, and they emit notifications,
 * so each step is checked against an oracle for its next state, its effects (placeholder actions
 * and emitted notifications, in order) and the context fields the RFC fixes.
 *
 * getShortestPaths (xstate/graph; createTestModel refuses machines with delayed transitions) gives
 * one shortest path per edge of the abstract state graph (a vertex is named by the edge that
 * reaches it, so every edge ends some path); delayed transitions are offered as the
 * `xstate.after.<delay>.<state id>` events of the states that schedule them. Each path is replayed
 * on a real actor whose timers run on a StepClock, and the transitions and states the actors went
 * through are collected from inspection events, to be compared with the full sets computed from
 * the machine definition.
 */
import * as assert from 'uvu/assert';
import {
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyTransitionDefinition,
  type EventObject,
  createActor,
} from 'xstate';
import { getShortestPaths, getStateNodes } from 'xstate/graph';

import { StepClock } from './harness.js';

export { StepClock };

// ---- naming ------------------------------------------------------------------------------------

const local = (m: AnyStateMachine, id: string) => id.slice(m.id.length + 1);
type GuardLike = string | { type: string } | ((...args: never[]) => unknown) | undefined;
const guardName = (g: GuardLike): string => {
  if (typeof g === 'string') return g;
  if (typeof g === 'function') return `${g.name}(${((g as { guards?: GuardLike[] }).guards ?? []).map(guardName).join(',')})`;
  return g?.type ?? '';
};
/** `after:timerN` for `xstate.after.timerN.<state id>`, else the event type. */
export const eventName = (type: string): string => (type.startsWith('xstate.after.') ? `after:${type.split('.')[2]}` : type);
/** A transition named by source, event, guard and targets: `registering response [isSuccess] → registered`. */
export const transitionName = (m: AnyStateMachine, t: AnyTransitionDefinition): string => {
  const ev = t.eventType === '' ? 'always' : eventName(t.eventType);
  const guard = t.guard ? ` [${guardName(t.guard as GuardLike)}]` : '';
  const target = t.target?.length ? ` → ${t.target.map((s) => local(m, s.id)).join(',')}` : '';
  return `${local(m, t.source.id)} ${ev}${guard}${target}`;
};

/** Every transition (by name) and every state node of the machine definition. */
export const definition = (m: AnyStateMachine) => {
  const nodes = [m.root, ...getStateNodes(m.root)];
  const transitions = nodes.flatMap((n) => [...[...n.transitions.values()].flat(), ...(n.always ?? [])]).map((t) => transitionName(m, t));
  return { transitions: transitions.sort(), states: nodes.slice(1).map((n) => local(m, n.id)).sort() };
};

/** The active leaves of a snapshot, e.g. `subscribed.status.active + subscribed.refresh.scheduled`. */
export const leaves = (s: AnyMachineSnapshot): string[] =>
  s._nodes.filter((n) => n.type === 'atomic' || n.type === 'final').map((n) => local(s.machine, n.id)).sort();

// ---- replay ------------------------------------------------------------------------------------

/**
 * What a step must do, written from the RFC: next state, effects, context fields. `effects` lists
 * placeholder actions and emitted notifications; each kind is compared in order (XState delivers
 * a step's emitted events after its actions have run, so the two kinds are not interleaved).
 */
export interface Expected {
  to: string;
  effects: string[];
  context?: Record<string, unknown>;
}

export interface UsageModel {
  machine: AnyStateMachine;
  input: unknown;
  /** The events offered in every state (each state's own delayed events are added). */
  events: EventObject[];
  /** Name an event for paths and messages: `response 423`, `notify terminated;deactivated`... */
  label: (e: EventObject) => string;
  /** A graph vertex: the state and whatever the guards read. */
  key: (s: AnyMachineSnapshot) => string;
  /** The state's name in the oracle's terms. */
  where: (s: AnyMachineSnapshot) => string;
  oracle: (s: AnyMachineSnapshot, e: EventObject) => Expected;
  /** The machine's placeholder actions (replaced by recorders). */
  effects: readonly string[];
  /** Name an emitted notification in effect lists (`SIPAccountRegistrationDidFail` → `DidFail`). */
  emitted: (type: string) => string;
}

export interface Coverage {
  transitions: Set<string>;
  states: Set<string>;
  paths: number;
  steps: number;
  /** Delayed events delivered ahead of a timer due earlier (see replayAll). */
  raced: number;
}

const delayedEvents = (s: AnyMachineSnapshot): EventObject[] =>
  [...new Set(s._nodes.flatMap((n) => n.ownEvents))].filter((t) => t.startsWith('xstate.after.')).map((type) => ({ type }));

export function replayAll(model: UsageModel): Coverage {
  const { machine: m, label, key } = model;
  const seen: Coverage = { transitions: new Set(), states: new Set(), paths: 0, steps: 0, raced: 0 };
  const paths = getShortestPaths(m, {
    input: model.input,
    events: ((s: AnyMachineSnapshot) => [...model.events, ...delayedEvents(s)]) as never,
    serializeEvent: label as never,
    serializeState: ((s: AnyMachineSnapshot, e: EventObject | undefined, prev: AnyMachineSnapshot | undefined) =>
      `${prev ? key(prev) : ''} ${e ? label(e) : 'start'} → ${key(s)}`) as never,
    stopWhen: (s: AnyMachineSnapshot) => s.status === 'done',
  });
  const isAction = (name: string) => model.effects.includes(name);
  const realNow = Date.now;
  for (const path of paths) {
    seen.paths++;
    try {
      replayPath(path);
    } finally {
      Date.now = realNow;
    }
  }
  return seen;

  function replayPath(path: (typeof paths)[number]): void {
    const clock = new StepClock();
    Date.now = () => clock.now();
    const log: string[] = [];
    const processed: string[] = [];
    const recorders = Object.fromEntries(model.effects.map((name) => [name, () => void log.push(name)]));
    const actor = createActor(m.provide({ actions: recorders }), {
      input: model.input,
      clock,
      inspect: (ev) => {
        if (ev.type === '@xstate.event') processed.push(ev.event.type);
        if (ev.type !== '@xstate.microstep') return;
        for (const t of ev._transitions) seen.transitions.add(transitionName(m, t));
        for (const n of (ev.snapshot as AnyMachineSnapshot)._nodes) if (n.parent) seen.states.add(local(m, n.id));
      },
    });
    actor.on('*', (e: EventObject) => void log.push(model.emitted(e.type)));
    actor.start();
    for (const n of actor.getSnapshot()._nodes) if (n.parent) seen.states.add(local(m, n.id));
    assert.equal(log, [], 'no effect before start');
    const steps = path.steps.filter((s) => s.event.type !== 'xstate.init');
    const name = `path ${steps.map((s) => label(s.event)).join(', ')}`;
    for (const step of steps) {
      seen.steps++;
      const before = actor.getSnapshot();
      const want = model.oracle(before, step.event);
      log.length = 0;
      processed.length = 0;
      const type = step.event.type;
      if (type.startsWith('xstate.after.')) {
        // Let the clock fire the timer when it is the first one due. Two timers can run at once
        // (the refresh timer and Timer N, say) and the graph takes either first: when the other
        // one is due earlier, the wanted one is delivered as it would be had it come first.
        // (XState stamps scheduled events with Date.now(), which runs on the StepClock here.)
        const due = Object.values(actor.system.getSnapshot()._scheduledEvents).map((e) => ({ type: e.event.type, at: e.startedAt + e.delay }));
        const wanted = due.find((e) => e.type === type);
        assert.ok(wanted, `${name}: ${type} is not scheduled`);
        if (due.every((e) => e.at >= wanted!.at)) {
          clock.set(wanted!.at);
          assert.ok(processed.includes(type), `${name}: ${type} did not fire at ${wanted!.at}`);
        } else {
          seen.raced++;
          actor.send(step.event);
        }
      } else actor.send(step.event);
      const now = actor.getSnapshot();
      const at = `${name} — in "${model.where(before)}" on ${label(step.event)}`;
      assert.is(key(now), key(step.state as AnyMachineSnapshot), `${at}: actor and graph disagree`);
      assert.is(model.where(now), want.to, `${at}: next state`);
      assert.equal(log.filter(isAction), want.effects.filter(isAction), `${at}: actions`);
      assert.equal(
        log.filter((n) => !isAction(n)),
        want.effects.filter((n) => !isAction(n)),
        `${at}: notifications`,
      );
      for (const [field, value] of Object.entries(want.context ?? {})) {
        assert.equal((now.context as Record<string, unknown>)[field], value, `${at}: context.${field}`);
      }
      if (now.status === 'done') assert.is(clock.due.size, 0, `${at}: no timer outlives the machine`);
    }
    actor.stop();
  }
}

/** The elements of `a` not in `b`, sorted. */
export const minus = (a: Iterable<string>, b: Iterable<string>): string[] => {
  const drop = new Set(b);
  return [...a].filter((x) => !drop.has(x)).sort();
};

// ---- scripted runs -------------------------------------------------------------------------

export interface Entry {
  /** ms since start */
  t: number;
  /** a placeholder action's name or an emitted event's type */
  name: string;
  /** the context when the action ran, or the emitted event */
  data: Record<string, unknown>;
}

/**
 * Runs `machine` on a StepClock: each scripted event is sent at its time (ms), timers fire in
 * between, until nothing is left to do or `until` (ms) is reached. Placeholder actions and emitted
 * notifications are logged with the time and the context (actions) or the event (emits).
 */
export function runScript(
  machine: AnyStateMachine,
  input: unknown,
  effects: readonly string[],
  script: Array<[number, EventObject]> = [],
  until = 1e8,
) {
  const clock = new StepClock();
  const log: Entry[] = [];
  const recorders = Object.fromEntries(
    effects.map((name) => [name, ({ context }: { context: Record<string, unknown> }) => void log.push({ t: clock.now(), name, data: { ...context } })]),
  );
  const actor = createActor(machine.provide({ actions: recorders }), { input, clock });
  actor.on('*', (e: EventObject) => void log.push({ t: clock.now(), name: e.type, data: { ...e } }));
  actor.start();
  const pending = [...script];
  for (;;) {
    const at = pending[0]?.[0] ?? Infinity;
    const next = Math.min(at, clock.nextDue);
    if (next === Infinity || next > until) break;
    if (at <= clock.nextDue) {
      clock.set(Math.max(at, clock.now()));
      actor.send(pending.shift()![1]);
    } else clock.next();
  }
  if (until !== Infinity && clock.now() < until) clock.set(until);
  const of = (name: string) => log.filter((e) => e.name === name);
  return {
    actor,
    clock,
    log,
    /** When `name` ran or was emitted (ms). */
    times: (name: string) => of(name).map((e) => e.t),
    /** The data of each `name` entry. */
    data: (name: string) => of(name).map((e) => e.data),
    /** Entry names in order, `types` only when given. */
    names: (...types: string[]) => log.map((e) => e.name).filter((n) => !types.length || types.includes(n)),
    value: () => JSON.stringify(actor.getSnapshot().value),
  };
}
