// The dashboard's Listeners section in a real browser: against a fairway with
// a plain, a redirecting and a TLS listener it shows each with its address
// and scheme, the protocols /lb/stats gives (or a dash), and each
// certificate's name, subject names and days left, a certificate close to
// its end marked as a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, skipWithoutChromium, type Chromium } from './helpers/chromium.js';
import { TestCertificates, skipWithoutOpenssl } from './helpers/test-certificates.js';
import { headerEchoBackend, startRig } from './helpers/tls-rig.js';

const skip = skipWithoutChromium || skipWithoutOpenssl;

test('dashboard in Chromium lists every listener with its address and scheme, and each TLS certificate with its names and days left', { skip, timeout: 60_000 }, async (t) => {
  const shots = mkdtempSync(join(tmpdir(), 'fairway-dashboard-listeners-'));
  t.diagnostic(`screenshots in ${shots}`);
  const certs = new TestCertificates();
  const main = certs.server('main', ['shop.example.test', 'www.shop.example.test'], 30);
  const soon = certs.server('soon', ['soon.example.test'], 5);
  const backend = await headerEchoBackend();
  const rig = await startRig(
    certs.dir,
    [
      'admin: { port: 0 }',
      'listeners:',
      '  - { name: web, host: 127.0.0.1, port: 0 }',
      '  - { name: bounce, host: 127.0.0.1, port: 0, redirectToHttps: true }',
      '  - name: websecure',
      '    host: 127.0.0.1',
      '    port: 0',
      `    tls: { certificates: [{ name: main, cert: ${main.cert}, key: ${main.key} }, { name: soon, cert: ${soon.cert}, key: ${soon.key} }] }`,
      'pools:',
      `  - { name: app, backends: [{ url: ${backend.url} }], healthCheck: { enabled: false } }`,
      'routes:',
      '  - { pathPrefix: /, pool: app }',
    ].join('\n'),
  );
  let chromium: Chromium | undefined = undefined;
  t.after(async () => {
    await chromium?.close();
    await rig.close();
    await backend.close();
    certs.remove();
  });

  // What the protocols cells must say: the server's list where it sends one.
  const stats = (await (await fetch(`${rig.adminUrl}/lb/stats`)).json()) as { listeners: { name: string; protocols?: string[] }[] };
  const protocolsOf = (name: string) => stats.listeners.find((l) => l.name === name)?.protocols?.join(', ') ?? '—';

  chromium = await launchChromium();
  const browser = chromium.context;
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  await page.goto(rig.adminUrl);
  await page.waitForSelector('#connection:has-text("● Live")');

  const cell = (listener: string, field: string) => page.locator(`#listeners tr[data-listener="${listener}"] [data-field="${field}"]`);
  await cell('websecure', 'certificates').waitFor();
  assert.equal(await page.locator('#listeners tr[data-listener]').count(), 3);

  assert.equal(await cell('web', 'address').textContent(), `127.0.0.1:${rig.ports['web']}`);
  assert.equal(await cell('web', 'scheme').textContent(), 'http');
  assert.equal(await cell('web', 'protocols').textContent(), protocolsOf('web'));
  assert.equal(await cell('web', 'certificates').textContent(), '—');
  assert.equal(await cell('bounce', 'address').textContent(), `127.0.0.1:${rig.ports['bounce']}`);
  assert.equal(await cell('bounce', 'scheme').textContent(), 'http → https');
  assert.equal(await cell('websecure', 'address').textContent(), `127.0.0.1:${rig.ports['websecure']}`);
  assert.equal(await cell('websecure', 'scheme').textContent(), 'https');
  assert.equal(await cell('websecure', 'protocols').textContent(), protocolsOf('websecure'));

  // The first certificate is the default; 30 days of validity read as 29 days and some hours left.
  const mainRow = page.locator('#listeners li[data-certificate="main"]');
  assert.match((await mainRow.textContent()) ?? '', /^main \(default\) · shop\.example\.test, www\.shop\.example\.test · ✓ 29 days left$/);
  assert.equal(await mainRow.locator('[data-field="expiry"]').getAttribute('class'), 'ok');
  const soonRow = page.locator('#listeners li[data-certificate="soon"]');
  assert.match((await soonRow.textContent()) ?? '', /^soon · soon\.example\.test · ⚠ 4 days left$/);
  assert.equal(await soonRow.locator('[data-field="expiry"]').getAttribute('class'), 'warn', 'fewer than 14 days left is a warning');

  await page.locator('#listeners').screenshot({ path: join(shots, 'listeners.png') });
  assert.deepEqual(errors, [], 'no console errors');
  // Reached only when every check passed: a failed run keeps its screenshots.
  rmSync(shots, { recursive: true, force: true });
});
