import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRobinBalancer } from '../src/balancing/round-robin.js';
import { backends, facts } from './balancing-helpers.js';

test('round robin visits every backend in order', () => {
  const rr = new RoundRobinBalancer();
  const pool = backends(1, 1, 1);
  const seen = Array.from({ length: 7 }, () => rr.pick(pool, facts()).id);
  assert.deepEqual(seen, ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
});

test('round robin stays in range when the eligible set shrinks', () => {
  const rr = new RoundRobinBalancer();
  const pool = backends(1, 1, 1);
  rr.pick(pool, facts());
  rr.pick(pool, facts());
  rr.pick(pool, facts()); // cursor now past a 2-element list
  const two = pool.slice(0, 2);
  const seen = Array.from({ length: 4 }, () => rr.pick(two, facts()).id);
  assert.equal(seen.filter((id) => id === 'a').length, 2);
  assert.equal(seen.filter((id) => id === 'b').length, 2);
});

test('round robin never picks a weight-0 backend', () => {
  const rr = new RoundRobinBalancer();
  const pool = backends(1, 0, 1);
  const seen = Array.from({ length: 6 }, () => rr.pick(pool, facts()).id);
  assert.deepEqual(seen, ['a', 'c', 'a', 'c', 'a', 'c']);
});

test('round robin treats an all-zero-weight set as equal', () => {
  const rr = new RoundRobinBalancer();
  const pool = backends(0, 0, 0);
  const seen = Array.from({ length: 4 }, () => rr.pick(pool, facts()).id);
  assert.deepEqual(seen, ['a', 'b', 'c', 'a']);
});
