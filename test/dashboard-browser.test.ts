// The dashboard in a real browser (Debian's chromium driven by
// playwright-core) against a running `fairway demo`: backend cards appear,
// disabling one stops its traffic while the others keep theirs, stopping a
// demo backend's process turns its card unhealthy, an algorithm switch shows
// in the status, a load test finishes with its summary, and the console
// stays free of errors. Screenshots go to a temp dir (printed as a diagnostic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CLI } from './helpers/child-fairway.js';
import { waitFor } from './helpers/fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
// CI installs chromium (.ci/run); elsewhere the test is skipped without it.
const skip = !existsSync(CHROMIUM) && process.env['CI'] !== 'true' ? `${CHROMIUM} is not installed` : false;

async function count(page: Page, backend: string): Promise<number> {
  const text = await page.textContent(`[data-backend="${backend}"] [data-field="requests"]`, { timeout: 5_000 });
  return Number((text ?? '').replace(/[^0-9]/g, ''));
}

test('dashboard in Chromium: cards, disable, stop a demo backend, algorithm switch, load test, no console errors', { skip, timeout: 90_000 }, async (t) => {
  const shots = mkdtempSync(join(tmpdir(), 'fairway-dashboard-'));
  t.diagnostic(`screenshots in ${shots}`);

  const demo = spawn(process.execPath, [CLI, 'demo', '--port', '0', '--admin-port', '0', '--backend-ports', '0,0,0', '--log-format', 'json'], {
    env: { PATH: process.env['PATH'] },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => demo.once('exit', () => resolve()));
  let out = '';
  demo.stdout.on('data', (c: Buffer) => (out += c.toString()));
  demo.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const client = new Agent({ connections: 8, keepAliveTimeout: 1_000 });
  let browser: BrowserContext | undefined = undefined;
  let trafficOn = true;
  let traffic: Promise<unknown> = Promise.resolve();
  t.after(async () => {
    trafficOn = false;
    await traffic;
    await browser?.close();
    await client.close();
    if (demo.exitCode === null) {
      demo.kill('SIGINT');
      const timer = setTimeout(() => demo.kill('SIGKILL'), 8_000);
      await exited;
      clearTimeout(timer);
    }
  });

  await waitFor('demo banner', () => out.includes('Ctrl+C'), 20_000);
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
  browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'fairway-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
  });
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
  await page.waitForFunction("document.querySelectorAll('[data-backend]').length === 3");
  for (const name of ['backend-1', 'backend-2', 'backend-3']) {
    await waitFor(`${name} shows requests`, async () => (await count(page, name)) > 0, 10_000, 200);
  }
  await page.waitForSelector('[data-backend="backend-1"] [data-field="process"]:has-text("process running")');
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
  await page.screenshot({ path: join(shots, '5-narrow.png'), fullPage: true });

  assert.deepEqual(consoleErrors, [], 'no console errors');
});
