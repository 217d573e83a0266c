// A log-bucketed latency histogram in the manner of HDR Histogram: values are
// whole microseconds, exact below 2,048 µs and within 1/1,024 (about 0.1 %)
// above, up to about 1.2 hours. Recording is two shifts and an increment, so
// it can run once per response at any rate; histograms merge by adding counts,
// which is how rounds, workers and levels are combined.

/** Sub-buckets per bucket: values below this are stored exactly. */
const SUB_BUCKET_BITS = 11;
const SUB_BUCKET_COUNT = 1 << SUB_BUCKET_BITS; // 2048
const SUB_BUCKET_HALF = SUB_BUCKET_COUNT >> 1; // 1024
/** Buckets after the first: each doubles the range, half of it new. */
const BUCKETS = 22; // 2048 << 21 µs ≈ 4.3e9 µs ≈ 71 minutes
const SLOTS = SUB_BUCKET_COUNT + (BUCKETS - 1) * SUB_BUCKET_HALF;

export const HISTOGRAM_MAX_MICROS = SUB_BUCKET_COUNT * 2 ** (BUCKETS - 1) - 1;

/** Index of the slot that holds `value` (µs, 0 ≤ value ≤ HISTOGRAM_MAX_MICROS). */
function slotOf(value: number): number {
  if (value < SUB_BUCKET_COUNT) return value;
  // Bit length beyond the first bucket's 11 bits: 1 for 2048..4095, and so on.
  const shift = 32 - Math.clz32(value) - SUB_BUCKET_BITS;
  const sub = value >>> shift; // in [1024, 2047]
  return SUB_BUCKET_COUNT + (shift - 1) * SUB_BUCKET_HALF + (sub - SUB_BUCKET_HALF);
}

/** The lowest and highest value (µs) that land in a slot. */
function slotRange(slot: number): [number, number] {
  if (slot < SUB_BUCKET_COUNT) return [slot, slot];
  const k = slot - SUB_BUCKET_COUNT;
  const shift = Math.floor(k / SUB_BUCKET_HALF) + 1;
  const sub = (k % SUB_BUCKET_HALF) + SUB_BUCKET_HALF;
  const low = sub * 2 ** shift;
  return [low, low + 2 ** shift - 1];
}

/** The plain-data form of a histogram: sent between worker threads, merged. */
export interface HistogramData {
  /** Sparse counts: [slot, count, slot, count, ...]. */
  slots: number[];
  count: number;
  /** Sum of all recorded values, µs. */
  sum: number;
  min: number;
  max: number;
}

export interface LatencySummary {
  /** Milliseconds, as are all fields. */
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export class Histogram {
  private counts = new Float64Array(SLOTS);
  count = 0;
  sum = 0;
  min = Infinity;
  max = 0;

  /** Records one value in microseconds; negatives count as 0, huge values are capped. */
  record(micros: number): void {
    let v = Math.round(micros);
    if (!(v > 0)) v = 0;
    else if (v > HISTOGRAM_MAX_MICROS) v = HISTOGRAM_MAX_MICROS;
    this.counts[slotOf(v)]!++;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /**
   * The value at percentile p (0..100), µs, by nearest rank: the smallest
   * recorded value that at least p % of the values do not exceed. Values in
   * a shared slot report the slot's upper end, clamped to the true max.
   */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    if (p <= 0) return this.min;
    if (p >= 100) return this.max;
    // The small subtraction keeps 99.9 % of 1000 at rank 999, not 1000 by rounding.
    const rank = Math.max(1, Math.ceil((p / 100) * this.count - 1e-9));
    let seen = 0;
    const counts = this.counts;
    for (let slot = 0; slot < SLOTS; slot++) {
      seen += counts[slot]!;
      if (seen >= rank) return Math.max(this.min, Math.min(this.max, slotRange(slot)[1]));
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** Adds every value of `other` to this histogram. */
  add(other: Histogram | HistogramData): void {
    if (other instanceof Histogram) {
      if (other.count === 0) return;
      for (let slot = 0; slot < SLOTS; slot++) this.counts[slot]! += other.counts[slot]!;
    } else {
      if (other.count === 0) return;
      for (let i = 0; i < other.slots.length; i += 2) this.counts[other.slots[i]!]! += other.slots[i + 1]!;
    }
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  toData(): HistogramData {
    const slots: number[] = [];
    for (let slot = 0; slot < SLOTS; slot++) if (this.counts[slot]! > 0) slots.push(slot, this.counts[slot]!);
    return { slots, count: this.count, sum: this.sum, min: this.count === 0 ? 0 : this.min, max: this.max };
  }

  static fromData(data: HistogramData): Histogram {
    const h = new Histogram();
    h.add(data);
    return h;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = 0;
  }

  /** min, mean, p50, p90, p99, p99.9 and max, in milliseconds. */
  summary(): LatencySummary {
    const ms = (micros: number) => Math.round(micros) / 1000;
    return {
      min: this.count === 0 ? 0 : ms(this.min),
      mean: ms(this.mean()),
      p50: ms(this.percentile(50)),
      p90: ms(this.percentile(90)),
      p99: ms(this.percentile(99)),
      p999: ms(this.percentile(99.9)),
      max: ms(this.max),
    };
  }

  /**
   * Points of the percentile curve for charts: latency (µs) at 0, 50, 75,
   * 87.5, ... percent, halving the remainder each step, down to 1/count.
   */
  curve(): { percentile: number; micros: number }[] {
    const points: { percentile: number; micros: number }[] = [];
    if (this.count === 0) return points;
    for (let step = 0; step < 30; step++) {
      const p = 100 * (1 - 2 ** -step);
      points.push({ percentile: p, micros: this.percentile(p) });
      if (2 ** step >= this.count) break;
    }
    points.push({ percentile: 100, micros: this.max });
    return points;
  }
}
