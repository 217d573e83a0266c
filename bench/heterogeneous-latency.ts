// Every algorithm against one fast (10 ms) and one slow (100 ms) test
// backend: share of requests to the fast one, p50 and p99 through fairway.
// Run: npm run build && node dist/bench/heterogeneous-latency.js [requests] [concurrency...]
// It is a measurement for docs/algorithms.md, not a test.
import { Agent, request } from 'undici';
import { pino } from 'pino';
import { createFairway } from '../src/index.js';
import { startTestBackend } from '../src/tools/test-backend.js';
import { ALGORITHMS, type AlgorithmName, type FairwayConfig } from '../src/config/types.js';
import { loadConfig } from '../src/config/load.js';

const requests = Number(process.argv[2] ?? 2000);
const levels = process.argv.slice(3).map(Number);
const concurrencies = levels.length > 0 ? levels : [4, 16];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function measure(config: FairwayConfig, concurrency: number) {
  const lb = createFairway(config, { logger: pino({ level: 'silent' }) });
  const { proxy } = await lb.listen();
  const client = new Agent({ connections: concurrency });
  const latencies: number[] = [];
  let fast = 0;
  let sent = 0;
  const started = performance.now();
  const worker = async () => {
    while (sent < requests) {
      sent++;
      const t0 = performance.now();
      const res = await request(`http://127.0.0.1:${proxy.port}/?user=${sent % 97}`, { dispatcher: client });
      await res.body.dump();
      latencies.push(performance.now() - t0);
      if (res.headers['x-backend'] === 'fast') fast++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  await lb.close(1_000);
  latencies.sort((a, b) => a - b);
  return { fastShare: fast / latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), rps: latencies.length / seconds };
}

const fastBackend = await startTestBackend({ port: 0, name: 'fast', minLatencyMs: 10, maxLatencyMs: 10 });
const slowBackend = await startTestBackend({ port: 0, name: 'slow', minLatencyMs: 100, maxLatencyMs: 100 });
console.log(`fast: 10 ms, slow: 100 ms; ${requests} requests per row; node ${process.version}\n`);
for (const concurrency of concurrencies) {
  console.log(`concurrency ${concurrency}\n`);
  console.log('| algorithm | to fast | p50 ms | p99 ms | req/s |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const algorithm of ALGORITHMS as readonly AlgorithmName[]) {
    const loaded = loadConfig({
      env: {},
      flags: { host: '127.0.0.1', port: '0', adminPort: '0', backend: [fastBackend.url, slowBackend.url], algorithm, logLevel: 'silent' },
    });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const config = loaded.config;
    config.admin.enabled = false;
    const pool = config.pools[0]!;
    pool.backends[0]!.id = 'fast';
    pool.backends[1]!.id = 'slow';
    if (algorithm === 'consistent-hash') pool.hashKey = 'query:user';
    const r = await measure(config, concurrency);
    console.log(`| ${algorithm} | ${(r.fastShare * 100).toFixed(1)} % | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.rps.toFixed(0)} |`);
  }
  console.log('');
}
await fastBackend.close();
await slowBackend.close();
