import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WeightedRoundRobinBalancer } from '../src/balancing/weighted-round-robin.js';
import { backends, countIds, facts, longestRun } from './balancing-helpers.js';

test('smooth weighted round robin gives the NGINX sequence for 5,1,1', () => {
  const wrr = new WeightedRoundRobinBalancer();
  const pool = backends(5, 1, 1);
  const seen = Array.from({ length: 70 }, () => wrr.pick(pool, facts()).id);
  for (let start = 0; start < seen.length; start += 7) {
    const window = seen.slice(start, start + 7);
    assert.deepEqual(window, ['a', 'a', 'b', 'a', 'c', 'a', 'a']);
    // Within a window the heavy backend never takes three picks in a row.
    assert.ok(longestRun(window, 'a') <= 2);
  }
  // Every 7 consecutive picks, aligned or not, hold exactly 5,1,1.
  for (let start = 0; start + 7 <= seen.length; start++) {
    const counts = countIds(seen.slice(start, start + 7).map((id) => ({ id, weight: 1, inFlight: 0 })));
    assert.deepEqual(counts, { a: 5, b: 1, c: 1 });
  }
});

test('smooth weighted round robin keeps exact shares for uneven weights', () => {
  const wrr = new WeightedRoundRobinBalancer();
  const pool = backends(3, 2, 7, 1);
  const picks = Array.from({ length: 13 * 20 }, () => wrr.pick(pool, facts()));
  assert.deepEqual(countIds(picks), { a: 60, b: 40, c: 140, d: 20 });
});

test('weighted round robin never picks a weight-0 backend', () => {
  const wrr = new WeightedRoundRobinBalancer();
  const pool = backends(2, 0, 1);
  const picks = Array.from({ length: 300 }, () => wrr.pick(pool, facts()));
  assert.deepEqual(countIds(picks), { a: 200, c: 100 });
});

test('weighted round robin treats an all-zero-weight set as equal', () => {
  const wrr = new WeightedRoundRobinBalancer();
  const pool = backends(0, 0, 0);
  const picks = Array.from({ length: 30 }, () => wrr.pick(pool, facts()));
  assert.deepEqual(countIds(picks), { a: 10, b: 10, c: 10 });
});

test('weighted round robin follows eligible set changes, keyed by id', () => {
  const wrr = new WeightedRoundRobinBalancer();
  const pool = backends(5, 1, 1);
  for (let i = 0; i < 3; i++) wrr.pick(pool, facts());
  // c leaves, then comes back: shares over the following picks stay exact.
  const withoutC = [pool[0]!, pool[1]!];
  const during = Array.from({ length: 60 }, () => wrr.pick(withoutC, facts()));
  assert.deepEqual(countIds(during), { a: 50, b: 10 });
  // Members replaced in place in the same array are noticed too.
  const same = [pool[0]!, pool[1]!, pool[2]!];
  wrr.pick(same, facts());
  same[1] = { id: 'd', weight: 1, inFlight: 0 };
  const after = Array.from({ length: 70 }, () => wrr.pick(same, facts()));
  const counts = countIds(after);
  assert.equal(counts['b'], undefined);
  assert.ok(Math.abs(counts['a']! - 50) <= 1 && Math.abs(counts['d']! - 10) <= 1 && Math.abs(counts['c']! - 10) <= 1, JSON.stringify(counts));
});

test('weighted round robin honours fractional weights (slow start)', () => {
  const wrr = new WeightedRoundRobinBalancer();
  const pool = backends(1, 0.25);
  const picks = Array.from({ length: 500 }, () => wrr.pick(pool, facts()));
  assert.deepEqual(countIds(picks), { a: 400, b: 100 });
});
