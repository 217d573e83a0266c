// consistent-hash through the proxy: the same key reaches the same backend;
// an unhealthy backend's keys move elsewhere and come back when it recovers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBackend } from '../src/tools/test-backend.js';
import { backendStats, get, poolConfig, startFairway, testClient, testConfig, waitFor } from './helpers/fixtures.js';

test('hashKey header:x-user keeps each user on one backend, across a failure and recovery', async (t) => {
  const backends = await Promise.all(['a', 'b', 'c'].map((name) => startTestBackend({ port: 0, name })));
  const pool = poolConfig(backends.map((b) => b.url));
  pool.algorithm = 'consistent-hash';
  pool.hashKey = 'header:x-user';
  const lb = await startFairway(testConfig([pool]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const users = Array.from({ length: 30 }, (_, i) => `user-${i}`);
  const placement = async () => {
    const map = new Map<string, string>();
    for (const user of users) map.set(user, String((await get(client, `${lb.url}/`, { 'x-user': user })).headers['x-backend']));
    return map;
  };
  const before = await placement();
  assert.deepEqual(await placement(), before, 'stable while nothing changes');
  assert.ok(new Set(before.values()).size > 1, 'keys spread over backends');

  backends[0]!.setHealthy(false);
  await waitFor('a down', () => !backendStats(lb, 's1').healthy);
  const during = await placement();
  for (const user of users) {
    if (before.get(user) === 'a') assert.notEqual(during.get(user), 'a');
    else assert.equal(during.get(user), before.get(user), `${user} did not move`);
  }
  backends[0]!.setHealthy(true);
  await waitFor('a up', () => backendStats(lb, 's1').healthy);
  assert.deepEqual(await placement(), before, 'keys return when the backend recovers');
});
