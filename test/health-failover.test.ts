// Active health checks move traffic off a failed backend and back after it
// recovers, honouring rise/fall thresholds; all down answers 503.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestBackend, type TestBackend } from '../src/tools/test-backend.js';
import { backendStats, get, poolConfig, startFairway, testClient, testConfig, waitFor } from './helpers/fixtures.js';

test('a stopped backend is marked down, gets no traffic, and rejoins after restart', async (t) => {
  const backends: TestBackend[] = await Promise.all(['a', 'b', 'c'].map((name) => startTestBackend({ port: 0, name })));
  const lb = await startFairway(testConfig([poolConfig(backends.map((b) => b.url))]));
  const client = testClient();
  const restarted: TestBackend[] = [];
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all([...backends.slice(1), ...restarted].map((b) => b.close()));
  });

  const stoppedPort = backends[0]!.port;
  await backends[0]!.close();
  await waitFor('s1 marked unhealthy', () => !backendStats(lb, 's1').healthy);
  assert.match(backendStats(lb, 's1').lastHealthReason, /connection refused/);

  const served: string[] = [];
  for (let i = 0; i < 30; i++) {
    const res = await get(client, `${lb.url}/`);
    assert.equal(res.status, 200, 'no request fails once the backend is marked down');
    served.push(String(res.headers['x-backend']));
  }
  assert.ok(!served.includes('a'));
  assert.equal(served.filter((s) => s === 'b').length, 15);

  restarted.push(await startTestBackend({ port: stoppedPort, name: 'a' }));
  await waitFor('s1 healthy again', () => backendStats(lb, 's1').healthy);
  const after: string[] = [];
  for (let i = 0; i < 30; i++) after.push(String((await get(client, `${lb.url}/`)).headers['x-backend']));
  assert.equal(after.filter((s) => s === 'a').length, 10);
});

test('control healthy=false moves traffic away and healthy=true brings it back', async (t) => {
  const backends = await Promise.all(['a', 'b'].map((name) => startTestBackend({ port: 0, name })));
  const lb = await startFairway(testConfig([poolConfig(backends.map((b) => b.url))]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const control = await get(client, `${backends[0]!.url}/control?healthy=false`);
  assert.equal(control.status, 200);
  await waitFor('s1 unhealthy', () => !backendStats(lb, 's1').healthy);
  assert.match(backendStats(lb, 's1').lastHealthReason, /HTTP 503/);
  for (let i = 0; i < 10; i++) assert.equal((await get(client, `${lb.url}/`)).headers['x-backend'], 'b');
  await get(client, `${backends[0]!.url}/control?healthy=true`);
  await waitFor('s1 healthy', () => backendStats(lb, 's1').healthy);
});

/** A health endpoint whose answers the test scripts, counting checks. */
function scriptedHealthServer(): Promise<{ server: Server; url: string; checks: () => number; setOk: (ok: boolean) => void }> {
  let ok = true;
  let checks = 0;
  const server = createServer((req, res) => {
    if (req.url === '/health') checks++;
    res.writeHead(req.url === '/health' && !ok ? 500 : 200, { 'x-backend': 'scripted' });
    res.end('ok');
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        checks: () => checks,
        setOk: (value) => {
          ok = value;
        },
      }),
    ),
  );
}

test('fall and rise thresholds: 3 failed checks to go down, 2 passed to come back', async (t) => {
  const backend = await scriptedHealthServer();
  const pool = poolConfig([backend.url]);
  pool.healthCheck = { ...pool.healthCheck, intervalMs: 50, unhealthyThreshold: 3, healthyThreshold: 2 };
  const lb = await startFairway(testConfig([pool]));
  t.after(async () => {
    await lb.close();
    backend.server.closeAllConnections();
    backend.server.close();
  });
  await waitFor('first check', () => backend.checks() >= 1);

  backend.setOk(false);
  const failingFrom = backend.checks();
  await waitFor('marked unhealthy', () => !backendStats(lb, 's1').healthy);
  // The check that flipped it may be counted by the server before the proxy
  // applied it, so at least 3 failed checks were served by now.
  assert.ok(backend.checks() - failingFrom >= 3, `went down after ${backend.checks() - failingFrom} failed checks`);
  assert.match(backendStats(lb, 's1').lastHealthReason, /3 checks failed \(HTTP 500\)/);

  backend.setOk(true);
  const passingFrom = backend.checks();
  await waitFor('marked healthy', () => backendStats(lb, 's1').healthy);
  assert.ok(backend.checks() - passingFrom >= 2, `came back after ${backend.checks() - passingFrom} passed checks`);
});

test('all backends down: 503 with Retry-After, then recovery', async (t) => {
  const backends = await Promise.all(['a', 'b'].map((name) => startTestBackend({ port: 0, name })));
  const lb = await startFairway(testConfig([poolConfig(backends.map((b) => b.url))]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  for (const b of backends) b.setHealthy(false);
  await waitFor('pool empty', () => lb.fairway.stats().pools[0]!.healthyBackends === 0);
  for (let i = 0; i < 5; i++) {
    const res = await get(client, `${lb.url}/`, { accept: 'application/json' });
    assert.equal(res.status, 503);
    assert.equal(res.headers['retry-after'], '5');
    const body = JSON.parse(res.body) as { error: string; requestId: string };
    assert.equal(body.error, 'no_healthy_backend');
    assert.equal(body.requestId, res.headers['x-request-id']);
  }
  const text = await get(client, `${lb.url}/`);
  assert.match(text.body, /no healthy backend/);
  backends[1]!.setHealthy(true);
  await waitFor('b healthy', () => backendStats(lb, 's2').healthy);
  const res = await get(client, `${lb.url}/`);
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-backend'], 'b');
});

test('initialState unhealthy: no traffic until the first checks pass', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const pool = poolConfig([backend.url]);
  pool.healthCheck = { ...pool.healthCheck, initialState: 'unhealthy', intervalMs: 200 };
  const lb = await startFairway(testConfig([pool]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  // Before any check passed the pool has nothing eligible.
  assert.equal(lb.fairway.stats().pools[0]!.healthyBackends, 0);
  await waitFor('healthy after checks', () => backendStats(lb, 's1').healthy);
  assert.equal((await get(client, `${lb.url}/`)).status, 200);
});
