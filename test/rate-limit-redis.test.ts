// The rateLimit middleware with store: redis against a real redis-server:
// instances share one budget; when Redis dies or hangs, every request is
// decided by onStoreError (local, allow, deny) at once, never held; when it
// comes back the shared budget applies again without restarting fairway; and
// IPv6 clients behind a trusted proxy on ::1 group by their /64.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { loadOk, writeConfig } from './config-helpers.js';
import { echoBackend, requestFrom, type Answer } from './helpers/client-addresses.js';
import { startFairway, type RunningFairway } from './helpers/fixtures.js';
import { scrape, value } from './helpers/metrics.js';
import { RedisServer } from './helpers/redis-server.js';

/** Longest a request may take while Redis is dead or hung: the command timeout (100 ms) and then some, far below any hang. */
const ANSWER_WITHIN_MS = 2_000;

async function backendUrl(t: TestContext): Promise<string> {
  const backend = await echoBackend('app');
  t.after(() => new Promise((resolve) => backend.server.close(resolve)));
  return backend.url;
}

function yaml(redisUrl: string, backend: string, limit: string, host = '127.0.0.1'): string {
  return `listen: { host: "${host}", port: 0 }
admin: { port: 0 }
log: { level: silent }
trustedProxies: ["${host}"]
redis: { url: ${redisUrl} }
middlewares:
  limit: { rateLimit: ${limit} }
pools:
  - { name: app, healthCheck: { enabled: false }, backends: [${backend}] }
routes:
  - { pathPrefix: /, pool: app, middlewares: [limit] }
`;
}

async function instances(t: TestContext, text: string, count: number): Promise<RunningFairway[]> {
  const out: RunningFairway[] = [];
  for (let i = 0; i < count; i++) {
    const lb = await startFairway(loadOk({ file: writeConfig(text) }));
    t.after(() => lb.close());
    out.push(lb);
  }
  return out;
}

async function connected(lb: RunningFairway, up = true): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((lb.fairway.stats().redis?.state === 'connected') !== up) {
    if (Date.now() > deadline) assert.fail(`redis still ${lb.fairway.stats().redis?.state}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One request, which must be answered well within ANSWER_WITHIN_MS (a request never waits on Redis). */
async function get(lb: RunningFairway, options: { host?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms: the request waited on Redis`)), ANSWER_WITHIN_MS);
  });
  try {
    return await Promise.race([requestFrom(options.host ?? '127.0.0.1', lb.port, '/', { headers: options.headers }), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function statuses(lbs: readonly RunningFairway[], n: number, options: Parameters<typeof get>[1] = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await get(lbs[i % lbs.length]!, options)).status);
  return out;
}

test('onStoreError local: with Redis killed each instance decides from its share (burst / instances), and the shared budget is back once Redis is', async (t) => {
  const redis = await RedisServer.start();
  t.after(() => redis.stop());
  const lbs = await instances(t, yaml(redis.url, await backendUrl(t), '{ average: 1, period: 1h, burst: 4, store: redis, instances: 2 }'), 2);
  for (const lb of lbs) await connected(lb);
  assert.deepEqual(await statuses(lbs, 5), [200, 200, 200, 200, 429], 'two instances, one budget of 4');

  await redis.kill();
  // The first request after the kill already goes to the local share: 2 each (a fresh local bucket).
  assert.deepEqual(await statuses([lbs[0]!], 3), [200, 200, 429]);
  assert.deepEqual(await statuses([lbs[1]!], 3), [200, 200, 429]);
  const text = (await scrape(lbs[0]!.adminUrl)).text;
  assert.equal(value(text, 'fairway_ratelimit_store_errors_total', { middleware: 'limit' }), 3);

  await redis.restart();
  for (const lb of lbs) await connected(lb);
  // The restarted Redis kept nothing (no persistence): a full shared bucket of 4, across both instances again.
  assert.deepEqual(await statuses(lbs, 5), [200, 200, 200, 200, 429], 'shared again, without restarting fairway');
  const after = (await scrape(lbs[0]!.adminUrl)).text;
  assert.equal(value(after, 'fairway_ratelimit_store_errors_total', { middleware: 'limit' }), 3, 'no store errors once Redis is back');
});

test('onStoreError allow lets every request through while Redis is down; deny refuses them with 503 ratelimit_unavailable', async (t) => {
  const redis = await RedisServer.start();
  t.after(() => redis.stop());
  const backend = await backendUrl(t);
  const [allow] = await instances(t, yaml(redis.url, backend, '{ average: 1, period: 1h, burst: 1, store: redis, onStoreError: allow }'), 1);
  const [deny] = await instances(t, yaml(redis.url, backend, '{ average: 1, period: 1h, burst: 1, store: redis, onStoreError: deny }').replace('limit:', 'strict:').replace('[limit]', '[strict]'), 1);
  await connected(allow!);
  await connected(deny!);
  assert.deepEqual(await statuses([allow!], 2), [200, 429]);
  await redis.kill();
  assert.deepEqual(await statuses([allow!], 3), [200, 200, 200]);
  const refused = await get(deny!, { headers: { accept: 'application/json' } });
  assert.equal(refused.status, 503);
  assert.equal(JSON.parse(refused.body).error, 'ratelimit_unavailable');
  assert.equal(refused.headers['retry-after'], '1');
  const text = (await scrape(deny!.adminUrl)).text;
  assert.equal(value(text, 'fairway_ratelimit_decisions_total', { middleware: 'strict', result: 'unavailable' }), 1);
  assert.equal(value(text, 'fairway_ratelimit_store_errors_total', { middleware: 'strict' }), 1);
});

test('a hung Redis (SIGSTOP) holds no request: each is decided by onStoreError after the command timeout', async (t) => {
  const redis = await RedisServer.start();
  t.after(async () => {
    redis.resume();
    await redis.stop();
  });
  const [lb] = await instances(t, yaml(redis.url, await backendUrl(t), '{ average: 1, period: 1h, burst: 2, store: redis, onStoreError: deny }'), 1);
  await connected(lb!);
  assert.deepEqual(await statuses([lb!], 1), [200]);
  redis.pause();
  assert.deepEqual(await statuses([lb!], 3), [503, 503, 503]);
  redis.resume();
  await connected(lb!);
  // Back to Redis' answers (200 or 429, no more 503). The commands that timed out here still ran once
  // Redis woke (a timeout cannot take back what was sent), so the bucket of burst 2 is spent.
  const deadline = Date.now() + 5_000;
  let status = 503;
  while (status === 503 && Date.now() < deadline) status = (await get(lb!)).status;
  assert.equal(status, 429, 'decided by the bucket in Redis again');
});

test('IPv6 clients behind a trusted proxy on ::1: addresses of one /64 share a Redis bucket, other /64s have their own', async (t) => {
  const redis = await RedisServer.start();
  t.after(() => redis.stop());
  const [lb] = await instances(t, yaml(redis.url, await backendUrl(t), '{ average: 1, period: 1h, burst: 2, store: redis }', '::1'), 1);
  await connected(lb!);
  const via = (client: string) => ({ host: '::1', headers: { 'x-forwarded-for': client } });
  assert.deepEqual(await statuses([lb!], 1, via('2001:db8:a:1::1')), [200]);
  assert.deepEqual(await statuses([lb!], 1, via('2001:db8:a:1:ffff:ffff:ffff:ffff')), [200]);
  assert.deepEqual(await statuses([lb!], 1, via('2001:db8:a:1::77')), [429], 'a third address of the same /64');
  assert.deepEqual(await statuses([lb!], 2, via('2001:db8:a:2::1')), [200, 200], 'the next /64');
  assert.deepEqual(await statuses([lb!], 1, via('2001:db8:a:2::2')), [429]);
  assert.deepEqual(await statuses([lb!], 1, { host: '::1' }), [200], 'the proxy itself (::1, no X-Forwarded-For) is a client of its own');
});
