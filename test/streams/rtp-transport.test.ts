// The RTP/RTCP socket pair: RTP on an even port, RTCP on the next (RFC 3550 §11), from the
// account's port range; busy pairs and an odd start are skipped, exhaustion is a clear
// MediaStreamError (and, through initialize(), MediaStreamDidFail).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSocket, type Socket } from 'node:dgram';
import { MediaStreamError } from '../../src/streams/media-stream.js';
import { AudioStream, RtpTransport, candidatePorts, checkPortRange } from '../../src/streams/audio/index.js';
import { capture, makeHost, portRange } from './loopback.js';

const noop = { rtp: () => undefined, rtcp: () => undefined };
const isStreamError = (re?: RegExp) => (e: unknown) => e instanceof MediaStreamError && (!re || re.test(e.message));

function occupy(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}
const close = (s: Socket) => new Promise<void>((r) => s.close(() => r()));

test('candidate ports: even, with the odd successor inside the range; the first one rotates', () => {
  const r = { start: 30001, end: 30006 }; // odd start: 30002, 30004 (30006 has no 30007)
  const first = candidatePorts(r);
  assert.equal([...first].sort(), [30002, 30004]);
  const second = candidatePorts(r);
  assert.is.not(second[0], first[0], 'the next allocation starts at the next pair');
  assert.throws(() => checkPortRange({ start: 30001, end: 30002 }), isStreamError(/no even\/odd/));
  assert.throws(() => checkPortRange({ start: 40000, end: 39999 }), isStreamError(/bad RTP port range/));
  assert.throws(() => checkPortRange({ start: 0, end: 70000 }), isStreamError());
});

test('binds RTP on an even port and RTCP on the next, on the given address', async () => {
  const range = portRange(8);
  const t = await RtpTransport.open({ address: '127.0.0.1', portRange: range }, noop);
  try {
    assert.is(t.rtpPort % 2, 0);
    assert.is(t.rtcpPort, t.rtpPort + 1);
    assert.ok(t.rtpPort >= range.start && t.rtcpPort <= range.end);
    assert.is(t.address, '127.0.0.1');
  } finally {
    await t.close();
  }
  await t.close(); // idempotent
  assert.ok(t.closed);
});

test('an odd start and busy pairs are skipped, whichever pair the rotation tries first', async () => {
  const base = portRange(8).start; // even
  // Range base+1 .. base+6: candidates base+2, base+4 (base+6 lacks base+7). Block base+5 (the
  // RTCP port of the pair base+4): only base+2 works.
  const range = { start: base + 1, end: base + 6 };
  const blocker = await occupy(base + 5);
  try {
    for (let i = 0; i < 3; i++) {
      const t = await RtpTransport.open({ address: '127.0.0.1', portRange: range }, noop);
      assert.is(t.rtpPort, base + 2, `allocation ${i}`);
      await t.close();
    }
  } finally {
    await close(blocker);
  }
});

test('exhaustion: a clear MediaStreamError; through initialize() it rejects and posts MediaStreamDidFail', async () => {
  const range = portRange(2);
  const first = await RtpTransport.open({ address: '127.0.0.1', portRange: range }, noop);
  try {
    let error: unknown;
    await RtpTransport.open({ address: '127.0.0.1', portRange: range }, noop).catch((e) => (error = e));
    assert.ok(isStreamError(new RegExp(`no free RTP/RTCP port pair in ${range.start}-${range.end}`))(error), String(error));

    const host = makeHost({ portRange: range });
    const seen = capture(host.center);
    const stream = new AudioStream();
    let initError: unknown;
    await stream.initialize(host, 'outgoing').catch((e) => (initError = e));
    assert.ok(isStreamError(/no free RTP/)(initError));
    assert.is(stream.state, 'failed');
    assert.throws(() => stream.getLocalMedia(true), isStreamError(/initialized/));
    // §4.3: the Session still calls end() after a failure, and it ends.
    await stream.end();
    assert.is(stream.state, 'ended');
    assert.equal(seen.names(), ['MediaStreamDidFail', 'MediaStreamWillEnd', 'MediaStreamDidEnd']);
    assert.match(String((seen.all[0].data as { reason: string }).reason), /no free RTP/);
    assert.match(String((seen.all[2].data as { error?: string }).error), /no free RTP/);
  } finally {
    await first.close();
  }
});

test('end() while the sockets are binding: initialize() rejects, the ports are released, the stream ends', async () => {
  const host = makeHost({ portRange: portRange(2) });
  const seen = capture(host.center);
  const stream = new AudioStream();
  const init = stream.initialize(host, 'outgoing');
  const ended = stream.end();
  let error: unknown;
  await init.catch((e) => (error = e));
  await ended;
  assert.ok(isStreamError(/ended/)(error), String(error));
  assert.is(stream.state, 'ended');
  assert.equal(seen.names(), ['MediaStreamWillEnd', 'MediaStreamDidEnd']);
  // The pair is free again: a new transport gets it.
  const again = await RtpTransport.open({ address: '127.0.0.1', portRange: host.rtp.portRange }, noop);
  await again.close();
  assert.throws(() => stream.initialize(host, 'outgoing'), isStreamError(/twice/));
  assert.throws(() => new AudioStream().initialize({ ...host, rtp: { ...host.rtp, timeout: Number.NaN } }, 'outgoing'), isStreamError(/timeout/));
});

test('an address that is not local is a MediaStreamError at once, not a walk through the range', async () => {
  let error: unknown;
  await RtpTransport.open({ address: '192.0.2.1', portRange: portRange(40) }, noop).catch((e) => (error = e));
  assert.ok(isStreamError(/cannot bind RTP to 192\.0\.2\.1/)(error), String(error));
});

test.run();
