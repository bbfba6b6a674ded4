/**
 * The visualizer's page in a real headless chromium (Debian's, driven by playwright-core) served
 * by startVisualizer with a fake inspection source that plays a session's life: the tree shows the
 * session and its dialog, clicking it draws the real `session` machine's chart with elkjs, the
 * 'active' class follows the snapshots, SIP messages in events expand to their text, stepping back
 * shows an earlier snapshot, 'stopped' greys the node and it leaves the tree a few seconds later.
 * Every machine of machines/ lays out in the page. Screenshot: test-artifacts/visualizer.png.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startVisualizer, type Visualizer } from '../../visualizer/server.js';
import * as machines from '../../machines/index.js';
import { session } from '../../machines/session.js';
import { dialog } from '../../machines/dialog.js';
import { FakeSource } from './fake-source.js';

const CHROMIUM = '/usr/bin/chromium';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const artifacts = join(root, 'test-artifacts');

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const INVITE = 'INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\nCall-ID: abc\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
const RINGING = 'SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\nCall-ID: abc\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
const CONNECTED = { connected: { proposal: 'none', hold: { local: 'unheld', remote: 'unheld' } } };

let context: BrowserContext | undefined;
let page: Page;
let server: Visualizer | undefined;
let profile: string | undefined;
const source = new FakeSource();
const problems: string[] = [];

/**
 * Chromium and the server, started by the first test that needs them (not in a before hook:
 * uvu loses the message of an error thrown there). Every test fails loudly without chromium.
 */
let started: Promise<void> | undefined;
function ready(): Promise<void> {
  started ??= (async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install chromium\` (see .ci/apt-packages)`);
    server = await startVisualizer(source, { port: 0 });
    profile = mkdtempSync(join(tmpdir(), 'sipstate-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1600, height: 1000 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
  })();
  return started;
}

test.after(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const state = (path: string) => page.locator(`#chart [data-state-path="${path}"]`);
const activePaths = () => page.$$eval('#chart [data-state-path].active', (els) => els.map((e) => e.getAttribute('data-state-path')).sort());

test('the page connects, and only then is the source listened to', async () => {
  await ready();
  assert.is(source.size, 0);
  await page.goto(server!.url);
  await page.locator('#status', { hasText: /^connected$/ }).waitFor({ timeout: 5000 });
  assert.is(source.size, 1);
});

test('the tree shows actors by owner, the chart follows the snapshots', async () => {
  await ready();
  source.emit({ type: 'actor', id: 'app', kind: 'application', owner: null, definition: plain(machines.application.toJSON()), value: 'running', context: {}, status: 'active', at: Date.now() });
  source.emit({ type: 'actor', id: 'session-1', kind: 'session', owner: 'app', definition: plain(session.toJSON()), value: 'idle', context: { direction: null }, status: 'active', at: Date.now() });
  const row = page.locator('[data-actor-id="session-1"]');
  await row.waitFor({ timeout: 5000 });
  assert.is(await row.getAttribute('data-kind'), 'session');
  assert.ok(await page.locator('[data-actor-id="app"] ~ ul [data-actor-id="session-1"]').count(), 'the session sits under its owner');
  assert.match(await page.locator('#counts').innerText(), /session\s*1/);

  await row.click();
  assert.ok(await row.evaluate((e) => e.classList.contains('selected')));
  for (const path of ['idle', 'outgoing', 'outgoing.calling', 'connected', 'connected.hold.local.held', 'terminated']) {
    await state(path).waitFor({ timeout: 10_000 });
  }
  assert.ok((await page.locator('#chart .edge').count()) > 20, 'transitions drawn as edges');
  assert.ok(await page.locator('#chart .edge-label', { hasText: 'connect' }).count(), 'edges labelled with events');
  await page.locator('#chart [data-state-path="idle"].active').waitFor();
  assert.equal(await activePaths(), ['idle']);

  source.event('session-1', { type: 'connect', request: { summary: 'INVITE sip:bob@127.0.0.1 SIP/2.0', text: INVITE } });
  source.snapshot('session-1', { outgoing: 'calling' }, { direction: 'outgoing' });
  source.emit({ type: 'actor', id: 'dialog-1', kind: 'dialog', owner: 'session-1', definition: plain(dialog.toJSON()), value: 'early', context: {}, status: 'active', at: Date.now() });
  await page.locator('#chart [data-state-path="outgoing.calling"].active').waitFor();
  assert.equal(await activePaths(), ['outgoing', 'outgoing.calling']);
  await page.locator('[data-actor-id="session-1"] ~ ul [data-actor-id="dialog-1"]').waitFor();
  assert.ok(await page.locator('#chart .edge.taken[data-source="idle"][data-target="outgoing"]').count(), 'the transition taken is marked');

  source.event('session-1', { type: 'provisional', response: { summary: 'SIP/2.0 180 Ringing', text: RINGING } });
  source.event('session-1', { type: 'answered' });
  source.snapshot('session-1', CONNECTED, { direction: 'outgoing', remote: { summary: 'SIP/2.0 200 OK', text: 'SIP/2.0 200 OK\r\n\r\n' } });
  await page.locator('#chart [data-state-path="connected.hold.local.unheld"].active').waitFor();
  assert.equal(await activePaths(), [
    'connected',
    'connected.hold',
    'connected.hold.local',
    'connected.hold.local.unheld',
    'connected.hold.remote',
    'connected.hold.remote.unheld',
    'connected.proposal',
    'connected.proposal.none',
  ]);
  assert.match(await page.locator('#context').innerText(), /direction/);

  // the event log: newest first; a SIP message is its summary line, the full text on click
  const first = page.locator('#events > li').first();
  assert.is(await first.getAttribute('data-event-type'), 'answered');
  const ringing = page.locator('#events .sip', { hasText: 'SIP/2.0 180 Ringing' });
  assert.not.ok(await ringing.locator('pre').isVisible());
  await ringing.locator('summary').click();
  assert.match(await ringing.locator('pre').innerText(), /CSeq: 1 INVITE/);

  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'visualizer.png') });
  // full size around the active states, then back to the whole chart
  await page.locator('#zoom').click();
  await page.screenshot({ path: join(artifacts, 'visualizer-1to1.png') });
  await page.locator('#zoom').click();

  // pause: the view stays while messages keep being recorded
  await page.locator('#pause').click();
  source.snapshot('session-1', 'terminated');
  await page.waitForTimeout(300);
  assert.ok(await state('connected').evaluate((e) => e.classList.contains('active')), 'frozen while paused');
  await page.locator('#pause').click();
  await page.locator('#chart [data-state-path="terminated"].active').waitFor();
  assert.equal(await activePaths(), ['terminated']);

  // step back through the recorded snapshots, then forward again
  await page.locator('#back').click();
  await page.locator('#chart [data-state-path="connected"].active').waitFor();
  await page.locator('#back').click();
  await page.locator('#chart [data-state-path="outgoing.calling"].active').waitFor();
  assert.match(await page.locator('#position').innerText(), /2 \/ 4/);
  await page.locator('#forward').click();
  await page.locator('#forward').click();
  await page.locator('#chart [data-state-path="terminated"].active').waitFor();

  // stopped: greyed, then gone from the tree a few seconds later
  source.emit({ type: 'stopped', id: 'dialog-1', at: Date.now() });
  source.emit({ type: 'stopped', id: 'session-1', at: Date.now() });
  await page.locator('[data-actor-id="session-1"].stopped').waitFor({ timeout: 3000 });
  assert.match(await page.locator('#counts').innerText(), /application\s*1/);
  assert.not.match(await page.locator('#counts').innerText(), /session/);
  await page.locator('[data-actor-id="session-1"]').waitFor({ state: 'detached', timeout: 8000 });
  assert.is(await page.locator('[data-actor-id="dialog-1"]').count(), 0);
  assert.ok(await state('terminated').isVisible(), 'the selected actor stays on the right');
});

test('the filter box', async () => {
  await ready();
  for (let i = 0; i < 3; i++) {
    source.emit({ type: 'actor', id: `nist-${i}`, kind: 'nist', owner: null, definition: plain(machines.nonInviteServerTransaction.toJSON()), value: 'trying', context: {}, status: 'active', at: Date.now() });
  }
  await page.locator('[data-actor-id="nist-2"]').waitFor();
  await page.locator('#filter').fill('nist-1');
  assert.ok(await page.locator('[data-actor-id="nist-1"]').isVisible());
  assert.not.ok(await page.locator('[data-actor-id="nist-0"]').isVisible());
  assert.not.ok(await page.locator('[data-actor-id="app"]').isVisible());
  await page.locator('#filter').fill('');
  assert.ok(await page.locator('[data-actor-id="nist-0"]').isVisible());
});

test('a thousand live sessions with their dialogs and a stream of snapshots: all shown, selection and chart still work', async () => {
  await ready();
  const sessionDef = plain(session.toJSON());
  const dialogDef = plain(dialog.toJSON());
  for (let i = 0; i < 1000; i++) {
    source.emit({ type: 'actor', id: `load-s${i}`, kind: 'session', owner: null, definition: sessionDef, value: 'idle', context: {}, status: 'active', at: Date.now() });
    source.emit({ type: 'actor', id: `load-d${i}`, kind: 'dialog', owner: `load-s${i}`, definition: dialogDef, value: 'early', context: {}, status: 'active', at: Date.now() });
  }
  for (let round = 0; round < 3; round++) for (let i = 0; i < 1000; i++) source.snapshot(`load-s${i}`, round === 2 ? CONNECTED : { outgoing: 'calling' });
  await page.locator('[data-actor-id="load-s999"]').waitFor({ timeout: 15000 });
  await page.locator('[data-actor-id="load-d999"]').waitFor({ state: 'attached', timeout: 15000 });
  assert.ok((await page.locator('[data-kind="session"][data-actor-id^="load-s"]').count()) >= 1000);
  await page.locator('[data-actor-id="load-s500"]').click();
  await page.locator('#chart [data-state-path="connected"].active').waitFor({ timeout: 10000 });
  source.snapshot('load-s500', 'terminated');
  await page.locator('#chart [data-state-path="terminated"].active').waitFor({ timeout: 10000 });
  for (let i = 0; i < 1000; i++) {
    source.emit({ type: 'stopped', id: `load-d${i}`, at: Date.now() });
    source.emit({ type: 'stopped', id: `load-s${i}`, at: Date.now() });
  }
  await page.locator('[data-actor-id="load-s999"].stopped').waitFor({ timeout: 10000 });
  assert.equal(problems, []);
});

test('every machine lays out in the page', async () => {
  await ready();
  const defs = Object.entries(machines)
    .filter(([, m]) => typeof (m as { toJSON?: unknown }).toJSON === 'function' && 'root' in (m as object))
    .map(([name, m]) => [name, plain((m as { toJSON(): unknown }).toJSON())] as const);
  assert.ok(defs.length >= 8, `machines found: ${defs.length}`);
  const results = await page.evaluate(async (list) => {
    const url = '/app.js';
    const app = await import(url);
    const out: string[] = [];
    for (const [name, def] of list) {
      const layout = await app.layoutDefinition(def);
      const svg = app.renderChart(layout) as { querySelectorAll(selector: string): { length: number } };
      out.push(`${name}:${svg.querySelectorAll('[data-state-path]').length}`);
    }
    return out;
  }, defs);
  for (const r of results) assert.ok(Number(r.split(':')[1]) > 2, r);
  assert.equal(problems, [], 'no errors in the page');
});

test.run();
