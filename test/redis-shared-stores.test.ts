// What a rate limit gets from SharedStores: a view of the Redis buckets per
// middleware (its own key space under fairway:rl:<middleware>:), that rejects
// at once without `redis:` and keeps working across a reload's swap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RedisConfig } from '../src/config/types.js';
import { redisUrl } from '../src/config/sections/redis.js';
import { SharedStores } from '../src/state/shared-stores.js';
import { RedisUnavailableError } from '../src/state/redis-errors.js';
import type { BucketRule } from '../src/state/token-bucket-store.js';
import { RedisServer } from './helpers/redis-server.js';

const QUIET = { info: () => undefined, warn: () => undefined };
const RULE: BucketRule = { average: 1, periodMs: 3_600_000, burst: 2 };

function configOf(server: RedisServer): RedisConfig {
  const parsed = redisUrl(server.url);
  assert.ok(parsed.ok);
  return { ...parsed.value, commandTimeoutMs: 500, connectTimeoutMs: 1_000 };
}

async function connected(stores: SharedStores): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (stores.redis?.state !== 'connected') {
    if (Date.now() > deadline) assert.fail(`redis still ${stores.redis?.state}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('each middleware has its own buckets, named fairway:rl:<middleware>:<key>', async (t) => {
  const server = await RedisServer.start();
  t.after(() => server.stop());
  const stores = new SharedStores(configOf(server), QUIET);
  t.after(() => stores.close());
  await connected(stores);
  const [api, login] = [stores.redisBuckets('api-limit'), stores.redisBuckets('login-limit')];
  assert.equal(api.kind, 'redis');
  assert.deepEqual([(await api.take('203.0.113.7', RULE)).remaining, (await api.take('203.0.113.7', RULE)).remaining], [1, 0]);
  assert.equal((await login.take('203.0.113.7', RULE)).allowed, true);
  const probe = new SharedStores(configOf(server), QUIET);
  t.after(() => probe.close());
  await connected(probe);
  // A second instance's view of the same middleware meets the same bucket.
  assert.equal((await probe.redisBuckets('api-limit').take('203.0.113.7', RULE)).allowed, false);
});

test('without redis: a view rejects at once, and a reload that adds redis: makes the same view work', async (t) => {
  const stores = new SharedStores(undefined, QUIET);
  t.after(() => stores.close());
  const view = stores.redisBuckets('api-limit');
  await assert.rejects(Promise.resolve(view.take('k', RULE)), (err: Error) => err instanceof RedisUnavailableError && /no redis server is configured/.test(err.message));
  const server = await RedisServer.start();
  t.after(() => server.stop());
  const prepared = stores.prepare(configOf(server));
  assert.deepEqual(prepared.changes, [`redis redis://127.0.0.1:${server.port}/0 added`]);
  prepared.discard();
  assert.equal(stores.redis, undefined);
  stores.prepare(configOf(server)).commit();
  await connected(stores);
  assert.equal((await view.take('k', RULE)).allowed, true);
});
