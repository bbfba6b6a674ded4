/**
 * Non-INVITE transactions per second through sipstate's transport + transaction layers over
 * UDP loopback, with sipp as the client (`options-uac.xml`: OPTIONS → 200), beside sipp's own
 * rate against itself (`options-uas.xml`) measured in the same run; and heap bytes per live
 * transaction with 10,000 and 100,000 live.
 *
 * Rates: sipp is asked for a rate and a call count; the achieved rate is the calls completed
 * divided by the wall time, and a run counts only if sipp reports no failed call. Each side is
 * tried at rising rates, so the figure is the highest sustained rate with zero failures.
 */
import { SimulatedClock } from 'xstate';
import { TransactionLayer, type SIPTransport } from '../actors/transaction-layer.js';
import { TransportManager, type Endpoint } from '../actors/transport/index.js';
import { SIPRequest } from '../src/sip/message.js';
import { runSipp, sippAvailable } from '../test/peers/sipp.js';

const RATES = [1000, 2000, 4000, 6000, 8000, 12000];
const SECONDS = 4;
const BUFF = ['-buff_size', '8388608'];

interface RateResult {
  rate: number;
  achieved: number;
  ok: boolean;
}

async function sippClient(port: number, target: number, rate: number): Promise<RateResult> {
  const calls = rate * SECONDS;
  const run = runSipp({ scenario: 'options-uac.xml', port, target: `127.0.0.1:${target}`, calls, rate, args: ['-l', String(rate * 4), ...BUFF], timeoutMs: SECONDS * 4000 + 10000 });
  const r = await run.done;
  return { rate, achieved: Math.round(calls / (r.elapsedMs / 1000)), ok: r.code === 0 };
}

async function ladder(label: string, target: number, clientPort: number): Promise<RateResult | undefined> {
  let best: RateResult | undefined;
  for (const rate of RATES) {
    const r = await sippClient(clientPort, target, rate);
    console.log(`  ${label.padEnd(28)} asked ${String(rate).padStart(5)}/s  achieved ${String(r.achieved).padStart(6)}/s  ${r.ok ? 'no failures' : 'FAILURES'}`);
    if (!r.ok) break;
    if (!best || r.achieved > best.achieved) best = r;
    // Asked for more than it could do: a higher rate will not do better.
    if (r.achieved < r.rate * 0.8) break;
  }
  return best;
}

async function rateWithSipp(): Promise<void> {
  if (!sippAvailable()) {
    console.log('sipp is not installed (bash .ci/apt-packages): transaction rate skipped');
    return;
  }
  // sipp against sipp.
  const uasPort = 17060;
  const uas = runSipp({ scenario: 'options-uas.xml', port: uasPort, calls: 10_000_000, rate: 1, args: BUFF, timeoutMs: 600_000 });
  await new Promise((r) => setTimeout(r, 300));
  const sippBest = await ladder('sipp uac -> sipp uas', uasPort, 17062);
  uas.kill();
  await uas.done;

  // sipp against sipstate.
  const transports = new TransportManager();
  const local = await transports.listen({ protocol: 'UDP', address: '127.0.0.1', port: 0 });
  const layer = new TransactionLayer(transports);
  transports.onMessage((inbound) => layer.receive(inbound));
  layer.setUser({ onRequest: (tx) => tx.respond(tx.reply(200)) });
  const oursBest = await ladder('sipp uac -> sipstate', local.port, 17064);
  console.log(`  live server transactions afterwards (Timer J keeps them 32 s): ${layer.serverCount}`);
  layer.stop();
  await transports.close();

  const a = oursBest?.achieved ?? 0;
  const b = sippBest?.achieved ?? 0;
  console.log(`non-INVITE transactions/s with zero failures: sipstate ${a}, sipp ${b}; ratio ${(b ? a / b : 0).toFixed(2)}`);
}

/** A transport that drops everything: measures the layer's own memory, not socket buffers. */
const sink: SIPTransport = {
  send: () => Promise.resolve(),
  sendResponse: () => Promise.resolve(),
  listening: [{ protocol: 'UDP', address: '127.0.0.1', port: 5060 }],
};

function heapPerTransaction(live: number): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  const clock = new SimulatedClock();
  const layer = new TransactionLayer(sink, { clock });
  const target: Endpoint = { protocol: 'UDP', address: '127.0.0.1', port: 5090 };
  const requests: SIPRequest[] = [];
  for (let i = 0; i < live; i++) {
    requests.push(
      new SIPRequest({
        method: 'OPTIONS',
        uri: 'sip:bob@127.0.0.1:5090',
        headers: [['Max-Forwards', 70], ['From', `<sip:alice@127.0.0.1>;tag=${i}`], ['To', '<sip:bob@127.0.0.1>'], ['Call-ID', `c${i}@127.0.0.1`], ['CSeq', '1 OPTIONS']],
      }),
    );
  }
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (const r of requests) layer.request(r, target);
  gc?.();
  const after = process.memoryUsage().heapUsed;
  const live2 = layer.clientCount;
  layer.stop();
  return Math.round((after - before) / live2);
}

export async function run(): Promise<void> {
  await rateWithSipp();
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with --expose-gc for exact heap figures)');
  for (const n of [10_000, 100_000]) {
    console.log(`heap per live non-INVITE client transaction with ${n} live: ${heapPerTransaction(n)} bytes (request message excluded)`);
  }
}
