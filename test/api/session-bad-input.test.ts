/**
 * Bad input to the session layer gets the right SIP error response and leaves nothing behind:
 * an unreadable or hostile SDP offer (400), a body that is not SDP (415 with Accept), an offer
 * with nothing we can take (488), and a broken re-offer inside a live call (400, the call goes on).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserAgent } from '../../actors/user-agent.js';
import type { Dialog } from '../../actors/dialog-layer.js';
import { createRequest } from '../../src/sip/request-builder.js';
import { Session } from '../../src/api/session.js';
import { ProbeStream, ProbeStreamType } from './probe-stream.js';
import { makeParty, type Party } from './session-harness.js';

let bob: Party;
let caller: UserAgent;

test.before(async () => {
  bob = await makeParty('bob', [ProbeStreamType]);
  caller = await UserAgent.start({ listen: [{ protocol: 'UDP', address: '127.0.0.1', port: 0 }, { protocol: 'TCP', address: '127.0.0.1', port: 0 }] });
});
test.after(async () => {
  await caller.close();
  await bob.stop();
});

async function invite(body: string, contentType: string, to = bob) {
  const req = createRequest({
    method: 'INVITE',
    uri: to.uri,
    from: 'sip:mallory@127.0.0.1',
    to: to.uri,
    contact: caller.contact('mallory'),
    body,
    contentType,
  });
  return (await caller.send(req)).response;
}

const SDP = (media: string) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n${media}`;

test('an unreadable SDP offer → 400 with the reason; no session is made', async () => {
  const res = await invite('this is not SDP at all', 'application/sdp');
  assert.is(res.status, 400);
  assert.match(res.reason, /SDP/);
  assert.is(bob.manager.sessions.length, 0);
});

test('a hostile offer (more m= lines than allowed, sent over TCP: too big for UDP) → 400', async () => {
  const tcpBob = await makeParty('bob', [ProbeStreamType], { protocol: 'TCP' });
  try {
    const media = Array.from({ length: 100 }, (_, i) => `m=audio ${20000 + 2 * i} RTP/AVP 0\r\n`).join('');
    const res = await invite(SDP(media), 'application/sdp', tcpBob);
    assert.is(res.status, 400);
    assert.is(tcpBob.manager.sessions.length, 0);
  } finally {
    await tcpBob.stop();
  }
});

test('a body that is not SDP → 415 with Accept: application/sdp', async () => {
  const res = await invite('hello', 'text/plain');
  assert.is(res.status, 415);
  assert.match(res.get('Accept') ?? '', /application\/sdp/);
});

test('an offer with nothing we can take (video only) → 488', async () => {
  const res = await invite(SDP('m=video 30000 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n'), 'application/sdp');
  assert.is(res.status, 488);
  assert.is(bob.manager.sessions.length, 0);
});

test('a broken re-offer inside a call → 400, and the call goes on', async () => {
  const alice = await makeParty('alice', [ProbeStreamType]);
  try {
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => void (n.sender as Session).accept(n.data.streams));
    const session = new Session(alice.account, alice.manager.engine);
    await session.connect(bob.uri, [], [new ProbeStream()]);
    const dialog = (session as unknown as { dialog: Dialog }).dialog;
    const result = await alice.manager.engine.dialogs.reinvite(dialog, { body: 'v=0\r\nnonsense', contentType: 'application/sdp' });
    assert.is(result.response.status, 400);
    assert.is(session.state, 'connected');
    assert.is(bob.manager.sessions[0]?.state, 'connected');
    // and a proper hold still works afterwards
    const mark = alice.notes.length;
    session.hold();
    await alice.next('SIPSessionDidChangeHoldState', mark);
    await session.end();
  } finally {
    await alice.stop();
  }
});

test.run();
