import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRobinBalancer } from '../src/balancing/round-robin.js';
import { backends, countIds, facts } from './balancing-helpers.js';

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

test('round robin honours unequal weights like smooth weighted round robin', () => {
  const rr = new RoundRobinBalancer();
  const pool = backends(5, 1, 1);
  const seen = Array.from({ length: 14 }, () => rr.pick(pool, facts()).id);
  assert.deepEqual(seen.slice(0, 7), ['a', 'a', 'b', 'a', 'c', 'a', 'a']);
  assert.equal(seen.filter((id) => id === 'a').length, 10);
});

test('round robin returns to plain rotation once weights are equal again', () => {
  const rr = new RoundRobinBalancer();
  rr.pick(backends(3, 1), facts());
  const equal = backends(2, 2, 2);
  const seen = Array.from({ length: 6 }, () => rr.pick(equal, facts()).id);
  for (const id of ['a', 'b', 'c']) assert.equal(seen.filter((s) => s === id).length, 2);
});

test('round robin notices weights that stop being equal in place', () => {
  const rr = new RoundRobinBalancer();
  const servers = backends(1, 1, 1);
  for (let i = 0; i < 10; i++) rr.pick(servers, facts());
  servers[2]!.weight = 0;
  for (let i = 0; i < 300; i++) rr.pick(servers, facts());
  const counts = countIds(Array.from({ length: 300 }, () => rr.pick(servers, facts())));
  assert.deepEqual(counts, { a: 150, b: 150 });
});
