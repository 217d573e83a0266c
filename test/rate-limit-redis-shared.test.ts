// Three fairway processes pointed at one Redis give a client one rate-limit
// budget between them, not one each. It needs the rateLimit middleware kind
// (written beside the Redis store) and is skipped until that kind is merged.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { MIDDLEWARE_KIND_NAMES } from '../src/config/sections/middlewares/kinds.js';
import { startChildFairway, type ChildFairway } from './helpers/child-fairway.js';
import { RedisServer } from './helpers/redis-server.js';

const HAS_RATE_LIMIT = (MIDDLEWARE_KIND_NAMES as readonly string[]).includes('rateLimit');
const skip = HAS_RATE_LIMIT ? false : 'the rateLimit middleware kind is not merged yet';

async function backend(t: TestContext): Promise<string> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function fairways(t: TestContext, yaml: string, count: number): Promise<ChildFairway[]> {
  const dir = mkdtempSync(join(tmpdir(), 'fairway-rl-redis-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'fairway.yaml');
  writeFileSync(file, yaml);
  const started: ChildFairway[] = [];
  for (let i = 0; i < count; i++) {
    const lb = await startChildFairway(['-c', file]);
    t.after(() => lb.stop());
    started.push(lb);
  }
  return started;
}

test('three fairway instances on one Redis share a client budget: the burst is let through once in total', { skip }, async (t) => {
  const redis = await RedisServer.start();
  t.after(() => redis.stop());
  const yaml = `listen: { host: 127.0.0.1, port: 0 }
admin: { port: 0 }
redis: { url: ${redis.url} }
middlewares:
  api-limit: { rateLimit: { average: 1, period: 1h, burst: 6, store: redis } }
pools:
  - { name: app, healthCheck: { enabled: false }, backends: [${await backend(t)}] }
routes:
  - { pathPrefix: /, pool: app, middlewares: [api-limit] }
`;
  const instances = await fairways(t, yaml, 3);
  const statuses: number[] = [];
  // Round robin over the instances, one request at a time: 12 requests, one client address.
  for (let i = 0; i < 12; i++) {
    const res = await request(`${instances[i % 3]!.url}/`);
    await res.body.text();
    statuses.push(res.statusCode);
  }
  assert.equal(statuses.filter((s) => s === 200).length, 6, `statuses ${statuses.join(' ')}`);
  assert.equal(statuses.filter((s) => s === 429).length, 6, `statuses ${statuses.join(' ')}`);
  // The first six pass wherever they land; everything after is refused by every instance.
  assert.deepEqual(statuses.slice(0, 6), [200, 200, 200, 200, 200, 200]);
});
