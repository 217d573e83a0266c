import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundRobinBalancer } from '../src/balancing/round-robin.js';

const facts = { clientAddress: '127.0.0.1', method: 'GET', host: 'x', path: '/', headers: {} };
const backends = ['a', 'b', 'c'].map((id) => ({ id, weight: 1, inFlight: 0 }));

test('round robin visits every backend in order', () => {
  const rr = new RoundRobinBalancer();
  const seen = Array.from({ length: 7 }, () => rr.pick(backends, facts).id);
  assert.deepEqual(seen, ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
});

test('round robin stays in range when the eligible set shrinks', () => {
  const rr = new RoundRobinBalancer();
  rr.pick(backends, facts);
  rr.pick(backends, facts);
  rr.pick(backends, facts); // cursor now past a 2-element list
  const two = backends.slice(0, 2);
  const seen = Array.from({ length: 4 }, () => rr.pick(two, facts).id);
  assert.equal(seen.filter((id) => id === 'a').length, 2);
  assert.equal(seen.filter((id) => id === 'b').length, 2);
});
