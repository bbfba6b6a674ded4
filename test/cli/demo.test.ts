/** `sipstate demo` (the main job, `npm run demo`): the scripted call passes all its checks. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('sipstate demo: answered, tone heard, DTMF, hold, resume, end; exit 0 with a summary', () => {
  const r = spawnSync(process.execPath, [join(root, 'bin/sipstate.js'), 'demo'], { cwd: root, encoding: 'utf8', timeout: 60000 });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /alice\s+SIPSessionNewOutgoing/);
  assert.match(r.stdout, /bob\s+SIPSessionNewIncoming/);
  assert.match(r.stdout, /ok {3}bob hears alice's 1000 Hz tone/);
  assert.match(r.stdout, /ok {3}DTMF 123# reaches bob: 123#/);
  assert.match(r.stdout, /summary: PCMU 8000 Hz/);
  assert.match(r.stdout, /demo passed/);
});

test.run();
