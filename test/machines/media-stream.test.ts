// The generic media-stream life cycle (Middleware API §4.3 IMediaStream; R-MED-1).
// Model-based: one shortest path per edge of the abstract state graph (state, hold wishes,
// deactivated, failed) is replayed on a real actor; after every step the effects (placeholder
// actions, in order) and the emitted notifications are checked against an oracle written from
// §4.3, and the transitions and states the actors went through must be all of the definition's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, type AnyMachineSnapshot, type EventObject } from 'xstate';
import {
  type HoldChange,
  type MediaStreamContext,
  type MediaStreamEvent,
  mediaStream,
  mediaStreamState,
} from '../../machines/media-stream.js';
import { coverPaths, definition, minus } from './harness.js';

const EFFECTS = ['initializeTransport', 'startMedia', 'holdChanged', 'applyUpdate', 'timedOut', 'stopMedia', 'closeTransport'] as const;

const events: MediaStreamEvent[] = [
  { type: 'initialize', direction: 'outgoing' },
  { type: 'initialized' },
  { type: 'initFailed', reason: 'no free RTP port' },
  { type: 'start' },
  { type: 'started' },
  { type: 'startFailed', reason: 'no common codec' },
  { type: 'hold' },
  { type: 'unhold' },
  { type: 'remoteHold' },
  { type: 'remoteUnhold' },
  { type: 'update' },
  { type: 'inactivity' },
  { type: 'deactivate' },
  { type: 'fail', reason: 'socket error' },
  { type: 'closed' },
  { type: 'end' },
  { type: 'ended' },
];

const ctx = (s: AnyMachineSnapshot) => s.context as MediaStreamContext;
const key = (s: AnyMachineSnapshot) => {
  const c = ctx(s);
  return `${JSON.stringify(s.value)} local=${c.localHold} remote=${c.remoteHold} deactivated=${c.deactivated} error=${c.error !== undefined}`;
};

/** A recorder per placeholder action: `holdChanged(local,true)` shows its params. */
const log: string[] = [];
const recorders = Object.fromEntries(
  EFFECTS.map((name) => [
    name,
    (_: unknown, params?: HoldChange) => void log.push(params ? `${name}(${params.originator},${params.onHold})` : name),
  ]),
);
const recorded = mediaStream.provide({ actions: recorders });

/** What §4.3 (and R-MED-1) require of a stream in `before` on `e`: its effects and notifications. */
function oracle(before: AnyMachineSnapshot, e: EventObject): { effects: string[]; emitted: string[] } {
  const state = mediaStreamState(before);
  const c = ctx(before);
  const none = { effects: [] as string[], emitted: [] as string[] };
  const live = state !== 'failed' && state !== 'ending' && state !== 'ended';
  const fail = { effects: ['stopMedia'], emitted: ['MediaStreamDidFail'] };
  // §4.3 end(): WillEnd at once, from any state (a failed one included), once.
  if (e.type === 'end') return state === 'ending' ? none : { effects: ['closeTransport'], emitted: ['MediaStreamWillEnd'] };
  if (e.type === 'ended') return state === 'ending' ? { effects: [], emitted: ['MediaStreamDidEnd'] } : none;
  if (!live) return none;
  if (e.type === 'fail') return fail;
  // §4.3 deactivate(): the peer closing the transport afterwards is normal.
  if (e.type === 'closed') return c.deactivated ? none : fail;
  switch (state) {
    case 'idle':
      return e.type === 'initialize' ? { effects: ['initializeTransport'], emitted: [] } : none;
    case 'initializing':
      if (e.type === 'initialized') return { effects: [], emitted: ['MediaStreamDidInitialize'] };
      return e.type === 'initFailed' ? fail : none;
    case 'initialized':
      return e.type === 'start' ? { effects: ['startMedia'], emitted: [] } : none;
    case 'starting': {
      if (e.type === 'startFailed') return fail;
      if (e.type !== 'started') return none;
      // R-MED-1: a hold asked for before the start is applied (and reported) as it starts.
      const effects = [...(c.localHold ? ['holdChanged(local,true)'] : []), ...(c.remoteHold ? ['holdChanged(remote,true)'] : [])];
      return { effects, emitted: ['MediaStreamDidStart'] };
    }
    case 'started': {
      const r = e as MediaStreamEvent;
      if (r.type === 'hold' && !c.localHold) return { effects: ['holdChanged(local,true)'], emitted: [] };
      if (r.type === 'unhold' && c.localHold) return { effects: ['holdChanged(local,false)'], emitted: [] };
      if (r.type === 'remoteHold' && !c.remoteHold) return { effects: ['holdChanged(remote,true)'], emitted: [] };
      if (r.type === 'remoteUnhold' && c.remoteHold) return { effects: ['holdChanged(remote,false)'], emitted: [] };
      if (r.type === 'update') return { effects: ['applyUpdate'], emitted: [] };
      // A held stream receives nothing by design: no media timeout then.
      if (r.type === 'inactivity' && !c.localHold && !c.remoteHold) return { effects: ['timedOut'], emitted: [] };
      return none;
    }
    default:
      return none;
  }
}

test('model: every state and transition is reached; effects and notifications follow §4.3', () => {
  log.length = 0;
  const seen = coverPaths(recorded, { id: 's1' }, events as EventObject[], key, (before, event, after, emitted) => {
    const want = oracle(before, event);
    const at = `${key(before)} on ${event.type}`;
    assert.equal([...log], want.effects, `${at}: effects`);
    assert.equal(emitted.map((x) => x.type), want.emitted, `${at}: notifications`);
    log.length = 0;
    // Hold wishes are remembered in every live state (R-MED-1), whatever else happens.
    const live = !['failed', 'ending', 'ended'].includes(mediaStreamState(before));
    if (live && event.type === 'hold') assert.ok(ctx(after).localHold, `${at}: hold remembered`);
    if (live && event.type === 'unhold') assert.not.ok(ctx(after).localHold, `${at}: unhold remembered`);
    if (live && event.type === 'remoteHold') assert.ok(ctx(after).remoteHold, `${at}: remote hold remembered`);
    if (live && event.type === 'remoteUnhold') assert.not.ok(ctx(after).remoteHold, `${at}: remote unhold remembered`);
    const fail = emitted.find((x) => x.type === 'MediaStreamDidFail') as { reason?: string } | undefined;
    if (fail) assert.type(fail.reason, 'string');
    const end = emitted.find((x) => x.type === 'MediaStreamDidEnd') as { error?: string } | undefined;
    if (end) assert.is(end.error !== undefined, ctx(before).error !== undefined, `${at}: DidEnd carries the earlier failure`);
  });
  const all = definition(mediaStream);
  assert.equal(minus(all.transitions, seen.transitions), [], 'transitions never taken');
  assert.equal(minus(all.states, seen.states), [], 'states never entered');
});

function run(input: { id: string; localHold?: boolean } = { id: 's' }) {
  const calls: string[] = [];
  const emitted: EventObject[] = [];
  const actions = Object.fromEntries(
    EFFECTS.map((name) => [name, (_: unknown, p?: HoldChange) => void calls.push(p ? `${name}(${p.originator},${p.onHold})` : name)]),
  );
  const actor = createActor(mediaStream.provide({ actions }), { input });
  actor.on('*', (e) => void emitted.push(e));
  actor.start();
  const send = (...es: MediaStreamEvent[]) => es.forEach((e) => actor.send(e));
  return { actor, calls, emitted, send, names: () => emitted.map((e) => e.type), state: () => mediaStreamState(actor.getSnapshot()) };
}

test('end() after a failure still ends, and DidEnd carries the failure', () => {
  const { actor, calls, emitted, send, names, state } = run();
  send({ type: 'initialize', direction: 'incoming' }, { type: 'initFailed', reason: 'no free RTP port in 50000-50001' });
  assert.is(state(), 'failed');
  send({ type: 'end' });
  assert.is(state(), 'ending');
  send({ type: 'end' }); // idempotent
  send({ type: 'ended' });
  assert.is(actor.getSnapshot().status, 'done');
  assert.equal(calls, ['initializeTransport', 'stopMedia', 'closeTransport']);
  assert.equal(names(), ['MediaStreamDidFail', 'MediaStreamWillEnd', 'MediaStreamDidEnd']);
  assert.equal(emitted[0], { type: 'MediaStreamDidFail', reason: 'no free RTP port in 50000-50001' });
  assert.equal(emitted[2], { type: 'MediaStreamDidEnd', error: 'no free RTP port in 50000-50001' });
});

test('R-MED-1: hold before start is remembered and applied on start; unhold before start cancels it', () => {
  const a = run();
  a.send({ type: 'initialize', direction: 'outgoing' }, { type: 'hold' }, { type: 'initialized' }, { type: 'start' });
  assert.ok(a.actor.getSnapshot().context.localHold);
  a.send({ type: 'started' });
  assert.equal(a.actor.getSnapshot().value, { started: { local: 'held', remote: 'unheld' } });
  assert.equal(a.calls, ['initializeTransport', 'startMedia', 'holdChanged(local,true)']);
  a.send({ type: 'unhold' });
  assert.equal(a.calls.at(-1), 'holdChanged(local,false)');

  const b = run();
  b.send({ type: 'initialize', direction: 'outgoing' }, { type: 'hold' }, { type: 'initialized' }, { type: 'unhold' }, { type: 'start' }, { type: 'started' });
  assert.equal(b.actor.getSnapshot().value, { started: { local: 'unheld', remote: 'unheld' } });
  assert.not.ok(b.calls.some((c) => c.startsWith('holdChanged')));
});

test('R-MED-1: a stream created on hold (input) starts held; a remote hold learnt while starting is applied too', () => {
  const { actor, calls, send } = run({ id: 's', localHold: true });
  send({ type: 'initialize', direction: 'incoming' }, { type: 'initialized' }, { type: 'start' }, { type: 'remoteHold' }, { type: 'started' });
  assert.equal(actor.getSnapshot().value, { started: { local: 'held', remote: 'held' } });
  assert.equal(calls.filter((c) => c.startsWith('holdChanged')), ['holdChanged(local,true)', 'holdChanged(remote,true)']);
});

test('hold and remote hold are independent; the media timeout counts only when neither holds', () => {
  const { calls, send } = run();
  send({ type: 'initialize', direction: 'outgoing' }, { type: 'initialized' }, { type: 'start' }, { type: 'started' });
  send({ type: 'inactivity' });
  assert.equal(calls.at(-1), 'timedOut');
  calls.length = 0;
  send({ type: 'hold' }, { type: 'inactivity' }, { type: 'remoteHold' }, { type: 'unhold' }, { type: 'inactivity' }, { type: 'hold' }, { type: 'hold' });
  assert.equal(calls, ['holdChanged(local,true)', 'holdChanged(remote,true)', 'holdChanged(local,false)', 'holdChanged(local,true)']);
  calls.length = 0;
  send({ type: 'remoteUnhold' }, { type: 'unhold' }, { type: 'inactivity' });
  assert.equal(calls, ['holdChanged(remote,false)', 'holdChanged(local,false)', 'timedOut']);
});

test('§4.3 deactivate: the peer closing the transport afterwards is not a failure; before it, it is', () => {
  const a = run();
  a.send({ type: 'initialize', direction: 'outgoing' }, { type: 'initialized' }, { type: 'start' }, { type: 'started' }, { type: 'deactivate' }, { type: 'closed' });
  assert.is(a.state(), 'started');
  assert.not.ok(a.names().includes('MediaStreamDidFail'));
  const b = run();
  b.send({ type: 'initialize', direction: 'outgoing' }, { type: 'initialized' }, { type: 'start' }, { type: 'started' }, { type: 'closed' });
  assert.is(b.state(), 'failed');
  assert.equal(b.emitted.at(-1), { type: 'MediaStreamDidFail', reason: 'transport closed by the remote party' });
});

test('end() while starting ends without DidStart; late answers are ignored', () => {
  const { actor, names, send, calls } = run();
  send({ type: 'initialize', direction: 'outgoing' }, { type: 'initialized' }, { type: 'start' }, { type: 'end' }, { type: 'started' }, { type: 'startFailed', reason: 'x' }, { type: 'ended' });
  assert.is(actor.getSnapshot().status, 'done');
  assert.equal(names(), ['MediaStreamDidInitialize', 'MediaStreamWillEnd', 'MediaStreamDidEnd']);
  assert.equal(calls, ['initializeTransport', 'startMedia', 'closeTransport']);
});

test.run();
