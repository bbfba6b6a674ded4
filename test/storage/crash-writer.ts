/**
 * Child process of crash.test.ts: saves configuration versions through FileStorage as fast as
 * it can, two at a time (exercising the per-file queue), until it is killed with SIGKILL.
 * Usage: node --import tsx test/storage/crash-writer.ts <directory> <first version>
 * Prints "ready" once the first version is completely saved.
 */
import { FileStorage } from '../../src/storage/index.js';
import { versionData } from './crash-data.js';

const [directory, first] = process.argv.slice(2);
const backend = new FileStorage(directory!).configurationBackend;
let version = Number(first);
await backend.save(versionData(version));
process.stdout.write('ready\n');
for (;;) {
  const a = backend.save(versionData(++version));
  const b = backend.save(versionData(++version));
  await Promise.all([a, b]);
}
