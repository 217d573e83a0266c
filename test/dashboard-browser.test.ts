// The dashboard in a real browser (Debian's chromium driven by
// playwright-core). Against a running `fairway demo`: backend cards appear,
// disabling one stops its traffic while the others keep theirs, stopping a
// demo backend's process turns its card unhealthy, an algorithm switch shows
// in the status, a load test finishes with its summary, and the console
// stays free of errors. Against `fairway start` with admin.token: the page
// asks for the token, stays read-only (no mutating call) when dismissed, sends
// the token on every call once given, keeps it for the tab across a reload,
// labels every state with a symbol and a word, and fits 390 px. Screenshots go to a temp dir (printed as a diagnostic), kept only when a check fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { Page } from 'playwright-core';
import { launchChromium, skipWithoutChromium, type Chromium } from './helpers/chromium.js';
import { CLI, startChildFairway } from './helpers/child-fairway.js';
import { freePorts, waitFor } from './helpers/fixtures.js';
import { startTestBackend } from '../src/tools/test-backend.js';

const skip = skipWithoutChromium;

/**
 * Waits for `n` backend cards. (Not page.waitForFunction with a string: its
 * polling evaluates the string in the page, which the page's CSP forbids.)
 */
async function cards(page: Page, n: number): Promise<void> {
  await waitFor(`${n} backend cards`, async () => (await page.locator('[data-backend]').count()) === n, 10_000, 100);
}

/**
 * The performance chart's time labels (uPlot draws them on a canvas; the page
 * publishes each drawn label's box in data-time-labels) are at least 4 px
 * apart: none runs into the next.
 */
async function timeLabelsApart(page: Page, where: string): Promise<void> {
  let last = '';
  await waitFor(
    `time labels apart ${where}`,
    async () => {
      last = (await page.getAttribute('#perf-chart', 'data-time-labels')) ?? '[]';
      const boxes = JSON.parse(last) as { label: string; left: number; right: number }[];
      return boxes.length >= 2 && boxes.every((box, i) => i === 0 || box.left - boxes[i - 1]!.right >= 4);
    },
    5_000,
    100,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${last}`);
  });
}

async function count(page: Page, backend: string): Promise<number> {
  const text = await page.textContent(`[data-backend="${backend}"] [data-field="requests"]`, { timeout: 5_000 });
  return Number((text ?? '').replace(/[^0-9]/g, ''));
}

test('dashboard in Chromium: cards, disable, stop a demo backend, algorithm switch, load test, no console errors', { skip, timeout: 90_000 }, async (t) => {
  const shots = mkdtempSync(join(tmpdir(), 'fairway-dashboard-'));
  t.diagnostic(`screenshots in ${shots}`);

  const backendPorts = await freePorts(3);
  const demo = spawn(process.execPath, [CLI, 'demo', '--port', '0', '--https-port', '0', '--admin-port', '0', '--backend-ports', backendPorts.join(','), '--log-format', 'json'], {
    env: { PATH: process.env['PATH'] },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => demo.once('exit', () => resolve()));
  let out = '';
  demo.stdout.on('data', (c: Buffer) => (out += c.toString()));
  demo.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const client = new Agent({ connections: 8, keepAliveTimeout: 1_000 });
  let chromium: Chromium | undefined = undefined;
  let trafficOn = true;
  let traffic: Promise<unknown> = Promise.resolve();
  t.after(async () => {
    trafficOn = false;
    await traffic;
    await chromium?.close();
    await client.close();
    if (demo.exitCode === null) {
      demo.kill('SIGINT');
      const timer = setTimeout(() => demo.kill('SIGKILL'), 8_000);
      await exited;
      clearTimeout(timer);
    }
  });

  await waitFor('demo banner', () => out.includes('Ctrl+C'), 20_000).catch((err: Error) => {
    throw new Error(`${err.message}; the demo printed:\n${out}`);
  });
  const proxyUrl = /load balancer\s+(http:\/\/\S+)/.exec(out)![1]!.replace('localhost', '127.0.0.1');
  const dashboardUrl = /dashboard\s+(http:\/\/\S+)/.exec(out)![1]!;

  // Steady traffic from four loops, as a client would send it.
  traffic = Promise.all(
    Array.from({ length: 4 }, async () => {
      while (trafficOn) {
        try {
          const res = await request(proxyUrl, { dispatcher: client, headersTimeout: 5_000, bodyTimeout: 5_000 });
          await res.body.dump();
        } catch {
          // a stopped backend may fail a request; the loop goes on
        }
        await new Promise((r) => setTimeout(r, 15));
      }
    }),
  );

  // A fresh profile directory for every run.
  chromium = await launchChromium();
  const browser = chromium.context;
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(10_000);
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));

  const response = await page.goto(dashboardUrl);
  assert.equal(response?.status(), 200);
  assert.equal(response?.headers()['cache-control'], 'no-cache');

  // Three backend cards, all receiving traffic.
  await cards(page, 3);
  for (const name of ['backend-1', 'backend-2', 'backend-3']) {
    await waitFor(`${name} shows requests`, async () => (await count(page, name)) > 0, 10_000, 200);
  }
  await page.waitForSelector('[data-backend="backend-1"] [data-field="process"]:has-text("process running")');
  await timeLabelsApart(page, 'at 1280 px');
  await page.screenshot({ path: join(shots, '1-overview.png') });

  // Disable backend-2: the card says so, and its count stops while the others rise.
  await page.click('[data-backend="backend-2"] button[data-state="disabled"]');
  await page.waitForSelector('[data-backend="backend-2"][data-state="disabled"] [data-field="state"]:has-text("disabled")');
  await new Promise((r) => setTimeout(r, 1_500)); // in-flight requests finish; the next snapshot arrives
  const before = { b1: await count(page, 'backend-1'), b2: await count(page, 'backend-2'), b3: await count(page, 'backend-3') };
  await new Promise((r) => setTimeout(r, 2_500));
  const after = { b1: await count(page, 'backend-1'), b2: await count(page, 'backend-2'), b3: await count(page, 'backend-3') };
  assert.equal(after.b2, before.b2, `disabled backend-2 got no requests (${before.b2} → ${after.b2})`);
  assert.ok(after.b1 > before.b1 && after.b3 > before.b3, `the others kept receiving: ${JSON.stringify({ before, after })}`);
  await page.screenshot({ path: join(shots, '2-disabled.png') });
  await page.click('[data-backend="backend-2"] button[data-state="enabled"]');
  await page.waitForSelector('[data-backend="backend-2"][data-state="enabled"]');

  // Stop backend-3's process: unhealthy within the demo's thresholds (1 s interval, 2 failures, 1 s timeout).
  const stoppedAt = Date.now();
  await page.click('[data-backend="backend-3"] button[data-action="process"]');
  await page.waitForSelector('[data-backend="backend-3"] [data-field="process"]:has-text("process stopped")');
  await page.waitForSelector('[data-backend="backend-3"][data-health="unhealthy"] [data-field="health"]:has-text("unhealthy")', { timeout: 8_000 });
  t.diagnostic(`backend-3 shown unhealthy ${Date.now() - stoppedAt} ms after its process was stopped`);
  await page.waitForSelector('#sys-pools :text("2 / 3 healthy")');
  await page.screenshot({ path: join(shots, '3-backend-stopped.png') });

  // Switch the algorithm: the status shows it.
  await page.selectOption('#algorithm-default', 'least-connections');
  await page.click('form.algorithm-form[data-pool="default"] button[type="submit"]');
  await page.waitForSelector('#sys-pools tr[data-pool="default"] .algo:has-text("least-connections")');

  // A load test runs on the server and its summary shows in the page.
  await page.check('input[name="kind"][value="load"]');
  await page.fill('#t-requests', '300');
  await page.fill('#t-concurrency', '8');
  await page.click('#test-run');
  await page.waitForSelector('#test-summary', { timeout: 20_000 });
  const summary = (await page.textContent('#test-summary')) ?? '';
  assert.match(summary, /Total\s*300/, summary);
  assert.match(summary, /OK\s*300/, summary);
  assert.match(summary, /p99/, summary);
  assert.match(summary, /backend-1/, summary);
  await page.locator('#controls').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '4-load-test.png'), fullPage: true });

  // Narrow screen: nothing wider than the viewport.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
  assert.ok(scrollWidth <= 390, `the page fits 390 px (scrollWidth ${scrollWidth})`);
  await timeLabelsApart(page, 'at 390 px');
  await page.screenshot({ path: join(shots, '5-narrow.png'), fullPage: true });

  assert.deepEqual(consoleErrors, [], 'no console errors');
  // Reached only when every check passed: a failed run keeps its screenshots.
  rmSync(shots, { recursive: true, force: true });
});

interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
}

/** Watches a page: console errors, uncaught errors, and every request it makes. */
function watch(page: Page): { errors: string[]; requests: SeenRequest[] } {
  const errors: string[] = [];
  const requests: SeenRequest[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('request', (req) => requests.push({ method: req.method(), url: req.url(), authorization: req.headers()['authorization'] }));
  return { errors, requests };
}

/** The widest thing on the page, against the viewport. */
async function overflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; widest: string }> {
  return page.evaluate(`(() => {
    const root = document.scrollingElement;
    let widest = '';
    let right = 0;
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > right) { right = r.right; widest = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''); }
    }
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, widest: widest + ' ends at ' + Math.round(right) };
  })()`);
}

test('dashboard in Chromium with admin.token: asks once, read-only when dismissed, token on every mutating call, kept across a reload, fits 390 px', { skip, timeout: 90_000 }, async (t) => {
  const TOKEN = 'browser-t0ken-4b';
  const shots = mkdtempSync(join(tmpdir(), 'fairway-dashboard-token-'));
  t.diagnostic(`screenshots in ${shots}`);
  const backends = await Promise.all(['alpha', 'beta', 'gamma'].map((name) => startTestBackend({ port: 0, name })));
  const dir = mkdtempSync(join(tmpdir(), 'fairway-dashboard-token-config-'));
  const file = join(dir, 'fairway.yaml');
  writeFileSync(
    file,
    [
      'listen: { host: 127.0.0.1, port: 0 }',
      'admin: { port: 0, token: ${ADMIN_TOKEN} }',
      'healthCheck: { interval: 500ms }',
      'backends:',
      ...backends.map((b) => `  - { id: ${b.name}, url: ${b.url} }`),
    ].join('\n'),
  );
  const lb = await startChildFairway(['--config', file, '--log-format', 'json'], { ADMIN_TOKEN: TOKEN });
  const client = new Agent({ connections: 4, keepAliveTimeout: 1_000 });
  let chromium: Chromium | undefined = undefined;
  t.after(async () => {
    await chromium?.close();
    await client.close();
    await lb.stop();
    await Promise.all(backends.map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  const adminUrl = `http://127.0.0.1:${lb.adminPort}`;
  const stateOf = async (id: string): Promise<string> => {
    const res = await request(`${adminUrl}/api/pools/default`, { dispatcher: client, headers: { authorization: `Bearer ${TOKEN}` }, headersTimeout: 5_000, bodyTimeout: 5_000 });
    assert.equal(res.statusCode, 200);
    const pool = (await res.body.json()) as { backends: { id: string; state: string }[] };
    return pool.backends.find((b) => b.id === id)!.state;
  };

  // 2 errors in 31 requests: the page must show 6.45 % and 93.55 %, which add up.
  for (const path of [...Array.from({ length: 29 }, () => '/'), '/?status=500', '/?status=500']) {
    const res = await request(`${lb.url}${path}`, { dispatcher: client, headersTimeout: 5_000, bodyTimeout: 5_000 });
    await res.body.dump();
  }
  const sharesAddUp = async (view: string) => {
    await page.waitForSelector('#sys-errors:has-text("2 (6.45%)")');
    assert.equal(await page.textContent('#kpi-success'), '93.55%', `success rate in the ${view} view`);
  };

  chromium = await launchChromium();
  const browser = chromium.context;
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(10_000);
  const seen = watch(page);
  const mutating = () => seen.requests.filter((r) => !['GET', 'HEAD'].includes(r.method));
  const stateButtons = '[data-backend] button[data-state]';
  const allDisabled = async (selector: string) => (await page.$$eval(selector, (els) => els.map((el) => (el as unknown as { disabled: boolean }).disabled))).every(Boolean);

  // 1. First visit: the page asks for the token and shows the backends read-only.
  await page.goto(adminUrl);
  await page.waitForSelector('#token-panel:not([hidden])');
  assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'token-input', 'the token field has the focus');
  await cards(page, 3);
  await page.waitForSelector('#connection:has-text("read-only")');
  await page.screenshot({ path: join(shots, '1-asks-for-token.png') });

  // 2. Dismissed: read-only. Every control that changes something is disabled and nothing mutating is sent.
  await page.click('#token-dismiss');
  await page.waitForSelector('#token-panel', { state: 'hidden' });
  await page.waitForSelector('#readonly-note:not([hidden])');
  await page.waitForSelector('#token-button:has-text("Enter token")');
  assert.ok(await allDisabled(stateButtons), 'Enable/Drain/Disable are disabled');
  assert.ok(await allDisabled('#test-form button, #test-form input, #test-form select'), 'the test form is disabled');
  assert.ok(await allDisabled('.algorithm-form select, .algorithm-form button'), 'the algorithm form is disabled');
  // A click on a disabled Drain does nothing (forced past the actionability check).
  await page.click('[data-backend="beta"] button[data-state="draining"]', { force: true });
  await page.waitForTimeout(1_500); // a poll or two of /lb/stats
  assert.deepEqual(mutating(), [], 'no mutating call while read-only');
  assert.equal(await stateOf('beta'), 'enabled');
  assert.ok(seen.requests.some((r) => r.url === `${adminUrl}/lb/stats`), 'the read-only view polls /lb/stats');
  await sharesAddUp('read-only');
  // /lb/stats has percentiles: the read-only view shows real ones, not an average.
  assert.match((await page.textContent('#kpi-p50')) ?? '', /^\d[\d.,]* ms$/);
  for (const name of ['alpha', 'beta', 'gamma']) {
    assert.match((await page.textContent(`[data-backend="${name}"] [data-field="p50"]`)) ?? '', /^\d[\d.,]* ms$/, `${name}'s p50 cell`);
  }
  // A reload in the same tab remembers the choice.
  await page.reload();
  await cards(page, 3);
  assert.equal(await page.isHidden('#token-panel'), true, 'no second prompt after "Stay read-only"');
  assert.ok(await allDisabled(stateButtons));
  await page.screenshot({ path: join(shots, '2-read-only.png') });

  // 3. A wrong token is refused: the page says so, asks again and stays read-only.
  await page.click('#token-button');
  await page.waitForSelector('#token-panel:not([hidden])');
  const errorsBefore = seen.errors.length;
  await page.fill('#token-input', 'not-the-token');
  await page.click('#token-panel button[type="submit"]');
  await page.waitForSelector('#token-error:not([hidden]):has-text("refused")');
  await page.waitForSelector('#token-panel:not([hidden])');
  assert.ok(await allDisabled(stateButtons));
  // The browser logs the refused call (a 401) as a console error: that one is expected here.
  const refused = seen.errors.splice(errorsBefore);
  assert.ok(refused.every((e) => /status of 401/.test(e)), refused.join('\n'));
  assert.equal(await page.evaluate("sessionStorage.getItem('fairway.adminToken')"), null, 'a refused token is not kept');

  // 4. The right token: live, controls enabled, and a Drain click reaches the API with it.
  await page.fill('#token-input', TOKEN);
  await page.click('#token-panel button[type="submit"]');
  await page.waitForSelector('#token-panel', { state: 'hidden' });
  await page.waitForSelector('#connection:has-text("● Live")');
  await page.waitForSelector('#readonly-note', { state: 'hidden' });
  await sharesAddUp('live');
  await page.waitForSelector('#token-button:has-text("Forget token")');
  await page.waitForSelector('[data-backend="beta"] button[data-state="draining"]:not([disabled])');
  assert.ok(!(await allDisabled('#test-form button#test-run')), 'the test form is enabled');
  await page.click('[data-backend="beta"] button[data-state="draining"]');
  await page.waitForSelector('[data-backend="beta"][data-state="draining"] [data-field="state"]:has-text("draining")');
  assert.equal(await stateOf('beta'), 'draining', 'the server has the change');
  const patch = mutating().find((r) => r.method === 'PATCH' && r.url === `${adminUrl}/api/pools/default/backends/beta`);
  assert.ok(patch !== undefined, JSON.stringify(mutating()));
  assert.equal(patch.authorization, `Bearer ${TOKEN}`);
  await page.screenshot({ path: join(shots, '3-token-drained.png') });
  // State is never told by colour alone: every badge and status carries a symbol and a word.
  const labels = await page.$$eval('.badge, #connection, #sys-pools td span', (els) =>
    els.filter((el) => !(el as unknown as { hidden: boolean }).hidden).map((el) => el.textContent ?? ''),
  );
  assert.ok(labels.length >= 7, labels.join(' | '));
  for (const label of labels) assert.match(label, /^[^\p{L}\p{N}\s]\s.*\p{L}{3,}/u, `"${label}" has a symbol and a word`);

  // 5. A reload in the same tab keeps the token: no prompt, controls work at once.
  await page.reload();
  await page.waitForSelector('#connection:has-text("● Live")');
  await page.waitForSelector('[data-backend="beta"][data-state="draining"]');
  assert.equal(await page.isHidden('#token-panel'), true, 'no prompt after a reload');
  await page.click('[data-backend="beta"] button[data-state="enabled"]');
  await page.waitForSelector('[data-backend="beta"][data-state="enabled"]');
  assert.equal(await stateOf('beta'), 'enabled');

  // Every mutating call and every /api/ call carried the token (the refused attempt aside);
  // every request stayed on the admin listener.
  assert.ok(mutating().length >= 2);
  for (const r of mutating()) assert.equal(r.authorization, `Bearer ${TOKEN}`, `${r.method} ${r.url}`);
  for (const r of seen.requests.filter((x) => x.url.startsWith(`${adminUrl}/api/`))) {
    assert.ok(r.authorization === `Bearer ${TOKEN}` || r.authorization === 'Bearer not-the-token', `${r.method} ${r.url} sent ${r.authorization}`);
  }
  for (const r of seen.requests) assert.ok(r.url.startsWith(`${adminUrl}/`) || r.url.startsWith('data:'), `${r.url} is not on the admin listener`);

  // 6. 390 px wide, fresh: a new tab asks for the token (sessionStorage is per tab); nothing sticks out.
  const narrow = await browser.newPage();
  narrow.setDefaultTimeout(10_000);
  const narrowSeen = watch(narrow);
  await narrow.setViewportSize({ width: 390, height: 844 });
  await narrow.goto(adminUrl);
  await narrow.waitForSelector('#token-panel:not([hidden])');
  await cards(narrow, 3);
  await narrow.waitForTimeout(300);
  let size = await overflow(narrow);
  assert.ok(size.scrollWidth <= 390, `the page fits 390 px with the token prompt: ${JSON.stringify(size)}`);
  await narrow.screenshot({ path: join(shots, '4-narrow-prompt.png'), fullPage: true });
  await narrow.fill('#token-input', TOKEN);
  await narrow.click('#token-panel button[type="submit"]');
  await narrow.waitForSelector('#connection:has-text("● Live")');
  await narrow.waitForSelector('[data-backend="beta"] button[data-state="draining"]:not([disabled])');
  await narrow.waitForTimeout(300);
  size = await overflow(narrow);
  assert.ok(size.scrollWidth <= 390, `the page fits 390 px with the controls on: ${JSON.stringify(size)}`);
  await timeLabelsApart(narrow, 'at 390 px');
  await narrow.screenshot({ path: join(shots, '5-narrow-live.png'), fullPage: true });

  assert.deepEqual(seen.errors, [], 'no console errors');
  assert.deepEqual(narrowSeen.errors, [], 'no console errors at 390 px');
  // Reached only when every check passed: a failed run keeps its screenshots.
  rmSync(shots, { recursive: true, force: true });
});
