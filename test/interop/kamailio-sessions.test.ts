/**
 * Two sipstate accounts calling each other through kamailio (registrar + record-routing proxy
 * with digest): alice's INVITE is challenged (407) and answered, kamailio finds bob's binding,
 * the dialog runs through the proxy (Record-Route → route set for ACK, re-INVITE and BYE), and
 * the audio goes directly between the two AudioStreams.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requireKamailio, startKamailio, type Kamailio } from '../peers/kamailio.js';
import { digestAuthorizer, type UserAgent } from '../../actors/user-agent.js';
import { createRequest, DigestClient, SipURI } from '../../src/index.js';
import { Session } from '../../src/api/session.js';
import { AudioStream, AudioStreamType } from '../../src/streams/audio/index.js';
import { dominantFrequency } from '../../src/audio/tone.js';
import { ToneSource } from '../../src/audio/tone-source.js';
import { makeParty, type Party } from '../api/session-harness.js';

requireKamailio();
let k: Kamailio;

test.before(async () => {
  k = await startKamailio();
});
test.after(async () => {
  await k?.stop();
});

async function register(ua: UserAgent, user: string, password: string, expires = 300): Promise<number> {
  const aor = `sip:${user}@example.test`;
  const req = createRequest({ method: 'REGISTER', uri: 'sip:example.test', from: aor, to: aor, contact: ua.contact(user), headers: [['Expires', String(expires)]] });
  const { response } = await ua.send(req, { targets: [{ protocol: 'UDP', address: '127.0.0.1', port: k.ports.udp }], authorize: digestAuthorizer(new DigestClient({ username: user, password })) });
  return response.status;
}


test('alice calls bob@example.test through kamailio: 407 answered, bob rings and accepts, audio both ways, hold, bob hangs up', async () => {
  const proxy = new SipURI({ host: '127.0.0.1', port: k.ports.udp, params: { lr: null } });
  let alice: Party | undefined;
  let bob: Party | undefined;
  try {
    alice = await makeParty('alice', [AudioStreamType], { domain: 'example.test', password: 'alicepw', proxy, rtp: { start: 45100, end: 45138 } });
    bob = await makeParty('bob', [AudioStreamType], { domain: 'example.test', password: 'bobpw', proxy, rtp: { start: 45200, end: 45238 } });
    assert.is(await register(bob.ua, 'bob', 'bobpw'), 200);
    const heardByBob: Int16Array[] = [];
    const heardByAlice: Int16Array[] = [];
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => {
      const s = n.sender as Session;
      const stream = n.data.streams[0] as AudioStream;
      stream.source = new ToneSource(440);
      stream.addSink({ sampleRate: 8000, write: (f) => void heardByBob.push(Int16Array.from(f)) });
      s.sendRingIndication();
      setTimeout(() => void s.accept([stream]), 200);
    });
    const session = new Session(alice.account, alice.manager.engine);
    const stream = new AudioStream();
    stream.source = new ToneSource(1000);
    stream.addSink({ sampleRate: 8000, write: (f) => void heardByAlice.push(Int16Array.from(f)) });
    const outcome = await session.connect('sip:bob@example.test', [], [stream]);
    assert.equal(outcome, { started: true });
    const invites = alice.notes.filter((n) => n.name === 'SIPSessionDidProcessTransaction').map((n) => (n.data as { code: number }).code);
    assert.equal(invites, [200], 'the 407 was answered inside the transaction user (only the final outcome is reported)');
    assert.ok(alice.notes.some((n) => n.name === 'SIPSessionGotRingIndication'));
    await new Promise((r) => setTimeout(r, 1500));
    const mix = (frames: Int16Array[]) => new Int16Array(frames.slice(-30).flatMap((f) => [...f]));
    assert.is(dominantFrequency(mix(heardByBob), 8000, [440, 1000]).frequency, 1000);
    assert.is(dominantFrequency(mix(heardByAlice), 8000, [440, 1000]).frequency, 440);
    // hold through the proxy's route set
    const mark = alice.notes.length;
    session.hold();
    await alice.next('SIPSessionDidChangeHoldState', mark);
    await bob.next('SIPSessionDidChangeHoldState');
    // bob hangs up: the BYE follows the route set back through kamailio
    await bob.manager.sessions[0].end();
    const end = await alice.next('SIPSessionDidEnd');
    assert.is((end.data as { originator: string }).originator, 'remote');
    assert.is(await register(bob.ua, 'bob', 'bobpw', 0), 200);
  } finally {
    await alice?.stop();
    await bob?.stop();
  }
});

test('calling a user with no binding: kamailio answers 404, DidFail remote', async () => {
  const proxy = new SipURI({ host: '127.0.0.1', port: k.ports.udp, params: { lr: null } });
  const alice = await makeParty('alice', [AudioStreamType], { domain: 'example.test', password: 'alicepw', proxy, rtp: { start: 45300, end: 45338 } });
  try {
    const session = new Session(alice.account, alice.manager.engine);
    const outcome = await session.connect('sip:carol@example.test', [], [new AudioStream()]);
    assert.is(outcome.started, false);
    assert.ok(!outcome.started && [404, 480].includes(outcome.code), JSON.stringify(outcome));
  } finally {
    await alice.stop();
  }
});

test.run();
