// The dialog — RFC 3261 §12 with RFC 5057 usages.
// Model-based: createTestModel/getShortestPaths (xstate/graph) give one shortest path per edge of
// the abstract state graph (state, usages, remote CSeq) for a UAC-created and a UAS-created
// dialog; every path is replayed on a real actor with recording actions and each step is checked
// against an oracle written out below from the RFC, independently of the machine. The
// transitions and states the actors went through must be exactly those the definition has.
// Then behaviour: forks, CSeq order, usages, BYE and RFC 5057.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type AnyMachineSnapshot, type AnyStateMachine, type AnyTransitionDefinition, createActor } from 'xstate';
import { createTestModel, getStateNodes } from 'xstate/graph';
import { parseMessage } from '../../src/sip/parser.js';
import type { SIPRequest, SIPResponse } from '../../src/sip/message.js';
import { type DialogState, buildInDialogRequest, dialogId, uacDialogState, uasDialogState } from '../../src/sip/dialog-state.js';
import { type DialogContext, type DialogEvent, type DialogInput, INVITE_USAGE, dialog as machine } from '../../machines/dialog.js';

// ---- messages (RFC 3261 §24.2, Alice calls Bob through two record-routing proxies) -----------

const msg = (...lines: string[]) => parseMessage(lines.join('\r\n') + '\r\n\r\n');
const RR = 'Record-Route: <sip:server10.biloxi.com;lr>, <sip:bigbox3.site3.atlanta.com;lr>';
const invite = msg(
  'INVITE sip:bob@biloxi.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.com>',
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.com>',
  'Content-Length: 0',
) as SIPRequest;
/** The INVITE as Bob receives it, with both proxies' Record-Route. */
const inviteAtBob = msg(invite.toString().replace('Max-Forwards: 70', `Max-Forwards: 68\r\n${RR}`).replace(/\r\n\r\n$/, '')) as SIPRequest;
/** A response to the INVITE as Alice receives it. `rr` false: a 180 without Record-Route or Contact. */
const response = (status: string, toTag: string, { rr = true, contact = '<sip:bob@192.0.2.4>' } = {}) =>
  msg(
    `SIP/2.0 ${status}`,
    'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8;received=192.0.2.1',
    ...(rr ? [RR] : []),
    'From: Alice <sip:alice@atlanta.com>;tag=1928301774',
    `To: Bob <sip:bob@biloxi.com>;tag=${toTag}`,
    'Call-ID: a84b4c76e66710',
    'CSeq: 314159 INVITE',
    ...(contact ? [`Contact: ${contact}`] : []),
    'Content-Length: 0',
  ) as SIPResponse;
/** A request from the peer within the dialog (tags as Alice sees them: From = Bob). */
const fromPeer = (method: string, cseq: number, extra: string[] = []) =>
  msg(
    `${method} sip:alice@pc33.atlanta.com SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bK' + method + cseq,
    'From: Bob <sip:bob@biloxi.com>;tag=a6c85cf',
    'To: Alice <sip:alice@atlanta.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710',
    `CSeq: ${cseq} ${method}`,
    ...extra,
    'Content-Length: 0',
  ) as SIPRequest;

/** Alice's dialog, early from a bare 180 (no Record-Route, no Contact). */
const uacEarly = (toTag = 'a6c85cf'): DialogInput => ({
  state: uacDialogState(invite, response('180 Ringing', toTag, { rr: false, contact: '' })),
  side: 'uac',
});
/** Bob's dialog, early from his 180 (with his To tag). */
const uasEarly = (): DialogInput => {
  const ringing = inviteAtBob.createResponse(180, undefined, { toTag: 'a6c85cf', headers: [['Contact', '<sip:bob@192.0.2.4>']] });
  return { state: uasDialogState(inviteAtBob, ringing), side: 'uas' };
};

// ---- events the model offers -------------------------------------------------------------------

const ev = {
  confirm: { type: 'confirm' } as DialogEvent,
  confirm200: { type: 'confirm', response: response('200 OK', 'a6c85cf') } as DialogEvent,
  fail: { type: 'fail' } as DialogEvent,
  info: { type: 'request', request: fromPeer('INFO', 400000) } as DialogEvent,
  update: { type: 'request', request: fromPeer('UPDATE', 400000, ['Contact: <sip:bob@192.0.2.44>']) } as DialogEvent,
  bye: { type: 'request', request: fromPeer('BYE', 400000) } as DialogEvent,
  late: { type: 'request', request: fromPeer('INFO', 1) } as DialogEvent,
  ack: { type: 'request', request: fromPeer('ACK', 1) } as DialogEvent,
  refresh: { type: 'refresh', message: response('200 OK', 'a6c85cf', { rr: false, contact: '<sip:bob@192.0.2.55>' }) } as DialogEvent,
  sendInfo: { type: 'send', method: 'INFO' } as DialogEvent,
  sendAck: { type: 'send', method: 'ACK' } as DialogEvent,
  addRefer: { type: 'addUsage', usage: 'subscribe:refer' } as DialogEvent,
  removeInvite: { type: 'removeUsage', usage: INVITE_USAGE } as DialogEvent,
  removeRefer: { type: 'removeUsage', usage: 'subscribe:refer' } as DialogEvent,
  terminate: { type: 'terminate' } as DialogEvent,
};
const EFFECTS = ['passRequest', 'rejectOutOfOrder', 'terminate'] as const;

/** `request INFO 400000`, `confirm 200`, `send ACK`, `addUsage subscribe:refer`... */
const label = (e: { type: string }): string => {
  const d = e as DialogEvent;
  switch (d.type) {
    case 'request':
      return `request ${d.request.method} ${d.request.cseq?.seq}`;
    case 'confirm':
      return d.response ? `confirm ${d.response.status}` : 'confirm';
    case 'refresh':
      return 'refresh';
    case 'send':
      return `send ${d.method}`;
    case 'addUsage':
    case 'removeUsage':
      return `${d.type} ${d.usage}`;
    default:
      return e.type;
  }
};

// ---- the oracle: RFC 3261 §12 and RFC 5057, written out without the machine ------------------

type Vertex = { value: string; context: DialogContext };
/** What a step must do: next state, effects in order, and the context after. */
function oracle(from: Vertex, e: DialogEvent): { to: string; effects: string[]; context: DialogContext } {
  const c = from.context;
  const stay = { to: from.value, effects: [] as string[], context: c };
  const end = (effects: string[], context = c) => ({ to: 'terminated', effects: [...effects, 'terminate'], context });
  if (from.value === 'terminated') return stay;
  switch (e.type) {
    case 'confirm': {
      if (from.value !== 'early') return stay;
      // §13.2.2.4: the UAC recomputes route set (Record-Route reversed) and target from the 2xx
      if (c.side === 'uac' && e.response) {
        return {
          to: 'confirmed',
          effects: [],
          context: { ...c, routeSet: ['<sip:bigbox3.site3.atlanta.com;lr>', '<sip:server10.biloxi.com;lr>'], remoteTarget: 'sip:bob@192.0.2.4' },
        };
      }
      return { ...stay, to: 'confirmed' };
    }
    case 'fail':
      return from.value === 'early' ? end([]) : stay;
    case 'terminate':
      return end([]);
    case 'request': {
      const { method } = e.request;
      const seq = e.request.cseq!.seq;
      // §12.2.2: lower than the remote number → 500, nothing changes (ACK has its INVITE's number)
      if (method !== 'ACK' && c.remoteSeq !== undefined && seq < c.remoteSeq) return { ...stay, effects: ['rejectOutOfOrder'] };
      let next: DialogContext = method === 'ACK' ? c : { ...c, remoteSeq: seq };
      if (method === 'UPDATE') next = { ...next, remoteTarget: 'sip:bob@192.0.2.44' };
      if (method === 'BYE') {
        // RFC 5057: BYE ends the invite usage; the dialog ends with its last usage
        const usages = c.usages.filter((u) => u !== INVITE_USAGE);
        return usages.length === 0 ? end(['passRequest'], next) : { to: from.value, effects: ['passRequest'], context: { ...next, usages } };
      }
      return { to: from.value, effects: ['passRequest'], context: next };
    }
    case 'refresh':
      return { ...stay, context: { ...c, remoteTarget: 'sip:bob@192.0.2.55' } };
    case 'send':
      return e.method === 'ACK' || e.method === 'CANCEL' ? stay : { ...stay, context: { ...c, localSeq: c.localSeq + 1 } };
    case 'addUsage':
      return { ...stay, context: { ...c, usages: c.usages.includes(e.usage) ? c.usages : [...c.usages, e.usage] } };
    case 'removeUsage': {
      const usages = c.usages.filter((u) => u !== e.usage);
      return usages.length === 0 ? end([]) : { ...stay, context: { ...c, usages } };
    }
  }
}

// ---- the harness ---------------------------------------------------------------------------

const local = (m: AnyStateMachine, id: string) => id.slice(m.id.length + 1);
type GuardLike = string | { type: string } | ((...args: never[]) => unknown) | undefined;
const guardName = (g: GuardLike): string => {
  if (typeof g === 'string') return g;
  if (typeof g === 'function') return `${g.name}(${((g as { guards?: GuardLike[] }).guards ?? []).map(guardName).join(',')})`;
  return g?.type ?? '';
};
/** A transition named by source, event, guard and target: `early request [isBye]`, `early fail → terminated`. */
const transitionName = (m: AnyStateMachine, t: AnyTransitionDefinition): string => {
  const guard = t.guard ? ` [${guardName(t.guard as GuardLike)}]` : '';
  const target = t.target?.length ? ` → ${t.target.map((s) => local(m, s.id)).join(',')}` : '';
  return `${local(m, t.source.id)} ${t.eventType}${guard}${target}`;
};
/** Every transition and state node of the machine definition. */
const definition = (m: AnyStateMachine) => {
  const nodes = [m.root, ...getStateNodes(m.root)];
  const transitions = nodes.flatMap((n) => [...[...n.transitions.values()].flat(), ...(n.always ?? [])]).map((t) => transitionName(m, t));
  return { transitions: transitions.sort(), states: nodes.slice(1).map((n) => local(m, n.id)).sort() };
};

/** A graph vertex: what the guards read — state, usages, remote CSeq. */
const key = (s: AnyMachineSnapshot) => {
  const c = s.context as DialogContext;
  return `${JSON.stringify(s.value)} [${c.usages.join(',')}] rseq=${c.remoteSeq}`;
};

interface Coverage {
  transitions: Set<string>;
  states: Set<string>;
  paths: number;
}

/** Record-only copies of the placeholder actions. */
const recorders = (log: Array<[string, DialogEvent]>) =>
  Object.fromEntries(EFFECTS.map((name) => [name, ({ event }: { event: DialogEvent }) => void log.push([name, event])]));

/**
 * One shortest path per edge of the abstract graph (the vertex is named by the edge reaching it),
 * each replayed through TestPath.test on a real actor and checked step by step against the oracle.
 */
async function replayAll(input: DialogInput): Promise<Coverage> {
  const seen: Coverage = { transitions: new Set(), states: new Set(), paths: 0 };
  const model = createTestModel(machine, {
    input,
    events: Object.values(ev),
    serializeEvent: label as never,
    serializeState: ((s: AnyMachineSnapshot, e: DialogEvent | undefined, prev: AnyMachineSnapshot | undefined) =>
      `${prev ? key(prev) : ''} ${e ? label(e) : 'start'} → ${key(s)}`) as never,
    stopWhen: (s: AnyMachineSnapshot) => s.status === 'done',
  });
  const paths = model.getShortestPaths();
  for (const path of paths) {
    seen.paths++;
    const log: Array<[string, DialogEvent]> = [];
    const actor = createActor(machine.provide({ actions: recorders(log) }), {
      input,
      inspect: (ie) => {
        if (ie.type !== '@xstate.microstep') return;
        for (const t of ie._transitions) seen.transitions.add(transitionName(machine, t));
        for (const n of (ie.snapshot as AnyMachineSnapshot)._nodes) if (n.parent) seen.states.add(local(machine, n.id));
      },
    });
    actor.start();
    for (const n of actor.getSnapshot()._nodes) if (n.parent) seen.states.add(local(machine, n.id));
    assert.equal(log, [], 'no effect on start');
    const where = `path ${path.steps.map((s) => label(s.event)).join(', ')}`;
    const step = ({ event, state }: { event: DialogEvent; state: AnyMachineSnapshot }) => {
      const before = actor.getSnapshot();
      const want = oracle({ value: before.value as string, context: before.context }, event);
      log.length = 0;
      actor.send(event);
      const now = actor.getSnapshot();
      const at = `${where} — in "${String(before.value)}" on ${label(event)}`;
      assert.is(key(now), key(state), `${at}: actor and graph disagree`);
      assert.is(now.value, want.to, `${at}: next state`);
      assert.equal(log.map(([a]) => a), want.effects, `${at}: effects`);
      assert.ok(log.every(([, e]) => e === event), `${at}: effects see the event`);
      assert.equal(now.context, want.context, `${at}: context`);
      if (want.to === 'terminated') assert.is(now.status, 'done', `${at}: terminated is final`);
    };
    const exec = Object.fromEntries(Object.keys(ev).map((k) => [ev[k as keyof typeof ev].type, step]));
    await path.test({ events: exec as never });
    actor.stop();
  }
  return seen;
}

const minus = (a: Iterable<string>, b: Iterable<string>) => {
  const drop = new Set(b);
  return [...a].filter((x) => !drop.has(x)).sort();
};
const union = (a: Iterable<string>, b: Iterable<string>) => [...new Set([...a, ...b])].sort();

// ---------------------------------------------------------------------------------------------

test('model: every state and every transition is reached, and each step does what RFC 3261 §12 / RFC 5057 say', async () => {
  const all = definition(machine);
  assert.is(new Set(all.transitions).size, all.transitions.length, 'transition names are unique');
  assert.equal(all.states, ['confirmed', 'early', 'terminated']);
  assert.is(all.transitions.length, 23);
  const uac = await replayAll(uacEarly());
  const uas = await replayAll(uasEarly());
  assert.ok(uac.paths > 20 && uas.paths > 20, `${uac.paths} + ${uas.paths} paths`);
  assert.equal(union(uac.transitions, uas.transitions), all.transitions);
  assert.equal(union(uac.states, uas.states), all.states);
  // the UAC side alone covers everything; the UAS side never recomputes a route set from a 2xx
  assert.equal(minus(all.transitions, uac.transitions), []);
  assert.equal(minus(all.transitions, uas.transitions), ['early confirm [uacResponse] → confirmed']);
});

// ---- behaviour -------------------------------------------------------------------------------

const start = (input: DialogInput) => {
  const log: Array<[string, DialogEvent]> = [];
  const actor = createActor(machine.provide({ actions: recorders(log) }), { input }).start();
  return { actor, log, effects: () => log.map(([a]) => a) };
};

test('a forked INVITE: each To tag is its own early dialog, confirmed or failed on its own', () => {
  const a = start(uacEarly('fork-a'));
  const b = start(uacEarly('fork-b'));
  assert.is.not(dialogId(a.actor.getSnapshot().context), dialogId(b.actor.getSnapshot().context));
  a.actor.send({ type: 'confirm', response: response('200 OK', 'fork-a') });
  assert.is(a.actor.getSnapshot().value, 'confirmed');
  assert.is(b.actor.getSnapshot().value, 'early');
  assert.equal(a.actor.getSnapshot().context.routeSet, ['<sip:bigbox3.site3.atlanta.com;lr>', '<sip:server10.biloxi.com;lr>']);
  assert.equal(b.actor.getSnapshot().context.routeSet, [], 'the other fork keeps its own route set');
  // §13.2.2.4: a second 2xx from the other fork confirms that dialog too (the owner will BYE it)
  b.actor.send({ type: 'confirm', response: response('200 OK', 'fork-b', { contact: '<sip:bob@192.0.2.8>' }) });
  assert.is(b.actor.getSnapshot().context.remoteTarget, 'sip:bob@192.0.2.8');
  assert.is(a.actor.getSnapshot().context.remoteTarget, 'sip:bob@192.0.2.4');
  // a third fork that only rang ends with the INVITE's final response, alone
  const c = start(uacEarly('fork-c'));
  c.actor.send({ type: 'fail' });
  assert.is(c.actor.getSnapshot().status, 'done');
  assert.equal(c.effects(), ['terminate']);
  assert.is(a.actor.getSnapshot().status, 'active');
  assert.is(b.actor.getSnapshot().status, 'active');
});

test('out-of-order CSeq: rejectOutOfOrder (500), nothing passed, nothing changed', () => {
  const d = start(uasEarly());
  d.actor.send({ type: 'confirm' });
  d.actor.send({ type: 'request', request: fromPeer('INFO', 314170) });
  const before = d.actor.getSnapshot();
  d.log.length = 0;
  const stale = fromPeer('INVITE', 314160, ['Contact: <sip:elsewhere@192.0.2.99>']);
  d.actor.send({ type: 'request', request: stale });
  const after = d.actor.getSnapshot();
  assert.equal(d.effects(), ['rejectOutOfOrder']);
  assert.is(d.log[0]![1].type === 'request' && d.log[0]![1].request, stale, 'the action gets the request to answer');
  assert.is(after.value, 'confirmed');
  assert.equal(after.context, before.context);
  assert.is(after.context.remoteTarget, 'sip:alice@pc33.atlanta.com', 'a rejected request refreshes nothing (§12.2.2: atomic)');
  // a stale BYE does not end anything either
  d.actor.send({ type: 'request', request: fromPeer('BYE', 5) });
  assert.is(d.actor.getSnapshot().value, 'confirmed');
  // the first request in a UAC-created dialog sets the empty remote number, whatever it is
  const u = start(uacEarly());
  u.actor.send({ type: 'request', request: fromPeer('INFO', 7) });
  assert.equal(u.effects(), ['passRequest']);
  assert.is(u.actor.getSnapshot().context.remoteSeq, 7);
  assert.is(u.actor.getSnapshot().context.localSeq, 314159, 'seed defect 7: local number untouched');
});

test('a re-INVITE with a new Contact moves the remote target (seed defect 8); so does the 2xx to ours', () => {
  const d = start(uasEarly());
  d.actor.send({ type: 'confirm' });
  d.actor.send({ type: 'request', request: fromPeer('INVITE', 314160, ['Contact: <sip:alice@192.0.2.101:5080>']) });
  assert.is(d.actor.getSnapshot().context.remoteTarget, 'sip:alice@192.0.2.101:5080');
  assert.is(d.actor.getSnapshot().context.remoteSeq, 314160);
  d.actor.send({ type: 'request', request: fromPeer('INFO', 314161, ['Contact: <sip:nope@192.0.2.1>']) });
  assert.is(d.actor.getSnapshot().context.remoteTarget, 'sip:alice@192.0.2.101:5080', 'INFO is no target refresh');
  d.actor.send({ type: 'refresh', message: response('200 OK', 'x', { contact: '<sip:alice@192.0.2.102>' }) });
  assert.is(d.actor.getSnapshot().context.remoteTarget, 'sip:alice@192.0.2.102');
});

test('send keeps the machine\'s local CSeq in step with buildInDialogRequest; ACK and CANCEL do not advance it', () => {
  const d = start(uacEarly());
  d.actor.send({ type: 'confirm', response: response('200 OK', 'a6c85cf') });
  const { request, state } = buildInDialogRequest(d.actor.getSnapshot().context, 'UPDATE');
  d.actor.send({ type: 'send', method: request.method });
  assert.is(d.actor.getSnapshot().context.localSeq, state.localSeq);
  assert.is(request.cseq!.seq, 314160);
  d.actor.send({ type: 'send', method: 'ACK' });
  d.actor.send({ type: 'send', method: 'CANCEL' });
  assert.is(d.actor.getSnapshot().context.localSeq, 314160);
  // the context is a DialogState: requests route through the recomputed route set
  assert.equal(request.getAll('Route'), ['<sip:bigbox3.site3.atlanta.com;lr>', '<sip:server10.biloxi.com;lr>']);
  assert.is(request.requestUri, 'sip:bob@192.0.2.4');
});

test('UAS confirm keeps the route set of the request; UAC confirm without a response changes nothing', () => {
  const s = start(uasEarly());
  const ok = inviteAtBob.createResponse(200, undefined, { toTag: 'a6c85cf', headers: [[RR.split(': ')[0]!, RR.split(': ')[1]!]] });
  s.actor.send({ type: 'confirm', response: ok });
  assert.equal(s.actor.getSnapshot().context.routeSet, ['<sip:server10.biloxi.com;lr>', '<sip:bigbox3.site3.atlanta.com;lr>']);
  const u = start(uacEarly());
  const before = u.actor.getSnapshot().context;
  u.actor.send({ type: 'confirm' });
  assert.is(u.actor.getSnapshot().value, 'confirmed');
  assert.equal(u.actor.getSnapshot().context, before);
});

test('RFC 5057: BYE in a dialog with only the invite usage ends the dialog', () => {
  const d = start(uasEarly());
  d.actor.send({ type: 'confirm' });
  const bye = fromPeer('BYE', 314160);
  d.actor.send({ type: 'request', request: bye });
  assert.equal(d.effects(), ['passRequest', 'terminate']);
  assert.is(d.log[0]![1].type === 'request' && d.log[0]![1].request, bye);
  assert.is(d.actor.getSnapshot().status, 'done');
  // the caller may BYE an early dialog too (§15)
  const e = start(uasEarly());
  e.actor.send({ type: 'request', request: bye });
  assert.equal(e.effects(), ['passRequest', 'terminate']);
});

test('RFC 5057: BYE ends only the invite usage; a REFER subscription keeps the dialog until it ends', () => {
  const d = start(uacEarly());
  d.actor.send({ type: 'confirm', response: response('200 OK', 'a6c85cf') });
  // a transfer: REFER sent in the dialog, its implicit subscription is a second usage (§3.1)
  d.actor.send({ type: 'send', method: 'REFER' });
  d.actor.send({ type: 'addUsage', usage: 'subscribe:refer;id=314160' });
  d.actor.send({ type: 'addUsage', usage: 'subscribe:refer;id=314160' });
  assert.equal(d.actor.getSnapshot().context.usages, [INVITE_USAGE, 'subscribe:refer;id=314160'], 'added once');
  d.actor.send({ type: 'request', request: fromPeer('BYE', 10) });
  assert.equal(d.effects(), ['passRequest']);
  assert.is(d.actor.getSnapshot().value, 'confirmed');
  assert.equal(d.actor.getSnapshot().context.usages, ['subscribe:refer;id=314160']);
  // the NOTIFYs of the subscription still arrive in the dialog, in order
  d.actor.send({ type: 'request', request: fromPeer('NOTIFY', 11, ['Event: refer;id=314160', 'Subscription-State: terminated;reason=noresource']) });
  assert.equal(d.effects(), ['passRequest', 'passRequest']);
  d.actor.send({ type: 'request', request: fromPeer('NOTIFY', 9) });
  assert.equal(d.effects(), ['passRequest', 'passRequest', 'rejectOutOfOrder']);
  // the subscription ends: the last usage goes, and the dialog with it
  d.actor.send({ type: 'removeUsage', usage: 'subscribe:refer;id=314160' });
  assert.equal(d.effects(), ['passRequest', 'passRequest', 'rejectOutOfOrder', 'terminate']);
  assert.is(d.actor.getSnapshot().status, 'done');
});

test('RFC 5057 §4: removing the last usage terminates; removing another or an unknown one does not', () => {
  const d = start({ ...uasEarly(), usages: [INVITE_USAGE, 'subscribe:presence'] });
  d.actor.send({ type: 'confirm' });
  d.actor.send({ type: 'removeUsage', usage: 'subscribe:dialog' });
  d.actor.send({ type: 'removeUsage', usage: INVITE_USAGE });
  assert.is(d.actor.getSnapshot().value, 'confirmed');
  assert.equal(d.actor.getSnapshot().context.usages, ['subscribe:presence']);
  assert.equal(d.effects(), []);
  d.actor.send({ type: 'removeUsage', usage: 'subscribe:presence' });
  assert.equal(d.effects(), ['terminate']);
  assert.is(d.actor.getSnapshot().status, 'done');
  // an empty list at creation means the invite usage
  assert.equal(start({ ...uasEarly(), usages: [] }).actor.getSnapshot().context.usages, [INVITE_USAGE]);
});

test('terminate ends the dialog from either state, whatever its usages; fail only an early one', () => {
  for (const confirm of [false, true]) {
    const d = start({ ...uacEarly(), usages: [INVITE_USAGE, 'subscribe:refer'] });
    if (confirm) d.actor.send({ type: 'confirm' });
    d.actor.send({ type: 'terminate' });
    assert.equal(d.effects(), ['terminate']);
    assert.is(d.actor.getSnapshot().status, 'done');
  }
  const d = start(uacEarly());
  d.actor.send({ type: 'confirm' });
  d.actor.send({ type: 'fail' });
  assert.is(d.actor.getSnapshot().value, 'confirmed', 'no final response can follow a 2xx');
});

test('hot path: a flat context of strings, numbers and string arrays; no children', () => {
  const d = start(uacEarly());
  const snap = d.actor.getSnapshot();
  const ctx: Record<string, unknown> = { ...snap.context };
  assert.equal(Object.keys(ctx).sort(), [
    'callId', 'localSeq', 'localTag', 'localUri', 'remoteSeq', 'remoteTag', 'remoteTarget', 'remoteUri', 'routeSet', 'secure', 'side', 'usages',
  ]);
  for (const [k, v] of Object.entries(ctx)) {
    const flat = v === undefined || ['string', 'number', 'boolean'].includes(typeof v) || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    assert.ok(flat, `${k} is flat`);
  }
  assert.equal(Object.keys(snap.children), []);
  // and it survives a JSON round trip (persisted snapshots, the inspector)
  assert.equal(JSON.parse(JSON.stringify(snap.context)), JSON.parse(JSON.stringify(ctx)));
  const state: DialogState = snap.context;
  assert.is(dialogId(state), 'a84b4c76e66710|1928301774|a6c85cf');
});

test.run();
