// A fairway with `redis:` owns one Redis connection: /lb/stats and /metrics
// show whether it is up, a lost connection logs one warning (not one per
// retry) and its return one line, a reload that changes the URL moves to the
// new server and lets the old connection go, a reload that cannot be applied
// opens nothing, close() closes the connection, and the fairway binary exits
// on SIGTERM without waiting for a Redis that is gone.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { request } from 'undici';
import { createFairway, type Fairway } from '../src/index.js';
import type { RedisConfig } from '../src/config/types.js';
import { redisUrl } from '../src/config/sections/redis.js';
import { RedisConnection } from '../src/state/redis-connection.js';
import { startChildFairway } from './helpers/child-fairway.js';
import { poolConfig, testConfig } from './helpers/fixtures.js';
import { value } from './helpers/metrics.js';
import { RedisServer } from './helpers/redis-server.js';

const BOUND_MS = 5_000;

async function startRedis(t: TestContext): Promise<RedisServer> {
  const server = await RedisServer.start();
  t.after(() => server.stop());
  return server;
}

function redisConfig(server: RedisServer): RedisConfig {
  const parsed = redisUrl(server.url);
  assert.ok(parsed.ok);
  return { ...parsed.value, commandTimeoutMs: 200, connectTimeoutMs: 500 };
}

/** A fairway whose log lines are kept as parsed objects. */
async function start(t: TestContext, redis: RedisConfig | undefined): Promise<{ fairway: Fairway; adminUrl: string; logs: { level: number; msg: string; redis?: string }[] }> {
  const logs: { level: number; msg: string; redis?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') logs.push(JSON.parse(line) as (typeof logs)[number]);
      done();
    },
  });
  const fairway = createFairway(testConfig([poolConfig(['http://127.0.0.1:1'], { healthCheck: { ...poolConfig([]).healthCheck, enabled: false } })], { redis }), { logger: pino({ level: 'info' }, sink) });
  t.after(() => fairway.close(1_000));
  const { admin } = await fairway.listen();
  return { fairway, adminUrl: `http://127.0.0.1:${admin!.port}`, logs };
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + BOUND_MS;
  for (;;) {
    const found = await probe();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function metric(adminUrl: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const res = await request(`${adminUrl}/metrics`);
  return value(await res.body.text(), 'fairway_redis_connected', labels);
}

/** How many clients a Redis server has, not counting the one asking. */
async function clientsOf(server: RedisServer): Promise<number> {
  const probe = new RedisConnection({ host: '127.0.0.1', port: server.port, tls: false, db: 0, commandTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
  try {
    await waitFor('the probe to connect', () => probe.state === 'connected' || undefined);
    const info = (await probe.command(['INFO', 'clients'])) as string;
    return Number(/connected_clients:(\d+)/.exec(info)![1]) - 1;
  } finally {
    await probe.close();
  }
}

test('without redis: there is no Redis in /lb/stats or /metrics', async (t) => {
  const { fairway, adminUrl } = await start(t, undefined);
  assert.equal(fairway.stats().redis, undefined);
  assert.equal(await metric(adminUrl), undefined);
});

test('/lb/stats and fairway_redis_connected follow the connection; losing it logs one warning, its return one line', async (t) => {
  const server = await startRedis(t);
  const { fairway, adminUrl, logs } = await start(t, redisConfig(server));
  const address = `redis://127.0.0.1:${server.port}/0`;
  await waitFor('redis connected', () => fairway.stats().redis?.state === 'connected' || undefined);
  assert.deepEqual(fairway.stats().redis, { address, state: 'connected' });
  const stats = (await (await request(`${adminUrl}/lb/stats`)).body.json()) as { redis?: unknown };
  assert.deepEqual(stats.redis, { address, state: 'connected' });
  assert.equal(await metric(adminUrl, { address }), 1);

  await server.kill();
  await waitFor('the metric to drop', async () => ((await metric(adminUrl, { address })) === 0 ? true : undefined));
  assert.equal(fairway.stats().redis?.state, 'reconnecting');
  // Several failed attempts (50 ms, 100 ms, … apart) while it stays down: still one warning.
  await new Promise((r) => setTimeout(r, 400));
  await server.restart();
  await waitFor('the metric to return', async () => ((await metric(adminUrl, { address })) === 1 ? true : undefined));
  const redisLines = logs.filter((l) => l.redis === address && l.msg.startsWith('redis')).map((l) => `${l.level === 40 ? 'warn' : 'info'}: ${l.msg}`);
  assert.deepEqual(redisLines, ['info: redis connected', 'warn: redis connection lost; reconnecting (rate limits apply their onStoreError meanwhile)', 'info: redis reachable again']);
});

test('a reload to another Redis URL connects there and closes the old connection; close() closes the new one', async (t) => {
  const [a, b] = [await startRedis(t), await startRedis(t)];
  const { fairway } = await start(t, redisConfig(a));
  await waitFor('redis a connected', () => fairway.stats().redis?.state === 'connected' || undefined);
  assert.equal(await clientsOf(a), 1);
  const result = await fairway.apply({ ...fairway.config, redis: redisConfig(b) });
  assert.ok(result.ok);
  assert.ok(result.changes.includes(`redis redis://127.0.0.1:${a.port}/0 → redis://127.0.0.1:${b.port}/0`), result.changes.join('; '));
  await waitFor('redis b connected', () => fairway.stats().redis?.state === 'connected' || undefined);
  assert.equal(fairway.stats().redis?.address, `redis://127.0.0.1:${b.port}/0`);
  await waitFor('the old connection to close', async () => ((await clientsOf(a)) === 0 ? true : undefined));
  assert.equal(await clientsOf(b), 1);
  // The same settings again change nothing.
  const again = await fairway.apply({ ...fairway.config, redis: redisConfig(b) });
  assert.ok(again.ok && !again.changes.some((c) => c.startsWith('redis')), JSON.stringify(again));
  await fairway.close(1_000);
  await waitFor('the connection to close with fairway', async () => ((await clientsOf(b)) === 0 ? true : undefined));
});

test('a reload that is rejected keeps the running Redis connection and opens none to the new URL', async (t) => {
  const [a, b] = [await startRedis(t), await startRedis(t)];
  const { fairway } = await start(t, redisConfig(a));
  await waitFor('redis a connected', () => fairway.stats().redis?.state === 'connected' || undefined);
  const result = await fairway.apply({ ...fairway.config, redis: redisConfig(b), accessLog: { ...fairway.config.accessLog, enabled: true, path: '/nonexistent-dir/fairway/access.log' } });
  assert.equal(result.ok, false);
  assert.deepEqual(fairway.stats().redis, { address: `redis://127.0.0.1:${a.port}/0`, state: 'connected' });
  assert.equal(await clientsOf(b), 0);
  assert.equal(await clientsOf(a), 1);
});

test('a reload that removes redis: closes the connection', async (t) => {
  const server = await startRedis(t);
  const { fairway } = await start(t, redisConfig(server));
  await waitFor('redis connected', () => fairway.stats().redis?.state === 'connected' || undefined);
  const result = await fairway.apply({ ...fairway.config, redis: undefined });
  assert.ok(result.ok && result.changes.includes(`redis redis://127.0.0.1:${server.port}/0 removed`), JSON.stringify(result));
  assert.equal(fairway.stats().redis, undefined);
  await waitFor('the connection to close', async () => ((await clientsOf(server)) === 0 ? true : undefined));
});

test('the fairway binary with redis: in its file connects, shows it in /lb/stats, and exits promptly on SIGTERM even while Redis is down', async (t) => {
  const server = await startRedis(t);
  const dir = mkdtempSync(join(tmpdir(), 'fairway-redis-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'fairway.yaml');
  writeFileSync(file, `listen: { host: 127.0.0.1, port: 0 }\nadmin: { port: 0 }\nredis: { url: "${server.url}/1", commandTimeout: 50ms }\nbackends: [http://127.0.0.1:1]\nhealthCheck: { enabled: false }\n`);
  const lb = await startChildFairway(['-c', file]);
  t.after(() => lb.stop('SIGKILL'));
  const statsUrl = `http://127.0.0.1:${lb.adminPort!}/lb/stats`;
  const redisOf = async () => ((await (await request(statsUrl)).body.json()) as { redis?: { address: string; state: string } }).redis;
  await waitFor('redis connected', async () => ((await redisOf())?.state === 'connected' ? true : undefined));
  assert.deepEqual(await redisOf(), { address: `redis://127.0.0.1:${server.port}/1`, state: 'connected' });
  await server.kill();
  await waitFor('the connection to be seen lost', async () => ((await redisOf())?.state === 'reconnecting' ? true : undefined));
  const exit = await Promise.race([lb.stop('SIGTERM'), new Promise<string>((r) => setTimeout(() => r('still running'), BOUND_MS))]);
  assert.equal(exit, 0);
  const warnings = lb.lines.filter((l) => l.includes('redis connection lost'));
  assert.equal(warnings.length, 1, lb.lines.join('\n'));
  assert.doesNotMatch(lb.lines.join('\n'), /"msg":"redis unreachable/);
});
