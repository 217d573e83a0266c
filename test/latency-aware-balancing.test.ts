// With one fast (10 ms) and one slow (100 ms) backend, the latency-aware
// algorithms send most requests to the fast one and cut the tail latency
// compared with round robin, measured in the same run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { startTestBackend } from '../src/tools/test-backend.js';
import { poolConfig, startFairway, testConfig } from './helpers/fixtures.js';
import type { AlgorithmName } from '../src/config/types.js';

const CONCURRENCY = 4;
const REQUESTS = 300;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function run(algorithm: AlgorithmName, urls: string[]) {
  const pool = poolConfig(urls);
  pool.algorithm = algorithm;
  pool.backends[0]!.id = 'fast';
  pool.backends[1]!.id = 'slow';
  const lb = await startFairway(testConfig([pool]));
  const client = new Agent({ connections: CONCURRENCY });
  const latencies: number[] = [];
  let fast = 0;
  let sent = 0;
  const worker = async () => {
    while (sent < REQUESTS) {
      sent++;
      const t0 = performance.now();
      const res = await request(`${lb.url}/`, { dispatcher: client });
      await res.body.dump();
      latencies.push(performance.now() - t0);
      if (res.headers['x-backend'] === 'fast') fast++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await client.close();
  await lb.close();
  latencies.sort((a, b) => a - b);
  return { fastShare: fast / latencies.length, p99: percentile(latencies, 99) };
}

test('least-response-time and power-of-two favour the fast backend and beat round robin at p99', async (t) => {
  const fast = await startTestBackend({ port: 0, name: 'fast', minLatencyMs: 10, maxLatencyMs: 10 });
  const slow = await startTestBackend({ port: 0, name: 'slow', minLatencyMs: 100, maxLatencyMs: 100 });
  t.after(async () => {
    await fast.close();
    await slow.close();
  });
  const urls = [fast.url, slow.url];
  const rr = await run('round-robin', urls);
  const lrt = await run('least-response-time', urls);
  const p2c = await run('power-of-two', urls);
  t.diagnostic(`round-robin ${JSON.stringify(rr)} least-response-time ${JSON.stringify(lrt)} power-of-two ${JSON.stringify(p2c)}`);
  assert.ok(Math.abs(rr.fastShare - 0.5) < 0.05, `round robin splits evenly (${rr.fastShare})`);
  for (const [name, result] of [['least-response-time', lrt], ['power-of-two', p2c]] as const) {
    assert.ok(result.fastShare >= 0.8, `${name} sent ${Math.round(result.fastShare * 100)} % to the fast backend`);
    assert.ok(result.p99 < rr.p99, `${name} p99 ${result.p99.toFixed(1)} ms vs round robin ${rr.p99.toFixed(1)} ms`);
  }
});
