/**
 * `npm run bench` — runs every `bench/*.bench.ts`, in name order, one after the other.
 * The benchmarks run compiled by tsc (into .bench-build/), as users run the package: tsx's
 * on-the-fly transform adds helper calls that would slow sipstate's code and not the peers'.
 *
 * Convention: a benchmark file is named `<name>.bench.ts` and exports
 *   `export async function run(): Promise<void>`
 * which prints its own report. Importing the file must not start any work; the runner calls
 * run() and awaits it. To add a benchmark (transaction rate with sipp, …), drop a new file.
 *
 * `npm run bench -- parse` runs only the benchmarks whose name contains one of the arguments.
 * The process exits non-zero if a benchmark file fails to load, has no run() export, or throws;
 * the remaining benchmarks still run.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface BenchModule {
  run?: unknown;
}

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') || f.endsWith('.bench.js'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error(`no bench/*.bench.ts file${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}

let failed = 0;
for (const file of files) {
  const name = file.replace(/\.bench\.[jt]s$/, '');
  console.log(`\n=== ${name} ${'='.repeat(Math.max(0, 74 - name.length))}`);
  try {
    const mod = (await import(pathToFileURL(`${here}/${file}`).href)) as BenchModule;
    if (typeof mod.run !== 'function') throw new Error(`${file} does not export run()`);
    await (mod.run as () => Promise<void>)();
  } catch (e) {
    failed++;
    console.error(`\n${name} FAILED:`, e);
  }
}

if (failed) {
  console.error(`\n${failed} of ${files.length} benchmark(s) failed`);
  process.exitCode = 1;
}
