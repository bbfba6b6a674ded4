#!/usr/bin/env node
// The `sipstate` command. A source checkout runs the TypeScript sources through tsx (a dev
// dependency), so the command always matches the code; an installed package, which ships only
// dist/, runs the compiled CLI.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/src/cli/main.js', import.meta.url).href);
}
