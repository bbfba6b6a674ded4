#!/usr/bin/env node
// Runs every uvu test file (test/**/*.test.ts) in one process through tsx, streams uvu's report,
// then prints the plain closing line "N passed, N failed" that CI reads. Exits 1 on any failure.
// Usage: node test/run.mjs [pattern]   (pattern: a regex on the file path, default \.test\.ts$)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pattern = process.argv[2] ?? '\\.test\\.ts$';
const child = spawn(
  process.execPath,
  ['--import', 'tsx', join(root, 'node_modules/uvu/bin.js'), 'test', pattern],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
let out = '';
child.stdout.on('data', (d) => {
  out += d;
  process.stdout.write(d);
});
child.on('close', (code) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1);
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(code === 0 && failed === 0 && total > 0 ? 0 : 1);
});
