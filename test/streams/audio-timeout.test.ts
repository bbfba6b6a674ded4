// §4.6 AudioStreamDidTimeout: no RTP for the account's rtp.timeout seconds while started and not
// on hold. A peer that stops sending times the stream out; a held stream never does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { capture, connect, sleep, waitFor } from './loopback.js';

test('a peer that stops sending → AudioStreamDidTimeout within ~1.5 s (rtp.timeout 1), once', async () => {
  const call = await connect({ timeoutA: 1 });
  const atA = capture(call.hostA.center);
  try {
    await waitFor(() => call.a.statistics.rtp.packetsReceived > 10, 1000, 'audio at A');
    await sleep(300);
    assert.equal(atA.of('AudioStreamDidTimeout'), [], 'no timeout while RTP flows');
    const stopped = Date.now();
    await call.b.end();
    await waitFor(() => atA.of('AudioStreamDidTimeout').length > 0, 1500, 'AudioStreamDidTimeout');
    const after = Date.now() - stopped;
    assert.ok(after >= 900, `timed out after ${after} ms, not before the second is over`);
    assert.is(atA.of('AudioStreamDidTimeout')[0].sender, call.a);
    await sleep(1200);
    assert.is(atA.of('AudioStreamDidTimeout').length, 1, 'reported once per silence');
    assert.is(call.a.state, 'started', 'a timeout is reported, not a failure (the application decides)');
  } finally {
    await call.end();
  }
});

test('no timeout while on hold (local hold, the peer silent too)', async () => {
  const call = await connect({ timeoutA: 1 });
  const atA = capture(call.hostA.center);
  try {
    await waitFor(() => call.a.statistics.rtp.packetsReceived > 5, 1000, 'audio at A');
    call.a.hold();
    call.b.hold(); // B stops sending as well (no renegotiation: A only knows it holds)
    await sleep(1600);
    assert.equal(atA.of('AudioStreamDidTimeout'), []);
  } finally {
    await call.end();
  }
});

test('rtp.timeout 0 disables the timeout', async () => {
  const call = await connect({ timeoutA: 0 });
  const atA = capture(call.hostA.center);
  try {
    await call.b.end();
    await sleep(1300);
    assert.equal(atA.of('AudioStreamDidTimeout'), []);
  } finally {
    await call.end();
  }
});

test.run();
