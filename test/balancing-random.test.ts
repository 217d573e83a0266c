import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandomSource } from '../src/balancing/random-source.js';
import { RandomBalancer } from '../src/balancing/random.js';
import { PowerOfTwoBalancer } from '../src/balancing/power-of-two.js';
import { backends, countIds, facts } from './balancing-helpers.js';

test('the random source is deterministic per seed and within [0, 1)', () => {
  const a = createRandomSource(7);
  const b = createRandomSource(7);
  const c = createRandomSource(8);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => c()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05);
});

test('weighted random stays within bounds over 10,000 picks', () => {
  const random = new RandomBalancer(createRandomSource(42));
  const pool = backends(5, 3, 2, 0);
  const counts = countIds(Array.from({ length: 10_000 }, () => random.pick(pool, facts())));
  assert.equal(counts['d'], undefined, 'weight 0 is never picked');
  // Expected 5000/3000/2000; 4 standard deviations is about ±200.
  assert.ok(Math.abs(counts['a']! - 5000) < 200, JSON.stringify(counts));
  assert.ok(Math.abs(counts['b']! - 3000) < 200, JSON.stringify(counts));
  assert.ok(Math.abs(counts['c']! - 2000) < 200, JSON.stringify(counts));
});

test('weighted random treats an all-zero-weight set as equal', () => {
  const random = new RandomBalancer(createRandomSource(1));
  const counts = countIds(Array.from({ length: 3000 }, () => random.pick(backends(0, 0, 0), facts())));
  for (const id of ['a', 'b', 'c']) assert.ok(Math.abs(counts[id]! - 1000) < 150, JSON.stringify(counts));
});

test('weighted random notices weights changed in place', () => {
  const random = new RandomBalancer(createRandomSource(3));
  const pool = backends(1, 1);
  for (let i = 0; i < 100; i++) random.pick(pool, facts());
  pool[1]!.weight = 0; // same array, same objects
  const counts = countIds(Array.from({ length: 2000 }, () => random.pick(pool, facts())));
  // Noticed when b is next drawn, at the latest on the periodic check.
  assert.ok((counts['b'] ?? 0) <= 1, JSON.stringify(counts));
});

test('power of two sends at least 80% to the faster backend at equal load', () => {
  const p2c = new PowerOfTwoBalancer(createRandomSource(99));
  const pool = backends(1, 1);
  Object.assign(pool[0]!, { ewmaLatencyMs: 10, latencySamples: 50, inFlight: 2 });
  Object.assign(pool[1]!, { ewmaLatencyMs: 100, latencySamples: 50, inFlight: 2 });
  const counts = countIds(Array.from({ length: 1000 }, () => p2c.pick(pool, facts())));
  assert.ok(counts['a']! >= 800, JSON.stringify(counts));
});

test('power of two prefers the faster of two random backends in a larger pool', () => {
  const p2c = new PowerOfTwoBalancer(createRandomSource(5));
  const pool = backends(...Array.from({ length: 10 }, () => 1));
  pool.forEach((b, i) => Object.assign(b, { ewmaLatencyMs: i === 0 ? 10 : 100, latencySamples: 10 }));
  const counts = countIds(Array.from({ length: 10_000 }, () => p2c.pick(pool, facts())));
  // a wins whenever it is drawn: 1 - (9/10 × 8/9) = 20% of picks.
  assert.ok(Math.abs(counts['a']! - 2000) < 250, JSON.stringify(counts));
});

test('power of two draws two distinct backends, weighted', () => {
  const p2c = new PowerOfTwoBalancer(createRandomSource(11));
  const pool = backends(1, 1);
  // Equal cost: the first draw wins, so picks split evenly; distinctness
  // means a lone heavy draw can never pair with itself.
  const even = countIds(Array.from({ length: 4000 }, () => p2c.pick(pool, facts())));
  assert.ok(Math.abs(even['a']! - 2000) < 200, JSON.stringify(even));
  const skewed = backends(100, 1);
  skewed[0]!.inFlight = 1;
  Object.assign(skewed[0]!, { ewmaLatencyMs: 10, latencySamples: 1 });
  Object.assign(skewed[1]!, { ewmaLatencyMs: 10, latencySamples: 1 });
  // The two are always compared, so the idler b wins every time.
  const counts = countIds(Array.from({ length: 500 }, () => p2c.pick(skewed, facts())));
  assert.deepEqual(counts, { b: 500 });
});

test('power of two counts an unmeasured idle backend as lightest and skips weight 0', () => {
  const p2c = new PowerOfTwoBalancer(createRandomSource(2));
  const pool = backends(1, 1, 0);
  Object.assign(pool[0]!, { ewmaLatencyMs: 1, latencySamples: 5 });
  const counts = countIds(Array.from({ length: 200 }, () => p2c.pick(pool, facts())));
  assert.deepEqual(counts, { b: 200 });
});

test('power of two with one usable backend returns it', () => {
  const p2c = new PowerOfTwoBalancer(createRandomSource(2));
  const pool = backends(0, 3);
  assert.equal(p2c.pick(pool, facts()).id, 'b');
  assert.equal(p2c.pick([pool[1]!], facts()).id, 'b');
});
