// Requests through fairway spread over every backend in round-robin order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBackend, type TestBackend } from '../src/tools/test-backend.js';
import { get, poolConfig, startFairway, testClient, testConfig } from './helpers/fixtures.js';

test('round robin spreads 30 requests 10/10/10 over 3 backends', async (t) => {
  const backends: TestBackend[] = await Promise.all(
    ['a', 'b', 'c'].map((name) => startTestBackend({ port: 0, name })),
  );
  const lb = await startFairway(testConfig([poolConfig(backends.map((b) => b.url))]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });

  const served: string[] = [];
  for (let i = 0; i < 30; i++) {
    const res = await get(client, `${lb.url}/hello`);
    assert.equal(res.status, 200);
    served.push(String(res.headers['x-backend']));
  }
  for (const name of ['a', 'b', 'c']) {
    assert.equal(served.filter((s) => s === name).length, 10, `backend ${name} served ${served.join(',')}`);
  }
  // Consecutive requests never hit the same backend twice in a row.
  for (let i = 1; i < served.length; i++) assert.notEqual(served[i], served[i - 1]);

  const stats = lb.fairway.stats();
  assert.equal(stats.totals.requests, 30);
  assert.deepEqual(
    stats.pools[0]!.backends.map((b) => b.totalRequests),
    [10, 10, 10],
  );
});

test('concurrent requests all succeed and reach every backend', async (t) => {
  const backends = await Promise.all(['a', 'b', 'c'].map((name) => startTestBackend({ port: 0, name })));
  const lb = await startFairway(testConfig([poolConfig(backends.map((b) => b.url))]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const results = await Promise.all(Array.from({ length: 300 }, (_, i) => get(client, `${lb.url}/c/${i}`)));
  assert.ok(results.every((r) => r.status === 200));
  const counts = new Map<string, number>();
  for (const r of results) counts.set(String(r.headers['x-backend']), (counts.get(String(r.headers['x-backend'])) ?? 0) + 1);
  assert.deepEqual([...counts.keys()].sort(), ['a', 'b', 'c']);
  for (const n of counts.values()) assert.equal(n, 100);
});
