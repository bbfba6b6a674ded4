/**
 * Parse and serialise throughput of sipstate against SIP.js, JsSIP and kirm's `sip`, on the same
 * corpus (bench/corpus.ts), in the same process and run.
 *
 * 1. Acceptance: every parser parses every corpus message and touch() reads it (bench/parsers.ts).
 *    A parser that throws or returns nothing for a message is benchmarked without it (listed as
 *    skipped), and every parser is also timed on the subset all of them accept. The values read
 *    are compared across parsers, and serialisers are checked to round-trip; problems are printed.
 * 2. Timing, with process.hrtime.bigint(): each (parser, message set, operation) is warmed up
 *    until its rate is steady (JsSIP needs over a second), which also sizes its slice; then
 *    come DISCARD_ROUNDS untimed rounds, then the timed rounds. A round runs one ~SLICE_MS
 *    slice of every measurement, in an order that rotates from round to round; there are as
 *    many rounds as the budget allows (at least MIN_ROUNDS). Slow parsers (SIP.js) thus get
 *    fewer passes over the same corpus. Many short interleaved rounds rather than a few long
 *    ones because on this machine class the speed of allocation-heavy code drifts by up to 2x
 *    over seconds (a plain allocation loop shows it too; a pure arithmetic loop does not):
 *    interleaving gives every parser the same conditions, and the sipstate/peer ratio is also
 *    computed round by round (paired), which cancels most of the drift. Medians throughout.
 *    Every parse result goes through touch() and is folded into a sink that is printed at the
 *    end, so no work can be dropped as dead code.
 * 3. Report: msgs/s per parser on the messages it accepts and, when that differs, on the subset
 *    all of them accept (the apples-to-apples figure), with sipstate's ratio to each; then
 *    `ratio to fastest peer: X.XX (target >= 4)` (parse + touch, common subset, paired median).
 *
 * BENCH_VERBOSE=1 prints every round. NODE_OPTIONS=--expose-gc gives heap figures after a full GC
 * (V8 flags are not set at run time: that was seen to slow JsSIP down threefold).
 *
 * Inputs: what each library's transport hands its parser. sipstate and kirm's `sip` get the
 * Buffer a socket delivers (kirm's UDP and WebSocket transports pass it to sip.parse, which
 * converts it itself); SIP.js and JsSIP get a string (their transports receive WebSocket text).
 * Serialisation re-serialises an already parsed (and touched) message: sipstate toBuffer() yields
 * bytes; kirm's stringify() yields a string (its transport then converts it to a Buffer, which is
 * not counted). SIP.js and JsSIP have no serialiser for parsed messages.
 */
import { corpus, type CorpusMessage } from './corpus.js';
import { loadSipstate, peers, type ParserAdapter, type Touched } from './parsers.js';

/** One measurement's share of a round. */
const SLICE_MS = 100;
const MIN_ROUNDS = 7;
/**
 * Interleaved rounds run and thrown away before the timed ones: switching between parsers after
 * the one-by-one warm-ups re-optimises the shared loop, and JsSIP keeps speeding up for a while.
 */
const DISCARD_ROUNDS = 5;
const MAX_ROUNDS = 60;
/** Time budget for the timed rounds, and for all warm-ups together. */
const TIMED_BUDGET_MS = 25_000;
const WARM_BUDGET_MS = 12_000;
const WARM_CHUNK_MS = 150;
const WARM_MIN_MS = 600;
const WARM_MAX_MS = 2500;

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
  /** Passes over the set per slice. */
  passes: number;
  /** Time of each round's slice. */
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
 * `maxMs`; then size a slice to about SLICE_MS.
 */
function warmUp(m: Measurement, maxMs: number): void {
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
  m.passes = Math.max(1, Math.round((SLICE_MS * 1e6) / nsPerPass));
}

function msgsPerSec(m: Measurement, ns: number): number {
  return (m.passes * m.set.length * 1e9) / ns;
}

/** The q-quantile (0..1) by linear interpolation. */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (at - lo);
}

interface Stat {
  median: number;
  /** Half the interquartile range, relative to the median. */
  spread: number;
}

function stat(xs: number[]): Stat {
  const median = quantile(xs, 0.5);
  return { median, spread: (quantile(xs, 0.75) - quantile(xs, 0.25)) / 2 / median };
}

const pct = (s: Stat): string => `±${(s.spread * 100).toFixed(1)}%`;

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

interface Row {
  a: ParserAdapter;
  count: number;
  note?: string;
  rate?: Stat;
  /** sipstate's rate ÷ this one's: ratio of the medians, and median of the per-round ratios. */
  ratio?: Stat & { ofMedians: number };
}

function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.log(`  ${pad('parser', 20)}${lpad('msgs', 5)}${lpad('msgs/s (median)', 17)}${lpad('±IQR/2', 9)}   sipstate ÷ it: medians, per-round (±IQR/2)`);
  for (const r of rows) {
    if (r.rate === undefined) {
      console.log(`  ${pad(r.a.name, 20)}${lpad(String(r.count), 5)}${lpad('n/a', 17)}${lpad('', 9)}   ${r.note ?? ''}`);
      continue;
    }
    const ratio = r.ratio ? `${r.ratio.ofMedians.toFixed(2)}, ${r.ratio.median.toFixed(2)} (${pct(r.ratio)})` : (r.note ?? '');
    console.log(`  ${pad(r.a.name, 20)}${lpad(String(r.count), 5)}${lpad(fmt(r.rate.median), 17)}${lpad(pct(r.rate), 9)}   ${ratio}`);
  }
}

export async function run(): Promise<void> {
  const gc = getGc();
  const heapBefore = heapMiB(gc);
  const started = Date.now();
  console.log(`parse/serialise benchmark — node ${process.version}, ${corpus.length} messages`);

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
  const warmMs = Math.max(WARM_MIN_MS, Math.min(WARM_MAX_MS, WARM_BUDGET_MS / measurements.length));
  for (const m of measurements) warmUp(m, warmMs);
  const rounds = Math.max(MIN_ROUNDS, Math.min(MAX_ROUNDS, Math.floor(TIMED_BUDGET_MS / (measurements.length * SLICE_MS))));
  for (let r = -DISCARD_ROUNDS; r < rounds; r++) {
    for (let k = 0; k < measurements.length; k++) {
      const m = measurements[(k + r + DISCARD_ROUNDS) % measurements.length];
      const ns = runPasses(m, m.passes);
      if (r >= 0) m.roundNs.push(ns);
    }
  }
  const ratesOf = (m: Measurement): number[] => m.roundNs.map((ns) => msgsPerSec(m, ns));
  const rateOf = (m: Measurement | undefined): Stat | undefined => (m ? stat(ratesOf(m)) : undefined);
  console.log(
    `\ntimed: ${rounds} rounds × ${measurements.length} measurements × ~${SLICE_MS} ms slices ` +
      `(after warm-ups of up to ${Math.round(warmMs)} ms each and ${DISCARD_ROUNDS} discarded rounds)`,
  );

  // ---- report -----------------------------------------------------------------------------
  const ss = typeof sipstate === 'string' ? undefined : sipstate;
  /** sipstate against measurement `m` (same op, same set), or why not. */
  const ratio = (m: Measurement): NonNullable<Row['ratio']> | string => {
    if (!ss) return 'n/a (no sipstate)';
    if (m.adapter === ss) return '';
    const mine = find(ss, m.op, m.set);
    if (!mine) return 'n/a (sipstate ran a different set)';
    const a = ratesOf(mine);
    const b = ratesOf(m);
    return { ...stat(a.map((x, i) => x / b[i])), ofMedians: quantile(a, 0.5) / quantile(b, 0.5) };
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
          const m = find(a, op, set);
          if (!m) return { a, count: set.length, note: 'no messages' };
          const q = ratio(m);
          return typeof q === 'string' ? { a, count: set.length, rate: rateOf(m), note: q } : { a, count: set.length, rate: rateOf(m), ratio: q };
        }),
      );
    }
  }

  console.log('');
  const peerRates = peers
    .map((a) => ({ a, m: find(a, 'parse', common) }))
    .filter((x): x is { a: ParserAdapter; m: Measurement } => x.m !== undefined)
    .map((x) => ({ ...x, rate: stat(ratesOf(x.m)) }))
    .sort((x, y) => y.rate.median - x.rate.median);
  const fastest = peerRates[0];
  const q = fastest ? ratio(fastest.m) : 'no peer';
  const mine = ss ? rateOf(find(ss, 'parse', common)) : undefined;
  if (mine && fastest && typeof q !== 'string') {
    console.log(`fastest peer (parse + touch, ${common.length} common messages): ${fastest.a.name}, ${fmt(fastest.rate.median)} msgs/s; sipstate ${fmt(mine.median)} msgs/s`);
    console.log(`ratio to fastest peer: ${q.median.toFixed(2)} (target >= 4)`);
  } else {
    console.log(`ratio to fastest peer: n/a (${typeof sipstate === 'string' ? `sipstate not available: ${sipstate}` : q}) (target >= 4)`);
  }
  console.log(`heap in use: before ${heapBefore}, after ${heapMiB(gc)}${gc ? ' (after gc)' : ''}`);
  console.log(`elapsed ${((Date.now() - started) / 1000).toFixed(1)} s (sink ${sink})`);
}
