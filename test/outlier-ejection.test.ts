// Passive health: consecutive 5xx or gateway failures eject a backend for a
// while, never the whole pool, and it returns when the time is over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { echoLength, rawBackend } from './helpers/raw-backend.js';
import { backendStats, get, poolConfig, startFairway, testClient, testConfig, waitFor } from './helpers/fixtures.js';
import { maxEjectable } from '../src/health/outlier-detector.js';

test('maxEjectable: a pool of 2 or 3 can eject one, never all', () => {
  assert.equal(maxEjectable(1, 50), 0);
  assert.equal(maxEjectable(2, 50), 1);
  assert.equal(maxEjectable(3, 50), 1);
  assert.equal(maxEjectable(4, 50), 2);
  assert.equal(maxEjectable(10, 50), 5);
  assert.equal(maxEjectable(2, 100), 1);
  assert.equal(maxEjectable(10, 0), 0);
});

test('5 consecutive 5xx eject a backend; it returns after baseEjectionTime', async (t) => {
  const failing = await rawBackend((_req, res) => {
    res.writeHead(500, { 'x-backend': 'failing' });
    res.end();
  });
  const good = await rawBackend(echoLength('good'));
  const pool = poolConfig([failing.url, good.url]);
  pool.healthCheck.enabled = false;
  pool.outlierDetection = { ...pool.outlierDetection, consecutive5xx: 5, baseEjectionTimeMs: 500 };
  const lb = await startFairway(testConfig([pool]));
  const client = testClient();
  const events: string[] = [];
  lb.fairway.events.on('ejection', (e) => events.push(`${e.backend}:${e.ejected}`));
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all([failing.close(), good.close()]);
  });
  for (let i = 0; i < 10; i++) await get(client, `${lb.url}/`);
  assert.equal(failing.requests(), 5);
  assert.notEqual(backendStats(lb, 's1').ejectedUntil, null);
  assert.equal(backendStats(lb, 's1').eligible, false);
  for (let i = 0; i < 5; i++) assert.equal((await get(client, `${lb.url}/`)).headers['x-backend'], 'good');
  await waitFor('ejection over', () => backendStats(lb, 's1').ejectedUntil === null, 5_000);
  assert.deepEqual(events, ['s1:true', 's1:false']);
});

test('gateway failures eject too, but at most maxEjectionPercent of the pool', async (t) => {
  const a = await rawBackend((req) => req.socket.destroy());
  const b = await rawBackend((req) => req.socket.destroy());
  const pool = poolConfig([a.url, b.url]);
  pool.healthCheck.enabled = false;
  pool.retries = { ...pool.retries, attempts: 1 };
  pool.outlierDetection = { ...pool.outlierDetection, consecutiveGatewayFailures: 3, baseEjectionTimeMs: 10_000 };
  const lb = await startFairway(testConfig([pool]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all([a.close(), b.close()]);
  });
  for (let i = 0; i < 20; i++) assert.equal((await get(client, `${lb.url}/`)).status, 502);
  const ejected = lb.fairway.stats().pools[0]!.backends.filter((x) => x.ejectedUntil !== null);
  assert.equal(ejected.length, 1, 'one of two ejected, never both');
});
