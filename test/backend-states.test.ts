// Per-backend controls: draining finishes in-flight requests but takes no new
// ones, disabled takes nothing, weight 0 takes nothing new, backups serve only
// when no primary can, panic mode balances over all, slow start ramps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBackend, type TestBackend } from '../src/tools/test-backend.js';
import { backendStats, get, poolConfig, startFairway, testClient, testConfig, waitFor } from './helpers/fixtures.js';
import type { PoolConfig } from '../src/config/types.js';

async function cluster(t: { after: (fn: () => Promise<void>) => void }, names: string[], tweak: (p: PoolConfig) => void = () => undefined) {
  const backends: TestBackend[] = await Promise.all(names.map((name) => startTestBackend({ port: 0, name })));
  const pool = poolConfig(backends.map((b) => b.url));
  tweak(pool);
  const lb = await startFairway(testConfig([pool]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const servedBy = async (n: number) => {
    const seen: string[] = [];
    for (let i = 0; i < n; i++) seen.push(String((await get(client, `${lb.url}/`)).headers['x-backend']));
    return seen;
  };
  return { backends, lb, client, pool: lb.fairway.pools[0]!, servedBy };
}

test('draining: the in-flight request finishes, no new requests arrive', async (t) => {
  const { lb, client, pool, servedBy } = await cluster(t, ['a', 'b']);
  const slow = get(client, `${lb.url}/?delay=400`); // round robin: goes to a
  await waitFor('in flight', () => backendStats(lb, 's1').activeRequests === 1);
  pool.setState(pool.backends[0]!, 'draining');
  assert.deepEqual(await servedBy(4), ['b', 'b', 'b', 'b']);
  const res = await slow;
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-backend'], 'a');
  assert.equal(backendStats(lb, 's1').state, 'draining');
  pool.setState(pool.backends[0]!, 'enabled');
  assert.ok((await servedBy(4)).includes('a'));
});

test('disabled and weight 0 backends get no new requests', async (t) => {
  const { pool, servedBy } = await cluster(t, ['a', 'b', 'c'], (p) => {
    p.backends[2]!.weight = 0;
  });
  assert.ok(!(await servedBy(6)).includes('c'), 'weight 0 gets nothing');
  pool.setState(pool.backends[0]!, 'disabled');
  assert.deepEqual(await servedBy(3), ['b', 'b', 'b']);
});

test('backup backends serve only while no primary is eligible', async (t) => {
  const { backends, lb, servedBy } = await cluster(t, ['a', 'spare'], (p) => {
    p.backends[1]!.backup = true;
  });
  assert.deepEqual(await servedBy(4), ['a', 'a', 'a', 'a']);
  backends[0]!.setHealthy(false);
  await waitFor('a down', () => !backendStats(lb, 's1').healthy);
  assert.deepEqual(await servedBy(3), ['spare', 'spare', 'spare']);
  backends[0]!.setHealthy(true);
  await waitFor('a up', () => backendStats(lb, 's1').healthy);
  assert.deepEqual(await servedBy(3), ['a', 'a', 'a']);
});

test('panicThreshold: below it, requests are balanced over unhealthy backends too', async (t) => {
  const { backends, lb, servedBy } = await cluster(t, ['a', 'b', 'c'], (p) => {
    p.panicThreshold = 50;
  });
  backends[0]!.setHealthy(false);
  await waitFor('a down', () => !backendStats(lb, 's1').healthy);
  assert.ok(!(await servedBy(4)).includes('a'), '2 of 3 healthy is above the threshold');
  backends[1]!.setHealthy(false);
  await waitFor('b down', () => !backendStats(lb, 's2').healthy);
  assert.equal(lb.fairway.stats().pools[0]!.panicking, true);
  const seen = await servedBy(6);
  assert.deepEqual([...new Set(seen)].sort(), ['a', 'b', 'c'], '1 of 3 healthy: panic mode uses all');
});

test('slow start: a recovered backend ramps from about 10 % of its weight to all of it', async (t) => {
  const { backends, lb } = await cluster(t, ['a', 'b'], (p) => {
    p.slowStartMs = 1_000;
    p.algorithm = 'weighted-round-robin';
    p.backends[0]!.weight = 10;
  });
  assert.equal(backendStats(lb, 's1').effectiveWeight, 10, 'no ramp at process start');
  backends[0]!.setHealthy(false);
  await waitFor('a down', () => !backendStats(lb, 's1').healthy);
  backends[0]!.setHealthy(true);
  await waitFor('a up', () => backendStats(lb, 's1').healthy);
  const early = backendStats(lb, 's1').effectiveWeight;
  assert.ok(early >= 1 && early < 5, `ramp starts near 10 % (weight ${early})`);
  const weights = [early];
  await waitFor('ramp done', () => {
    weights.push(backendStats(lb, 's1').effectiveWeight);
    return weights.at(-1) === 10;
  }, 5_000);
  for (let i = 1; i < weights.length; i++) assert.ok(weights[i]! >= weights[i - 1]!, 'the ramp only goes up');
});

test('the algorithm can be switched at run time without failing in-flight requests', async (t) => {
  const { lb, client, pool, servedBy } = await cluster(t, ['a', 'b']);
  const inFlight = Array.from({ length: 6 }, () => get(client, `${lb.url}/?delay=200`));
  await waitFor('in flight', () => lb.fairway.stats().totals.active === 6);
  pool.setAlgorithm('least-connections');
  assert.equal(lb.fairway.stats().pools[0]!.algorithm, 'least-connections');
  assert.ok((await Promise.all(inFlight)).every((r) => r.status === 200));
  assert.equal((await servedBy(4)).length, 4);
});
