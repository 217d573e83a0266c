// The load generator's statistics against known inputs: percentiles by
// nearest rank, precision above the exact range, merging, and spread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, HISTOGRAM_MAX_MICROS } from '../src/load/histogram.js';
import { backendShares, spread, summarizeLevel, roundResult, mergeShards } from '../src/load/stats.js';
import type { ShardResult } from '../src/load/shard.js';

test('percentiles of 1..1000 µs are exact nearest-rank values', () => {
  const h = new Histogram();
  for (let v = 1000; v >= 1; v--) h.record(v);
  assert.equal(h.count, 1000);
  assert.equal(h.percentile(50), 500);
  assert.equal(h.percentile(90), 900);
  assert.equal(h.percentile(99), 990);
  assert.equal(h.percentile(99.9), 999);
  assert.equal(h.percentile(100), 1000);
  assert.equal(h.percentile(0), 1);
  assert.equal(h.mean(), 500.5);
  assert.deepEqual(h.summary(), { min: 0.001, mean: 0.501, p50: 0.5, p90: 0.9, p99: 0.99, p999: 0.999, max: 1 });
});

test('a single slow request shows in p99.9 and max but not p99', () => {
  const h = new Histogram();
  for (let i = 0; i < 999; i++) h.record(200);
  h.record(3_000_000);
  assert.equal(h.percentile(99), 200);
  assert.equal(h.percentile(99.9), 200);
  assert.equal(h.percentile(99.95), 3_000_000);
  assert.equal(h.summary().max, 3000);
});

test('values above the exact range stay within 0.1 %', () => {
  for (const v of [2048, 2049, 4097, 123_456, 9_876_543, 600_000_000]) {
    const h = new Histogram();
    h.record(1);
    h.record(v);
    h.record(HISTOGRAM_MAX_MICROS); // keeps the clamp to max out of the way
    const p = h.percentile(66);
    assert.ok(p >= v && p <= v * 1.001, `${v} read back as ${p}`);
  }
});

test('negative and huge values are clamped, not lost', () => {
  const h = new Histogram();
  h.record(-5);
  h.record(1e15);
  assert.equal(h.count, 2);
  assert.equal(h.min, 0);
  assert.equal(h.max, HISTOGRAM_MAX_MICROS);
});

test('merging histograms equals recording everything in one', () => {
  const a = new Histogram();
  const b = new Histogram();
  const all = new Histogram();
  for (let i = 0; i < 5000; i++) {
    const v = (i * 7919) % 50_000;
    (i % 3 === 0 ? a : b).record(v);
    all.record(v);
  }
  const merged = Histogram.fromData(a.toData());
  merged.add(b);
  for (const p of [0, 10, 50, 90, 99, 99.9, 100]) assert.equal(merged.percentile(p), all.percentile(p), `p${p}`);
  assert.equal(merged.count, all.count);
  assert.equal(merged.sum, all.sum);
});

test('an empty histogram reports zeros', () => {
  const h = new Histogram();
  assert.deepEqual(h.summary(), { min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  assert.deepEqual(h.curve(), []);
});

test('the percentile curve climbs to the max', () => {
  const h = new Histogram();
  for (let v = 1; v <= 1000; v++) h.record(v);
  const curve = h.curve();
  assert.equal(curve[0]!.percentile, 0);
  assert.equal(curve.at(-1)!.micros, 1000);
  for (let i = 1; i < curve.length; i++) assert.ok(curve[i]!.micros >= curve[i - 1]!.micros);
});

test('spread: mean, median, sample standard deviation', () => {
  assert.deepEqual(spread([2, 4, 4, 4, 5, 5, 7, 9]), { mean: 5, median: 4.5, min: 2, max: 9, stdev: Math.sqrt(32 / 7) });
  assert.deepEqual(spread([3]), { mean: 3, median: 3, min: 3, max: 3, stdev: 0 });
});

test('backend shares are fractions of the answers that named a backend', () => {
  assert.deepEqual(backendShares({ s2: 25, s10: 25, s1: 50 }), [
    { name: 's1', count: 50, share: 0.5 },
    { name: 's2', count: 25, share: 0.25 },
    { name: 's10', count: 25, share: 0.25 },
  ]);
});

function shard(values: number[], extra: Partial<ShardResult> = {}): ShardResult {
  const h = new Histogram();
  for (const v of values) h.record(v);
  return { elapsedMs: 1000, requests: values.length, successes: values.length, errors: {}, backends: {}, histogram: h.toData(), unsent: 0, ...extra };
}

test('rounds and levels add up counts and merge latencies', () => {
  const r1 = roundResult(10, 1, shard([100, 200, 300], { requests: 4, successes: 2, errors: { timeout: 1, http_503: 1 }, backends: { a: 2, b: 1 } }));
  const r2 = roundResult(10, 2, shard([400], { elapsedMs: 500, errors: {}, backends: { a: 1 } }));
  assert.equal(r1.rps, 4);
  assert.equal(r1.errorCount, 2);
  assert.equal(r2.rps, 2);
  const level = summarizeLevel(10, [r1, r2]);
  assert.equal(level.requests, 5);
  assert.equal(level.successes, 3);
  assert.deepEqual(level.errors, { http_503: 1, timeout: 1 });
  assert.equal(level.errorRate, 2 / 5);
  assert.equal(level.rps.mean, 3);
  assert.equal(level.latency.p50, 0.2);
  assert.equal(level.latency.max, 0.4);
  assert.deepEqual(level.backends.map((b) => [b.name, b.count]), [['a', 3], ['b', 1]]);
});

test('shards of one round (worker threads) merge into one', () => {
  const merged = mergeShards([shard([1, 2], { errors: { reset: 1 }, elapsedMs: 900 }), shard([3], { errors: { reset: 2, refused: 1 } })]);
  assert.equal(merged.requests, 3);
  assert.equal(merged.elapsedMs, 1000);
  assert.deepEqual(merged.errors, { refused: 1, reset: 3 });
  assert.equal(merged.histogram.count, 3);
});
