// A Prometheus histogram kept in plain arrays. prom-client's own Histogram
// hashes the label set on every observe, even through a cached child; per
// request that was the single largest cost of /metrics. Here a series is
// looked up once and observing is a short loop over the bucket bounds.
// The registry reads it through the same get() shape as its own metrics.
import type { Metric } from 'prom-client';

/** One sample in the shape prom-client's registry formats. */
export interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

export interface HistogramSeries {
  observe(value: number): void;
}

class Series implements HistogramSeries {
  /** Non-cumulative count per bucket; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Record<string, string>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class PlainHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {}

  /** The series of these labels, created on first use; keep it and observe on it. */
  child(labels: Record<string, string>): HistogramSeries {
    const key = JSON.stringify(labels);
    let series = this.series.get(key);
    if (series === undefined) {
      series = new Series(labels, this.bounds);
      this.series.set(key, series);
    }
    return series;
  }

  /** As prom-client's metrics answer: _bucket samples (cumulative, with le), _sum and _count. */
  get(): { name: string; help: string; type: string; values: Sample[]; aggregator: string } {
    const values: Sample[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += s.counts[i]!;
        const le = i < this.bounds.length ? this.bounds[i]! : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** For Registry.registerMetric, which expects its own Metric type. */
  asMetric(): Metric {
    return this as unknown as Metric;
  }
}
