// An INVITE session — RFC 3261 §13-15, RFC 3264, RFC 5057, Middleware API §4.2, R-SES-3.
// Model-based: getShortestPaths (xstate/graph) gives one shortest path per edge of the abstract
// graph (active leaves, the local proposal in progress, the hold state wanted and in effect); each
// path is replayed on a real actor with a StepClock and every step is checked against invariants
// written from the RFC and the API (the spec's state changes, one final notification, DidEnd only
// after DidStart, 491 only while our re-INVITE is in progress, no BYE before the ACK of our 2xx, a
// failed re-INVITE changes nothing...). The transitions and states the actors went through must be
// exactly those of the machine definition. Then named paths for each hard case, with the exact
// sequence of actions and notifications.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type AnyMachineSnapshot, type EventObject, createActor } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import {
  type SessionContext,
  type SessionEvent,
  type SessionInput,
  type SessionState,
  glareDelay,
  session as machine,
  sessionState,
} from '../../machines/session.js';
import { StepClock, definition, leaves, minus, runScript, transitionName } from './usage-model.js';

const EFFECTS = [
  'sendInvite',
  'sendProvisional',
  'send2xx',
  'retransmit2xx',
  'retransmitReinvite2xx',
  'sendAck',
  'sendBye',
  'sendCancel',
  'sendReInvite',
  'sendResponse',
  'startStreams',
  'updateStreams',
  'endStreams',
] as const;

const input = (over: Partial<SessionInput> = {}): SessionInput => ({ id: 's1', T1: 500, T2: 4000, seed: 11, ...over });

const ev = {
  connect: { type: 'connect', streams: ['audio'] },
  incoming: { type: 'incoming', streams: ['audio', 'chat'] },
  ringIndication: { type: 'ringIndication' },
  accept: { type: 'accept', streams: ['audio'] },
  reject: { type: 'reject', code: 486, reason: 'Busy Here' },
  end: { type: 'end' },
  p100: { type: 'provisional', code: 100, reason: 'Trying' },
  p180: { type: 'provisional', code: 180, reason: 'Ringing' },
  p183: { type: 'provisional', code: 183, reason: 'Session Progress', sdp: true },
  answered: { type: 'answered', code: 200 },
  failed486: { type: 'failed', code: 486, reason: 'Busy Here' },
  failed487: { type: 'failed', code: 487, reason: 'Request Terminated' },
  timeout: { type: 'timeout' },
  error: { type: 'error', code: 500, reason: 'Server Internal Error', why: 'audio stream failed to initialize' },
  ack: { type: 'ack' },
  cancel: { type: 'cancel' },
  bye: { type: 'bye' },
  byeAnswered: { type: 'byeAnswered', code: 200 },
  re200: { type: 'proposalAnswered', code: 200, reason: 'OK' },
  re491: { type: 'proposalAnswered', code: 491, reason: 'Request Pending' },
  re488: { type: 'proposalAnswered', code: 488, reason: 'Not Acceptable Here' },
  re408: { type: 'proposalAnswered', code: 408, reason: 'Request Timeout' },
  re481: { type: 'proposalAnswered', code: 481, reason: 'Call/Transaction Does Not Exist' },
  re487: { type: 'proposalAnswered', code: 487, reason: 'Request Terminated' },
  remoteProposal: { type: 'remoteProposal', streams: ['video'] },
  remoteHold: { type: 'remoteUpdate', hold: true },
  remoteUnhold: { type: 'remoteUpdate', hold: false },
  reinviteAck: { type: 'reinviteAck' },
  acceptProposal: { type: 'acceptProposal', streams: ['video'] },
  rejectProposal: { type: 'rejectProposal', code: 488, reason: 'Not Acceptable Here' },
  proposalFailure: { type: 'proposalFailure', error: 'video failed to start' },
  addStream: { type: 'propose', action: 'add', streams: ['chat'] },
  removeStream: { type: 'propose', action: 'remove', streams: ['audio'] },
  cancelProposal: { type: 'cancelProposal' },
  hold: { type: 'hold' },
  unhold: { type: 'unhold' },
} satisfies Record<string, SessionEvent>;

const label = (e: EventObject): string => {
  if (e.type.startsWith('xstate.after.')) return `after:${e.type.split('.')[2]}`;
  const x = e as EventObject & { code?: number; sdp?: boolean; hold?: boolean; action?: string };
  return [e.type, x.action, x.code, x.sdp ? 'sdp' : undefined, x.hold === undefined ? undefined : x.hold ? 'hold' : 'unhold'].filter((p) => p !== undefined).join(' ');
};
const ctx = (s: AnyMachineSnapshot) => s.context as SessionContext;
const key = (s: AnyMachineSnapshot) => {
  const c = ctx(s);
  return `${leaves(s).join('+')} p=${c.pending?.kind ?? '-'} want=${c.wantHold} held=${c.held}`;
};
const state = (s: AnyMachineSnapshot): SessionState => sessionState(s as never);

/**
 * The spec's state changes a single event may cause (Middleware API §4.2 and the RFCs). A hold()
 * made before the session was connected is "sent as soon as possible": in the step that connects
 * it, hence outgoing/accepting → sending_proposal.
 */
const ALLOWED: Record<SessionState, SessionState[]> = {
  None: ['outgoing', 'incoming'],
  outgoing: ['connected', 'sending_proposal', 'terminating', 'terminated'],
  incoming: ['accepting', 'terminated'],
  accepting: ['connected', 'sending_proposal', 'terminating', 'terminated'],
  connected: ['sending_proposal', 'received_proposal', 'terminating', 'terminated'],
  sending_proposal: ['connected', 'received_proposal', 'terminating', 'terminated'],
  received_proposal: ['connected', 'sending_proposal', 'terminating', 'terminated'],
  terminating: ['terminated'],
  terminated: [],
};

interface Seen {
  transitions: Set<string>;
  states: Set<string>;
  paths: number;
  steps: number;
}

/** One shortest path per edge, replayed on actors; invariants checked after every step. */
function cover(events: EventObject[]): Seen {
  const seen: Seen = { transitions: new Set(), states: new Set(), paths: 0, steps: 0 };
  const delayed = (s: AnyMachineSnapshot) =>
    [...new Set(s._nodes.flatMap((n) => n.ownEvents))].filter((t) => t.startsWith('xstate.after.')).map((type) => ({ type }));
  const paths = getShortestPaths(machine, {
    input: input(),
    events: ((s: AnyMachineSnapshot) => [...events, ...delayed(s)]) as never,
    serializeEvent: label as never,
    serializeState: ((s: AnyMachineSnapshot, e: EventObject | undefined, prev: AnyMachineSnapshot | undefined) =>
      `${prev ? key(prev) : ''} ${e ? label(e) : 'start'} → ${key(s)}`) as never,
    stopWhen: (s: AnyMachineSnapshot) => s.status === 'done',
  });
  const local = (id: string) => id.slice('session.'.length);
  for (const path of paths) {
    seen.paths++;
    const clock = new StepClock();
    const processed: string[] = [];
    const log: string[] = [];
    const recorders = Object.fromEntries(
      EFFECTS.map((n) => [n, (_: unknown, p?: { code: number }) => void log.push(p?.code !== undefined ? `${n} ${p.code}` : n)]),
    );
    const actor = createActor(machine.provide({ actions: recorders }), {
      input: input(),
      clock,
      inspect: (e) => {
        if (e.type === '@xstate.event') processed.push(e.event.type);
        if (e.type !== '@xstate.microstep') return;
        for (const t of e._transitions) seen.transitions.add(transitionName(machine, t));
        for (const n of (e.snapshot as AnyMachineSnapshot)._nodes) if (n.parent) seen.states.add(local(n.id));
      },
    });
    actor.on('*', (e: EventObject) => void log.push(e.type));
    actor.start();
    for (const n of actor.getSnapshot()._nodes) if (n.parent) seen.states.add(local(n.id));
    const name = `path ${path.steps.slice(1).map((s) => label(s.event)).join(', ')}`;
    const all: string[] = [];
    for (const step of path.steps.slice(1)) {
      seen.steps++;
      const before = actor.getSnapshot();
      log.length = 0;
      processed.length = 0;
      const type = step.event.type;
      if (type.startsWith('xstate.after.')) {
        while (!processed.includes(type)) assert.ok(clock.next(), `${name}: ${type} never fired`);
      } else actor.send(step.event);
      const now = actor.getSnapshot();
      const at = `${name} — in ${key(before)} on ${label(step.event)}`;
      assert.is(key(now), key(step.state as AnyMachineSnapshot), `${at}: actor and graph disagree`);
      all.push(...log);
      // A delayed step fires the earlier timers of other regions first (the reinvite2xx region's
      // run beside the glare timer): then the step holds more than one transition.
      const single = processed.every((t) => t === type || !t.startsWith('xstate.after.') || t.includes('retransmitInterval'));
      check(at, before, step.event, now, log, all, single);
      if (now.status === 'done') assert.is(clock.due.size, 0, `${at}: no timer outlives the session`);
    }
    actor.stop();
  }
  return seen;
}

/** A re-INVITE of ours is in progress (not merely waiting for the glare timer). */
const inFlight = (s: AnyMachineSnapshot) => s.matches({ connected: { proposal: 'sending' } }) || s.matches({ connected: { proposal: 'cancelling' } });

/** The invariants of every step. `log`: this step's actions and notifications; `all`: the path's. */
function check(at: string, before: AnyMachineSnapshot, e: EventObject, now: AnyMachineSnapshot, log: string[], all: string[], single = true): void {
  const [from, to] = [state(before), state(now)];
  if (from !== to) assert.ok(ALLOWED[from].includes(to), `${at}: ${from} → ${to} is not a state change of the spec`);
  const count = (n: string) => all.filter((x) => x === n).length;
  // one final notification; DidEnd only after DidStart (and WillEnd), DidFail only before it
  assert.ok(count('SIPSessionDidEnd') + count('SIPSessionDidFail') <= 1, `${at}: one final notification`);
  if (count('SIPSessionDidEnd')) assert.ok(count('SIPSessionDidStart') === 1 && count('SIPSessionWillEnd') === 1, `${at}: DidEnd after DidStart and WillEnd`);
  if (count('SIPSessionDidFail')) assert.is(count('SIPSessionDidStart'), 0, `${at}: DidFail only before DidStart`);
  if (now.status === 'done') assert.is(count('SIPSessionDidEnd') + count('SIPSessionDidFail'), 1, `${at}: the end is notified`);
  if (log.includes('SIPSessionDidStart')) assert.ok(count('SIPSessionWillStart') === 1, `${at}: WillStart before DidStart`);
  // §14.2: 491 only while an INVITE of ours is in progress; 500 only while a remote one awaits our answer
  if (log.includes('sendResponse 491')) assert.ok(inFlight(before), `${at}: 491`);
  if (log.includes('sendResponse 500') && e.type !== 'error') assert.is(from, 'received_proposal', `${at}: 500`);
  // one re-INVITE at a time (§14.1), and only in a connected session
  if (log.includes('sendReInvite') && single) assert.ok(now.matches({ connected: { proposal: 'sending' } }), `${at}: re-INVITE`);
  // §15: no BYE at the UAS before the ACK of its 2xx (or the 64·T1 limit)
  if (from === 'accepting' && log.includes('sendBye')) assert.ok(e.type === 'ack' || e.type.includes('ackTimeout'), `${at}: BYE before ACK`);
  // §9.1: no CANCEL before a provisional response
  if (log.includes('sendCancel') && before.matches({ outgoing: 'calling' })) assert.unreachable(`${at}: CANCEL before any provisional response`);
  // §14.1: a non-2xx (other than 491/408/481) leaves the session unchanged
  const code = (e as { code?: number }).code ?? 0;
  if (e.type === 'proposalAnswered' && code >= 300 && ![491, 408, 481].includes(code) && inFlight(before)) {
    assert.equal(ctx(now).streams, ctx(before).streams, `${at}: streams unchanged`);
    assert.is(ctx(now).held, ctx(before).held, `${at}: hold unchanged`);
    assert.ok(!log.includes('SIPSessionDidChangeHoldState'), `${at}: no hold change`);
    assert.is(leaves(now).filter((l) => l.startsWith('connected.hold.local')).join(), leaves(before).filter((l) => l.startsWith('connected.hold.local')).join().replace(/unholding/, 'held').replace(/holding/, 'unheld'), `${at}: hold region as it was`);
  }
  // hold changes are notified only when they take effect
  if (log.includes('SIPSessionDidChangeHoldState')) assert.ok(e.type === 'proposalAnswered' || e.type === 'remoteUpdate', `${at}: hold notification`);
  // streams are started once, when the session starts
  if (log.includes('startStreams')) assert.ok(log.includes('SIPSessionDidStart'), `${at}: startStreams with DidStart`);
}

// ---------------------------------------------------------------------------------------------

test('model: every state and transition of the definition is reached, every step keeps the RFC/API invariants', () => {
  const all = definition(machine);
  assert.is(new Set(all.transitions).size, all.transitions.length, 'transition names are unique');
  const t0 = Date.now();
  const seen = cover(Object.values(ev));
  assert.ok(seen.paths > 200, `${seen.paths} paths`);
  assert.equal(minus(all.transitions, seen.transitions), [], 'transitions never taken');
  assert.equal([...seen.transitions].sort(), all.transitions);
  assert.equal([...seen.states].sort(), all.states);
  console.log(`  session model: ${seen.paths} paths, ${seen.steps} steps, ${all.transitions.length} transitions, ${all.states.length} states, ${Date.now() - t0} ms`);
});

// ---- named paths ------------------------------------------------------------------------------

const run = (script: Array<[number, SessionEvent]>, over: Partial<SessionInput> = {}, until?: number) =>
  runScript(machine, input(over), EFFECTS, script, until);
/** Actions and notifications in order, with sendResponse's code. */
const trace = (r: ReturnType<typeof run>) => r.log.map((e) => e.name);
const value = (r: ReturnType<typeof run>) => state(r.actor.getSnapshot());

const connectedOut: Array<[number, SessionEvent]> = [
  [0, ev.connect],
  [10, ev.p180],
  [20, ev.answered],
];

test('outgoing: NewOutgoing, provisional responses, ring indication, WillStart, ACK, DidStart', () => {
  const r = run(connectedOut, {}, 100);
  assert.equal(trace(r), [
    'sendInvite',
    'SIPSessionNewOutgoing',
    'SIPSessionGotProvisionalResponse',
    'SIPSessionGotRingIndication',
    'sendAck',
    'startStreams',
    'SIPSessionWillStart',
    'SIPSessionDidStart',
  ]);
  assert.equal(r.data('SIPSessionGotProvisionalResponse')[0], { type: 'SIPSessionGotProvisionalResponse', code: 180, reason: 'Ringing' });
  assert.equal(r.data('SIPSessionDidStart')[0], { type: 'SIPSessionDidStart', streams: ['audio'] });
  assert.is(value(r), 'connected');
  const failed = run([[0, ev.connect], [10, ev.failed486]]);
  assert.equal(failed.data('SIPSessionDidFail'), [{ type: 'SIPSessionDidFail', originator: 'remote', code: 486, reason: 'Busy Here', failure_reason: '486 Busy Here' }]);
});

test('CANCEL crossing 200 (§9.1/§15): ACK then BYE, DidFail 487 user_request, never DidStart', () => {
  const r = run([[0, ev.connect], [10, ev.p180], [20, ev.end], [25, ev.answered], [40, ev.byeAnswered]]);
  assert.equal(trace(r).filter((n) => n !== 'SIPSessionGotProvisionalResponse' && n !== 'SIPSessionGotRingIndication'), [
    'sendInvite',
    'SIPSessionNewOutgoing',
    'sendCancel',
    'sendAck',
    'sendBye',
    'endStreams',
    'SIPSessionDidFail',
  ]);
  assert.equal(r.data('SIPSessionDidFail')[0], { type: 'SIPSessionDidFail', originator: 'local', code: 487, reason: 'Request Terminated', failure_reason: 'user_request' });
  assert.is(r.actor.getSnapshot().status, 'done');
  // the usual outcome: the 487
  const usual = run([[0, ev.connect], [10, ev.p180], [20, ev.end], [25, ev.failed487]]);
  assert.equal(usual.names('sendCancel', 'sendBye', 'SIPSessionDidFail'), ['sendCancel', 'SIPSessionDidFail']);
  // end() before any provisional: the CANCEL waits for one (§9.1)
  const early = run([[0, ev.connect], [5, ev.end], [50, ev.p100], [60, ev.failed487]]);
  assert.equal(early.times('sendCancel'), [50]);
  // ... and a 2xx arriving first is ACKed and BYEd
  const crossed = run([[0, ev.connect], [5, ev.end], [50, ev.answered], [60, ev.byeAnswered]]);
  assert.equal(crossed.names('sendCancel', 'sendAck', 'sendBye'), ['sendAck', 'sendBye']);
  assert.equal(crossed.names('SIPSessionDidStart', 'SIPSessionDidEnd'), []);
});

const accepting: Array<[number, SessionEvent]> = [
  [0, ev.incoming],
  [10, ev.ringIndication],
  [1000, ev.accept],
];

test('incoming: NewIncoming, 180, accept → 2xx retransmitted at T1 doubling to T2 until the ACK → DidStart', () => {
  const r = run([...accepting, [1000 + 500 + 1000 + 2000 + 100, ev.ack]], {}, 20_000);
  assert.equal(r.times('retransmit2xx'), [1500, 2500, 4500]);
  assert.equal(r.names('sendProvisional', 'send2xx', 'SIPSessionNewIncoming', 'SIPSessionWillStart', 'SIPSessionDidStart'), [
    'SIPSessionNewIncoming',
    'sendProvisional',
    'send2xx',
    'SIPSessionWillStart',
    'SIPSessionDidStart',
  ]);
  assert.equal(r.data('SIPSessionDidStart')[0], { type: 'SIPSessionDidStart', streams: ['audio'] });
  assert.is(value(r), 'connected');
});

test('ACK never arriving (§13.3.1.4): retransmissions capped at T2, BYE after 64·T1, DidFail "missing ACK"', () => {
  const r = run(accepting, {}, 70_000);
  const t = r.times('retransmit2xx');
  assert.equal(t.slice(0, 5), [1500, 2500, 4500, 8500, 12500]);
  assert.ok(t.every((x) => x < 33_000));
  assert.equal(r.times('sendBye'), [33_000]);
  assert.equal(r.times('SIPSessionDidFail'), [33_000 + 32_000], 'BYE unanswered: ends after another 64·T1');
  assert.equal(r.data('SIPSessionDidFail')[0], { type: 'SIPSessionDidFail', originator: 'remote', code: 0, reason: '', failure_reason: 'missing ACK' });
  assert.is(r.clock.due.size, 0);
});

test('R-SES-3: end() while accepting waits for the ACK, then BYE; or BYE at 64·T1 without it', () => {
  const r = run([...accepting, [1200, ev.end], [1700, ev.ack], [1800, ev.byeAnswered]]);
  assert.equal(trace(r).slice(trace(r).indexOf('send2xx')), ['send2xx', 'SIPSessionWillStart', 'retransmit2xx', 'sendBye', 'endStreams', 'SIPSessionDidFail']);
  assert.equal(r.times('sendBye'), [1700], 'not before the ACK');
  assert.equal(r.data('SIPSessionDidFail')[0], { type: 'SIPSessionDidFail', originator: 'local', code: 0, reason: '', failure_reason: 'user_request' });
  const noAck = run([...accepting, [1200, ev.end], [33_100, ev.byeAnswered]]);
  assert.equal(noAck.times('sendBye'), [33_000]);
  assert.equal(noAck.data('SIPSessionDidFail')[0]!.failure_reason, 'user_request');
  // a remote CANCEL after our 2xx has no effect (§9.2)
  const cancelled = run([...accepting, [1100, ev.cancel], [1200, ev.ack]], {}, 2000);
  assert.is(value(cancelled), 'connected');
});

const connectedIn: Array<[number, SessionEvent]> = [...accepting, [1100, ev.ack]];

test('the 2xx to a remote re-INVITE (§13.3.1.4): retransmitted at T1 doubling to T2 until its ACK; BYE after 64·T1 without it', () => {
  const acked = run([...connectedIn, [2000, ev.remoteHold], [2000 + 500 + 1000 + 100, ev.reinviteAck]], {}, 40_000);
  assert.equal(acked.times('retransmitReinvite2xx'), [2500, 3500]);
  assert.is(value(acked), 'connected');
  assert.is(acked.clock.due.size, 0, 'no timer left once ACKed');
  const lost = run([...connectedIn, [2000, ev.remoteHold], [40_000, ev.byeAnswered]], {}, 40_000);
  const t = lost.times('retransmitReinvite2xx');
  assert.equal(t.slice(0, 5), [2500, 3500, 5500, 9500, 13500]);
  assert.ok(t.every((x) => x < 34_000));
  assert.equal(lost.times('sendBye'), [34_000], '64·T1 after the first send');
  assert.equal(lost.data('SIPSessionDidEnd')[0], { type: 'SIPSessionDidEnd', originator: 'remote', end_reason: 'missing ACK' });
  // an accepted proposal's 2xx is retransmitted the same way
  const proposal = run([...connectedIn, [2000, ev.remoteProposal], [2100, ev.acceptProposal], [2700, ev.reinviteAck]], {}, 10_000);
  assert.equal(proposal.times('retransmitReinvite2xx'), [2600]);
  assert.is(proposal.clock.due.size, 0);
});

test('BYE crossing a re-INVITE: the session ends, the re-INVITE failure is ignored', () => {
  const r = run([...connectedIn, [2000, ev.addStream], [2050, ev.bye], [2060, ev.re481]]);
  const tail = trace(r).slice(trace(r).indexOf('sendReInvite'));
  assert.equal(tail, ['sendReInvite', 'SIPSessionGotProposal', 'sendResponse', 'endStreams', 'SIPSessionWillEnd', 'SIPSessionDidEnd']);
  assert.equal(r.data('SIPSessionDidEnd')[0], { type: 'SIPSessionDidEnd', originator: 'remote', end_reason: 'user_request' });
  assert.equal(r.names('SIPSessionGotRejectProposal', 'SIPSessionHadProposalFailure'), []);
  // our end() while our re-INVITE is in progress: BYE; its late failure changes nothing
  const ours = run([...connectedIn, [2000, ev.addStream], [2050, ev.end], [2060, ev.re487], [2070, ev.byeAnswered]]);
  assert.equal(ours.names('sendBye', 'SIPSessionGotRejectProposal', 'SIPSessionDidEnd'), ['sendBye', 'SIPSessionDidEnd']);
  assert.equal(ours.data('SIPSessionDidEnd')[0], { type: 'SIPSessionDidEnd', originator: 'local', end_reason: 'user_request' });
});

test('hold during a pending proposal is queued and sent when the proposal completes; hold before connect too', () => {
  const r = run([...connectedIn, [2000, ev.addStream], [2010, ev.hold], [2100, ev.re200], [2200, ev.re200]], {}, 3000);
  assert.equal(r.times('sendReInvite'), [2000, 2100]);
  assert.equal(trace(r).slice(trace(r).indexOf('sendReInvite')), [
    'sendReInvite',
    'SIPSessionGotProposal',
    'updateStreams',
    'sendReInvite',
    'SIPSessionGotAcceptProposal',
    'SIPSessionDidRenegotiateStreams',
    'updateStreams',
    'SIPSessionDidChangeHoldState',
  ]);
  assert.equal(r.data('SIPSessionDidChangeHoldState'), [{ type: 'SIPSessionDidChangeHoldState', originator: 'local', on_hold: true, partial: false }]);
  assert.ok(r.actor.getSnapshot().matches({ connected: { hold: { local: 'held' } } }));
  assert.equal(r.actor.getSnapshot().context.streams, ['audio', 'chat']);
  const before = run([[0, ev.connect], [5, ev.hold], [10, ev.p180], [20, ev.answered]], {}, 100);
  assert.equal(before.times('sendReInvite'), [20], 'sent as soon as the session is connected');
  // unhold while the hold re-INVITE is in progress: hold, then unhold
  const flip = run([...connectedIn, [2000, ev.hold], [2010, ev.unhold], [2100, ev.re200], [2200, ev.re200]], {}, 3000);
  assert.equal(flip.data('SIPSessionDidChangeHoldState').map((d) => d.on_hold), [true, false]);
});

test('a failed re-INVITE (§14.1) leaves hold state and streams as they were', () => {
  const r = run([...connectedIn, [2000, ev.hold], [2100, ev.re488]], {}, 3000);
  const s = r.actor.getSnapshot();
  assert.ok(s.matches({ connected: { hold: { local: 'unheld' }, proposal: 'none' } }));
  assert.equal(s.context.streams, ['audio']);
  assert.is(s.context.wantHold, false, 'the request is forgotten, not retried forever');
  assert.equal(r.names('SIPSessionDidChangeHoldState', 'updateStreams'), []);
  const held = run([...connectedIn, [2000, ev.hold], [2100, ev.re200], [3000, ev.unhold], [3100, ev.re488]], {}, 4000);
  assert.ok(held.actor.getSnapshot().matches({ connected: { hold: { local: 'held' } } }));
  assert.equal(held.data('SIPSessionDidChangeHoldState').map((d) => d.on_hold), [true]);
  const add = run([...connectedIn, [2000, ev.addStream], [2100, ev.re488]], {}, 3000);
  assert.equal(add.data('SIPSessionGotRejectProposal'), [
    { type: 'SIPSessionGotRejectProposal', originator: 'local', code: 488, reason: 'Not Acceptable Here', streams: ['chat'] },
  ]);
  assert.equal(add.actor.getSnapshot().context.streams, ['audio']);
});

test('glare (§14.1/§14.2): 491 → retry after 2.1–4 s (Call-ID owner) or 0–2 s; a remote re-INVITE during ours gets 491', () => {
  for (let i = 0; i < 200; i++) {
    const f = i / 200;
    const own = glareDelay(true, f);
    const other = glareDelay(false, f);
    assert.ok(own >= 2100 && own <= 4000 && own % 10 === 0, `owner ${own}`);
    assert.ok(other >= 0 && other <= 2000 && other % 10 === 0, `other ${other}`);
  }
  assert.is(glareDelay(true, 0.99999), 4000);
  assert.is(glareDelay(false, 0.99999), 2000);
  // outgoing session: we own the Call-ID
  const out = run([...connectedOut, [1000, ev.addStream], [1010, ev.remoteProposal], [1020, ev.re491]], {}, 10_000);
  const [first, retry] = out.times('sendReInvite');
  assert.is(first, 1000);
  assert.ok(retry! - 1020 >= 2100 && retry! - 1020 <= 4000, `retry after ${retry! - 1020} ms`);
  assert.equal(out.data('sendResponse').length, 1);
  assert.equal(out.names('sendResponse', 'SIPSessionGotProposal'), ['SIPSessionGotProposal', 'sendResponse'], 'only ours is announced: the remote proposal is answered 491');
  // incoming session: not the owner
  const inc = run([...connectedIn, [2000, ev.addStream], [2020, ev.re491]], {}, 10_000);
  const [, retryIn] = inc.times('sendReInvite');
  assert.ok(retryIn! - 2020 >= 0 && retryIn! - 2020 <= 2000, `retry after ${retryIn! - 2020} ms`);
  // while waiting to retry, a remote re-INVITE is served; ours resumes after it
  const served = run([...connectedIn, [2000, ev.addStream], [2020, ev.re491], [2021, ev.remoteProposal], [2030, ev.acceptProposal], [2100, ev.re200]], {}, 10_000);
  assert.equal(served.times('sendReInvite'), [2000, 2030]);
  assert.equal(served.actor.getSnapshot().context.streams, ['audio', 'video', 'chat']);
});

test('408 / 481 / timeout to a re-INVITE end the session (RFC 5057, §14.1): BYE for 408 and timeout, none for 481', () => {
  const r408 = run([...connectedIn, [2000, ev.addStream], [2100, ev.re408], [2200, ev.byeAnswered]]);
  assert.equal(r408.names('sendBye', 'SIPSessionWillEnd', 'SIPSessionDidEnd'), ['sendBye', 'SIPSessionWillEnd', 'SIPSessionDidEnd']);
  assert.equal(r408.data('SIPSessionDidEnd')[0], { type: 'SIPSessionDidEnd', originator: 'remote', end_reason: '408 Request Timeout to re-INVITE' });
  const r481 = run([...connectedIn, [2000, ev.hold], [2100, ev.re481]]);
  assert.equal(r481.names('sendBye'), []);
  assert.equal(r481.data('SIPSessionDidEnd')[0]!.end_reason, '481 Call/Transaction Does Not Exist to re-INVITE');
  const t = run([...connectedIn, [2000, ev.hold], [34_000, ev.timeout], [34_100, ev.byeAnswered]]);
  assert.equal(t.times('sendBye'), [34_000]);
});

test('proposals: remote accepted / rejected / cancelled / failing; cancel_proposal gives 487; remove_stream always removes', () => {
  const acc = run([...connectedIn, [2000, ev.remoteProposal], [2100, ev.acceptProposal]], {}, 3000);
  assert.equal(acc.data('SIPSessionGotAcceptProposal'), [
    { type: 'SIPSessionGotAcceptProposal', originator: 'remote', streams: ['video'], proposed_streams: ['video'] },
  ]);
  const rej = run([...connectedIn, [2000, ev.remoteProposal], [2050, ev.remoteHold], [2100, ev.rejectProposal]], {}, 3000);
  assert.equal(rej.data('SIPSessionGotRejectProposal')[0]!.code, 488);
  assert.equal(rej.names('SIPSessionDidChangeHoldState'), [], 'the second re-INVITE got a 500');
  const fail = run([...connectedIn, [2000, ev.remoteProposal], [2100, ev.proposalFailure]], {}, 3000);
  assert.equal(fail.data('SIPSessionHadProposalFailure'), [{ type: 'SIPSessionHadProposalFailure', failure_reason: 'video failed to start', streams: ['video'] }]);
  const cancel = run([...connectedIn, [2000, ev.addStream], [2010, ev.cancelProposal], [2020, ev.re487]], {}, 3000);
  assert.equal(cancel.names('sendCancel'), ['sendCancel']);
  assert.equal(cancel.data('SIPSessionGotRejectProposal')[0]!.code, 487);
  const rm = run([...connectedIn, [2000, ev.removeStream], [2100, ev.re488]], {}, 3000);
  assert.equal(rm.actor.getSnapshot().context.streams, []);
  assert.equal(rm.data('SIPSessionDidRenegotiateStreams'), [{ type: 'SIPSessionDidRenegotiateStreams', action: 'remove', streams: ['audio'] }]);
  const remoteHold = run([...connectedIn, [2000, ev.remoteHold], [2100, ev.remoteUnhold]], {}, 3000);
  assert.equal(remoteHold.data('SIPSessionDidChangeHoldState').map((d) => [d.originator, d.on_hold]), [['remote', true], ['remote', false]]);
});



test('a local failure before the start (a stream that cannot initialize): DidFail local; an incoming INVITE is refused with the code', () => {
  const out = run([[0, ev.connect], [5, ev.error]]);
  assert.equal(out.data('SIPSessionDidFail')[0], {
    type: 'SIPSessionDidFail',
    originator: 'local',
    code: 500,
    reason: 'Server Internal Error',
    failure_reason: 'audio stream failed to initialize',
  });
  const inc = run([[0, ev.incoming], [5, ev.error]]);
  assert.equal(inc.names('sendResponse', 'SIPSessionDidFail'), ['sendResponse', 'SIPSessionDidFail']);
  // end() before any provisional, then a final non-2xx: the end stays ours
  const ended = run([[0, ev.connect], [5, ev.end], [10, ev.failed486]]);
  assert.equal(ended.data('SIPSessionDidFail')[0], { type: 'SIPSessionDidFail', originator: 'local', code: 487, reason: 'Request Terminated', failure_reason: 'user_request' });
});

test.run();
