/**
 * INVITE sessions: calls per second a sipstate UAS sustains with zero failed calls while sipp's
 * built-in `uac` scenario calls it over UDP loopback (INVITE with SDP → 100/180/200 → ACK → BYE),
 * beside sipp's built-in `uas` answering the same client in the same run; and heap bytes per
 * established call with 1,000 and 10,000 concurrent calls.
 *
 * The sipstate UAS is the public API: a SessionManager (with its dialog layer and UA core) whose
 * application accepts every SIPSessionNewIncoming with the offered streams. The streams are the
 * stream type the run names: `signalling` (a stream that opens no sockets: the session, dialog and
 * transaction cost alone) or `audio` (AudioStream: two UDP sockets, RTP/RTCP, per call).
 */
import { UserAgent } from '../actors/user-agent.js';
import { DialogLayer } from '../actors/dialog-layer.js';
import { NotificationCenter } from '../src/api/notification-center.js';
import { SessionManager } from '../src/api/session-manager.js';
import { Session, type SessionAccount } from '../src/api/session.js';
import { MediaStreamRegistry } from '../src/streams/registry.js';
import type { MediaStream, MediaStreamType } from '../src/streams/media-stream.js';
import { SipURI } from '../src/sip/uri.js';
import type { MediaDescription } from '../src/sdp/session-description.js';
import { runSipp, sippAvailable } from '../test/peers/sipp.js';
import { WebSocket } from 'ws';
import { inspectionHub } from '../actors/inspection.js';
import { startVisualizer } from '../visualizer/server.js';

const RATES = [500, 1000, 2000, 3000, 4000, 6000, 8000, 12000];
const SECONDS = 4;
const BUFF = ['-buff_size', '8388608'];

/** The cheapest stream the contract allows: answers PCMU on a fixed port, opens nothing. */
class SignallingOnlyStream implements MediaStream {
  readonly type = 'audio';
  readonly priority = 0;
  readonly holdSupported = false;
  readonly onHoldByLocal = false;
  readonly onHoldByRemote = false;
  readonly onHold = false;
  readonly actor = undefined;
  getLocalMedia(): MediaDescription {
    return { type: 'audio', port: 9, protocol: 'RTP/AVP', payloads: '0', rtp: [{ payload: 0, codec: 'PCMU', rate: 8000 }], fmtp: [] };
  }
  async initialize(): Promise<void> {}
  async start(): Promise<void> {}
  validateUpdate(): boolean {
    return true;
  }
  update(): void {}
  hold(): void {}
  unhold(): void {}
  deactivate(): void {}
  async end(): Promise<void> {}
}

export const SignallingOnly: MediaStreamType = {
  type: 'audio',
  priority: 0,
  newFromSdp: (sdp, i) => (sdp.media[i].type === 'audio' ? new SignallingOnlyStream() : undefined),
};

interface Uas {
  port: number;
  manager: SessionManager;
  stop(): Promise<void>;
}

export async function sipstateUas(types: MediaStreamType[]): Promise<Uas> {
  const ua = await UserAgent.start({ listen: [{ protocol: 'UDP', address: '127.0.0.1', port: 0 }] });
  const center = new NotificationCenter();
  const dialogs = new DialogLayer(ua);
  const registry = new MediaStreamRegistry();
  for (const t of types) registry.add(t);
  const account: SessionAccount = {
    id: 'bench@127.0.0.1',
    uri: { aor: new SipURI({ user: 'service', host: '127.0.0.1' }), contact: ua.contact('service') },
    credentials: { username: 'service', password: '' },
    contact: { get: () => ua.contact('service') },
  };
  const manager = new SessionManager({ ua, dialogs, center, rtp: { portRange: { start: 20000, end: 39998 }, timeout: 0 } }, { accountFor: () => account, registry });
  manager.start();
  center.named('SIPSessionNewIncoming').subscribe((n) => void (n.sender as Session).accept(n.data.streams));
  return {
    port: ua.endpoints[0].port,
    manager,
    async stop() {
      await manager.stop(1000);
      dialogs.stop();
      await ua.close();
    },
  };
}

interface RateResult {
  rate: number;
  achieved: number;
  ok: boolean;
}

async function sippUac(port: number, target: number, rate: number): Promise<RateResult> {
  const calls = rate * SECONDS;
  const run = runSipp({ scenario: 'uac', port, target: `127.0.0.1:${target}`, calls, rate, args: ['-l', String(rate * 4), '-mp', String(port + 2000), ...BUFF], timeoutMs: SECONDS * 4000 + 15000 });
  const r = await run.done;
  return { rate, achieved: Math.round(calls / (r.elapsedMs / 1000)), ok: r.code === 0 };
}

/**
 * Up the rates until calls fail. `inProcess`: the UAS runs in this process, so this process's CPU
 * time per call is printed too (user + system, all threads: GC included) — the figure that
 * decides the rate a single core can hold (1,000,000 / µs per call).
 */
async function ladder(label: string, target: number, clientPort: number, inProcess = false): Promise<RateResult | undefined> {
  let best: RateResult | undefined;
  for (const rate of RATES) {
    const cpu = process.cpuUsage();
    const r = await sippUac(clientPort, target, rate);
    const used = process.cpuUsage(cpu);
    const perCall = inProcess ? `  ${String(Math.round((used.user + used.system) / (rate * SECONDS))).padStart(5)} µs CPU/call` : '';
    console.log(`  ${label.padEnd(34)} asked ${String(rate).padStart(5)}/s  achieved ${String(r.achieved).padStart(6)}/s  ${r.ok ? 'no failures' : 'FAILURES'}${perCall}`);
    if (!r.ok) break;
    if (!best || r.achieved > best.achieved) best = r;
    if (r.achieved < r.rate * 0.8) break;
    await new Promise((res) => setTimeout(res, 300));
  }
  return best;
}

async function rates(): Promise<void> {
  if (!sippAvailable()) {
    console.log('sipp is not installed (bash .ci/apt-packages): call rate skipped');
    return;
  }
  const uasPort = 17160;
  const uas = runSipp({ scenario: 'uas', port: uasPort, calls: 10_000_000, rate: 1, args: [...BUFF, '-mp', '19100'], timeoutMs: 900_000 });
  await new Promise((r) => setTimeout(r, 300));
  const sippBest = await ladder('sipp uac -> sipp uas', uasPort, 17162);
  uas.kill();
  await uas.done;

  const results: [string, number][] = [];
  for (const [label, types] of await streamVariants()) {
    const ours = await sipstateUas(types);
    const best = await ladder(`sipp uac -> sipstate (${label})`, ours.port, 17164, true);
    await ours.stop();
    results.push([label, best?.achieved ?? 0]);
  }
  // The same with the visualizer attached: a page (a WebSocket client) receives every actor's
  // inspection events while the calls run.
  {
    const viz = await startVisualizer(inspectionHub, { port: 0 });
    const ws = new WebSocket(`ws://127.0.0.1:${viz.port}/events`);
    let received = 0;
    ws.on('message', (d: Buffer) => (received += d.length));
    await new Promise((r) => ws.once('open', r));
    const ours = await sipstateUas([SignallingOnly]);
    const best = await ladder('sipp uac -> sipstate (visualizer on)', ours.port, 17164, true);
    await ours.stop();
    ws.close();
    await viz.close();
    results.push(['signalling, visualizer attached', best?.achieved ?? 0]);
    console.log(`  (the page received ${(received / 1e6).toFixed(1)} MB of inspection events)`);
  }
  const b = sippBest?.achieved ?? 0;
  for (const [label, a] of results) {
    console.log(`calls/s with zero failures, ${label} streams: sipstate ${a}, sipp uas ${b}; ratio ${(b ? a / b : 0).toFixed(2)} (target ≥ 3000/s)`);
  }
}

/** The stream types to race: signalling only, and AudioStream when it is built. */
async function streamVariants(): Promise<[string, MediaStreamType[]][]> {
  const out: [string, MediaStreamType[]][] = [['signalling', [SignallingOnly]]];
  try {
    const audio = (await import('../src/streams/audio/index.js')) as { AudioStreamType?: MediaStreamType };
    if (audio.AudioStreamType) out.push(['audio', [audio.AudioStreamType]]);
  } catch {
    // no AudioStream in this build
  }
  return out;
}

/**
 * Heap per established call: sipp's `uac` places `n` calls that stay up (`-d`), the sipstate UAS
 * accepts them; once all are established, its heap growth divided by n — first with the INVITE
 * server transactions still alive (RFC 6026 Timer L keeps each 64·T1 after its 2xx), then after
 * they are gone: the session, its dialog and what they keep.
 */
export async function heapPerCall(n: number): Promise<[number, number]> {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Warm up (JIT, pools, first-use allocations) with short calls on a UAS of its own, then stop
  // it: nothing of the warm-up is left to be freed during the measurement.
  const warmUas = await sipstateUas([SignallingOnly]);
  await runSipp({ scenario: 'uac', port: 17172, target: `127.0.0.1:${warmUas.port}`, calls: 300, rate: 300, args: ['-mp', '19250', ...BUFF], timeoutMs: 30_000 }).done;
  await warmUas.stop();
  const uas = await sipstateUas([SignallingOnly]);
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const rate = 1000;
  const sipp = runSipp({ scenario: 'uac', port: 17170, target: `127.0.0.1:${uas.port}`, calls: n, rate, args: ['-l', String(n), '-d', '120000', '-mp', '19200', ...BUFF], timeoutMs: 300_000 });
  const deadline = Date.now() + (n / rate) * 1000 + 30_000;
  while (uas.manager.sessions.filter((s) => s.state === 'connected').length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const established = uas.manager.sessions.filter((s) => s.state === 'connected').length;
  gc?.();
  const withTransactions = process.memoryUsage().heapUsed;
  await new Promise((r) => setTimeout(r, 33_000));
  gc?.();
  const settled = process.memoryUsage().heapUsed;
  const live = uas.manager.sessions.filter((s) => s.state === 'connected').length;
  sipp.kill();
  await sipp.done;
  await uas.stop();
  if (established !== n) console.log(`  (only ${established} of ${n} calls established)`);
  return [Math.round((withTransactions - before) / Math.max(1, established)), Math.round((settled - before) / Math.max(1, live))];
}

export async function run(): Promise<void> {
  if (!sippAvailable()) {
    console.log('sipp is not installed (bash .ci/apt-packages): call benchmarks skipped');
    return;
  }
  // Heap first, in a process nothing else has run in yet: what earlier runs leave for the
  // collector would otherwise be freed during the measurement and hide the calls' own cost.
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with --expose-gc for exact heap figures)');
  for (const n of [1_000, 10_000]) {
    const [fresh, settled] = await heapPerCall(n);
    console.log(`heap per established call with ${n} concurrent: ${fresh} bytes with its INVITE transaction alive, ${settled} bytes after Timer L (target ≤ 16384)`);
  }
  await rates();
}
