/**
 * Parse and serialise throughput of sipstate against SIP.js, JsSIP and kirm's `sip`, on the same
 * corpus (bench/corpus.ts), in the same process and run.
 *
 * 1. Acceptance: every parser parses every corpus message and touch() reads it (bench/parsers.ts).
 *    A parser that throws or returns nothing for a message is benchmarked without it (listed as
 *    skipped). The values read are compared across parsers; disagreements are printed.
 * 2. Timing: each (parser, message set, operation) is warmed up (which also sizes its rounds),
 *    then timed in ROUNDS rounds of about ROUND_MS each with process.hrtime.bigint(). Rounds are
 *    interleaved across parsers (rotating the order) so drift affects all alike. The median round
 *    is reported. Every parse result goes through touch() and is folded into a sink that is
 *    printed at the end, so no work can be dropped as dead code.
 * 3. Report: msgs/s per parser on the messages it accepts, and on the subset all of them accept
 *    (the apples-to-apples figure), with sipstate's ratio to each; then
 *    `ratio to fastest peer: X.XX (target >= 4)` from the common subset.
 *
 * BENCH_VERBOSE=1 prints every round; run node with --expose-gc for heap figures after a full GC.
 *
 * Inputs: sipstate gets a Buffer (what a socket delivers), the peers a string (what they take).
 * Serialisation re-serialises an already parsed (and touched) message: sipstate toBuffer() yields
 * bytes; kirm's stringify() yields a string (its transport then converts it to a Buffer, which is
 * not counted). SIP.js and JsSIP have no serialiser for parsed messages.
 */
import { corpus, type CorpusMessage } from './corpus.js';
import { loadSipstate, peers, type ParserAdapter, type Touched } from './parsers.js';

const ROUNDS = 7;
/** Target length of one timed round, shrunk if there are many measurements (budget below). */
const ROUND_MS = 500;
const WARM_CHUNK_MS = 150;
const WARM_MIN_MS = 600;
const WARM_MAX_MS = 3000;
/** Time budget for all warm-ups and timed rounds of this benchmark. */
const BUDGET_MS = 45_000;

interface Prepared extends CorpusMessage {
  buf: Buffer;
}

type Op = 'parse' | 'serialise';

interface Measurement {
  adapter: ParserAdapter;
  op: Op;
  set: Prepared[];
  /** Pre-parsed messages (serialise only). */
  parsed: unknown[];
  passes: number;
  roundNs: number[];
}

let sink = 0;

/** Fold what touch() read into a number (cheap, and the same for every parser). */
function digest(t: Touched): number {
  return (
    (t.branch?.length ?? 0) +
    t.sentByHost.length +
    (t.sentByPort ?? 0) +
    (t.fromUser?.length ?? 0) +
    t.fromHost.length +
    (t.fromTag?.length ?? 0) +
    (t.toUser?.length ?? 0) +
    t.toHost.length +
    (t.toTag?.length ?? 0) +
    t.callId.length +
    t.cseq +
    t.cseqMethod.length +
    (t.contactUser?.length ?? 0) +
    (t.contactHost?.length ?? 0) +
    (t.contactPort ?? 0) +
    (t.maxForwards ?? 0) +
    (t.contentLength ?? 0) +
    t.routeHosts.length
  );
}

function parsePasses(a: ParserAdapter, set: Prepared[], passes: number): bigint {
  let acc = 0;
  const t0 = process.hrtime.bigint();
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < set.length; i++) {
      const m = set[i];
      acc += digest(a.touch(a.parse(m.text, m.buf)));
    }
  }
  const ns = process.hrtime.bigint() - t0;
  sink = (sink + acc) % 1_000_000_007;
  return ns;
}

function serialisePasses(a: ParserAdapter, parsed: unknown[], passes: number): bigint {
  const serialise = a.serialise!;
  let acc = 0;
  const t0 = process.hrtime.bigint();
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < parsed.length; i++) acc += serialise(parsed[i]).length;
  }
  const ns = process.hrtime.bigint() - t0;
  sink = (sink + acc) % 1_000_000_007;
  return ns;
}

function runPasses(m: Measurement, passes: number): number {
  return Number(m.op === 'parse' ? parsePasses(m.adapter, m.set, passes) : serialisePasses(m.adapter, m.parsed, passes));
}

/**
 * Warm up in chunks of about WARM_CHUNK_MS until two consecutive chunks agree within 10%
 * (JsSIP takes over a second to reach its steady rate), for at least WARM_MIN_MS and at most
 * `maxMs`; then size a round to about `roundMs`.
 */
function warmUp(m: Measurement, maxMs: number, roundMs: number): void {
  let passes = 1;
  let spent = 0;
  let nsPerPass = 0;
  let previous = 0;
  for (;;) {
    const ns = runPasses(m, passes);
    spent += ns;
    nsPerPass = ns / passes;
    if (ns < WARM_CHUNK_MS * 1e6) {
      // Still sizing the chunk.
      passes = Math.max(passes + 1, Math.round((WARM_CHUNK_MS * 1e6) / nsPerPass));
      previous = 0;
    } else {
      const steady = previous > 0 && Math.abs(nsPerPass - previous) / previous < 0.1;
      previous = nsPerPass;
      if ((steady && spent >= WARM_MIN_MS * 1e6) || spent >= maxMs * 1e6) break;
    }
    if (spent >= maxMs * 1e6) break;
  }
  m.passes = Math.max(1, Math.round((roundMs * 1e6) / nsPerPass));
}

function msgsPerSec(m: Measurement, ns: number): number {
  return (m.passes * m.set.length * 1e9) / ns;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** gc(), when node runs with --expose-gc (not forced: setting V8 flags at run time perturbs the JIT). */
function getGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? (gc as () => void) : undefined;
}

function heapMiB(gc: (() => void) | undefined): string {
  gc?.();
  return (process.memoryUsage().heapUsed / 1048576).toFixed(1) + ' MiB';
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);

function sameSet(a: Prepared[], b: Prepared[]): boolean {
  return a.length === b.length && a.every((m, i) => m === b[i]);
}

/** Parse and touch once; the reason for refusal, or the values read. */
function tryParse(a: ParserAdapter, m: Prepared): { ok: true; touched: Touched; msg: unknown } | { ok: false; reason: string } {
  try {
    const msg = a.parse(m.text, m.buf);
    return { ok: true, touched: a.touch(msg), msg };
  } catch (e) {
    const err = e as Error;
    return { ok: false, reason: `${err.name}: ${err.message.split('\n')[0].slice(0, 100)}` };
  }
}

function canon(v: unknown): string {
  return JSON.stringify(v) ?? 'undefined';
}

/** Per-field disagreements with the value most parsers read. */
function disagreements(results: Map<ParserAdapter, Touched>): string[] {
  const out: string[] = [];
  const adapters = [...results.keys()];
  if (adapters.length < 2) return out;
  const fields = Object.keys(results.get(adapters[0])!) as (keyof Touched)[];
  for (const f of fields) {
    const counts = new Map<string, number>();
    for (const a of adapters) {
      const v = canon(results.get(a)![f]);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    if (counts.size === 1) continue;
    const majority = [...counts.entries()].sort((x, y) => y[1] - x[1])[0][0];
    for (const a of adapters) {
      const v = canon(results.get(a)![f]);
      if (v !== majority) out.push(`${a.name} reads ${f} = ${v}, the others ${majority}`);
    }
  }
  return out;
}

function printTable(title: string, rows: { a: ParserAdapter; count: number; note?: string; rate?: number; spread?: number; ratio?: string }[]): void {
  console.log(`\n${title}`);
  console.log(`  ${pad('parser', 20)}${lpad('msgs', 5)}${lpad('msgs/s (median)', 17)}${lpad('spread', 9)}   sipstate ÷ it`);
  for (const r of rows) {
    if (r.rate === undefined) {
      console.log(`  ${pad(r.a.name, 20)}${lpad(String(r.count), 5)}${lpad('n/a', 17)}${lpad('', 9)}   ${r.note ?? ''}`);
      continue;
    }
    const spread = r.spread === undefined ? '' : `±${(r.spread * 100).toFixed(1)}%`;
    console.log(`  ${pad(r.a.name, 20)}${lpad(String(r.count), 5)}${lpad(fmt(r.rate), 17)}${lpad(spread, 9)}   ${r.ratio ?? ''}`);
  }
}

export async function run(): Promise<void> {
  const gc = getGc();
  const heapBefore = heapMiB(gc);
  const started = Date.now();
  console.log(`parse/serialise benchmark — node ${process.version}, ${corpus.length} messages, ${ROUNDS} rounds, median reported`);

  const sipstate = await loadSipstate();
  if (typeof sipstate === 'string') console.log(`\n!! sipstate skipped: ${sipstate}`);
  const adapters: ParserAdapter[] = typeof sipstate === 'string' ? [...peers] : [sipstate, ...peers];
  for (const a of adapters) console.log(`  ${pad(a.name, 20)}${a.entry}`);

  // ---- acceptance -------------------------------------------------------------------------
  const prepared: Prepared[] = corpus.map((m) => ({ ...m, buf: Buffer.from(m.text, 'utf8') }));
  const accepted = new Map<ParserAdapter, Prepared[]>(adapters.map((a) => [a, []]));
  const parsedOnce = new Map<ParserAdapter, Map<Prepared, unknown>>(adapters.map((a) => [a, new Map()]));
  const skipped: string[] = [];
  const warnings: string[] = [];
  for (const m of prepared) {
    const read = new Map<ParserAdapter, Touched>();
    for (const a of adapters) {
      const r = tryParse(a, m);
      if (!r.ok) {
        skipped.push(`${a.name} skips ${m.name}: ${r.reason}`);
        continue;
      }
      accepted.get(a)!.push(m);
      parsedOnce.get(a)!.set(m, r.msg);
      read.set(a, r.touched);
      // A serialiser must produce something its own parser reads back the same.
      if (a.serialise) {
        try {
          const out = a.serialise(r.msg);
          const text = typeof out === 'string' ? out : out.toString('utf8');
          const again = a.touch(a.parse(text, Buffer.from(text, 'utf8')));
          if (canon(again) !== canon(r.touched)) warnings.push(`${a.name}: ${m.name} does not survive serialise → parse (${canon(again)})`);
        } catch (e) {
          warnings.push(`${a.name}: ${m.name} serialise → parse failed: ${(e as Error).message}`);
        }
      }
    }
    for (const d of disagreements(read)) warnings.push(`${m.name}: ${d}`);
  }
  const common = prepared.filter((m) => adapters.every((a) => accepted.get(a)!.includes(m)));

  console.log('\nacceptance (parse + touch of each message):');
  console.log(`  ${pad('message', 18)}${adapters.map((a) => pad(a.name, 19)).join('')}`);
  for (const m of prepared) {
    console.log(`  ${pad(m.name, 18)}${adapters.map((a) => pad(accepted.get(a)!.includes(m) ? 'ok' : 'SKIPPED', 19)).join('')}`);
  }
  for (const s of skipped) console.log(`  - ${s}`);
  console.log(`  common subset (accepted by all ${adapters.length}): ${common.length}/${prepared.length} messages`);
  for (const w of warnings) console.log(`  ! ${w}`);
  if (common.length === 0) throw new Error('no message is accepted by every parser');

  // ---- measurements -----------------------------------------------------------------------
  const measurements: Measurement[] = [];
  const find = (a: ParserAdapter, op: Op, set: Prepared[]): Measurement | undefined =>
    measurements.find((x) => x.adapter === a && x.op === op && sameSet(x.set, set));
  const want = (a: ParserAdapter, op: Op, set: Prepared[]): void => {
    if (set.length === 0 || find(a, op, set)) return;
    const parsed = op === 'serialise' ? set.map((m) => parsedOnce.get(a)!.get(m)) : [];
    measurements.push({ adapter: a, op, set, parsed, passes: 1, roundNs: [] });
  };
  for (const a of adapters) {
    want(a, 'parse', accepted.get(a)!);
    want(a, 'parse', common);
    if (a.serialise) {
      want(a, 'serialise', accepted.get(a)!);
      want(a, 'serialise', common);
    }
  }
  // Warm-ups get at most 30% of the budget, timed rounds the rest.
  const warmMs = Math.min(WARM_MAX_MS, (BUDGET_MS * 0.3) / measurements.length);
  const roundMs = Math.min(ROUND_MS, (BUDGET_MS * 0.7) / measurements.length / ROUNDS);
  for (const m of measurements) warmUp(m, warmMs, roundMs);
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < measurements.length; k++) {
      const m = measurements[(k + r) % measurements.length];
      m.roundNs.push(runPasses(m, m.passes));
    }
  }
  const rateOf = (m: Measurement | undefined): { rate: number; spread: number } | undefined => {
    if (!m) return undefined;
    const rates = m.roundNs.map((ns) => msgsPerSec(m, ns));
    const med = median(rates);
    return { rate: med, spread: (Math.max(...rates) - Math.min(...rates)) / 2 / med };
  };

  // ---- report -----------------------------------------------------------------------------
  const ss = typeof sipstate === 'string' ? undefined : sipstate;
  const ratio = (a: ParserAdapter, op: Op, set: Prepared[], rate: number): string => {
    if (!ss) return 'n/a (no sipstate)';
    if (a === ss) return '';
    const mine = rateOf(find(ss, op, set));
    if (!mine) return 'n/a (sipstate ran a different set)';
    return (mine.rate / rate).toFixed(2);
  };
  if (process.env.BENCH_VERBOSE) {
    console.log('\nrounds (msgs/s; BENCH_VERBOSE):');
    for (const m of measurements) {
      const label = `${m.adapter.name} ${m.op} ×${m.set.length}`;
      console.log(`  ${pad(label, 34)}${m.passes} passes/round: ${m.roundNs.map((ns) => fmt(msgsPerSec(m, ns))).join(' ')}`);
    }
  }
  const allSameAsCommon = adapters.every((a) => sameSet(accepted.get(a)!, common));
  for (const op of ['parse', 'serialise'] as const) {
    const label = op === 'parse' ? 'parse + touch' : 'serialise';
    const tables: [string, (a: ParserAdapter) => Prepared[]][] = allSameAsCommon
      ? [[`${label} — whole corpus (every parser accepts all ${common.length})`, () => common]]
      : [
          [`${label} — each parser on the messages it accepts`, (a) => accepted.get(a)!],
          [`${label} — common subset (${common.length} messages every parser accepts; apples to apples)`, () => common],
        ];
    for (const [title, setOf] of tables) {
      printTable(
        title,
        adapters.map((a) => {
          const set = setOf(a);
          if (op === 'serialise' && !a.serialise) return { a, count: set.length, note: a.serialiseNote };
          const r = rateOf(find(a, op, set));
          if (!r) return { a, count: set.length, note: 'no messages' };
          return { a, count: set.length, rate: r.rate, spread: r.spread, ratio: ratio(a, op, set, r.rate) };
        }),
      );
    }
  }

  console.log('');
  const peerRates = peers
    .map((a) => ({ a, r: rateOf(find(a, 'parse', common)) }))
    .filter((x): x is { a: ParserAdapter; r: { rate: number; spread: number } } => x.r !== undefined)
    .sort((x, y) => y.r.rate - x.r.rate);
  const fastest = peerRates[0];
  const mine = ss ? rateOf(find(ss, 'parse', common)) : undefined;
  if (mine && fastest) {
    console.log(`fastest peer (parse + touch, common subset): ${fastest.a.name}, ${fmt(fastest.r.rate)} msgs/s; sipstate ${fmt(mine.rate)} msgs/s`);
    console.log(`ratio to fastest peer: ${(mine.rate / fastest.r.rate).toFixed(2)} (target >= 4)`);
  } else {
    console.log(`ratio to fastest peer: n/a (sipstate not available: ${typeof sipstate === 'string' ? sipstate : 'no common messages'}) (target >= 4)`);
  }
  console.log(`heap in use: before ${heapBefore}, after ${heapMiB(gc)}${gc ? ' (after gc)' : ''}`);
  console.log(`elapsed ${((Date.now() - started) / 1000).toFixed(1)} s (sink ${sink})`);
}
