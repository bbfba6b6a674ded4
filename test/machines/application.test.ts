// SIPApplication's lifecycle (Middleware API §2; R-APP-2: restartable after any failure).
// Model-based: every transition of the definition is reached by a shortest path and replayed on
// an actor with the simulated clock; behaviour checks the notification order and the rules.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, type AnyMachineSnapshot, type EventObject } from 'xstate';
import { application } from '../../machines/application.js';
import { StepClock, coverPaths, definition, minus } from './harness.js';

const input = { shutdownGrace: 5000 };
const events = [
  { type: 'start' },
  { type: 'configured' },
  { type: 'started' },
  { type: 'failed', error: 'port in use' },
  { type: 'stop' },
  { type: 'ended' },
] as EventObject[];
const key = (s: AnyMachineSnapshot) => `${JSON.stringify(s.value)}${s.context.stopRequested ? ' stop-requested' : ''}`;

test('model: every state and transition is reached, and notifications follow the spec', () => {
  const seen = coverPaths(application, input, events, key, (before, event, after, emitted) => {
    const names = emitted.map((e) => e.type);
    if (before.matches('running') && event.type === 'stop') assert.equal(names, ['SIPApplicationWillEnd']);
    if (before.matches({ starting: 'configuring' }) && event.type === 'configured') assert.equal(names, ['SIPApplicationWillStart']);
    if (after.matches('running') && !before.matches('running')) assert.equal(names, ['SIPApplicationDidStart']);
    if (before.matches('stopping') && after.matches('stopped')) assert.equal(names, ['SIPApplicationDidEnd']);
    if (event.type === 'failed' && before.matches('starting')) assert.equal(names, ['SIPApplicationFailedToStart']);
  });
  const all = definition(application);
  assert.equal(minus(all.transitions, seen.transitions), [], 'transitions never taken');
  assert.equal(minus(all.states, seen.states), [], 'states never entered');
});

function run() {
  const clock = new StepClock();
  const calls: string[] = [];
  const emitted: string[] = [];
  const record = (name: string) => () => void calls.push(name);
  const actor = createActor(
    application.provide({ actions: { loadConfiguration: record('load'), startComponents: record('start'), stopComponents: record('stop'), abandonComponents: record('abandon') } }),
    { input, clock },
  );
  actor.on('*', (e) => void emitted.push(e.type));
  actor.start();
  return { actor, clock, calls, emitted };
}

test('a failed start can be retried (R-APP-2)', () => {
  const { actor, calls, emitted } = run();
  actor.send({ type: 'start' });
  actor.send({ type: 'configured' });
  actor.send({ type: 'failed', error: 'port in use' });
  assert.is(actor.getSnapshot().context.error, 'port in use');
  actor.send({ type: 'ended' });
  assert.ok(actor.getSnapshot().matches('stopped'));
  actor.send({ type: 'start' });
  actor.send({ type: 'configured' });
  actor.send({ type: 'started' });
  assert.ok(actor.getSnapshot().matches('running'));
  assert.is(actor.getSnapshot().context.error, undefined);
  assert.equal(calls, ['load', 'start', 'stop', 'load', 'start']);
  assert.equal(emitted, ['SIPApplicationWillStart', 'SIPApplicationFailedToStart', 'SIPApplicationWillStart', 'SIPApplicationDidStart']);
});

test('stop gives components the grace period, then ends anyway', () => {
  const { actor, clock, calls, emitted } = run();
  actor.send({ type: 'start' });
  actor.send({ type: 'configured' });
  actor.send({ type: 'started' });
  actor.send({ type: 'stop' });
  clock.increment(4999);
  assert.ok(actor.getSnapshot().matches('stopping'));
  clock.increment(1);
  assert.ok(actor.getSnapshot().matches('stopped'));
  assert.equal(calls.slice(-2), ['stop', 'abandon']);
  assert.equal(emitted.slice(-2), ['SIPApplicationWillEnd', 'SIPApplicationDidEnd']);
});

test('a stop during start is carried out when the start completes', () => {
  const { actor, emitted } = run();
  actor.send({ type: 'start' });
  actor.send({ type: 'stop' });
  actor.send({ type: 'configured' });
  actor.send({ type: 'started' });
  assert.ok(actor.getSnapshot().matches('stopping'));
  actor.send({ type: 'ended' });
  assert.ok(actor.getSnapshot().matches('stopped'));
  assert.equal(emitted, ['SIPApplicationWillStart', 'SIPApplicationDidStart', 'SIPApplicationWillEnd', 'SIPApplicationDidEnd']);
});

test.run();
