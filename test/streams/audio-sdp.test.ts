// The AudioStream's side of offer/answer: which offers it takes (newFromSdp), the m= section it
// offers and answers (RFC 3264 §5, §6.1, §8.4 directions), the offerer/answerer rule of start(),
// validateUpdate / update (codec changes, AudioStreamDidChangeRTPParameters), and wrong use.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dominantFrequency } from '../../src/audio/tone.js';
import { WavePlayer } from '../../src/audio/wave-player.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_AUDIO_CODECS, createAnswer, createOffer } from '../../src/sdp/offer-answer.js';
import { type Direction, parseSDP, writeSDP } from '../../src/sdp/session-description.js';
import { MediaStreamError } from '../../src/streams/media-stream.js';
import { mediaStreamRegistry } from '../../src/streams/registry.js';
import { AudioStream, AudioStreamType, offerDirection, wantedDirection } from '../../src/streams/audio/index.js';
import { CANDIDATES, FrameCollector, capture, connect, makeHost, sessionSdp, sleep, toneFile, waitFor } from './loopback.js';

const isStreamError = (re?: RegExp) => (e: unknown) => e instanceof MediaStreamError && (!re || re.test(e.message));

function remoteOffer(media: string, direction: Direction = 'sendrecv') {
  return parseSDP(['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', media, `a=${direction}`, ''].join('\r\n'));
}

test('newFromSdp takes RTP/AVP audio with PCMU or PCMA, nothing else; the registry finds it', () => {
  assert.ok(AudioStream.newFromSdp(remoteOffer('m=audio 4000 RTP/AVP 0'), 0) instanceof AudioStream);
  assert.ok(AudioStream.newFromSdp(remoteOffer('m=audio 4000 RTP/AVP 18 8'), 0), 'PCMA among others');
  assert.is(AudioStream.newFromSdp(remoteOffer('m=audio 4000 RTP/AVP 18 101\r\na=rtpmap:101 telephone-event/8000'), 0), undefined, 'no G.711');
  assert.is(AudioStream.newFromSdp(remoteOffer('m=audio 0 RTP/AVP 0'), 0), undefined, 'port 0');
  assert.is(AudioStream.newFromSdp(remoteOffer('m=audio 4000 RTP/SAVP 0'), 0), undefined, 'SRTP is not supported yet');
  assert.is(AudioStream.newFromSdp(remoteOffer('m=video 4000 RTP/AVP 31'), 0), undefined);
  assert.is(AudioStream.newFromSdp(remoteOffer('m=audio 4000 RTP/AVP 0'), 3), undefined, 'no such m= line');
  assert.is(AudioStreamType.type, 'audio');
  mediaStreamRegistry.add(AudioStreamType);
  try {
    const [s, none] = mediaStreamRegistry.streamsFor(parseSDP(writeSDP(remoteOffer('m=audio 4000 RTP/AVP 0')).replace(/a=sendrecv\r\n$/, 'a=sendrecv\r\nm=video 4002 RTP/AVP 31\r\n')));
    assert.ok(s instanceof AudioStream);
    assert.is(none, undefined);
  } finally {
    mediaStreamRegistry.remove(AudioStreamType);
  }
});

test('options are checked at once (MediaStreamError)', () => {
  assert.throws(() => new AudioStream({ codecs: [{ name: 'G729', clockRate: 8000 }] }), isStreamError(/G729/));
  assert.throws(() => new AudioStream({ codecs: [{ name: 'telephone-event', clockRate: 8000 }] }), isStreamError(/PCMU or PCMA/));
  assert.throws(() => new AudioStream({ direction: 'sideways' as Direction }), isStreamError(/direction/));
  assert.throws(() => new AudioStream({ rtcpInterval: 0 }), isStreamError(/rtcpInterval/));
  const s = new AudioStream();
  assert.throws(() => s.getLocalMedia(true), isStreamError(/initialized/));
  assert.throws(() => s.start(remoteOffer('m=audio 4000 RTP/AVP 0'), remoteOffer('m=audio 4000 RTP/AVP 0'), 0), isStreamError(/idle/));
  assert.throws(() => s.update(remoteOffer('m=audio 4000 RTP/AVP 0'), remoteOffer('m=audio 4000 RTP/AVP 0'), 0), isStreamError());
  assert.throws(() => (s.source = { sampleRate: 44100, read: () => false }), isStreamError(/8000/));
});

test('the offer: PCMU, PCMA, telephone-event 0-16, a=rtcp, our port; a codec subset offers only that', async () => {
  const s = new AudioStream();
  const t = new AudioStream({ codecs: [DEFAULT_AUDIO_CODECS[1], DEFAULT_AUDIO_CODECS[2]] });
  try {
    await s.initialize(makeHost(), 'outgoing');
    await t.initialize(makeHost(), 'outgoing');
    assert.throws(() => s.initialize(makeHost(), 'outgoing'), isStreamError(/twice/));
    const m = s.getLocalMedia(true);
    assert.is(m.type, 'audio');
    assert.is(m.port, s.localRtpPort);
    assert.is(m.protocol, 'RTP/AVP');
    assert.is(m.payloads, '0 8 101');
    assert.equal(m.fmtp, [{ payload: 101, config: '0-16' }]);
    assert.is(m.rtcp?.port, (s.localRtpPort as number) + 1);
    assert.is(m.direction, 'sendrecv');
    assert.is(m.connection, undefined, 'the session-level c= carries the host address');
    const text = writeSDP(sessionSdp(m));
    assert.match(text, /a=rtpmap:0 PCMU\/8000\r\na=rtpmap:8 PCMA\/8000\r\na=rtpmap:101 telephone-event\/8000\r\n/);
    assert.match(text, new RegExp(`a=rtcp:${(s.localRtpPort as number) + 1} IN IP4 127\\.0\\.0\\.1`));
    assert.is(t.getLocalMedia(true).payloads, '8 101');
  } finally {
    await Promise.all([s.end(), t.end()]);
  }
});

test('RFC 3264 directions: offers per hold state, answers per §6.1', async () => {
  // Offers: hold takes the receive half away, a remote hold the send half (§8.4).
  const table: Array<[Direction, boolean, boolean, Direction]> = [
    ['sendrecv', false, false, 'sendrecv'],
    ['sendrecv', true, false, 'sendonly'],
    ['sendrecv', false, true, 'recvonly'],
    ['sendrecv', true, true, 'inactive'],
    ['recvonly', true, false, 'inactive'],
    ['sendonly', false, false, 'sendonly'],
    ['inactive', false, false, 'inactive'],
  ];
  for (const [wanted, local, remote, want] of table) assert.is(offerDirection(wanted, local, remote), want, `${wanted} local=${local} remote=${remote}`);
  assert.is(wantedDirection('sendrecv', true), 'sendonly');

  const s = new AudioStream();
  try {
    await s.initialize(makeHost(), 'incoming');
    const answer = (d: Direction) => s.getLocalMedia(false, { sdp: remoteOffer('m=audio 4000 RTP/AVP 8 0 101 18\r\na=rtpmap:101 telephone-event/8000', d), index: 0 });
    assert.is(answer('sendrecv').payloads, '8 0 101', 'offered formats we support, in the offer\'s order (§6.1)');
    assert.is(answer('sendrecv').direction, 'sendrecv');
    assert.is(answer('sendonly').direction, 'recvonly');
    assert.is(answer('recvonly').direction, 'sendonly');
    assert.is(answer('inactive').direction, 'inactive');
    s.hold();
    assert.is(answer('sendrecv').direction, 'sendonly');
    assert.is(answer('sendonly').direction, 'inactive');
    assert.is(s.getLocalMedia(false, { sdp: remoteOffer('m=audio 4000 RTP/AVP 18'), index: 0 }).port, 0, 'nothing in common: rejected');
    assert.throws(() => s.getLocalMedia(false, { sdp: remoteOffer('m=audio 4000 RTP/AVP 0'), index: 2 }), isStreamError(/m= line 2/));
  } finally {
    await s.end();
  }
});

test('the answerer rule: a stream made for a sendonly offer starts held by the remote (and says so)', async () => {
  const hostA = makeHost();
  const a = new AudioStream();
  await a.initialize(hostA, 'outgoing');
  a.hold(); // the caller starts the call on hold (R-MED-1)
  const offer = sessionSdp(a.getLocalMedia(true));
  assert.is(offer.media[0].direction, 'sendonly');
  const b = AudioStream.newFromSdp(offer, 0) as AudioStream;
  const hostB = makeHost();
  const atB = capture(hostB.center);
  await b.initialize(hostB, 'incoming');
  // An answer made without getLocalMedia(): the stream's role then comes from initialize('incoming').
  const answer = createAnswer(offer, { audio: { codecs: DEFAULT_AUDIO_CODECS } }, { address: '127.0.0.1', ports: [b.localRtpPort] });
  assert.is(answer.media[0].direction, 'recvonly');
  await Promise.all([a.start(offer, answer, 0), b.start(answer, offer, 0)]);
  try {
    assert.ok(b.onHoldByRemote && !b.onHoldByLocal);
    assert.ok(a.onHoldByLocal && !a.onHoldByRemote);
    assert.equal(atB.names(), ['MediaStreamDidInitialize', 'AudioStreamDidChangeHoldState', 'MediaStreamDidStart']);
    assert.equal(atB.of('AudioStreamDidChangeHoldState')[0].data, { originator: 'remote', on_hold: true, timestamp: atB.all[1].data.timestamp });
  } finally {
    await Promise.all([a.end(), b.end()]);
  }
});

test('update(): a re-offer with PCMA only changes the codec (AudioStreamDidChangeRTPParameters) and audio keeps flowing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipstate-update-'));
  const call = await connect();
  const { a, b } = call;
  const atA = capture(call.hostA.center);
  const atB = capture(call.hostB.center);
  try {
    const player = new WavePlayer(toneFile(dir, 1000, 1000), { loop: true });
    await player.start();
    a.source = player;
    const heard = new FrameCollector();
    b.addSink(heard);
    assert.is(a.codec, 'PCMU');
    // A re-offer that removes every codec of ours is refused, and changes nothing.
    const g729 = createOffer({ address: '127.0.0.1', media: [{ type: 'audio', port: a.localRtpPort as number, codecs: [{ name: 'G729', clockRate: 8000 }] }] });
    assert.not.ok(b.validateUpdate(g729, 0));
    assert.not.ok(b.validateUpdate(g729, 5));
    assert.is(b.codec, 'PCMU');
    assert.equal(atB.all, []);
    // A re-offer with PCMA first (the remote's preference wins, §6.1): accepted and applied.
    // A's re-offer from getLocalMedia(), trimmed to PCMA (as a codec policy of the application would).
    const offered = a.getLocalMedia(true);
    offered.payloads = '8 101';
    offered.rtp = offered.rtp.filter((r) => r.payload !== 0);
    const pcma = sessionSdp(offered);
    assert.ok(b.validateUpdate(pcma, 0));
    const answer = sessionSdp(b.getLocalMedia(false, { sdp: pcma, index: 0 }));
    assert.is(answer.media[0].payloads, '8 101');
    a.update(pcma, answer, 0);
    b.update(answer, pcma, 0);
    assert.is(a.codec, 'PCMA');
    assert.is(b.codec, 'PCMA');
    assert.equal(atA.names(), ['AudioStreamDidChangeRTPParameters']);
    assert.equal(atB.names(), ['AudioStreamDidChangeRTPParameters']);
    await sleep(300);
    const from = heard.frames.length;
    await sleep(500);
    assert.is(dominantFrequency(heard.samples(from), 8000, CANDIDATES).frequency, 1000);
    // The same negotiation again changes nothing: no notification.
    b.update(answer, pcma, 0);
    assert.equal(atB.names(), ['AudioStreamDidChangeRTPParameters']);
    player.stop();
  } finally {
    await call.end();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('start() with an answer that rejects the stream: MediaStreamDidFail, the promise rejects, end() still ends', async () => {
  const host = makeHost();
  const seen = capture(host.center);
  const s = new AudioStream();
  await s.initialize(host, 'outgoing');
  const offer = sessionSdp(s.getLocalMedia(true));
  const rejected = createAnswer(offer, {}, { address: '127.0.0.1', ports: [] });
  let error: unknown;
  await s.start(offer, rejected, 0).catch((e) => (error = e));
  assert.ok(isStreamError(/rejected/)(error), String(error));
  assert.is(s.state, 'failed');
  await waitFor(() => seen.names().includes('MediaStreamDidFail'), 100, 'DidFail');
  await s.end();
  assert.equal(seen.names(), ['MediaStreamDidInitialize', 'MediaStreamDidFail', 'MediaStreamWillEnd', 'MediaStreamDidEnd']);
});

test.run();
