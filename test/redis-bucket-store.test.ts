// The Redis token-bucket store against a real redis-server: a bucket lets its
// burst through and then refuses, with the numbers a RateLimit field needs;
// two stores on two connections (two fairway instances) share one bucket;
// concurrent takes never over-grant; a flushed script cache is refilled by
// EVAL; buckets live under fairway:rl: and expire; the store rejects while
// Redis is down and works again once it is back, without being rebuilt.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RedisConnection, type RedisConnectionState } from '../src/state/redis-connection.js';
import { RedisBucketStore } from '../src/state/redis-bucket-store.js';
import { RedisUnavailableError } from '../src/state/redis-errors.js';
import { TOKEN_BUCKET_SCRIPT } from '../src/state/token-bucket-script.js';
import type { BucketRule } from '../src/state/token-bucket-store.js';
import { RedisServer } from './helpers/redis-server.js';

const HANG_BOUND_MS = 5_000;
/** Refills one token an hour: within a test, nothing comes back. */
const SLOW: BucketRule = { average: 1, periodMs: 3_600_000, burst: 5 };

async function startRedis(t: TestContext): Promise<RedisServer> {
  const server = await RedisServer.start();
  t.after(() => server.stop());
  return server;
}

async function until(connection: RedisConnection, state: RedisConnectionState): Promise<void> {
  const deadline = Date.now() + HANG_BOUND_MS;
  while (connection.state !== state) {
    if (Date.now() > deadline) assert.fail(`still ${connection.state} (waiting for ${state})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function openStore(t: TestContext, server: RedisServer): Promise<RedisBucketStore> {
  const connection = new RedisConnection({
    host: '127.0.0.1',
    port: server.port,
    tls: false,
    db: 0,
    commandTimeoutMs: 500,
    connectTimeoutMs: 1_000,
    backoff: { firstMs: 20, maxMs: 200 },
  });
  const store = new RedisBucketStore(connection);
  t.after(() => store.close());
  await until(connection, 'connected');
  return store;
}

test('a bucket lets its burst through, then refuses with when to retry and when it is full again', async (t) => {
  const store = await openStore(t, await startRedis(t));
  assert.equal(store.kind, 'redis');
  const decisions = [];
  for (let i = 0; i < 7; i++) decisions.push(await store.take('api:203.0.113.7', SLOW));
  assert.deepEqual(decisions.map((d) => d.allowed), [true, true, true, true, true, false, false]);
  assert.deepEqual(decisions.map((d) => d.remaining), [4, 3, 2, 1, 0, 0, 0]);
  assert.equal(decisions[0]!.retryAfterMs, 0);
  for (const refused of decisions.slice(5)) {
    // One token an hour: the next one is less than an hour away, the bucket full in at most five.
    assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 3_600_000, `retryAfterMs ${refused.retryAfterMs}`);
    assert.ok(refused.resetMs > 4 * 3_600_000 && refused.resetMs <= 5 * 3_600_000, `resetMs ${refused.resetMs}`);
    assert.ok(Number.isInteger(refused.retryAfterMs) && Number.isInteger(refused.resetMs));
  }
  // Another key has a bucket of its own.
  assert.equal((await store.take('api:198.51.100.1', SLOW)).allowed, true);
});

test('two stores on two connections, like two fairway instances, share one bucket', async (t) => {
  const server = await startRedis(t);
  const [a, b] = [await openStore(t, server), await openStore(t, server)];
  const allowed: boolean[] = [];
  for (let i = 0; i < 8; i++) allowed.push((await (i % 2 === 0 ? a : b).take('shared:client', SLOW)).allowed);
  assert.deepEqual(allowed, [true, true, true, true, true, false, false, false]);
});

test('concurrent takes from two stores never grant more than the burst', async (t) => {
  const server = await startRedis(t);
  const [a, b] = [await openStore(t, server), await openStore(t, server)];
  const rule: BucketRule = { average: 1, periodMs: 3_600_000, burst: 20 };
  const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).take('race', rule)));
  assert.equal(decisions.filter((d) => d.allowed).length, 20);
});

test('a bucket refills at its average rate', async (t) => {
  const store = await openStore(t, await startRedis(t));
  const rule: BucketRule = { average: 1, periodMs: 1_000, burst: 1 };
  assert.equal((await store.take('refill', rule)).allowed, true);
  const refused = await store.take('refill', rule);
  assert.equal(refused.allowed, false);
  assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 1_000);
  await new Promise((r) => setTimeout(r, refused.retryAfterMs + 50));
  assert.equal((await store.take('refill', rule)).allowed, true);
});

test('after SCRIPT FLUSH the next take loads the script again (NOSCRIPT → EVAL) and the bucket keeps counting', async (t) => {
  const store = await openStore(t, await startRedis(t));
  const sha = createHash('sha1').update(TOKEN_BUCKET_SCRIPT).digest('hex');
  await store.take('flushed', SLOW);
  assert.deepEqual(await store.connection.command(['SCRIPT', 'EXISTS', sha]), [1]);
  assert.equal(await store.connection.command(['SCRIPT', 'FLUSH']), 'OK');
  assert.deepEqual(await store.connection.command(['SCRIPT', 'EXISTS', sha]), [0]);
  const after = await store.take('flushed', SLOW);
  assert.deepEqual([after.allowed, after.remaining], [true, 3]);
  // Cached again by EVAL, so the next EVALSHA finds it.
  assert.deepEqual(await store.connection.command(['SCRIPT', 'EXISTS', sha]), [1]);
  assert.equal((await store.take('flushed', SLOW)).remaining, 2);
});

test('a bucket lives at fairway:rl:<key> and expires once it would be full again', async (t) => {
  const store = await openStore(t, await startRedis(t));
  const rule: BucketRule = { average: 10, periodMs: 1_000, burst: 5 };
  const decision = await store.take('api-limit:203.0.113.7', rule);
  assert.deepEqual(await store.connection.command(['KEYS', '*']), ['fairway:rl:api-limit:203.0.113.7']);
  const ttl = (await store.connection.command(['PTTL', 'fairway:rl:api-limit:203.0.113.7'])) as number;
  // One token short of five, at ten a second: full again within 100 ms, and the key goes then.
  assert.ok(ttl > 0 && ttl <= decision.resetMs && decision.resetMs <= 100, `ttl ${ttl}, resetMs ${decision.resetMs}`);
});

test('while Redis is down the store rejects at once; once Redis is back the same store answers again', async (t) => {
  const server = await startRedis(t);
  const store = await openStore(t, server);
  assert.equal((await store.take('k', SLOW)).allowed, true);
  await server.kill();
  await until(store.connection, 'reconnecting');
  await assert.rejects(store.take('k', SLOW), RedisUnavailableError);
  await server.restart();
  await until(store.connection, 'connected');
  // A restarted server without persistence starts with no buckets and no cached script.
  const decision = await store.take('k', SLOW);
  assert.deepEqual([decision.allowed, decision.remaining], [true, 4]);
});
