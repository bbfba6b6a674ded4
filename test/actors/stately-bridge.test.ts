/**
 * The bridge to the Stately inspector (@statelyai/inspect): a real call's actors reach a local
 * WebSocket receiver in Stately's event format, with secrets redacted; nothing needs the internet.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocketServer } from 'ws';
import { assign, createActor, setup } from 'xstate';
import { connectStatelyInspector } from '../../actors/stately-bridge.js';
import { inspectionHub } from '../../actors/inspection.js';
import { Session } from '../../src/api/session.js';
import { ProbeStream, ProbeStreamType } from '../api/probe-stream.js';
import { makeParty } from '../api/session-harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a call seen through the Stately bridge: actor, snapshot and event messages; passwords redacted', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as { port: number }).port;
  const received: string[] = [];
  wss.on('connection', (ws) => ws.on('message', (d) => received.push(String(d))));
  const bridge = await connectStatelyInspector({ url: `ws://127.0.0.1:${port}` });
  const alice = await makeParty('alice', [ProbeStreamType]);
  const bob = await makeParty('bob', [ProbeStreamType]);
  try {
    const secretive = setup({ types: {} as { context: { password: string; n: number } } }).createMachine({
      id: 'secretive',
      context: { password: 'hunter2', n: 0 },
      on: { bump: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
    });
    const actor = createActor(secretive, { ...inspectionHub.options });
    inspectionHub.register(actor, { id: 'secretive' });
    actor.start();
    actor.send({ type: 'bump' });
    bob.center.named('SIPSessionNewIncoming').subscribe((n) => void (n.sender as Session).accept(n.data.streams));
    const session = new Session(alice.account, alice.manager.engine);
    assert.equal(await session.connect(bob.uri, [], [new ProbeStream()]), { started: true });
    await session.end();
    await sleep(500);
    actor.stop();
    inspectionHub.unregister(actor);
    const all = received.join('\n');
    const types = new Set(received.map((m) => (JSON.parse(m) as { type?: string }).type));
    assert.ok(types.has('@xstate.actor') && types.has('@xstate.snapshot') && types.has('@xstate.event'), [...types].join(', '));
    assert.match(all, /session-\d+/);
    assert.match(all, /INVITE/);
    const leaks = received.filter((m) => m.includes("hunter2")).map((m) => m.slice(0, 400));
    assert.equal(leaks, []);
  } finally {
    bridge.stop();
    await alice.stop();
    await bob.stop();
    wss.close();
  }
  assert.is(inspectionHub.subscriptionCount, 0);
});

test.run();
