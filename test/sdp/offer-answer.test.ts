/** RFC 3264 offer/answer: §10 examples, m= order, rejection, codecs, hold/unhold, o= versions. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  DEFAULT_AUDIO_CODECS,
  SDPError,
  answerDirection,
  createAnswer,
  createOffer,
  holdOffer,
  negotiate,
  parseSDP,
  repeatOffer,
  unholdOffer,
  writeSDP,
  type Codec,
  type Direction,
  type LocalMediaCapabilities,
  type SessionDescription,
} from '../../src/sdp/index.js';

const crlf = (lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');
const PCMU: Codec = { name: 'PCMU', clockRate: 8000 };
const PCMA: Codec = { name: 'PCMA', clockRate: 8000 };
const H261: Codec = { name: 'H261', clockRate: 90000 };
const MPV: Codec = { name: 'MPV', clockRate: 90000 };
const TE: Codec = { name: 'telephone-event', clockRate: 8000, fmtp: '0-16' };
const audioCaps: LocalMediaCapabilities = { audio: { codecs: DEFAULT_AUDIO_CODECS } };
const DIRS: Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
const roundTrip = (d: SessionDescription): SessionDescription => parseSDP(writeSDP(d));
const shape = (d: SessionDescription): [string, number, string, string | undefined][] =>
  d.media.map((m) => [m.type, m.port, m.payloads ?? '', m.direction]);

/** A basic audio call: we (alice) offer, the peer (bob) answers. */
function call(aliceDir: Direction = 'sendrecv', bobDir: Direction = 'sendrecv') {
  const offer = createOffer({
    origin: { username: 'alice', sessionId: 1000, sessionVersion: 1000 },
    address: '192.0.2.1',
    media: [{ type: 'audio', port: 4000, codecs: DEFAULT_AUDIO_CODECS, direction: aliceDir }],
  });
  const answer = createAnswer(roundTrip(offer), audioCaps, {
    origin: { username: 'bob', sessionId: 2000, sessionVersion: 2000 },
    address: '192.0.2.2',
    ports: [5000],
    directions: [bobDir],
  });
  return { offer, answer: roundTrip(answer) };
}

test('RFC 3264 §10.1 basic exchange, then a re-offer adding a recvonly event stream', () => {
  const aliceOffer = parseSDP(crlf([
    'v=0', 'o=alice 2890844526 2890844526 IN IP4 host.anywhere.com', 's=', 'c=IN IP4 host.anywhere.com', 't=0 0',
    'm=audio 49170 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000',
    'm=video 51372 RTP/AVP 31', 'a=rtpmap:31 H261/90000',
    'm=video 53000 RTP/AVP 32', 'a=rtpmap:32 MPV/90000',
  ]));
  // Bob does not want the first video stream: his port for it is 0.
  const bobAnswer = roundTrip(createAnswer(aliceOffer, { audio: { codecs: [PCMU] }, video: { codecs: [H261, MPV] } }, {
    origin: { username: 'bob', sessionId: 2890844730, sessionVersion: 2890844730, address: 'host.example.com' },
    address: 'host.example.com',
    ports: [49920, 0, 53000],
    sessionName: '',
  }));
  assert.equal(shape(bobAnswer), [['audio', 49920, '0', 'sendrecv'], ['video', 0, '31', undefined], ['video', 53000, '32', 'sendrecv']]);
  assert.equal(bobAnswer.origin, { username: 'bob', sessionId: 2890844730, sessionVersion: 2890844730, netType: 'IN', ipVer: 4, address: 'host.example.com' });
  assert.equal(bobAnswer.timing, { start: 0, stop: 0 });
  const first = negotiate(aliceOffer, bobAnswer, 'offerer');
  assert.equal(first.map((s) => s.accepted), [true, false, true]);
  assert.equal(first[0].codec?.name, 'PCMU');
  assert.is(first[2].remotePort, 53000);
  assert.is(first[2].remoteAddress, 'host.example.com');

  // Bob's re-offer: new audio port, and a recvonly telephone-events stream (payload 110).
  const bobOffer = createOffer({
    previous: bobAnswer,
    address: 'host.example.com',
    media: [
      { type: 'audio', port: 65422, codecs: [PCMU] },
      { type: 'video', port: 0, codecs: [H261] },
      { type: 'video', port: 53000, codecs: [MPV] },
      { type: 'audio', port: 51434, codecs: [{ name: 'telephone-events', clockRate: 8000, payloadType: 110 }], direction: 'recvonly' },
    ],
  });
  assert.is(bobOffer.origin.sessionVersion, 2890844731, 'version one higher (§8)');
  assert.is(bobOffer.origin.sessionId, 2890844730);
  assert.ok(writeSDP(bobOffer).includes('m=audio 51434 RTP/AVP 110\r\na=rtpmap:110 telephone-events/8000\r\na=recvonly\r\n'));

  // Alice accepts the new stream; her answer continues her own o= line, incremented.
  const aliceAnswer = roundTrip(createAnswer(roundTrip(bobOffer), { audio: { codecs: [PCMU, TE] }, video: { codecs: [H261, MPV] } }, {
    address: 'host.anywhere.com',
    ports: [49170, 51372, 53000, 53122],
    previous: aliceOffer,
  }));
  assert.equal(shape(aliceAnswer), [
    ['audio', 49170, '0', 'sendrecv'], ['video', 0, '31', undefined], ['video', 53000, '32', 'sendrecv'], ['audio', 53122, '110', 'sendonly'],
  ]);
  assert.is(aliceAnswer.origin.sessionVersion, 2890844527);
  assert.is(aliceAnswer.origin.username, 'alice');
  const second = negotiate(bobOffer, aliceAnswer, 'offerer');
  assert.equal(second[3].telephoneEvent?.sendPayloadType, 110);
  assert.is(second[3].receiving, true);
  assert.is(second[3].sending, false);
  assert.is(second[3].localHold, false, 'recvonly offer is not hold');
});

test('default audio offer: PCMU 0, PCMA 8, telephone-event 101 0-16, RTCP on port+1', () => {
  const { offer } = call();
  const text = writeSDP(offer);
  assert.ok(text.includes('m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n'), text);
  assert.not.ok(text.includes('a=rtcp'));
  assert.ok(text.startsWith('v=0\r\no=alice 1000 1000 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n'));
  const other = createOffer({ address: '192.0.2.1', media: [{ type: 'audio', port: 4000, codecs: [PCMU], rtcpPort: 4005 }] });
  assert.ok(writeSDP(other).includes('a=rtcp:4005\r\n'));
  // dynamic codecs without a payload type get 96 upwards; static ones their RFC 3551 number
  const dyn = createOffer({ address: '192.0.2.1', media: [{ type: 'audio', port: 4000, codecs: [{ name: 'opus', clockRate: 48000, channels: 2 }, PCMA, { name: 'iLBC', clockRate: 8000 }] }] });
  assert.is(dyn.media[0].payloads, '96 8 97');
  assert.ok(writeSDP(dyn).includes('a=rtpmap:96 opus/48000/2\r\n'));
});

test('negotiate: codec, addresses, RTCP port+1 or a=rtcp, both roles', () => {
  const { offer, answer } = call();
  const [a] = negotiate(offer, answer, 'offerer');
  assert.is(a.accepted, true);
  assert.equal(a.codec, { name: 'PCMU', clockRate: 8000, channels: 1, sendPayloadType: 0, receivePayloadType: 0 });
  assert.equal(a.telephoneEvent, { name: 'telephone-event', clockRate: 8000, channels: 1, sendPayloadType: 101, receivePayloadType: 101, fmtp: '0-16' });
  assert.is(a.remoteAddress, '192.0.2.2');
  assert.is(a.remotePort, 5000);
  assert.is(a.remoteRtcpPort, 5001);
  assert.is(a.localPort, 4000);
  const [b] = negotiate(offer, answer, 'answerer');
  assert.is(b.remoteAddress, '192.0.2.1');
  assert.is(b.remotePort, 4000);
  assert.is(b.localPort, 5000);
  const withRtcp = createAnswer(offer, audioCaps, { address: '192.0.2.2', ports: [5000], rtcpPorts: [7001] });
  const [c] = negotiate(offer, roundTrip(withRtcp));
  assert.is(c.remoteRtcpPort, 7001);
  assert.is(c.remoteRtcpAddress, '192.0.2.2');
  // media-level c= wins over session-level c=
  const moved = roundTrip(withRtcp);
  moved.media[0].connection = { version: 4, ip: '198.51.100.9' };
  assert.is(negotiate(offer, moved)[0].remoteAddress, '198.51.100.9');
});

test('answer keeps m= order and rejects with port 0: unknown type, protocol, no common codec, port-0 offer, caller choice', () => {
  const offer = parseSDP(crlf([
    'v=0', 'o=carol 1 1 IN IP4 198.51.100.1', 's=-', 'c=IN IP4 198.51.100.1', 't=0 0',
    'm=video 6000 RTP/AVP 31', // video: not in capabilities
    'm=audio 6002 RTP/AVP 0 8', // accepted
    'm=message 6004 TCP/MSRP *', // unknown type
    'm=audio 6006 RTP/SAVP 0', // protocol we do not do
    'm=audio 6008 RTP/AVP 18', 'a=rtpmap:18 G729/8000', // no common codec
    'm=audio 0 RTP/AVP 0', // disabled by the offerer
    'm=audio 6010 RTP/AVP 8', // we choose to reject
    'm=audio 6012 RTP/AVP 8', // accepted, recvonly answer to sendonly
    'a=sendonly',
  ]));
  const answer = roundTrip(createAnswer(offer, audioCaps, { address: '203.0.113.5', ports: [7000, 7002, 7004, 7006, 7008, 7010, 0, 7014] }));
  assert.equal(shape(answer), [
    ['video', 0, '31', undefined],
    ['audio', 7002, '0 8', 'sendrecv'],
    ['message', 0, '*', undefined],
    ['audio', 0, '0', undefined],
    ['audio', 0, '18', undefined],
    ['audio', 0, '0', undefined],
    ['audio', 0, '8', undefined],
    ['audio', 7014, '8', 'recvonly'],
  ]);
  assert.equal(answer.media.map((m) => m.protocol), offer.media.map((m) => m.protocol));
  const streams = negotiate(offer, answer, 'answerer');
  assert.equal(streams.map((s) => s.accepted), [false, true, false, false, false, false, false, true]);
  assert.is(streams[0].codec, undefined);
  assert.is(streams[0].sending, false);
  assert.throws(() => negotiate(offer, { ...answer, media: answer.media.slice(1) }), (e: unknown) => e instanceof SDPError);
});

test('codec intersection: offerer order, offerer numbers, dynamic types mapped by name and rate', () => {
  const offer = parseSDP(crlf([
    'v=0', 'o=dave 5 5 IN IP4 198.51.100.2', 's=-', 'c=IN IP4 198.51.100.2', 't=0 0',
    'm=audio 8000 RTP/AVP 97 8 96 0 98 99',
    'a=rtpmap:97 iLBC/8000',
    'a=rtpmap:96 TELEPHONE-EVENT/8000', 'a=fmtp:96 0-15',
    'a=rtpmap:98 telephone-event/48000',
    'a=rtpmap:99 PCMU/16000',
  ]));
  const answer = roundTrip(createAnswer(offer, audioCaps, { address: '203.0.113.5', ports: [9000] }));
  assert.is(answer.media[0].payloads, '8 96 0', 'PCMA 8, telephone-event renumbered 101→96, PCMU 0; not the 48 kHz events nor PCMU/16000');
  assert.equal(answer.media[0].fmtp, [{ payload: 96, config: '0-16' }]);
  const [s] = negotiate(offer, answer, 'answerer');
  assert.equal(s.codec?.name, 'PCMA', 'first common codec in the answer');
  assert.equal([s.codec?.sendPayloadType, s.codec?.receivePayloadType], [8, 8]);
  assert.equal([s.telephoneEvent?.sendPayloadType, s.telephoneEvent?.receivePayloadType], [96, 96]);
  assert.is(s.telephoneEvent?.fmtp, '0-15', 'the receiver of our events asked for 0-15');
  assert.equal(s.codecs.map((c) => c.name), ['PCMA', 'TELEPHONE-EVENT', 'PCMU']);

  // A peer that answers with its own dynamic number: we send with its number, receive with ours.
  const { offer: ours } = call();
  const theirs = parseSDP(crlf([
    'v=0', 'o=eve 7 7 IN IP4 198.51.100.3', 's=-', 'c=IN IP4 198.51.100.3', 't=0 0',
    'm=audio 8002 RTP/AVP 8 100', 'a=rtpmap:100 telephone-event/8000', 'a=fmtp:100 0-16',
  ]));
  const [t] = negotiate(ours, theirs, 'offerer');
  assert.equal(t.codec, { name: 'PCMA', clockRate: 8000, channels: 1, sendPayloadType: 8, receivePayloadType: 8 });
  assert.equal([t.telephoneEvent?.sendPayloadType, t.telephoneEvent?.receivePayloadType], [100, 101]);
});

test('static payload types without a=rtpmap are understood (RFC 3551 §6)', () => {
  const offer = parseSDP(crlf(['v=0', 'o=- 1 1 IN IP4 h', 's=-', 'c=IN IP4 198.51.100.4', 't=0 0', 'm=audio 8000 RTP/AVP 18 8 0 97']));
  const answer = createAnswer(offer, audioCaps, { address: '203.0.113.5', ports: [9000] });
  assert.is(answer.media[0].payloads, '8 0', 'unknown dynamic 97 without rtpmap ignored');
});

test('answer directions: all 16 offered × wanted combinations (RFC 3264 §6.1)', () => {
  const expected: Record<Direction, Record<Direction, Direction>> = {
    sendrecv: { sendrecv: 'sendrecv', sendonly: 'sendonly', recvonly: 'recvonly', inactive: 'inactive' },
    sendonly: { sendrecv: 'recvonly', sendonly: 'inactive', recvonly: 'recvonly', inactive: 'inactive' },
    recvonly: { sendrecv: 'sendonly', sendonly: 'sendonly', recvonly: 'inactive', inactive: 'inactive' },
    inactive: { sendrecv: 'inactive', sendonly: 'inactive', recvonly: 'inactive', inactive: 'inactive' },
  };
  for (const offered of DIRS) {
    for (const wanted of DIRS) {
      assert.is(answerDirection(offered, wanted), expected[offered][wanted], `${offered} + ${wanted}`);
      const { answer } = call(offered, wanted);
      assert.is(answer.media[0].direction, expected[offered][wanted], `in SDP: ${offered} + ${wanted}`);
    }
  }
});

test('hold flags for every offer × answer direction pair, both roles (RFC 3264 §8.4)', () => {
  for (const o of DIRS) {
    for (const w of DIRS) {
      const { offer, answer } = call(o, w);
      const a = answer.media[0].direction as Direction;
      const offererHolds = o === 'sendonly' || o === 'inactive';
      const answererHolds = (o === 'sendrecv' || o === 'sendonly') && (a === 'sendonly' || a === 'inactive');
      const [us] = negotiate(offer, answer, 'offerer');
      const [them] = negotiate(offer, answer, 'answerer');
      assert.equal([us.localHold, us.remoteHold], [offererHolds, answererHolds], `offerer view ${o}/${a}`);
      assert.equal([them.localHold, them.remoteHold], [answererHolds, offererHolds], `answerer view ${o}/${a}`);
      assert.is(us.sending, them.receiving, `${o}/${a} flows agree`);
      assert.is(us.receiving, them.sending, `${o}/${a} flows agree`);
      assert.is(us.sending, o === 'sendrecv' || o === 'sendonly' ? a === 'sendrecv' || a === 'recvonly' : false);
    }
  }
});

test('holdOffer / unholdOffer from every previous direction', () => {
  const held: Record<Direction, Direction> = { sendrecv: 'sendonly', recvonly: 'inactive', sendonly: 'sendonly', inactive: 'inactive' };
  const resumed: Record<Direction, Direction> = { sendrecv: 'sendrecv', recvonly: 'recvonly', sendonly: 'sendrecv', inactive: 'recvonly' };
  for (const d of DIRS) {
    const { offer: previous } = call(d);
    const h = holdOffer(previous);
    assert.is(h.media[0].direction, held[d], `hold from ${d}`);
    assert.is(h.origin.sessionVersion, previous.origin.sessionVersion + (held[d] === d ? 0 : 1), `hold version from ${d}`);
    const u = unholdOffer(previous);
    assert.is(u.media[0].direction, resumed[d], `unhold from ${d}`);
    assert.is(u.origin.sessionVersion, previous.origin.sessionVersion + (resumed[d] === d ? 0 : 1), `unhold version from ${d}`);
    assert.is(unholdOffer(previous, { direction: 'sendrecv' }).media[0].direction, 'sendrecv');
  }
});

test('hold and unhold both ways through full exchanges', () => {
  // 1. We hold the peer: sendonly offer, recvonly answer.
  const { offer: o1, answer: a1 } = call();
  const o2 = holdOffer(o1);
  assert.is(o2.origin.sessionVersion, 1001);
  const a2 = roundTrip(createAnswer(roundTrip(o2), audioCaps, { address: '192.0.2.2', ports: [5000], previous: a1 }));
  assert.is(a2.media[0].direction, 'recvonly');
  assert.is(a2.origin.sessionVersion, 2001, "the peer's SDP changed (sendrecv → recvonly)");
  let [s] = negotiate(o2, a2, 'offerer');
  assert.equal([s.localHold, s.remoteHold, s.sending, s.receiving], [true, false, true, false]);

  // 2. The peer holds us too: its offer is inactive (it was recvonly); we must answer inactive.
  const o3 = roundTrip(holdOffer(a2));
  assert.is(o3.media[0].direction, 'inactive');
  const a3 = createAnswer(o3, audioCaps, { address: '192.0.2.1', ports: [4000], previous: o2, directions: ['sendonly'] });
  assert.is(a3.media[0].direction, 'inactive');
  [s] = negotiate(o3, a3, 'answerer');
  assert.equal([s.remoteHold, s.sending, s.receiving], [true, false, false]);

  // 3. We resume: our last SDP was inactive, so unhold asks to receive again (recvonly); the peer,
  //    still holding, answers sendonly (music on hold).
  const o4 = unholdOffer(a3);
  assert.is(o4.media[0].direction, 'recvonly');
  assert.is(o4.origin.sessionVersion, a3.origin.sessionVersion + 1);
  const a4 = createAnswer(o4, audioCaps, { address: '192.0.2.2', ports: [5000], previous: o3, directions: ['sendonly'] });
  assert.is(a4.media[0].direction, 'sendonly');
  [s] = negotiate(o4, a4, 'offerer');
  assert.equal([s.localHold, s.sending, s.receiving], [false, false, true]);

  // 4. The peer resumes: its last SDP was sendonly → sendrecv; we answer sendrecv: no hold anywhere.
  const o5 = unholdOffer(a4);
  assert.is(o5.media[0].direction, 'sendrecv');
  const a5 = createAnswer(o5, audioCaps, { address: '192.0.2.1', ports: [4000], previous: o4 });
  [s] = negotiate(o5, a5, 'answerer');
  assert.equal([s.localHold, s.remoteHold, s.sending, s.receiving], [false, false, true, true]);

  // The answerer may hold in its answer: sendonly answer to a sendrecv offer.
  const { offer: o6, answer: a6 } = call('sendrecv', 'sendonly');
  [s] = negotiate(o6, a6, 'offerer');
  assert.equal([s.localHold, s.remoteHold], [false, true]);
});

test('RFC 2543 hold: c=0.0.0.0 is recognised as hold, and nothing is sent to it', () => {
  const { offer: ours } = call();
  const old = parseSDP(crlf(['v=0', 'o=legacy 1 2 IN IP4 198.51.100.7', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 8000 RTP/AVP 0']));
  // as an offer from the peer
  const answer = createAnswer(old, audioCaps, { address: '192.0.2.1', ports: [4000] });
  let [s] = negotiate(old, answer, 'answerer');
  assert.equal([s.remoteHold, s.localHold, s.sending, s.remoteAddress], [true, false, false, '0.0.0.0']);
  // as an answer to our offer
  [s] = negotiate(ours, old, 'offerer');
  assert.equal([s.remoteHold, s.localHold, s.sending, s.receiving], [true, false, false, true]);
});

test('o= version rules: unchanged keeps, changed increments, o= otherwise kept (RFC 3264 §8)', () => {
  const { offer: first } = call();
  const media = [{ type: 'audio', port: 4000, codecs: DEFAULT_AUDIO_CODECS }];
  const same = createOffer({ previous: first, address: '192.0.2.1', media, origin: { username: 'ignored', sessionId: 1 } });
  assert.equal(same.origin, first.origin, 'identical SDP, identical o= line');
  assert.is(writeSDP(same), writeSDP(first));
  const moved = createOffer({ previous: first, address: '192.0.2.1', media: [{ ...media[0], port: 4002 }] });
  assert.equal(moved.origin, { ...first.origin, sessionVersion: 1001 });
  const again = createOffer({ previous: moved, address: '192.0.2.1', media: [{ ...media[0], port: 4002 }] });
  assert.is(again.origin.sessionVersion, 1001);
  const newAddress = createOffer({ previous: moved, address: '192.0.2.99', media: [{ ...media[0], port: 4002 }] });
  assert.is(newAddress.origin.sessionVersion, 1002);
  assert.is(newAddress.origin.address, '192.0.2.1', 'o= address stays, c= changes');
  assert.equal(newAddress.connection, { version: 4, ip: '192.0.2.99' });
  // holding twice changes nothing the second time
  const h1 = holdOffer(first);
  const h2 = holdOffer(h1);
  assert.equal([h1.origin.sessionVersion, h2.origin.sessionVersion], [1001, 1001]);
  // answers continue the answerer's o= too
  const { offer, answer } = call();
  const reAnswer = createAnswer(offer, audioCaps, { address: '192.0.2.2', ports: [5000], previous: answer });
  assert.equal(reAnswer.origin, answer.origin);
});

test('re-offer never has fewer m= lines: dropped streams stay as port 0 (RFC 3264 §8.2)', () => {
  const two = createOffer({
    origin: { sessionId: 9, sessionVersion: 9 },
    address: '192.0.2.1',
    media: [{ type: 'audio', port: 4000, codecs: [PCMU] }, { type: 'video', port: 4002, codecs: [H261] }],
  });
  const one = createOffer({ previous: two, address: '192.0.2.1', media: [{ type: 'audio', port: 4000, codecs: [PCMU] }] });
  assert.equal(shape(one), [['audio', 4000, '0', 'sendrecv'], ['video', 0, '31', undefined]]);
  assert.is(one.origin.sessionVersion, 10);
  // holding leaves port-0 lines alone
  assert.equal(shape(holdOffer(one)), [['audio', 4000, '0', 'sendonly'], ['video', 0, '31', undefined]]);
});

test('late offer (INVITE without SDP) and re-INVITE without SDP', () => {
  // UAS offers in the 200, UAC answers in the ACK.
  const offerIn200 = createOffer({ origin: { username: 'bob', sessionId: 77, sessionVersion: 77 }, address: '192.0.2.2', media: [{ type: 'audio', port: 5000, codecs: DEFAULT_AUDIO_CODECS }] });
  const answerInAck = createAnswer(roundTrip(offerIn200), audioCaps, { origin: { username: 'alice' }, address: '192.0.2.1', ports: [4000] });
  const [s] = negotiate(offerIn200, roundTrip(answerInAck), 'offerer');
  assert.equal([s.accepted, s.codec?.name, s.remotePort], [true, 'PCMU', 4000]);
  // re-INVITE without SDP: the UAS offers the current session unchanged, same version.
  const repeated = repeatOffer(offerIn200);
  assert.is(writeSDP(repeated), writeSDP(offerIn200));
  assert.is.not(repeated, offerIn200);
  assert.is.not(repeated.media, offerIn200.media);
});

test('IPv6 offer and answer (IN IP6)', () => {
  const offer = createOffer({ address: '2001:db8::1', media: [{ type: 'audio', port: 4000, codecs: DEFAULT_AUDIO_CODECS }] });
  const text = writeSDP(offer);
  assert.match(text, /\r\no=- \d+ \d+ IN IP6 2001:db8::1\r\n/);
  assert.ok(text.includes('c=IN IP6 2001:db8::1\r\n'));
  const answer = createAnswer(parseSDP(text), audioCaps, { address: '2001:db8::2', ports: [5000] });
  const [s] = negotiate(parseSDP(text), roundTrip(answer));
  assert.equal([s.remoteAddress, s.remotePort, s.codec?.name], ['2001:db8::2', 5000, 'PCMU']);
});

test('fast-check: any offer gets an answer with the same m= lines, legal directions, and writable SDP', () => {
  const codec = fc.constantFrom<Codec>(PCMU, PCMA, TE, H261, { name: 'iLBC', clockRate: 8000 }, { name: 'opus', clockRate: 48000, channels: 2 }, { name: 'telephone-event', clockRate: 8000, payloadType: 120 });
  const stream = fc.record({
    type: fc.constantFrom('audio', 'video', 'text'),
    port: fc.oneof(fc.constant(0), fc.integer({ min: 1024, max: 65000 })),
    codecs: fc.uniqueArray(codec, { minLength: 1, maxLength: 4, selector: (c) => `${c.name}/${c.clockRate}` }),
    direction: fc.constantFrom(...DIRS),
  });
  fc.assert(
    fc.property(fc.array(stream, { minLength: 1, maxLength: 5 }), fc.array(fc.constantFrom(...DIRS), { maxLength: 5 }), (media, wanted) => {
      const offer = roundTrip(createOffer({ address: '192.0.2.1', media }));
      const answer = roundTrip(createAnswer(offer, { ...audioCaps, video: { codecs: [H261] } }, { address: '192.0.2.2', ports: media.map(() => 6000), directions: wanted }));
      assert.is(answer.media.length, offer.media.length);
      const streams = negotiate(offer, answer);
      streams.forEach((s, i) => {
        assert.is(answer.media[i].type, offer.media[i].type);
        if (s.accepted) {
          const od = offer.media[i].direction as Direction;
          assert.is(answer.media[i].direction, answerDirection(od, wanted[i]));
          for (const pt of (answer.media[i].payloads ?? '').split(' ')) assert.ok(` ${offer.media[i].payloads} `.includes(` ${pt} `));
        } else {
          assert.is(answer.media[i].port === 0 || offer.media[i].port === 0, true);
        }
      });
    }),
    { numRuns: 500 },
  );
});

test.run();
