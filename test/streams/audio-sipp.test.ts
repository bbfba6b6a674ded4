// A real peer nobody here wrote: sipp's RTP echo (`-rtp_echo`: "RTP/UDP packets received on port
// defined by -mp are echoed to their sender"). sipp waits for a call that never comes (the silent
// UAS scenario) while echoing on its media port; an AudioStream whose remote SDP points there
// plays a tone and must hear the same tone come back, then another after switching its source,
// and its DTMF digits too (RFC 4733 packets are echoed like any RTP).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dominantFrequency } from '../../src/audio/tone.js';
import { WavePlayer } from '../../src/audio/wave-player.js';
import { parseSDP } from '../../src/sdp/session-description.js';
import { AudioStream } from '../../src/streams/audio/index.js';
import { requireSipp, runSipp, sippPort } from '../peers/sipp.js';
import { CANDIDATES, FrameCollector, capture, makeHost, portRange, sessionSdp, sleep, toneFile, waitFor } from './loopback.js';

const dir = mkdtempSync(join(tmpdir(), 'sipstate-sipp-echo-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** The answer sipp would give if it were in a call: PCMU and telephone-event on its media port. */
function sippAnswer(mediaPort: number) {
  return parseSDP(
    [
      'v=0',
      'o=sipp 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${mediaPort} RTP/AVP 0 101`,
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=sendrecv',
      '',
    ].join('\r\n'),
  );
}

test('sipp echoes our RTP: the tone we send comes back, and so do our DTMF digits', async () => {
  requireSipp();
  const mediaPort = portRange(4).start; // sipp echoes on it and on +2; each sipp gets its own
  const sipp = runSipp({ scenario: 'silent-uas.xml', port: sippPort(), timeoutMs: 12000, args: ['-rtp_echo', '-mp', String(mediaPort), '-mi', '127.0.0.1'] });
  const host = makeHost();
  const seen = capture(host.center);
  const stream = new AudioStream();
  try {
    await stream.initialize(host, 'outgoing');
    const offer = sessionSdp(stream.getLocalMedia(true));
    await stream.start(offer, sippAnswer(mediaPort), 0);
    const high = new WavePlayer(toneFile(dir, 1000, 1000), { loop: true });
    const low = new WavePlayer(toneFile(dir, 440, 1000), { loop: true });
    await Promise.all([high.start(), low.start()]);
    stream.source = high;
    const heard = new FrameCollector();
    stream.addSink(heard);
    // sipp needs a moment before it echoes: wait for a steady flow back.
    await waitFor(() => stream.statistics.rtp.packetsReceived > 25, 5000, 'sipp to echo our RTP');
    assert.is(stream.remoteRtpPortReceived, mediaPort, 'the echo comes from sipp\'s media port');
    const from = heard.frames.length;
    await sleep(600);
    const one = dominantFrequency(heard.samples(from + 5), 8000, CANDIDATES);
    assert.is(one.frequency, 1000, 'the 1 kHz tone came back');
    assert.ok(one.share > 0.8, `share ${one.share}`);

    stream.source = low;
    await sleep(300);
    const later = heard.frames.length;
    await sleep(500);
    const two = dominantFrequency(heard.samples(later), 8000, CANDIDATES);
    assert.is(two.frequency, 440, 'after switching the source, 440 Hz comes back');

    for (const d of '5#') stream.sendDtmf(d);
    await waitFor(() => seen.of('AudioStreamGotDTMF').length >= 2, 3000, 'the echoed digits');
    await sleep(200);
    assert.equal(seen.of('AudioStreamGotDTMF').map((n) => (n.data as { digit: string }).digit), ['5', '#']);
    assert.is(stream.statistics.rtp.unknownPayloadType, 0);
    high.stop();
    low.stop();
  } finally {
    await stream.end();
    sipp.kill();
    await sipp.done;
  }
});

test.run();
