// fairway's own request ids are random version-4 UUIDs, like
// crypto.randomUUID()'s, across the refills of their random pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRequestId } from '../src/exchange/request-id.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('request ids are version-4 UUIDs, all different, over several refills of the random pool', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2_000; i++) {
    const id = newRequestId();
    assert.match(id, UUID_V4);
    seen.add(id);
  }
  assert.equal(seen.size, 2_000);
});

test('a request id stays the same after the next one is made (it shares no memory with the generator)', () => {
  const first = newRequestId();
  const copy = `${first}`;
  newRequestId();
  assert.equal(first, copy);
});

test('the hex digits of request ids are spread evenly (no fixed or missing digit outside version and variant)', () => {
  const counts = new Map<string, number>();
  for (let i = 0; i < 4_000; i++) for (const c of newRequestId().replace(/-/g, '').slice(13)) counts.set(c, (counts.get(c) ?? 0) + 1);
  assert.equal(counts.size, 16, 'every hex digit appears');
  // 4,000 ids × 19 free-ish digits / 16 ≈ 4,750 each; a digit off by a third means broken randomness.
  for (const [digit, n] of counts) assert.ok(n > 3_000 && n < 6_500, `digit ${digit} appeared ${n} times`);
});
