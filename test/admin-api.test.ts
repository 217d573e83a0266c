// The admin control API: every endpoint, its validation errors, token auth,
// and that changes show at once in /lb/stats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestBackend, type TestBackend } from '../src/tools/test-backend.js';
import { get, poolConfig, startFairway, testClient, testConfig, waitFor } from './helpers/fixtures.js';
import type { FairwayConfig } from '../src/config/types.js';

async function setup(t: { after: (fn: () => Promise<void>) => void }, tweak: (c: FairwayConfig) => void = () => undefined) {
  const backends: TestBackend[] = await Promise.all(['a', 'b', 'extra'].map((name) => startTestBackend({ port: 0, name })));
  const config = testConfig([poolConfig(backends.slice(0, 2).map((b) => b.url), { name: 'web' })]);
  tweak(config);
  const lb = await startFairway(config);
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const api = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await request(`${lb.adminUrl}${path}`, {
      dispatcher: client,
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>), headers: res.headers };
  };
  return { backends, lb, client, api };
}

test('GET /api/pools and /api/pools/{pool} describe every backend', async (t) => {
  const { lb, client, api } = await setup(t);
  for (let i = 0; i < 4; i++) await get(client, `${lb.url}/`);
  const all = await api('GET', '/api/pools');
  assert.equal(all.status, 200);
  const pool = await api('GET', '/api/pools/web');
  // A health check may land between the two GETs: its time is the one field that may differ.
  const withoutCheckTimes = (p: unknown) =>
    JSON.parse(JSON.stringify(p, (key, value: unknown) => (key === 'lastHealthCheck' ? undefined : value))) as unknown;
  assert.deepEqual(withoutCheckTimes((all.body!['pools'] as unknown[])[0]), withoutCheckTimes(pool.body));
  const backend = (pool.body!['backends'] as Record<string, unknown>[])[0]!;
  for (const key of ['id', 'url', 'weight', 'state', 'health', 'inFlight', 'totalRequests', 'errorRate', 'latencyMs', 'lastHealthCheck']) {
    assert.ok(key in backend, `backend has ${key}`);
  }
  assert.equal(backend['totalRequests'], 2);
  assert.equal(backend['state'], 'enabled');
  assert.equal(backend['health'], 'healthy');
  assert.ok((backend['latencyMs'] as { p99: number }).p99 > 0);
  const missing = await api('GET', '/api/pools/nope');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body!['pools'], ['web']);
});

test('PUT algorithm switches it; a bad name is a 400 listing the accepted names', async (t) => {
  const { lb, api } = await setup(t);
  const ok = await api('PUT', '/api/pools/web/algorithm', { algorithm: 'least-connections' });
  assert.equal(ok.status, 200);
  assert.equal(ok.body!['algorithm'], 'least-connections');
  assert.equal(lb.fairway.stats().pools[0]!.algorithm, 'least-connections');
  const bad = await api('PUT', '/api/pools/web/algorithm', { algorithm: 'fastest' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body!['field'], 'algorithm');
  assert.ok((bad.body!['accepted'] as string[]).includes('power-of-two'));
  const notJson = await api('PUT', '/api/pools/web/algorithm', '{nope');
  assert.equal(notJson.status, 400);
  assert.match(String(notJson.body!['message']), /not valid JSON/);
  const typo = await api('PUT', '/api/pools/web/algorithm', { algoritm: 'random' });
  assert.equal(typo.status, 400);
  assert.equal(typo.body!['field'], 'algoritm');
});

test('POST adds a backend (201) that takes traffic; DELETE drains it first; PATCH sets state and weight', async (t) => {
  const { backends, lb, client, api } = await setup(t);
  const added = await api('POST', '/api/pools/web/backends', { id: 'extra', url: backends[2]!.url, weight: 2 });
  assert.equal(added.status, 201);
  assert.equal(added.body!['id'], 'extra');
  assert.equal(added.body!['weight'], 2);
  const seen = new Set<string>();
  for (let i = 0; i < 12; i++) seen.add(String((await get(client, `${lb.url}/`)).headers['x-backend']));
  assert.ok(seen.has('extra'));
  assert.ok(lb.fairway.stats().pools[0]!.backends.some((b) => b.id === 'extra'), 'shows in /lb/stats at once');

  assert.equal((await api('POST', '/api/pools/web/backends', { url: 'localhost:80' })).status, 400);
  const dup = await api('POST', '/api/pools/web/backends', { url: backends[2]!.url });
  assert.equal(dup.status, 409);
  assert.match(String(dup.body!['message']), /already a backend/);

  const patched = await api('PATCH', '/api/pools/web/backends/s1', { state: 'draining', weight: 3 });
  assert.equal(patched.status, 200);
  assert.equal(patched.body!['state'], 'draining');
  assert.equal(patched.body!['weight'], 3);
  for (let i = 0; i < 6; i++) assert.notEqual((await get(client, `${lb.url}/`)).headers['x-backend'], 'a');
  const badState = await api('PATCH', '/api/pools/web/backends/s1', { state: 'sleeping' });
  assert.equal(badState.status, 400);
  assert.deepEqual(badState.body!['accepted'], ['enabled', 'draining', 'disabled']);
  assert.equal((await api('PATCH', '/api/pools/web/backends/zzz', { state: 'enabled' })).status, 404);

  // DELETE waits for the in-flight request on that backend to finish.
  const slow = get(client, `${lb.url}/?delay=400`, { 'x-pick': 'extra' });
  await waitFor('a request in flight on some backend', () => lb.fairway.stats().totals.active === 1);
  const inFlightOn = lb.fairway.stats().pools[0]!.backends.find((b) => b.activeRequests === 1)!.id;
  const removed = await api('DELETE', `/api/pools/web/backends/${inFlightOn}`);
  assert.equal(removed.status, 200);
  assert.equal(removed.body!['drainedRequests'], 1);
  assert.equal((await slow).status, 200, 'the in-flight request finished');
  assert.ok(!lb.fairway.stats().pools[0]!.backends.some((b) => b.id === inFlightOn));
});

test('with admin.token, /api/* needs the bearer token; reads stay open unless protectReads', async (t) => {
  const { api } = await setup(t, (c) => {
    c.admin.token = 's3cret';
  });
  const denied = await api('GET', '/api/pools');
  assert.equal(denied.status, 401);
  assert.equal(denied.headers['www-authenticate'], 'Bearer realm="fairway admin"');
  assert.equal((await api('GET', '/api/pools', undefined, { authorization: 'Bearer wrong' })).status, 401);
  assert.equal((await api('GET', '/api/pools', undefined, { authorization: 'Bearer s3cret' })).status, 200);
  assert.equal((await api('GET', '/lb/stats')).status, 200);
  assert.equal((await api('GET', '/healthz')).status, 200);
});

test('protectReads: true guards the stats too', async (t) => {
  const { api } = await setup(t, (c) => {
    c.admin.token = 's3cret';
    c.admin.protectReads = true;
  });
  assert.equal((await api('GET', '/lb/stats')).status, 401);
  assert.equal((await api('GET', '/lb/stats', undefined, { authorization: 'Bearer s3cret' })).status, 200);
});

test('unknown admin paths are 404 and wrong methods 405', async (t) => {
  const { api } = await setup(t);
  assert.equal((await api('GET', '/nope')).status, 404);
  const wrong = await api('DELETE', '/api/pools');
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers['allow'], 'GET');
});
