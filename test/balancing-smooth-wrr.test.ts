// Weighted round robin against a plain NGINX-style reference: the table must
// reproduce its sequence exactly, across set and weight changes and in large
// pools; the EDF fallback must keep shares exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WeightedRoundRobinBalancer } from '../src/balancing/weighted-round-robin.js';
import { buildSmoothWrrTable } from '../src/balancing/smooth-wrr-table.js';
import { EdfSchedule } from '../src/balancing/edf-schedule.js';
import { createRandomSource } from '../src/balancing/random-source.js';
import { backends, countIds, facts, longestRun, type MutableBackend } from './balancing-helpers.js';

/** NGINX's smooth weighted round robin, one O(n) scan per pick, from all zeros. */
function reference(weights: readonly number[], picks: number): number[] {
  const current = weights.map(() => 0);
  const total = weights.reduce((sum, w) => sum + Math.max(0, w), 0);
  const out: number[] = [];
  for (let p = 0; p < picks; p++) {
    let best = -1;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i]! <= 0) continue;
      current[i]! += weights[i]!;
      if (best < 0 || current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    out.push(best);
  }
  return out;
}

function pool(weights: readonly number[]): MutableBackend[] {
  return weights.map((weight, i) => ({ id: `backend-${i}`, weight, inFlight: 0 }));
}

function indices(picks: readonly MutableBackend[]): number[] {
  return picks.map((b) => Number(b.id.slice('backend-'.length)));
}

/** Whether `seq` is `period` read from some offset, repeated. */
function isRotationOf(seq: readonly number[], period: readonly number[]): boolean {
  for (let offset = 0; offset < period.length; offset++) {
    if (seq.every((x, k) => x === period[(offset + k) % period.length])) return true;
  }
  return false;
}

test('the table is the reference sequence for 300 random integer weight sets', () => {
  const random = createRandomSource(7);
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + Math.floor(random() * 40);
    // Few distinct values, zeros included, and sometimes a common factor.
    const factor = trial % 3 === 0 ? 6 : 1;
    const weights = Array.from({ length: n }, () => factor * Math.floor(random() * 7));
    if (!weights.some((w) => w > 0)) weights[0] = 1;
    const total = weights.reduce((a, b) => a + b, 0);
    const table = buildSmoothWrrTable(weights);
    assert.ok(table !== undefined);
    assert.equal(table.length, total / weights.reduce((g, w) => gcdOf(g, w), 0));
    // Two periods of the reference: the state is back at zero after one.
    const expected = reference(weights, 2 * table.length);
    assert.deepEqual([...table, ...table], expected, `weights ${weights.join(',')}`);
  }
});

function gcdOf(a: number, b: number): number {
  return b === 0 ? a : gcdOf(b, a % b);
}

test('5,1,1 gives a a b a c a a in each of 1,000 windows', () => {
  const wrr = new WeightedRoundRobinBalancer();
  const servers = backends(5, 1, 1);
  const seen = Array.from({ length: 7000 }, () => wrr.pick(servers, facts()).id);
  for (let start = 0; start < seen.length; start += 7) {
    const window = seen.slice(start, start + 7);
    assert.deepEqual(window, ['a', 'a', 'b', 'a', 'c', 'a', 'a'], `window at ${start}`);
    assert.ok(longestRun(window, 'a') <= 2);
  }
});

test('weighted round robin picks the reference sequence in a large pool', () => {
  const weights = Array.from({ length: 1000 }, (_, i) => 1 + (i % 5));
  const servers = pool(weights);
  const wrr = new WeightedRoundRobinBalancer();
  const picks = indices(Array.from({ length: 2 * 3000 }, () => wrr.pick(servers, facts())));
  assert.deepEqual(picks, reference(weights, 2 * 3000));
  const counts = new Array<number>(1000).fill(0);
  for (const i of picks) counts[i]!++;
  counts.forEach((count, i) => assert.equal(count, 2 * weights[i]!, `backend-${i}`));
});

test('a new array with the same ids and weights keeps the place in the sequence', () => {
  const wrr = new WeightedRoundRobinBalancer();
  const weights = [3, 2, 7, 1];
  const seen: number[] = [];
  for (let p = 0; p < 130; p++) {
    // A fresh copy every few picks, as the pool publishes on unrelated changes.
    const servers = pool(weights);
    seen.push(...indices([wrr.pick(servers, facts()), wrr.pick(servers, facts())]));
  }
  assert.deepEqual(seen, reference(weights, 260));
});

test('after a weight change mid-stream every window has the new exact shares', () => {
  const wrr = new WeightedRoundRobinBalancer();
  for (let i = 0; i < 10; i++) wrr.pick(pool([5, 1, 1]), facts());
  const changed = pool([1, 2, 3]);
  const after = indices(Array.from({ length: 600 }, () => wrr.pick(changed, facts())));
  // The new sequence, read from some point of its period, not a blend.
  assert.ok(isRotationOf(after, reference([1, 2, 3], 6)), after.slice(0, 12).join(','));
  for (let start = 0; start + 6 <= after.length; start++) {
    const window = after.slice(start, start + 6);
    assert.deepEqual([0, 1, 2].map((i) => window.filter((x) => x === i).length), [1, 2, 3], `window at ${start}`);
  }
});

test('after an eligibility change mid-stream the remaining backends share exactly', () => {
  const wrr = new WeightedRoundRobinBalancer();
  const servers = pool([4, 2, 1, 3]);
  for (let i = 0; i < 5; i++) wrr.pick(servers, facts());
  const without = [servers[0]!, servers[2]!, servers[3]!]; // backend-1 unhealthy
  const during = indices(Array.from({ length: 80 }, () => wrr.pick(without, facts())));
  assert.ok(!during.includes(1));
  // Indices are positions in `without`: 4,1,3 over periods of 8.
  assert.ok(isRotationOf(during.map((id) => (id === 0 ? 0 : id === 2 ? 1 : 2)), reference([4, 1, 3], 8)));
  // Back again: the full set's sequence, exact shares in every window of 10.
  const back = indices(Array.from({ length: 100 }, () => wrr.pick(servers, facts())));
  assert.ok(isRotationOf(back, reference([4, 2, 1, 3], 10)));
});

test('weights changed in place are noticed by the periodic check', () => {
  const wrr = new WeightedRoundRobinBalancer();
  const servers = backends(1, 1, 1);
  for (let i = 0; i < 10; i++) wrr.pick(servers, facts());
  servers[0]!.weight = 5; // same array, same objects
  for (let i = 0; i < 300; i++) wrr.pick(servers, facts());
  const counts = countIds(Array.from({ length: 700 }, () => wrr.pick(servers, facts())));
  assert.deepEqual(counts, { a: 500, b: 100, c: 100 });
  // A weight dropped to 0 is noticed as soon as that backend comes up.
  servers[1]!.weight = 0;
  const after = countIds(Array.from({ length: 600 }, () => wrr.pick(servers, facts())));
  assert.deepEqual(after, { a: 500, c: 100 });
});

test('fractional weights (slow start) fall back to EDF with exact long-run shares', () => {
  assert.equal(buildSmoothWrrTable([1, 0.37]), undefined);
  const weights = Array.from({ length: 1000 }, (_, i) => (i === 999 ? 2.5 : 1 + (i % 5)));
  const servers = pool(weights);
  const wrr = new WeightedRoundRobinBalancer();
  // Total weight 3000 - 5 + 2.5 = 2997.5: 2 × that is a whole number of picks.
  const picks = indices(Array.from({ length: 5995 }, () => wrr.pick(servers, facts())));
  const counts = new Array<number>(1000).fill(0);
  for (const i of picks) counts[i]!++;
  counts.forEach((count, i) => assert.equal(count, 2 * weights[i]!, `backend-${i}`));
});

test('a period too long for a table falls back to EDF, still exact per period', () => {
  // 1..1000: a period of 500,500 picks, 1,000 distinct weights.
  const weights = Array.from({ length: 1000 }, (_, i) => i + 1);
  assert.equal(buildSmoothWrrTable(weights), undefined);
  assert.ok(buildSmoothWrrTable(weights, { maxSlots: 1 << 20, maxWork: 1 << 30 }) !== undefined);
  const servers = pool(weights);
  const wrr = new WeightedRoundRobinBalancer();
  const counts = new Array<number>(1000).fill(0);
  for (let p = 0; p < 500_500; p++) counts[indices([wrr.pick(servers, facts())])[0]!]!++;
  counts.forEach((count, i) => assert.equal(count, weights[i]!, `backend-${i}`));
});

test('EDF spaces each backend\'s turns evenly', () => {
  const edf = new EdfSchedule();
  edf.reset([3, 1, 0, 0.5], ['a', 'b', 'c', 'd']);
  const seen = Array.from({ length: 900 }, () => edf.next());
  assert.ok(!seen.includes(2));
  assert.deepEqual([0, 1, 3].map((i) => seen.filter((x) => x === i).length), [600, 200, 100]);
  // a never waits more than its share allows: no gap over 2 picks between its turns.
  let gap = 0;
  for (const x of seen) {
    gap = x === 0 ? 0 : gap + 1;
    assert.ok(gap <= 2);
  }
});

test('EDF carries progress across a reset, rescaled to the new weight', () => {
  const edf = new EdfSchedule();
  edf.reset([1, 1], ['a', 'b']);
  edf.next(); // a, due again at 1.5; b is due at 0.5
  // b ramps up to 4: it was due in 0.5 of an interval and stays first.
  edf.reset([1, 4], ['a', 'b']);
  const seen = Array.from({ length: 10 }, () => edf.next());
  assert.equal(seen[0], 1);
  assert.deepEqual([0, 1].map((i) => seen.filter((x) => x === i).length), [2, 8]);
});
