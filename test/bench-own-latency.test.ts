// build-ab's reading of fairway's own latency: the request-duration
// histogram summed over backends, and a quantile of the requests counted
// between two readings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationBuckets, quantileBetween } from '../bench/compare/own-latency.js';

function exposition(counts: Record<string, [number, number]>): string {
  const lines = ['# TYPE fairway_request_duration_seconds histogram'];
  for (const [le, [a, b]] of Object.entries(counts)) {
    lines.push(`fairway_request_duration_seconds_bucket{pool="default",backend="127.0.0.1:1",le="${le}"} ${a}`);
    lines.push(`fairway_request_duration_seconds_bucket{pool="default",backend="127.0.0.1:2",le="${le}"} ${b}`);
  }
  lines.push('fairway_request_duration_seconds_count{pool="default",backend="127.0.0.1:1"} 0');
  lines.push('fairway_nodejs_gc_duration_seconds_bucket{le="0.001",kind="minor"} 999');
  return lines.join('\n');
}

test('the histogram is summed over every backend, and other histograms are left out', () => {
  const b = parseDurationBuckets(exposition({ '0.001': [10, 5], '0.0025': [20, 10], '+Inf': [25, 10] }));
  assert.deepEqual([...b.entries()], [
    [0.001, 15],
    [0.0025, 30],
    [Infinity, 35],
  ]);
});

test("a quantile counts only the requests between the two readings, interpolated inside its bucket", () => {
  const before = parseDurationBuckets(exposition({ '0.001': [100, 0], '0.0025': [100, 0], '0.005': [100, 0], '+Inf': [100, 0] }));
  // 100 requests in the run: 80 up to 1 ms, 18 up to 2.5 ms, 2 up to 5 ms.
  const after = parseDurationBuckets(exposition({ '0.001': [140, 40], '0.0025': [149, 49], '0.005': [150, 50], '+Inf': [150, 50] }));
  assert.equal(quantileBetween(before, after, 0.5)!.toFixed(3), '0.625');
  // The 99th request is halfway through the 2.5–5 ms bucket.
  assert.equal(quantileBetween(before, after, 0.99)!.toFixed(3), '3.750');
});

test('a run that fairway counted no request for has no quantile', () => {
  const same = parseDurationBuckets(exposition({ '0.001': [3, 3], '+Inf': [3, 3] }));
  assert.equal(quantileBetween(same, same, 0.99), undefined);
});
