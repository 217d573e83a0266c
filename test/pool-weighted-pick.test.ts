// Weighted round robin inside a pool: a backend at its connection cap hands
// its turn on without disturbing the sequence, and slow start's fractional
// weights give way to the exact sequence once the ramp is over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../src/cluster/cluster.js';
import type { Backend } from '../src/cluster/backend.js';
import { FairwayEvents } from '../src/observability/events.js';
import { facts } from './balancing-helpers.js';
import { poolConfig, silentLogger } from './helpers/fixtures.js';

const SEQUENCE = ['s1', 's1', 's2', 's1', 's3', 's1', 's1'];

function weightedPool(): Cluster {
  const config = poolConfig(['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3'], { algorithm: 'weighted-round-robin' });
  config.healthCheck.enabled = false;
  config.backends.forEach((b, i) => (b.weight = [5, 1, 1][i]!));
  const pool = new Cluster(config, silentLogger, new FairwayEvents());
  void pool.setMembers(config.backends, 0);
  return pool;
}

/** Acquires and releases at once, so no cap is reached unless a test holds one. */
function take(pool: Cluster): string {
  const got = pool.acquire(facts());
  assert.ok(typeof got !== 'string', `no backend: ${String(got)}`);
  pool.release(got);
  return got.id;
}

test('a backend at its cap passes its turns to the next one and the sequence goes on', async (t) => {
  const pool = weightedPool();
  t.after(() => pool.close());
  const s1 = pool.backends[0]!;
  s1.maxConnections = 1;
  const held = pool.acquire(facts()) as Backend; // s1, first of the sequence
  assert.equal(held, s1);
  // Picks 2..14 of the sequence; s1's turns go to s2, next in eligible order.
  const capped = Array.from({ length: 13 }, () => take(pool));
  const expected = Array.from({ length: 13 }, (_, k) => SEQUENCE[(k + 1) % 7]!.replace('s1', 's2'));
  assert.deepEqual(capped, expected);
  pool.release(held);
  // 14 picks done: the sequence resumes at the start of a period.
  assert.deepEqual(Array.from({ length: 14 }, () => take(pool)), [...SEQUENCE, ...SEQUENCE]);
});

test('slow start: a ramping weight keeps exact shares, then the exact sequence returns', async (t) => {
  const pool = weightedPool();
  t.after(() => pool.close());
  const s3 = pool.backends[2]!;
  // What SlowStart does on a tick: lower the effective weight, publish a new set.
  s3.weight = 0.5;
  pool.refreshEligible();
  const ramping = Array.from({ length: 13 * 20 }, () => take(pool));
  const count = (ids: string[], id: string) => ids.filter((x) => x === id).length;
  assert.deepEqual(['s1', 's2', 's3'].map((id) => count(ramping, id)), [200, 40, 20]);
  s3.weight = s3.configWeight;
  pool.refreshEligible();
  const after = Array.from({ length: 70 }, () => take(pool));
  // Some rotation of the NGINX sequence, exact in every window of 7.
  const offset = SEQUENCE.findIndex((_, o) => after.every((id, k) => id === SEQUENCE[(o + k) % 7]));
  assert.ok(offset >= 0, after.slice(0, 14).join(' '));
});
