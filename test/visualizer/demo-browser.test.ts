/**
 * The demo with the visualizer, watched in a real browser (Debian's chromium driven by
 * playwright-core): `sipstate demo --inspect 0 --delay 4` prints the page's URL, the page shows
 * the live actor tree, and the session actor's active state goes outgoing → connected →
 * terminated on the page while the call happens. A screenshot is saved to test-artifacts/.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
test('demo + visualizer: the session actor goes outgoing → connected → terminated on the page', async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install chromium\` (bash .ci/apt-packages)`);
  const demo = spawn(process.execPath, [join(root, 'bin/sipstate.js'), 'demo', '--inspect', '0', '--delay', '4'], { cwd: root });
  let out = '';
  demo.stdout.on('data', (d) => (out += d));
  demo.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => demo.on('close', r));
  const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'sipstate-chromium-')), {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no visualizer URL: ${out}`)), 15000);
      const check = () => {
        const m = /visualizer: (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        } else setTimeout(check, 50);
      };
      check();
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+/);
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForSelector('#status.connected', { timeout: 5000 });
    // the application actor is there before the call
    await page.waitForSelector('[data-kind="application"]', { timeout: 5000 });
    // the call starts after --delay: the session actor appears; select it
    const node = await page.waitForSelector('[data-kind="session"]', { timeout: 15000 });
    await node.click();
    const seen: string[] = [];
    for (const state of ['connected', 'terminated']) {
      await page.waitForSelector(`[data-state-path="${state}"].active`, { timeout: 15000 });
      seen.push(state);
      if (state === 'connected') {
        // sessions → dialogs, transactions (client and server) and streams in the tree
        for (const kind of ['dialog', 'ict', 'ist', 'mediaStream']) {
          const owners = await page.$$eval(`[data-kind="${kind}"]`, (rows) =>
            rows.map((r) => (r.closest('li')?.parentElement?.closest('li')?.querySelector('[data-kind]') as { dataset: { kind?: string } } | null | undefined)?.dataset.kind ?? 'root'),
          );
          assert.ok(owners.length >= 1 && owners.every((k) => k === 'session'), `${kind} owners on the page: ${owners.join(', ')}`);
        }
      }
    }
    assert.equal(seen, ['connected', 'terminated']);
    mkdirSync(join(root, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(root, 'test-artifacts/visualizer-demo.png'), fullPage: true });
    assert.is(await exited, 0, out);
    assert.match(out, /demo passed/);
  } finally {
    await browser.close();
    demo.kill();
  }
});

test.run();
