// What arrives at an AudioStream's ports that it did not ask for (garbage, hostile sizes, payload
// types it did not negotiate, a second SSRC mid-stream) is dropped and counted while the audio
// keeps flowing; and RTCP as a raw peer sees it: SR with SDES CNAME (RFC 3550 §6.4.1, §6.5),
// BYE on end (§6.6), and the peer's reports parsed into `statistics`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dominantFrequency, sineTone } from '../../src/audio/tone.js';
import { WavePlayer } from '../../src/audio/wave-player.js';
import { encodePCMU } from '../../src/rtp/g711.js';
import { buildRTP } from '../../src/rtp/packet.js';
import { type RTCPPacket, SDES_CNAME, buildRTCP, ntpFromUnixMs, ntpMiddle32, parseRTCP } from '../../src/rtp/rtcp.js';
import { DEFAULT_AUDIO_CODECS, createAnswer } from '../../src/sdp/offer-answer.js';
import { AudioStream } from '../../src/streams/audio/index.js';
import { CANDIDATES, FrameCollector, connect, makeHost, portRange, sessionSdp, sleep, toneFile, waitFor } from './loopback.js';

const dir = mkdtempSync(join(tmpdir(), 'sipstate-robust-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function udp(port = 0): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}
const send = (s: Socket, buf: Buffer, port: number) => new Promise<void>((r) => s.send(buf, port, '127.0.0.1', () => r()));
const close = (s: Socket) => new Promise<void>((r) => s.close(() => r()));

test('garbage, hostile sizes, unknown payload types and a second SSRC are dropped; the tone still gets through', async () => {
  const call = await connect();
  const { a, b } = call;
  const raw = await udp();
  try {
    const player = new WavePlayer(toneFile(dir, 1000, 1000), { loop: true });
    await player.start();
    b.source = player;
    const heard = new FrameCollector();
    a.addSink(heard);
    const port = a.localRtpPort as number;
    const rtcpPort = port + 1;
    const intruder = encodePCMU(sineTone(3000, 20, 8000, 0.9));
    const ssrc = randomBytes(4).readUInt32BE(0);
    for (let i = 0; i < 50; i++) {
      await send(raw, randomBytes(i * 29 % 1400), port); // random octets of many sizes, 0 included
      await send(raw, buildRTP({ payloadType: 96, sequenceNumber: i, timestamp: i * 160, ssrc, payload: intruder }), port); // not negotiated
      await send(raw, buildRTP({ payloadType: 0, sequenceNumber: 1000 + i, timestamp: i * 160, ssrc, payload: intruder }), port); // another source
      const bad = buildRTP({ payloadType: 0, sequenceNumber: i, timestamp: 0, ssrc, payload: intruder });
      bad[0] = 0x40; // version 1
      await send(raw, bad, port);
      const overrun = buildRTP({ payloadType: 0, sequenceNumber: i, timestamp: 0, ssrc, payload: Buffer.alloc(4) });
      overrun[0] = 0x8f; // 15 CSRCs announced, none there
      await send(raw, overrun, port);
      await send(raw, randomBytes(40), rtcpPort);
      if (i % 10 === 0) {
        await send(raw, Buffer.alloc(60000, 0x80), port); // hostile size: parses as RTP v2 PT 0, payload too large
        await send(raw, buildRTP({ payloadType: 0, sequenceNumber: 5000 + i, timestamp: 0, ssrc, payload: Buffer.alloc(5000) }), port);
      }
      await sleep(20);
    }
    const stats = a.statistics;
    assert.ok(stats.rtp.malformed >= 100, `malformed ${stats.rtp.malformed}`);
    assert.ok(stats.rtp.unknownPayloadType >= 50, `unknown payload type ${stats.rtp.unknownPayloadType}`);
    assert.ok(stats.rtp.otherSource >= 45, `other source ${stats.rtp.otherSource}`);
    assert.ok(stats.rtcp.malformed >= 40, `malformed RTCP ${stats.rtcp.malformed}`);
    assert.is(a.state, 'started');
    const tone = dominantFrequency(heard.samples(15), 8000, CANDIDATES);
    assert.is(tone.frequency, 1000);
    assert.ok(tone.share > 0.8, `share ${tone.share}`);
    player.stop();
  } finally {
    await close(raw);
    await call.end();
  }
});

test('a new SSRC replaces a source that stopped (a peer restarting its sender)', async () => {
  const peerRange = portRange(2);
  const peer = await udp(peerRange.start);
  const a = new AudioStream();
  try {
    await a.initialize(makeHost(), 'outgoing');
    const offer = sessionSdp(a.getLocalMedia(true));
    await a.start(offer, createAnswer(offer, { audio: { codecs: DEFAULT_AUDIO_CODECS } }, { address: '127.0.0.1', ports: [peerRange.start] }), 0);
    const heard = new FrameCollector();
    a.addSink(heard);
    const play = async (ssrc: number, frequency: number, frames: number) => {
      const pcm = sineTone(frequency, frames * 20, 8000);
      for (let i = 0; i < frames; i++) {
        const payload = encodePCMU(pcm.subarray(i * 160, (i + 1) * 160));
        await send(peer, buildRTP({ payloadType: 0, sequenceNumber: (ssrc + i) & 0xffff, timestamp: i * 160, ssrc, payload }), a.localRtpPort as number);
        await sleep(20);
      }
    };
    await play(0x1111, 1000, 15);
    await play(0x2222, 440, 40);
    const end = heard.frames.length;
    const last = dominantFrequency(heard.samples(end - 20), 8000, CANDIDATES);
    assert.is(last.frequency, 440, 'the new source is played');
    assert.ok(a.statistics.rtp.otherSource <= 10, `${a.statistics.rtp.otherSource} packets of the new source dropped before the switch`);
  } finally {
    await a.end();
    await close(peer);
  }
});

test('the first source: the SDP address at once; a stray sender needs 5 packets in a row (a peer behind a NAT)', async () => {
  const peerRange = portRange(2);
  const peer = await udp(peerRange.start);
  const stray = await udp();
  const a = new AudioStream();
  try {
    await a.initialize(makeHost(), 'outgoing');
    const offer = sessionSdp(a.getLocalMedia(true));
    await a.start(offer, createAnswer(offer, { audio: { codecs: DEFAULT_AUDIO_CODECS } }, { address: '127.0.0.1', ports: [peerRange.start] }), 0);
    const packet = (ssrc: number, seq: number) => buildRTP({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc, payload: Buffer.alloc(160, 0xff) });
    for (let i = 0; i < 4; i++) await send(stray, packet(0xbad, i), a.localRtpPort as number);
    await send(peer, packet(0x900d, 0), a.localRtpPort as number);
    await waitFor(() => a.statistics.rtp.packetsReceived === 1, 500, 'the peer\'s packet');
    assert.is(a.remoteRtpPortReceived, peerRange.start, 'the peer at the SDP address is played at once');
    assert.is(a.statistics.rtp.otherSource, 4);
  } finally {
    await a.end();
  }
  const b = new AudioStream();
  try {
    await b.initialize(makeHost(), 'outgoing');
    const offer = sessionSdp(b.getLocalMedia(true));
    await b.start(offer, createAnswer(offer, { audio: { codecs: DEFAULT_AUDIO_CODECS } }, { address: '127.0.0.1', ports: [peerRange.start] }), 0);
    const packet = (seq: number) => buildRTP({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: 0x5a7, payload: Buffer.alloc(160, 0xff) });
    for (let i = 0; i < 6; i++) await send(stray, packet(i), b.localRtpPort as number);
    await waitFor(() => b.statistics.rtp.packetsReceived === 2, 500, 'the NATed peer to be adopted');
    assert.is(b.statistics.rtp.otherSource, 4, 'the first four waited');
    assert.is(b.remoteRtpPortReceived, stray.address().port);
  } finally {
    await b.end();
    await close(peer);
    await close(stray);
  }
});

test('RTCP as a raw peer sees it: SR + SDES CNAME while sending, BYE on end; its own SR and RR are parsed', async () => {
  const peerRange = portRange(2);
  const rtp = await udp(peerRange.start);
  const rtcp = await udp(peerRange.start + 1);
  const host = makeHost();
  const a = new AudioStream({ rtcpInterval: 150 });
  const reports: RTCPPacket[][] = [];
  rtcp.on('message', (m) => reports.push(parseRTCP(m)));
  try {
    await a.initialize(host, 'outgoing');
    const offer = sessionSdp(a.getLocalMedia(true));
    assert.equal(offer.media[0].rtcp, { port: (a.localRtpPort as number) + 1, netType: 'IN', ipVer: 4, address: '127.0.0.1' });
    const answer = createAnswer(offer, { audio: { codecs: DEFAULT_AUDIO_CODECS } }, { address: '127.0.0.1', ports: [peerRange.start] });
    await a.start(offer, answer, 0);
    await waitFor(() => reports.some((r) => r[0].type === 'sr'), 2000, 'an SR');
    const sr = reports.find((r) => r[0].type === 'sr') as RTCPPacket[];
    assert.is(sr[0].type, 'sr');
    const ours = sr[0].type === 'sr' ? sr[0] : undefined;
    assert.ok(ours && ours.packetCount > 0 && ours.octetCount === ours.packetCount * 160, 'packet and octet counts');
    assert.ok(sr.some((p) => p.type === 'sdes' && p.chunks[0].ssrc === ours?.ssrc && p.chunks[0].items.some((i) => i.type === SDES_CNAME)));

    // The peer reports: an SR of its own and a report block about our stream.
    const now = ntpFromUnixMs(Date.now());
    const peerSsrc = 0x12345678;
    await send(
      rtcp,
      buildRTCP([
        { type: 'sr', ssrc: peerSsrc, ...now, rtpTimestamp: 42, packetCount: 7, octetCount: 1120, reports: [
          { ssrc: ours?.ssrc as number, fractionLost: 0, cumulativeLost: 0, extendedHighestSeq: 1, jitter: 3, lastSR: ntpMiddle32(ours?.ntpSeconds as number, ours?.ntpFraction as number), delaySinceLastSR: 0 },
        ] },
        { type: 'sdes', chunks: [{ ssrc: peerSsrc, items: [{ type: SDES_CNAME, text: 'peer@127.0.0.1' }] }] },
      ]),
      a.localRtpPort as number + 1,
    );
    await waitFor(() => a.statistics.rtcp.lastSenderReport !== undefined, 1000, 'the SR to be parsed');
    const st = a.statistics.rtcp;
    assert.equal([st.lastSenderReport?.ssrc, st.lastSenderReport?.packetCount, st.lastSenderReport?.octetCount], [peerSsrc, 7, 1120]);
    assert.is(st.lastReportBlock?.jitter, 3);
    assert.is(st.remoteCname, 'peer@127.0.0.1');
    assert.ok(st.roundTripMs !== undefined && st.roundTripMs >= 0 && st.roundTripMs < 10000, `rtt ${st.roundTripMs}`);

    reports.length = 0;
    await a.end();
    await waitFor(() => reports.length > 0, 1000, 'the BYE');
    const last = reports.at(-1) as RTCPPacket[];
    assert.ok(last[0].type === 'sr' || last[0].type === 'rr', 'BYE comes in a compound packet beginning with a report (§6.1)');
    assert.ok(last.some((p) => p.type === 'bye' && p.ssrcs.includes(ours?.ssrc as number)));
  } finally {
    await a.end();
    await close(rtp);
    await close(rtcp);
  }
});

test('between two streams: A\'s SR reaches B and is parsed there', async () => {
  const call = await connect({ a: { rtcpInterval: 150 } });
  try {
    // B keeps the default 5 s interval: its first report is due within 1.25-3.75 s (§6.2, §6.3.1).
    await waitFor(() => call.b.statistics.rtcp.lastSenderReport !== undefined, 2000, 'A\'s SR at B');
    const sr = call.b.statistics.rtcp.lastSenderReport;
    assert.ok(sr && sr.packetCount > 0);
    assert.is(call.b.statistics.rtcp.remoteCname?.endsWith('@127.0.0.1'), true);
  } finally {
    await call.end();
  }
});

test.run();
