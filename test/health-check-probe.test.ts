// How active health checks talk to a backend: one kept-alive connection for
// check after check, a failing answer's endless body cut rather than read to
// the timeout, a stalled body timed out, and no undici loaded for any of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { backendStats, poolConfig, startFairway, testConfig, waitFor } from './helpers/fixtures.js';
import { endlessBodyBackend, rawBackend } from './helpers/raw-backend.js';

test('health checks reuse one kept-alive connection to the backend, check after check', async (t) => {
  const backend = await rawBackend((_req, res) => res.end('ok'));
  const pool = poolConfig([backend.url]);
  pool.healthCheck = { ...pool.healthCheck, intervalMs: 50 };
  const lb = await startFairway(testConfig([pool]));
  t.after(async () => {
    await lb.close();
    await backend.close();
  });
  await waitFor('six checks', () => backend.requests() >= 6, 5_000);
  assert.equal(backend.connections(), 1, `${backend.requests()} checks came over ${backend.connections()} connections`);
});

test('a failing status with an endless body is reported as that status at once, not as a timeout', async (t) => {
  const backend = await endlessBodyBackend(503);
  const pool = poolConfig([backend.url]);
  pool.healthCheck = { ...pool.healthCheck, intervalMs: 200, timeoutMs: 10_000, unhealthyThreshold: 1 };
  const lb = await startFairway(testConfig([pool]));
  t.after(async () => {
    await lb.close();
    await backend.close();
  });
  // The 10 s timeout would take far longer than this wait.
  await waitFor('marked down', () => !backendStats(lb, 's1').healthy, 5_000);
  assert.match(backendStats(lb, 's1').lastHealthReason, /HTTP 503/);
  await waitFor('the check closed its response', () => backend.closedAfter.length > 0, 5_000);
  assert.ok(backend.closedAfter[0]! < 1000, `the check hung up after ${backend.closedAfter[0]} chunks`);
});

test('a body that stalls after its head counts against healthCheck.timeout: the check fails as "timeout"', async (t) => {
  const backend = await rawBackend((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('still thinking');
    // Never ends; the backend's close() at the end of the test destroys it.
  });
  const pool = poolConfig([backend.url]);
  pool.healthCheck = { ...pool.healthCheck, expectBody: 'ready', intervalMs: 100, timeoutMs: 300, unhealthyThreshold: 1 };
  const lb = await startFairway(testConfig([pool]));
  t.after(async () => {
    await lb.close();
    await backend.close();
  });
  await waitFor('marked down', () => !backendStats(lb, 's1').healthy, 5_000);
  assert.match(backendStats(lb, 's1').lastHealthReason, /timeout/);
});

/** Starts a fairway in a worker thread (its own module cache) and lists the packages it has loaded once its backend was checked. */
async function packagesLoaded(config: ReturnType<typeof testConfig>, checked: () => boolean): Promise<string[]> {
  const worker = new Worker(new URL('./helpers/packages-loaded-worker.js', import.meta.url), { workerData: config });
  try {
    const [first] = (await once(worker, 'message')) as [unknown];
    assert.equal(first, 'listening');
    await waitFor('a health check', checked, 5_000);
    worker.postMessage('report');
    const [loaded] = (await once(worker, 'message')) as [string[]];
    return loaded;
  } finally {
    await worker.terminate();
  }
}

test('a fairway with health checks and no forwardAuth never loads undici (10–20 MB of resident memory)', async (t) => {
  const backend = await rawBackend((_req, res) => res.end('ok'));
  t.after(() => backend.close());
  const pool = poolConfig([backend.url]);
  pool.healthCheck = { ...pool.healthCheck, intervalMs: 50 };
  const loaded = await packagesLoaded(testConfig([pool]), () => backend.requests() >= 2);
  // The list is real: the packages every fairway needs are in it.
  assert.ok(loaded.includes('pino'), `loaded: ${loaded.join(', ')}`);
  assert.ok(!loaded.includes('undici'), `undici was loaded; all loaded: ${loaded.join(', ')}`);
});
