import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LeastConnectionsBalancer } from '../src/balancing/least-connections.js';
import { LeastResponseTimeBalancer } from '../src/balancing/least-response-time.js';
import { backends, countIds, facts, type MutableBackend } from './balancing-helpers.js';

test('least connections picks the backend with the fewest in-flight requests', () => {
  const lc = new LeastConnectionsBalancer<MutableBackend>();
  const pool = backends(1, 1, 1);
  pool[0]!.inFlight = 4;
  pool[1]!.inFlight = 1;
  pool[2]!.inFlight = 3;
  assert.equal(lc.pick(pool, facts()).id, 'b');
});

test('least connections weighs in-flight by weight', () => {
  const lc = new LeastConnectionsBalancer<MutableBackend>();
  const pool = backends(4, 1);
  pool[0]!.inFlight = 6; // 1.5 per unit of weight
  pool[1]!.inFlight = 2; // 2 per unit
  assert.equal(lc.pick(pool, facts()).id, 'a');
});

test('least connections rotates among tied backends', () => {
  const lc = new LeastConnectionsBalancer<MutableBackend>();
  const pool = backends(1, 1, 1, 1);
  pool[1]!.inFlight = 5;
  const seen = Array.from({ length: 6 }, () => lc.pick(pool, facts()).id);
  assert.deepEqual(seen, ['a', 'c', 'd', 'a', 'c', 'd']);
});

test('least connections spreads evenly when the data path counts in-flight', () => {
  const lc = new LeastConnectionsBalancer<MutableBackend>();
  const pool = backends(1, 1, 1);
  for (let i = 0; i < 30; i++) lc.pick(pool, facts()).inFlight++;
  assert.deepEqual(
    pool.map((b) => b.inFlight),
    [10, 10, 10],
  );
});

test('least connections never picks weight 0 unless all are 0', () => {
  const lc = new LeastConnectionsBalancer<MutableBackend>();
  const pool = backends(0, 1);
  pool[1]!.inFlight = 100;
  assert.equal(lc.pick(pool, facts()).id, 'b');
  const zeros = backends(0, 0);
  zeros[0]!.inFlight = 2;
  assert.equal(lc.pick(zeros, facts()).id, 'b');
});

test('least response time probes unmeasured backends first', () => {
  const lrt = new LeastResponseTimeBalancer<MutableBackend>();
  const pool = backends(1, 1, 1);
  Object.assign(pool[0]!, { ewmaLatencyMs: 5, latencySamples: 10 });
  Object.assign(pool[1]!, { ewmaLatencyMs: 50, latencySamples: 10 });
  // c has no samples (NaN average): it gets the next request.
  Object.assign(pool[2]!, { ewmaLatencyMs: Number.NaN, latencySamples: 0 });
  assert.equal(lrt.pick(pool, facts()).id, 'c');
  // With its probe in flight and still unmeasured it waits behind measured ones.
  pool[2]!.inFlight = 1;
  assert.equal(lrt.pick(pool, facts()).id, 'a');
});

test('least response time prefers the fast backend until its queue outweighs its speed', () => {
  const lrt = new LeastResponseTimeBalancer<MutableBackend>();
  const pool = backends(1, 1);
  Object.assign(pool[0]!, { ewmaLatencyMs: 10, latencySamples: 100 });
  Object.assign(pool[1]!, { ewmaLatencyMs: 100, latencySamples: 100 });
  assert.equal(lrt.pick(pool, facts()).id, 'a');
  pool[0]!.inFlight = 10; // 10 × 11 = 110 > 100 × 1
  assert.equal(lrt.pick(pool, facts()).id, 'b');
  // Under a steady stream the fast one takes most requests.
  pool[0]!.inFlight = 0;
  const picks = [];
  for (let i = 0; i < 100; i++) {
    const b = lrt.pick(pool, facts());
    b.inFlight++;
    picks.push(b);
  }
  assert.ok(countIds(picks)['a']! >= 80);
});

test('least response time accepts an average without a sample count', () => {
  const lrt = new LeastResponseTimeBalancer<MutableBackend>();
  const pool = backends(1, 1);
  Object.assign(pool[0]!, { ewmaLatencyMs: 30 });
  Object.assign(pool[1]!, { ewmaLatencyMs: 20 });
  assert.equal(lrt.pick(pool, facts()).id, 'b');
});

test('least response time rotates ties', () => {
  const lrt = new LeastResponseTimeBalancer<MutableBackend>();
  const pool = backends(1, 1, 1);
  for (const b of pool) Object.assign(b, { ewmaLatencyMs: 10, latencySamples: 3 });
  const seen = Array.from({ length: 6 }, () => lrt.pick(pool, facts()).id);
  assert.deepEqual(seen, ['a', 'b', 'c', 'a', 'b', 'c']);
});
