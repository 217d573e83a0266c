// Latency percentiles over the last few seconds, cheap enough to record on
// every request: log-spaced buckets (about ±5 %), one histogram per second in
// a ring, summed on demand.
import { performance } from 'node:perf_hooks';
const RATIO = Math.log(1.1);
const BUCKETS = 200; // 1.1^200 µs ≈ 190 s: everything a request can take
const SECONDS = 10;

function bucketOf(ms: number): number {
  const us = ms * 1000;
  return us < 1 ? 0 : Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(us) / RATIO));
}

function bucketValueMs(bucket: number): number {
  // Geometric middle of the bucket's range, in ms.
  return bucket === 0 ? 0 : Math.pow(1.1, bucket - 0.5) / 1000;
}

export class LatencyWindow {
  private readonly counts = new Uint32Array(BUCKETS * SECONDS);
  private readonly slotSecond = new Float64Array(SECONDS).fill(-1);

  record(ms: number, now = performance.now()): void {
    const second = Math.floor(now / 1000);
    const slot = second % SECONDS;
    if (this.slotSecond[slot] !== second) {
      this.counts.fill(0, slot * BUCKETS, (slot + 1) * BUCKETS);
      this.slotSecond[slot] = second;
    }
    this.counts[slot * BUCKETS + bucketOf(ms)]!++;
  }

  /** Percentiles (0-100) over the last 10 s; 0 when nothing was recorded. */
  percentiles(ps: readonly number[], now = performance.now()): number[] {
    const newest = Math.floor(now / 1000);
    const merged = new Float64Array(BUCKETS);
    let total = 0;
    for (let slot = 0; slot < SECONDS; slot++) {
      const second = this.slotSecond[slot]!;
      if (second < 0 || newest - second >= SECONDS) continue;
      for (let b = 0; b < BUCKETS; b++) {
        const c = this.counts[slot * BUCKETS + b]!;
        merged[b]! += c;
        total += c;
      }
    }
    return ps.map((p) => {
      if (total === 0) return 0;
      const rank = Math.max(1, Math.ceil((p / 100) * total));
      let seen = 0;
      for (let b = 0; b < BUCKETS; b++) {
        seen += merged[b]!;
        if (seen >= rank) return Math.round(bucketValueMs(b) * 1000) / 1000;
      }
      return bucketValueMs(BUCKETS - 1);
    });
  }
}
