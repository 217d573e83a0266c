import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyWindow } from '../src/observability/latency-window.js';

test('percentiles of known samples within the bucket precision (±5 %)', () => {
  const w = new LatencyWindow();
  for (let i = 1; i <= 1000; i++) w.record(i / 10, 5_000); // 0.1 .. 100 ms
  const [p50, p99] = w.percentiles([50, 99], 5_000);
  assert.ok(Math.abs(p50! - 50) / 50 < 0.06, `p50 ${p50}`);
  assert.ok(Math.abs(p99! - 99) / 99 < 0.06, `p99 ${p99}`);
});

test('samples older than the window no longer count', () => {
  const w = new LatencyWindow();
  w.record(500, 1_000);
  w.record(1, 20_000);
  assert.deepEqual(w.percentiles([50, 100], 20_000).map((v) => v < 2), [true, true]);
  assert.deepEqual(new LatencyWindow().percentiles([50]), [0]);
});
