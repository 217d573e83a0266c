// 200 concurrent keep-alive connections of GETs; one backend is killed with
// SIGKILL mid-run and restarted 5 s later: no client request fails, the dead
// backend is ejected, and it rejoins with a slow-start ramp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { BackendProcess } from '../src/tools/backend-process.js';
import { backendStats, poolConfig, startFairway, testConfig } from './helpers/fixtures.js';

const CONNECTIONS = 200;
const RUN_MS = 11_000;
const KILL_AT_MS = 2_000;
const RESTART_AFTER_MS = 5_000;

test('SIGKILL of one backend under 200 concurrent connections fails no request', async (t) => {
  const backends = ['a', 'b', 'c'].map((name) => new BackendProcess({ name, host: '127.0.0.1', port: 0 }));
  await Promise.all(backends.map((b) => b.start()));
  const pool = poolConfig(backends.map((b) => b.url));
  pool.backends.forEach((b, i) => (b.id = backends[i]!.options.name));
  pool.healthCheck = { ...pool.healthCheck, intervalMs: 250, unhealthyThreshold: 2, healthyThreshold: 2, timeoutMs: 1_000 };
  pool.outlierDetection = { ...pool.outlierDetection, consecutiveGatewayFailures: 5, baseEjectionTimeMs: 1_000 };
  pool.slowStartMs = 2_000;
  const lb = await startFairway(testConfig([pool]));
  const client = new Agent({ connections: CONNECTIONS, pipelining: 1 });
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all(backends.map((b) => b.stop()));
  });

  const ejections: string[] = [];
  lb.fairway.events.on('ejection', (e) => {
    if (e.ejected) ejections.push(e.backend);
  });
  const failures: string[] = [];
  let ok = 0;
  let servedByRestarted = 0;
  let restarted = false;
  const rampSamples: number[] = [];
  const started = Date.now();

  const worker = async () => {
    while (Date.now() - started < RUN_MS) {
      try {
        const res = await request(`${lb.url}/`, { dispatcher: client });
        if (res.statusCode === 200) {
          await res.body.dump();
          ok++;
        } else {
          // fairway's error answer names the error kind: a failure says why.
          failures.push(`HTTP ${res.statusCode}: ${(await res.body.text()).trim()}`);
        }
        if (restarted && res.headers['x-backend'] === 'a') servedByRestarted++;
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  };
  const chaos = async () => {
    await new Promise((r) => setTimeout(r, KILL_AT_MS));
    await backends[0]!.kill();
    await new Promise((r) => setTimeout(r, RESTART_AFTER_MS));
    await backends[0]!.start();
    restarted = true;
    // Watch the weight ramp while the rest of the run goes on.
    while (Date.now() - started < RUN_MS) {
      rampSamples.push(backendStats(lb, 'a').effectiveWeight);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await Promise.all([chaos(), ...Array.from({ length: CONNECTIONS }, worker)]);

  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests`);
  assert.ok(ok > 1_000, `${ok} requests succeeded`);
  assert.ok(ejections.includes('a'), 'the killed backend was ejected');
  assert.ok(servedByRestarted > 0, 'the restarted backend serves again');
  assert.ok(rampSamples.some((w) => w > 0 && w < 1), `slow start ramped the weight (${rampSamples.slice(0, 10).join(', ')}...)`);
  assert.ok(lb.fairway.stats().totals.retries > 0, 'requests caught on the dead backend were retried');
});
