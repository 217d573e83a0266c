// The in-process token-bucket store, on a clock the test moves: the burst,
// the refill, what a decision tells (remaining, retry, reset), a smaller
// burst after a reload, and the bound on keys (full buckets go first, then
// the least recently used).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBucketStore } from '../src/state/memory-bucket-store.js';

function clocked(maxKeys?: number): { store: MemoryBucketStore; advance(ms: number): void } {
  let now = 1_000;
  return { store: new MemoryBucketStore(maxKeys, () => now), advance: (ms) => (now += ms) };
}

const RULE = { average: 2, periodMs: 1_000, burst: 3 };

test('a new key has the whole burst; the next request waits for the refill, and each decision says how long', () => {
  const { store, advance } = clocked();
  assert.deepEqual(store.take('a', RULE), { allowed: true, remaining: 2, retryAfterMs: 0, resetMs: 500 });
  assert.deepEqual(store.take('a', RULE), { allowed: true, remaining: 1, retryAfterMs: 0, resetMs: 1_000 });
  assert.deepEqual(store.take('a', RULE), { allowed: true, remaining: 0, retryAfterMs: 500, resetMs: 1_500 });
  assert.deepEqual(store.take('a', RULE), { allowed: false, remaining: 0, retryAfterMs: 500, resetMs: 1_500 });
  advance(250);
  assert.equal(store.take('a', RULE).allowed, false, 'half a token is not a token');
  advance(250);
  assert.equal(store.take('a', RULE).allowed, true, 'one token came back after 500 ms (2 per second)');
  assert.equal(store.take('b', RULE).remaining, 2, 'another key has its own bucket');
  advance(60_000);
  assert.equal(store.take('a', RULE).remaining, 2, 'a long pause refills up to the burst, not beyond');
});

test('a smaller burst (a reload) applies at once to a fuller bucket', () => {
  const { store } = clocked();
  store.take('a', { ...RULE, burst: 10 });
  assert.deepEqual(store.take('a', { ...RULE, burst: 2 }), { allowed: true, remaining: 1, retryAfterMs: 0, resetMs: 500 });
});

test('the number of buckets is bounded: full-again buckets are dropped first, else the least recently used', () => {
  const { store, advance } = clocked(3);
  const slow = { average: 1, periodMs: 3_600_000, burst: 5 };
  store.take('a', slow);
  store.take('b', slow);
  store.take('c', slow);
  assert.equal(store.size, 3);
  store.take('a', slow); // a is now the most recently used
  store.take('d', slow); // at the limit, none full: the least recently used (b) goes
  assert.equal(store.size, 3);
  assert.equal(store.take('a', slow).remaining, 2, 'a kept its count');
  assert.equal(store.take('b', slow).remaining, 4, 'b was dropped and starts full again');

  // Buckets that refill fast are full again soon, and then go on their own, one per decision.
  const { store: quick, advance: wait } = clocked(100);
  const fast = { average: 1_000, periodMs: 1_000, burst: 2 };
  for (let i = 0; i < 50; i++) quick.take(`k${i}`, fast);
  assert.equal(quick.size, 50);
  wait(10);
  for (let i = 0; i < 10; i++) quick.take('x', fast);
  assert.ok(quick.size <= 41, `full buckets were dropped while deciding for another key (size ${quick.size})`);
  void advance;
});
