// Two AudioStreams on loopback, driven through offer/answer as a Session does: tones both ways
// (WavePlayer → RTP → WaveRecorder, checked by tone detection and by sox), DTMF both ways, hold
// and unhold (local and, through update(), remote), the notifications of §4.3/§4.6, recording.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dominantFrequency } from '../../src/audio/tone.js';
import { readWav } from '../../src/audio/wav.js';
import { WavePlayer } from '../../src/audio/wave-player.js';
import { WaveRecorder } from '../../src/audio/wave-recorder.js';
import { MediaStreamError } from '../../src/streams/media-stream.js';
import { CANDIDATES, capture, connect, sessionSdp, sleep, toneFile, waitFor } from './loopback.js';

const dir = mkdtempSync(join(tmpdir(), 'sipstate-audio-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** sox's output (stdout and stderr: `stat` reports on stderr). Never skipped when sox is missing. */
function sox(args: string[]): string {
  const r = spawnSync('sox', args, { encoding: 'utf8' });
  if (r.error) assert.unreachable('sox is not installed: run `bash .ci/apt-packages` (Debian package sox)');
  assert.is(r.status, 0, `sox ${args.join(' ')}: ${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}
type Hold = { originator: string; on_hold: boolean };

test('a 1 kHz tone A → B and a 440 Hz tone B → A cross the call; the recordings are valid WAV files of the right length', async () => {
  const call = await connect();
  const { a, b } = call;
  try {
    const toA = new WavePlayer(toneFile(dir, 440, 1000), { loop: true });
    const toB = new WavePlayer(toneFile(dir, 1000, 1000), { loop: true });
    await Promise.all([toA.start(), toB.start()]);
    a.source = toB;
    b.source = toA;
    const fileB = join(dir, 'heard-by-b.wav');
    const fileA = join(dir, 'heard-by-a.wav');
    const recB = new WaveRecorder(fileB);
    const recA = new WaveRecorder(fileA);
    await Promise.all([recA.start(), recB.start()]);
    const began = Date.now();
    const offB = b.addSink(recB);
    const offA = a.addSink(recA);
    await sleep(1200);
    offA();
    offB();
    const elapsed = (Date.now() - began) / 1000;
    await Promise.all([recA.stop(), recB.stop()]);
    toA.stop();
    toB.stop();

    for (const [file, tone] of [[fileB, 1000], [fileA, 440]] as const) {
      const wav = readWav(readFileSync(file));
      assert.is(wav.sampleRate, 8000);
      assert.is(wav.channels, 1);
      // Skip the first 200 ms (jitter buffer fill), analyse the rest.
      const heard = dominantFrequency(wav.samples.subarray(1600), 8000, CANDIDATES);
      assert.is(heard.frequency, tone, `${file}: dominant frequency`);
      assert.ok(heard.share > 0.8, `${file}: the tone dominates (share ${heard.share.toFixed(2)})`);
      // sox, a reader we did not write, agrees on the format and the length.
      const info = sox(['--i', file]);
      assert.match(info, /Channels\s*:\s*1/);
      assert.match(info, /Sample Rate\s*:\s*8000/);
      assert.match(info, /Precision\s*:\s*16-bit/);
      const seconds = Number(sox(['--i', '-D', file]).trim().split('\n')[0]);
      assert.ok(Math.abs(seconds - elapsed) <= 0.2 * elapsed, `${file}: ${seconds} s recorded in ${elapsed} s`);
      const stat = sox([file, '-n', 'stat']);
      const rough = Number(/Rough\s+frequency:\s*(\d+)/.exec(stat)?.[1]);
      assert.ok(Math.abs(rough - tone) < tone * 0.1, `sox's rough frequency ${rough} for a ${tone} Hz tone`);
    }
    assert.is(a.codec, 'PCMU');
    assert.is(a.sampleRate, 8000);
    assert.is(b.remoteRtpPortSdp, a.localRtpPort);
    assert.is(b.remoteRtpPortReceived, a.localRtpPort, 'latched from the first packet');
    assert.is(b.remoteRtpAddressReceived, '127.0.0.1');
  } finally {
    await call.end();
  }
});

test('DTMF both ways: each digit reported once, in order', async () => {
  const call = await connect();
  const { a, b, hostA, hostB } = call;
  try {
    const atA = capture(hostA.center);
    const atB = capture(hostB.center);
    for (const d of '123#') a.sendDtmf(d);
    for (const d of '*0D9') b.sendDtmf(d);
    const digits = (c: typeof atA) => c.of('AudioStreamGotDTMF').map((n) => (n.data as { digit: string }).digit).join('');
    await waitFor(() => digits(atB).length >= 4 && digits(atA).length >= 4, 3000, 'the digits');
    await sleep(200); // retransmitted end packets (RFC 4733 §2.5.1.4) must not report again
    assert.is(digits(atB), '123#');
    assert.is(digits(atA), '*0D9');
    assert.ok(atB.of('AudioStreamGotDTMF').every((n) => n.sender === b));
    // Bad use throws at once.
    assert.throws(() => a.sendDtmf('E'), (e: unknown) => e instanceof MediaStreamError);
    assert.throws(() => a.sendDtmf('12'), (e: unknown) => e instanceof MediaStreamError);
  } finally {
    await call.end();
  }
  assert.throws(() => a.sendDtmf('1'), (e: unknown) => e instanceof MediaStreamError && /ended/.test(e.message));
});

test('hold stops the media at once, the SDP shows it, unhold resumes; the remote learns it through update()', async () => {
  const call = await connect();
  const { a, b, hostA, hostB } = call;
  try {
    const atA = capture(hostA.center);
    const atB = capture(hostB.center);
    await waitFor(() => b.statistics.rtp.packetsReceived > 10, 1000, 'audio at B');
    assert.is(a.getLocalMedia(true).direction, 'sendrecv');

    a.hold();
    assert.ok(a.onHoldByLocal && a.onHold && !a.onHoldByRemote);
    assert.equal(atA.of('AudioStreamDidChangeHoldState').map((n) => [n.sender === a, (n.data as Hold).originator, (n.data as Hold).on_hold]), [[true, 'local', true]]);
    await sleep(100); // what was in flight
    const held = b.statistics.rtp.packetsReceived;
    await sleep(400);
    assert.is(b.statistics.rtp.packetsReceived, held, 'no RTP reaches B while A holds');

    // RFC 3264 §8.4: the re-offer is sendonly, B answers recvonly and learns it is held.
    const reOffer = sessionSdp(a.getLocalMedia(true));
    assert.is(reOffer.media[0].direction, 'sendonly');
    assert.ok(b.validateUpdate(reOffer, 0));
    const reAnswer = sessionSdp(b.getLocalMedia(false, { sdp: reOffer, index: 0 }));
    assert.is(reAnswer.media[0].direction, 'recvonly');
    a.update(reOffer, reAnswer, 0);
    b.update(reAnswer, reOffer, 0);
    assert.ok(b.onHoldByRemote && !b.onHoldByLocal);
    assert.equal(atB.of('AudioStreamDidChangeHoldState').map((n) => [n.sender === b, (n.data as Hold).originator, (n.data as Hold).on_hold]), [[true, 'remote', true]]);
    // B holds too: its offer is inactive (RFC 3264 §8.4).
    b.hold();
    assert.is(b.getLocalMedia(true).direction, 'inactive');
    b.unhold();

    a.unhold();
    assert.not.ok(a.onHold);
    assert.is(a.getLocalMedia(true).direction, 'sendrecv');
    await waitFor(() => b.statistics.rtp.packetsReceived > held + 10, 1000, 'RTP to resume after unhold');
    assert.equal(atA.of('AudioStreamDidChangeHoldState').map((n) => [(n.data as Hold).originator, (n.data as Hold).on_hold]), [['local', true], ['local', false]]);
    // No codec or address changed in the re-negotiation.
    assert.equal(atA.of('AudioStreamDidChangeRTPParameters'), []);
  } finally {
    await call.end();
  }
});

test('R-MED-1: a stream held before it starts offers sendonly and starts held; a recvonly stream never sends', async () => {
  const call = await connect({ beforeStart: (a) => a.hold() });
  try {
    assert.ok(call.a.onHoldByLocal);
    await sleep(300);
    assert.is(call.a.statistics.rtp.packetsSent, 0);
    assert.is(call.a.getLocalMedia(true).direction, 'sendonly');
  } finally {
    await call.end();
  }
  const one = await connect({ a: { direction: 'recvonly' } });
  try {
    assert.is(one.offer.media[0].direction, 'recvonly');
    assert.is(one.answer.media[0].direction, 'sendonly');
    await waitFor(() => one.a.statistics.rtp.packetsReceived > 5, 1000, 'B → A audio');
    assert.is(one.a.statistics.rtp.packetsSent, 0);
  } finally {
    await one.end();
  }
});

test('life cycle notifications, end() idempotent, startRecording records the call', async () => {
  const call = await connect();
  const { a, b, hostA } = call;
  const atA = capture(hostA.center);
  const player = new WavePlayer(toneFile(dir, 1000, 500), { loop: true });
  await player.start();
  b.source = player;
  assert.throws(() => a.addSink({ sampleRate: 16000, write: () => undefined }), (e: unknown) => e instanceof MediaStreamError);
  const file = join(dir, 'call.wav');
  await a.startRecording(file);
  assert.is(a.recordingFilename, file);
  await sleep(600);
  await a.stopRecording();
  assert.is(a.recordingFilename, undefined);
  const wav = readWav(readFileSync(file));
  assert.is(dominantFrequency(wav.samples.subarray(1600), 8000, CANDIDATES).frequency, 1000);
  // A default name: in the directory, with the session id.
  await a.startRecording();
  const auto = a.recordingFilename as string;
  assert.match(auto, new RegExp(`${hostA.id}.*\\.wav$`));
  const ends = [a.end(), a.end(), b.end()];
  await Promise.all(ends);
  assert.is(a.state, 'ended');
  assert.is(a.actor?.getSnapshot().status, 'done');
  assert.equal(atA.names(), [
    'AudioStreamWillStartRecordingAudio',
    'AudioStreamDidStartRecordingAudio',
    'AudioStreamWillStopRecordingAudio',
    'AudioStreamDidStopRecordingAudio',
    'AudioStreamWillStartRecordingAudio',
    'AudioStreamDidStartRecordingAudio',
    'MediaStreamWillEnd',
    'AudioStreamWillStopRecordingAudio',
    'AudioStreamDidStopRecordingAudio',
    'MediaStreamDidEnd',
  ]);
  assert.ok(atA.all.every((n) => n.sender === a));
  assert.equal(atA.of('AudioStreamDidStopRecordingAudio').map((n) => (n.data as { filename: string }).filename), [file, auto]);
  rmSync(auto, { force: true });
  await a.end();
  player.stop();
});

test.run();
