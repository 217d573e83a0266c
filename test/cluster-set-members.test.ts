// Cluster.setMembers() is the one call that changes a pool's members: it
// matches by URL, keeps what runs (counters, health, transport), adds new
// members eligible at once, lets missing ones drain before they leave, and
// changes nothing at all when any part of the new list cannot be built.
// Socket-free: health checks off, no request is ever sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendConfig, PoolConfig } from '../src/config/types.js';
import { Cluster } from '../src/cluster/cluster.js';
import type { Backend } from '../src/cluster/backend.js';
import { FairwayEvents } from '../src/observability/events.js';
import { facts } from './balancing-helpers.js';
import { poolConfig, silentLogger } from './helpers/fixtures.js';
import { sendExpectingError } from './helpers/http1.js';

const URLS = ['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3'];

function member(id: string, url: string, settings: Partial<BackendConfig> = {}): BackendConfig {
  return { id, url, weight: 1, maxConnections: 64, backup: false, state: 'enabled', ...settings };
}

/** A running cluster with s1 and s2 (health checks off), closed after the test. */
function cluster(t: { after: (fn: () => Promise<void>) => void }, overrides: Partial<PoolConfig> = {}): Cluster {
  const config = poolConfig(URLS.slice(0, 2), overrides);
  config.healthCheck.enabled = false;
  const pool = new Cluster(config, silentLogger, new FairwayEvents());
  t.after(() => pool.close());
  void pool.setMembers(config.backends, 1_000);
  return pool;
}

const ids = (backends: readonly Backend[]) => backends.map((b) => b.id);

/** Resolves true if `promise` settles within `ms`, false if it is still pending then. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = await Promise.race([promise.then(() => true as const), late]);
  clearTimeout(timer);
  return settled;
}

test('the first list is the starting membership: every member eligible at its full weight', (t) => {
  const pool = cluster(t, { slowStartMs: 60_000 });
  assert.deepEqual(ids(pool.backends), ['s1', 's2']);
  assert.deepEqual(ids(pool.eligible), ['s1', 's2']);
  assert.deepEqual(pool.backends.map((b) => b.weight), [1, 1]);
});

test('kept members keep their counters, health and transport and take the new settings; added ones are eligible at once', async (t) => {
  const pool = cluster(t, { slowStartMs: 60_000 });
  const [s1, s2] = pool.backends as [Backend, Backend];
  s1.totalRequests = 7;
  s1.errors = 2;
  s1.recordLatency(40);
  pool.setHealth(s2, false, 'test says so');
  const s1Upstream = s1.upstream;

  await pool.setMembers(
    [member('one', URLS[0]!, { weight: 3 }), member('s2', URLS[1]!, { state: 'draining' }), member('s3', URLS[2]!, { weight: 2 })],
    1_000,
  );

  assert.deepEqual(ids(pool.backends), ['one', 's2', 's3']);
  assert.equal(pool.backends[0], s1, 'the same member, renamed');
  assert.equal(pool.backends[1], s2);
  assert.equal(s1.totalRequests, 7);
  assert.equal(s1.errors, 2);
  assert.equal(s1.averageLatencyMs, 40);
  assert.equal(s1.configWeight, 3);
  assert.equal(s1.upstream, s1Upstream, 'same limit and timeouts: same transport');
  assert.equal(s2.healthy, false);
  assert.equal(s2.lastHealthReason, 'test says so');
  assert.equal(s2.state, 'draining');
  const s3 = pool.backends[2]!;
  assert.equal(s3.configWeight, 2);
  assert.ok(s3.weight < 2, `an added member ramps up under slow start (weight ${s3.weight})`);
  assert.deepEqual(ids(pool.eligible), ['one', 's3']);
  assert.equal(pool.findBackend('one'), s1);
  assert.equal(pool.findBackend('s1'), undefined);
});

test('a kept member whose connection limit changes gets a new transport; the old one takes no more requests', async (t) => {
  const pool = cluster(t);
  const s1 = pool.backends[0]!;
  const old = s1.upstream;
  await pool.setMembers([member('s1', URLS[0]!, { maxConnections: 2 }), member('s2', URLS[1]!)], 1_000);
  assert.equal(s1.maxConnections, 2);
  assert.notEqual(s1.upstream, old);
  assert.equal((await sendExpectingError(old)).code, 'UND_ERR_CLOSED');
});

test('a removed member with requests in flight takes no new ones, even pinned, and leaves when the last one ends', async (t) => {
  const pool = cluster(t);
  const s2 = pool.backends[1]!;
  s2.inFlight = 1;
  const leaving = pool.setMembers([member('s1', URLS[0]!)], 10_000);

  assert.equal(await settlesWithin(leaving, 150), false, 'still draining while a request is in flight');
  assert.ok(pool.backends.includes(s2));
  assert.equal(s2.removing, true);
  assert.deepEqual(ids(pool.eligible), ['s1']);
  for (let i = 0; i < 4; i++) {
    const got = pool.acquire(facts(), undefined, s2) as Backend;
    assert.equal(got.id, 's1');
    pool.release(got);
  }

  pool.release(s2);
  assert.equal(await settlesWithin(leaving, 2_000), true, 'gone soon after its last request ended');
  assert.deepEqual(ids(pool.backends), ['s1']);
  assert.equal((await sendExpectingError(s2.upstream)).code, 'UND_ERR_DESTROYED');
});

test('a removed member whose requests never end leaves at the drain timeout', async (t) => {
  const pool = cluster(t);
  pool.backends[1]!.inFlight = 3;
  const started = Date.now();
  await pool.setMembers([member('s1', URLS[0]!)], 200);
  const waited = Date.now() - started;
  assert.ok(waited >= 180 && waited < 2_000, `left after ${waited} ms (the timeout is 200)`);
  assert.deepEqual(ids(pool.backends), ['s1']);
});

test('a list with an entry no transport can be built for changes nothing, not even the entries before it', (t) => {
  const pool = cluster(t);
  const before = [...pool.backends];
  const upstreams = before.map((b) => b.upstream);
  assert.throws(
    () => pool.setMembers([member('renamed', URLS[0]!, { maxConnections: 2, weight: 5 }), member('s3', URLS[2]!), member('ws', 'ws://127.0.0.1:8443')], 1_000),
    { name: 'TypeError', message: /scheme "ws:", which no upstream transport speaks/ },
  );
  assert.deepEqual(pool.backends, before);
  assert.deepEqual(ids(pool.backends), ['s1', 's2']);
  assert.equal(before[0]!.maxConnections, 64);
  assert.equal(before[0]!.configWeight, 1);
  assert.deepEqual(pool.backends.map((b) => b.upstream), upstreams);
  assert.deepEqual(pool.backends.map((b) => b.removing), [false, false]);
  assert.deepEqual(ids(pool.eligible), ['s1', 's2']);
});

test('a list giving a URL or an id twice is refused and changes nothing', (t) => {
  const pool = cluster(t);
  assert.throws(() => pool.setMembers([member('a', URLS[0]!), member('b', URLS[0]!)], 1_000), {
    message: `the member list gives the URL ${URLS[0]} twice`,
  });
  assert.throws(() => pool.setMembers([member('a', URLS[0]!), member('a', URLS[2]!)], 1_000), {
    message: 'the member list gives the backend id "a" twice',
  });
  assert.deepEqual(ids(pool.backends), ['s1', 's2']);
});

test('a prepared list changes nothing until committed, and nothing at all when discarded', async (t) => {
  const pool = cluster(t);
  const prepared = pool.prepareMembers([member('s1', URLS[0]!), member('s3', URLS[2]!)]);
  assert.deepEqual(ids(pool.backends), ['s1', 's2']);
  prepared.discard();
  assert.deepEqual(ids(pool.backends), ['s1', 's2']);
  await pool.prepareMembers([member('s1', URLS[0]!), member('s3', URLS[2]!)]).commit(1_000);
  assert.deepEqual(ids(pool.backends), ['s1', 's3']);
});

test('sticky values follow membership: an added member gets one, a member that left is no longer found by its value', async (t) => {
  const pool = cluster(t, { sticky: { cookie: 'fw', ttlMs: 0, secure: false, httpOnly: true, sameSite: 'Lax' } });
  const s2 = pool.backends[1]!;
  const s2Value = pool.stickyValueFor(s2)!;
  assert.equal(pool.stickyMember(s2Value), s2);
  await pool.setMembers([member('s1', URLS[0]!), member('s3', URLS[2]!)], 1_000);
  const s3 = pool.findBackend('s3')!;
  assert.equal(pool.stickyMember(pool.stickyValueFor(s3)!), s3);
  assert.equal(pool.stickyMember(s2Value), undefined);
  assert.equal(pool.stickyValueFor(s2), undefined);
});

test('memberConfigs() is the list that keeps the pool as it is, without members that are leaving', async (t) => {
  const pool = cluster(t);
  pool.setWeight(pool.backends[0]!, 4);
  pool.setState(pool.backends[1]!, 'disabled');
  assert.deepEqual(pool.memberConfigs(), [member('s1', URLS[0]!, { weight: 4 }), member('s2', URLS[1]!, { state: 'disabled' })]);
  const s1 = pool.backends[0]!;
  const s1Upstream = s1.upstream;
  await pool.setMembers(pool.memberConfigs(), 1_000);
  assert.equal(pool.backends[0], s1);
  assert.equal(s1.upstream, s1Upstream);
  pool.backends[1]!.inFlight = 1;
  const leaving = pool.setMembers([member('s1', URLS[0]!, { weight: 4 })], 5_000);
  assert.deepEqual(pool.memberConfigs().map((c) => c.id), ['s1'], 'a leaving member is not in the list');
  pool.release(pool.backends[1]!);
  await leaving;
});
