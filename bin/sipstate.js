#!/usr/bin/env node
// The `sipstate` command. An installed package runs the compiled CLI from dist/; a source
// checkout without a build runs the TypeScript sources through tsx (a dev dependency).
import { existsSync } from 'node:fs';

const dist = new URL('../dist/src/cli/main.js', import.meta.url);
if (existsSync(dist)) {
  await import(dist.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
