// Dialog state and in-dialog requests (RFC 3261 §12), driven by the messages of the §24.2 call
// flow (Alice → atlanta.com proxy → biloxi.com proxy → Bob, both proxies record-routing) and the
// routing examples of §12.2.1.1 and §16.12.1.2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMessage } from '../../src/sip/parser.js';
import { SIPBuildError } from '../../src/sip/errors.js';
import { SIPRequest, SIPResponse } from '../../src/sip/message.js';
import {
  type DialogState,
  TARGET_REFRESH_METHODS,
  applyTargetRefresh,
  buildAck,
  buildInDialogRequest,
  checkRemoteSeq,
  confirmUacState,
  dialogId,
  dialogIdOf,
  matchesDialog,
  nextLocalSeq,
  takesNewCSeq,
  uacDialogState,
  uasDialogState,
} from '../../src/sip/dialog-state.js';

const msg = (...lines: string[]) => parseMessage(lines.join('\r\n') + '\r\n\r\n');
const req = (...lines: string[]) => msg(...lines) as SIPRequest;
const res = (...lines: string[]) => msg(...lines) as SIPResponse;

// ---- RFC 3261 §24.2 ------------------------------------------------------------------------

/** F1: INVITE Alice -> atlanta.com proxy (as Alice sent it). */
const F1 = req(
  'INVITE sip:bob@biloxi.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.com>',
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.com>',
  'Content-Length: 0',
);
/** F5: INVITE biloxi.com proxy -> Bob (as Bob received it). */
const F5 = req(
  'INVITE sip:bob@192.0.2.4 SIP/2.0',
  'Via: SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1',
  'Via: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2',
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8;received=192.0.2.1',
  'Max-Forwards: 68',
  'Record-Route: <sip:server10.biloxi.com;lr>, <sip:bigbox3.site3.atlanta.com;lr>',
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774',
  'To: Bob <sip:bob@biloxi.com>',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.com>',
  'Content-Length: 0',
);
const atAlice = (status: string, toTag = 'a6c85cf') =>
  res(
    `SIP/2.0 ${status}`,
    'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8;received=192.0.2.1',
    'Record-Route: <sip:server10.biloxi.com;lr>, <sip:bigbox3.site3.atlanta.com;lr>',
    'From: Alice <sip:alice@atlanta.com>;tag=1928301774',
    `To: Bob <sip:bob@biloxi.com>;tag=${toTag}`,
    'Call-ID: a84b4c76e66710',
    'CSeq: 314159 INVITE',
    'Contact: <sip:bob@192.0.2.4>',
    'Content-Length: 0',
  );
/** F8: 180 Ringing and F11: 200 OK, as Alice receives them. */
const F8 = atAlice('180 Ringing');
const F11 = atAlice('200 OK');
/** F9: the 200 OK Bob sends (§12.1.1: Record-Route copied from the request, our To tag, our Contact). */
const F9 = F5.createResponse(200, undefined, {
  toTag: 'a6c85cf',
  headers: [
    ['Record-Route', '<sip:server10.biloxi.com;lr>, <sip:bigbox3.site3.atlanta.com;lr>'],
    ['Contact', '<sip:bob@192.0.2.4>'],
  ],
});
/** F13: BYE Bob -> Alice, as Alice receives it. */
const F13 = req(
  'BYE sip:alice@pc33.atlanta.com SIP/2.0',
  'Via: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1',
  'Via: SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3',
  'Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds10;received=192.0.2.4',
  'Max-Forwards: 68',
  'From: Bob <sip:bob@biloxi.com>;tag=a6c85cf',
  'To: Alice <sip:alice@atlanta.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 231 BYE',
  'Content-Length: 0',
);

const alice = () => uacDialogState(F1, F11);
/** Bob chose 230 as his starting point: his BYE (F13) has CSeq 231. */
const bob = () => uasDialogState(F5, F9, false, 230);

/** A plain dialog state for the routing examples. */
const plain = (over: Partial<DialogState>): DialogState => ({
  callId: 'c1',
  localTag: 'lt',
  remoteTag: 'rt',
  localSeq: 10,
  remoteSeq: undefined,
  localUri: '<sip:me@example.com>',
  remoteUri: '<sip:you@example.net>',
  remoteTarget: 'sip:you@192.0.2.9',
  routeSet: [],
  secure: false,
  ...over,
});

const routes = (r: SIPRequest) => r.getAll('Route');
const isBuildError = (e: unknown) => e instanceof SIPBuildError;

// ---- creation ------------------------------------------------------------------------------

test('§12.1.2 UAC (Alice, F1 + F11): route set is the Record-Route reversed, target the 2xx Contact', () => {
  assert.equal(alice(), {
    callId: 'a84b4c76e66710',
    localTag: '1928301774',
    remoteTag: 'a6c85cf',
    localSeq: 314159,
    remoteSeq: undefined,
    localUri: '"Alice" <sip:alice@atlanta.com>',
    remoteUri: '"Bob" <sip:bob@biloxi.com>',
    remoteTarget: 'sip:bob@192.0.2.4',
    routeSet: ['<sip:bigbox3.site3.atlanta.com;lr>', '<sip:server10.biloxi.com;lr>'],
    secure: false,
  });
  // the early dialog of F8 has the same state (the 180 carries the same Record-Route and Contact)
  assert.equal(uacDialogState(F1, F8), alice());
});

test('§12.1.1 UAS (Bob, F5 + F9): route set is the Record-Route in order, remote seq is the request CSeq', () => {
  assert.equal(bob(), {
    callId: 'a84b4c76e66710',
    localTag: 'a6c85cf',
    remoteTag: '1928301774',
    localSeq: 230,
    remoteSeq: 314159,
    localUri: '"Bob" <sip:bob@biloxi.com>',
    remoteUri: '"Alice" <sip:alice@atlanta.com>',
    remoteTarget: 'sip:alice@pc33.atlanta.com',
    routeSet: ['<sip:server10.biloxi.com;lr>', '<sip:bigbox3.site3.atlanta.com;lr>'],
    secure: false,
  });
  // seed defect 7: the remote number is set, the local one is left "empty" (0 unless chosen)
  const fresh = uasDialogState(F5, F9);
  assert.is(fresh.remoteSeq, 314159);
  assert.is(fresh.localSeq, 0);
  assert.is(buildInDialogRequest(fresh, 'BYE').request.cseq!.seq, 1, 'first request: CSeq 1');
  assert.throws(() => uasDialogState(F5, F9, false, 2 ** 31), isBuildError);
  assert.throws(() => uasDialogState(F5, F5.createResponse(180)), /no To tag/);
});

test('each side computes the same dialog with the tags swapped; dialogId is Call-ID, local tag, remote tag', () => {
  assert.is(dialogId(alice()), 'a84b4c76e66710|1928301774|a6c85cf');
  assert.is(dialogId(bob()), 'a84b4c76e66710|a6c85cf|1928301774');
  assert.is(alice().remoteUri, bob().localUri);
  assert.is(alice().localUri, bob().remoteUri);
});

test('secure only when the request went over TLS with a SIPS Request-URI', () => {
  const sips = req(
    'INVITE sips:bob@biloxi.com SIP/2.0',
    'Via: SIP/2.0/TLS pc33.atlanta.com;branch=z9hG4bKs',
    'From: <sips:alice@atlanta.com>;tag=a',
    'To: <sips:bob@biloxi.com>',
    'Call-ID: s1',
    'CSeq: 1 INVITE',
    'Contact: <sips:alice@pc33.atlanta.com>',
    'Content-Length: 0',
  );
  const ok = sips.createResponse(200, undefined, { toTag: 'b', headers: [['Contact', '<sips:bob@192.0.2.4>']] });
  assert.is(uacDialogState(sips, ok, true).secure, true);
  assert.is(uacDialogState(sips, ok, false).secure, false);
  assert.is(uasDialogState(sips, ok, true).secure, true);
  assert.is(uacDialogState(F1, F11, true).secure, false, 'TLS but a sip: Request-URI');
});

test('a response without Contact (a bare 180) leaves the Request-URI as target until the 2xx', () => {
  const ringing = res(
    'SIP/2.0 180 Ringing',
    'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8',
    'From: Alice <sip:alice@atlanta.com>;tag=1928301774',
    'To: Bob <sip:bob@biloxi.com>;tag=a6c85cf',
    'Call-ID: a84b4c76e66710',
    'CSeq: 314159 INVITE',
    'Content-Length: 0',
  );
  const early = uacDialogState(F1, ringing);
  assert.is(early.remoteTarget, 'sip:bob@biloxi.com');
  assert.equal(early.routeSet, []);
  // §13.2.2.4: the 2xx recomputes route set and remote target
  const confirmed = confirmUacState(early, F11);
  assert.equal(confirmed, alice());
  assert.equal(early.routeSet, [], 'input untouched');
  // a 2xx without Record-Route empties the route set ("even if empty, overrides")
  const bare = confirmUacState(alice(), ringing);
  assert.equal(bare.routeSet, []);
  assert.is(bare.remoteTarget, 'sip:bob@192.0.2.4', 'no Contact: target kept');
});

// ---- requests within the dialog ------------------------------------------------------------

test('§13.2.2.4 ACK for the 2xx (F12): INVITE CSeq number, loose route through both proxies, state unchanged', () => {
  const state = alice();
  const ack = buildAck(state, 314159);
  assert.is(ack.startLine(), 'ACK sip:bob@192.0.2.4 SIP/2.0');
  assert.equal(routes(ack), ['<sip:bigbox3.site3.atlanta.com;lr>', '<sip:server10.biloxi.com;lr>']);
  assert.is(ack.get('Max-Forwards'), '70');
  assert.is(ack.get('From'), '"Alice" <sip:alice@atlanta.com>;tag=1928301774');
  assert.is(ack.get('To'), '"Bob" <sip:bob@biloxi.com>;tag=a6c85cf');
  assert.is(ack.get('Call-ID'), 'a84b4c76e66710');
  assert.is(ack.get('CSeq'), '314159 ACK');
  assert.is(ack.has('Via'), false, 'the transport adds Via');
  assert.equal(state, alice());
  // credentials and an answer travel with it
  const withAnswer = buildAck(state, 314159, { body: 'v=0\r\n', contentType: 'application/sdp', headers: { Authorization: 'Digest username="alice"' } });
  assert.is(withAnswer.get('Content-Type'), 'application/sdp');
  assert.is(withAnswer.get('Authorization'), 'Digest username="alice"');
  assert.is(withAnswer.body.toString(), 'v=0\r\n');
});

test('F13: Bob\'s BYE — remote target as Request-URI, the route set in order, CSeq 231, pure', () => {
  const state = Object.freeze(bob());
  const { request, state: after } = buildInDialogRequest(state, 'BYE');
  assert.is(request.startLine(), 'BYE sip:alice@pc33.atlanta.com SIP/2.0');
  assert.equal(routes(request), ['<sip:server10.biloxi.com;lr>', '<sip:bigbox3.site3.atlanta.com;lr>']);
  assert.is(request.get('From'), '"Bob" <sip:bob@biloxi.com>;tag=a6c85cf');
  assert.is(request.get('To'), '"Alice" <sip:alice@atlanta.com>;tag=1928301774');
  assert.is(request.get('CSeq'), '231 BYE');
  assert.is(after.localSeq, 231);
  assert.is(state.localSeq, 230, 'input not mutated');
  assert.equal({ ...after, localSeq: 230 }, bob());
  // the BYE Alice receives belongs to her dialog
  assert.ok(matchesDialog(F13, alice()));
});

test('§12.2.1.1: CSeq increases by one per request; ACK and CANCEL are not new requests', () => {
  let state = alice();
  const seqs: number[] = [];
  for (const method of ['INFO', 'UPDATE', 'BYE']) {
    const built = buildInDialogRequest(state, method, { headers: [['Contact', '<sip:alice@pc33.atlanta.com>']] });
    seqs.push(built.request.cseq!.seq);
    assert.is(built.request.cseq!.method, method);
    state = built.state;
  }
  assert.equal(seqs, [314160, 314161, 314162]);
  assert.is(nextLocalSeq(state), 314163);
  assert.throws(() => buildInDialogRequest(state, 'ACK'), /buildAck/);
  assert.throws(() => buildInDialogRequest(state, 'CANCEL'), /cancelFor/);
  assert.equal(['INVITE', 'BYE', 'ACK', 'CANCEL'].map(takesNewCSeq), [true, true, false, false]);
});

test('empty route set: Request-URI is the remote target and there is no Route', () => {
  const { request } = buildInDialogRequest(plain({}), 'OPTIONS');
  assert.is(request.requestUri, 'sip:you@192.0.2.9');
  assert.is(request.has('Route'), false);
});

test('§12.2.1.1 strict-router example: METHOD sip:proxy1, Route: proxy2, proxy3;lr, proxy4, remote target', () => {
  const state = plain({
    remoteTarget: 'sip:user@remoteua',
    routeSet: ['<sip:proxy1>', '<sip:proxy2>', '<sip:proxy3;lr>', '<sip:proxy4>'],
  });
  const { request } = buildInDialogRequest(state, 'INFO');
  assert.is(request.startLine(), 'INFO sip:proxy1 SIP/2.0');
  // seed defect 10: the last Route is the remote target, not the rewritten Request-URI
  assert.equal(routes(request), ['<sip:proxy2>', '<sip:proxy3;lr>', '<sip:proxy4>', '<sip:user@remoteua>']);
  assert.equal(state.routeSet, ['<sip:proxy1>', '<sip:proxy2>', '<sip:proxy3;lr>', '<sip:proxy4>'], 'route set untouched');
});

test('a strict first route loses the parameters a Request-URI may not carry (method, headers), keeps the rest', () => {
  const state = plain({ routeSet: ['<sip:proxy1;maddr=192.0.2.1;method=INVITE?Subject=x>', '<sip:proxy2;lr>'] });
  const { request } = buildInDialogRequest(state, 'BYE');
  assert.is(request.requestUri, 'sip:proxy1;maddr=192.0.2.1');
  assert.equal(routes(request), ['<sip:proxy2;lr>', '<sip:you@192.0.2.9>']);
});

test('§16.12.1.2 (strict router P3): U2 sends the BYE loose-routed to P4; past P4 it is the strict form', () => {
  const invite = req(
    'INVITE sip:callee@u2.domain.com SIP/2.0',
    'Via: SIP/2.0/UDP p4.domain.com;branch=z9hG4bKp4',
    'From: <sip:caller@u1.example.com>;tag=u1',
    'To: <sip:callee@domain.com>',
    'Call-ID: strict',
    'CSeq: 1 INVITE',
    'Contact: sip:caller@u1.example.com',
    'Record-Route: <sip:p4.domain.com;lr>',
    'Record-Route: <sip:p3.middle.com>',
    'Record-Route: <sip:p2.example.com;lr>',
    'Record-Route: <sip:p1.example.com;lr>',
    'Content-Length: 0',
  );
  // §12.1.1: the UAS copies every Record-Route value into its response, in order
  const ok = invite.createResponse(200, undefined, {
    toTag: 'u2',
    headers: [...invite.getAll('Record-Route').map((v): [string, string] => ['Record-Route', v]), ['Contact', '<sip:callee@u2.domain.com>']],
  });
  const u2 = uasDialogState(invite, ok);
  const bye = buildInDialogRequest(u2, 'BYE').request;
  assert.is(bye.startLine(), 'BYE sip:caller@u1.example.com SIP/2.0');
  assert.equal(routes(bye), ['<sip:p4.domain.com;lr>', '<sip:p3.middle.com>', '<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']);
  // the same rule, applied by P4 once its own entry is gone, gives the request P4 forwards
  const pastP4 = buildInDialogRequest({ ...u2, routeSet: u2.routeSet.slice(1) }, 'BYE').request;
  assert.is(pastP4.startLine(), 'BYE sip:p3.middle.com SIP/2.0');
  assert.equal(routes(pastP4), ['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>', '<sip:caller@u1.example.com>']);
  // and U1, the UAC, sees the Record-Route reversed: loose through P1
  const u1 = uacDialogState(invite, ok);
  assert.equal(u1.routeSet, ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>', '<sip:p3.middle.com>', '<sip:p4.domain.com;lr>']);
  assert.is(buildInDialogRequest(u1, 'BYE').request.requestUri, 'sip:callee@u2.domain.com');
});

test('a null remote tag (RFC 2543 peer) is omitted from To; display names and other parameters survive', () => {
  const { request } = buildInDialogRequest(plain({ remoteTag: '', localUri: '"Me, Myself" <sip:me@example.com;user=phone>;x=1' }), 'BYE');
  assert.is(request.get('To'), '<sip:you@example.net>');
  assert.is(request.get('From'), '"Me, Myself" <sip:me@example.com;user=phone>;x=1;tag=lt');
  assert.is(request.from!.displayName, 'Me, Myself');
});

test('a broken state is a SIPBuildError, not a parse error', () => {
  assert.throws(() => buildInDialogRequest(plain({ remoteTarget: 'not a uri' }), 'BYE'), isBuildError);
  assert.throws(() => buildInDialogRequest(plain({ routeSet: ['<>'] }), 'BYE'), isBuildError);
});

// ---- target refresh ------------------------------------------------------------------------

const reInvite = (cseq: number, contact?: string) =>
  req(
    'INVITE sip:bob@192.0.2.4 SIP/2.0',
    'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKre',
    'From: Alice <sip:alice@atlanta.com>;tag=1928301774',
    'To: Bob <sip:bob@biloxi.com>;tag=a6c85cf',
    'Call-ID: a84b4c76e66710',
    `CSeq: ${cseq} INVITE`,
    ...(contact ? [`Contact: ${contact}`] : []),
    'Content-Length: 0',
  );

test('§12.2.2 target refresh (seed defect 8): a re-INVITE with a new Contact moves the remote target', () => {
  const state = bob();
  const moved = applyTargetRefresh(state, reInvite(314160, '<sip:alice@192.0.2.77:5070>;expires=60'));
  assert.is(moved.remoteTarget, 'sip:alice@192.0.2.77:5070');
  assert.is(state.remoteTarget, 'sip:alice@pc33.atlanta.com', 'pure');
  // no Contact, or the same one: the very same state comes back
  assert.is(applyTargetRefresh(state, reInvite(314160)), state);
  assert.is(applyTargetRefresh(state, reInvite(314160, '<sip:alice@pc33.atlanta.com>')), state);
  // not a target refresh request
  const bye = req(...['BYE sip:bob@192.0.2.4 SIP/2.0', 'Via: SIP/2.0/UDP x;branch=z9hG4bKb', 'From: <sip:a@b>;tag=1928301774', 'To: <sip:c@d>;tag=a6c85cf', 'Call-ID: a84b4c76e66710', 'CSeq: 9 BYE', 'Contact: <sip:elsewhere@192.0.2.99>', 'Content-Length: 0']);
  assert.is(applyTargetRefresh(state, bye), state);
  assert.equal([...TARGET_REFRESH_METHODS].sort(), ['INVITE', 'NOTIFY', 'REFER', 'SUBSCRIBE', 'UPDATE']);
});

test('§12.2.1.2: only a 2xx to a target refresh request moves the remote target', () => {
  const state = alice();
  const response = (status: number, method: string) =>
    new SIPResponse({ status, headers: [['CSeq', `314160 ${method}`], ['Contact', '<sip:bob@192.0.2.5>']] });
  assert.is(applyTargetRefresh(state, response(200, 'INVITE')).remoteTarget, 'sip:bob@192.0.2.5');
  assert.is(applyTargetRefresh(state, response(202, 'REFER')).remoteTarget, 'sip:bob@192.0.2.5');
  assert.is(applyTargetRefresh(state, response(200, 'UPDATE')).remoteTarget, 'sip:bob@192.0.2.5');
  assert.is(applyTargetRefresh(state, response(183, 'INVITE')), state);
  assert.is(applyTargetRefresh(state, response(488, 'INVITE')), state);
  assert.is(applyTargetRefresh(state, response(200, 'INFO')), state);
});

// ---- CSeq ordering -------------------------------------------------------------------------

test('§12.2.2 CSeq ordering: lower → 500; equal or higher (gaps too) → in order, remote seq follows', () => {
  const state = bob();
  assert.equal(checkRemoteSeq(state, reInvite(314158)), { ok: false, status: 500 });
  const same = checkRemoteSeq(state, reInvite(314159));
  assert.ok(same.ok && same.state === state);
  const gap = checkRemoteSeq(state, reInvite(314170));
  assert.ok(gap.ok);
  if (gap.ok) {
    assert.is(gap.state.remoteSeq, 314170);
    assert.is(gap.state.localSeq, 230, 'seed defect 7: the local number is not touched');
  }
  assert.is(state.remoteSeq, 314159, 'pure');
  // a UAC-created dialog: the first request from the peer sets the empty remote number
  const first = checkRemoteSeq(alice(), F13);
  assert.ok(first.ok);
  if (first.ok) assert.is(first.state.remoteSeq, 231);
});

test('ACK and CANCEL carry their request\'s number: always in order, state unchanged', () => {
  const state = { ...bob(), remoteSeq: 314170 };
  const ack = req('ACK sip:bob@192.0.2.4 SIP/2.0', 'Via: SIP/2.0/UDP x;branch=z9hG4bKa', 'From: <sip:a@b>;tag=1928301774', 'To: <sip:c@d>;tag=a6c85cf', 'Call-ID: a84b4c76e66710', 'CSeq: 314159 ACK', 'Content-Length: 0');
  const checked = checkRemoteSeq(state, ack);
  assert.ok(checked.ok && checked.state === state);
  assert.equal(checkRemoteSeq(state, new SIPRequest({ method: 'INFO', uri: 'sip:x@y' })), { ok: false, status: 500 }, 'no CSeq');
});

// ---- dialog identification -----------------------------------------------------------------

test('dialog IDs: a response is From tag (local) + To tag (remote), a request To tag (local) + From tag (remote)', () => {
  assert.is(dialogIdOf(F11), 'a84b4c76e66710|1928301774|a6c85cf');
  assert.is(dialogIdOf(F13), 'a84b4c76e66710|1928301774|a6c85cf');
  assert.ok(matchesDialog(F11, alice()), 'the 2xx Alice receives');
  assert.ok(matchesDialog(F8, alice()), 'the 180 Alice receives');
  assert.ok(matchesDialog(F13, alice()), 'the BYE Alice receives');
  assert.ok(matchesDialog(reInvite(314160), bob()), 'the re-INVITE Bob receives');
  assert.not.ok(matchesDialog(F11, bob()), 'tags the wrong way round');
  // the side can be given: the BYE Bob sends, seen from Bob
  assert.is(dialogIdOf(F13, 'uac'), dialogId(bob()));
  // a response from another fork is another dialog
  assert.not.ok(matchesDialog(atAlice('180 Ringing', 'other-fork'), alice()));
  // outside any dialog: no To tag on a request
  assert.is(dialogIdOf(F5), undefined);
  assert.is(dialogIdOf(new SIPRequest({ method: 'BYE', uri: 'sip:x@y' })), undefined);
  // a null remote tag
  const oldPeer = req('BYE sip:me@example.com SIP/2.0', 'Via: SIP/2.0/UDP x;branch=z9hG4bKo', 'From: <sip:you@example.net>', 'To: <sip:me@example.com>;tag=lt', 'Call-ID: c1', 'CSeq: 5 BYE', 'Content-Length: 0');
  assert.ok(matchesDialog(oldPeer, plain({ remoteTag: '' })));
});

test.run();
