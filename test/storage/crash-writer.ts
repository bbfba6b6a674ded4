/**
 * Child process of crash.test.ts: saves configuration versions through FileStorage as fast as
 * it can, two at a time (exercising the per-file queue), until it is killed with SIGKILL.
 * Usage: node --import tsx test/storage/crash-writer.ts <directory> <first version>
 * Prints "ready" once the first version is completely saved.
 */
import { FileStorage } from '../../src/storage/index.js';
import { versionData } from './crash-data.js';

const [directory, first] = process.argv.slice(2);
// Refuse to run when loaded any other way (e.g. a test runner globbing this folder): it never ends.
if (!directory || first === undefined || !/^\d+$/.test(first) || !process.argv[1]?.endsWith('crash-writer.ts')) {
  throw new Error('crash-writer.ts is a child process of crash.test.ts: node --import tsx test/storage/crash-writer.ts <directory> <first version>');
}
const backend = new FileStorage(directory!).configurationBackend;
let version = Number(first);
await backend.save(versionData(version));
process.stdout.write('ready\n');
for (;;) {
  const a = backend.save(versionData(++version));
  const b = backend.save(versionData(++version));
  await Promise.all([a, b]);
}
