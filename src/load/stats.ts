// Results of a load run: per round, merged per concurrency level, and the
// plain-number helpers (mean, median, spread) they use.
import { Histogram, type HistogramData, type LatencySummary } from './histogram.js';
import type { ShardResult } from './shard.js';

export interface BackendShare {
  name: string;
  count: number;
  /** Fraction of the answers that carried the backend header, 0..1. */
  share: number;
}

export interface CurvePoint {
  percentile: number;
  ms: number;
}

export interface RoundResult {
  concurrency: number;
  /** 1-based. */
  round: number;
  elapsedMs: number;
  /** Finished requests: answered with any status, or failed. */
  requests: number;
  successes: number;
  errorCount: number;
  /** timeout, refused, reset, protocol, other, http_<status>: count. */
  errors: Record<string, number>;
  /** Finished requests per second. */
  rps: number;
  latency: LatencySummary;
  backends: BackendShare[];
  /** Open model: requests due but not sent by the end of the round. */
  unsent: number;
  curve: CurvePoint[];
}

export interface Spread {
  mean: number;
  median: number;
  min: number;
  max: number;
  stdev: number;
}

export interface LevelSummary {
  concurrency: number;
  rounds: number;
  requests: number;
  successes: number;
  errorCount: number;
  errors: Record<string, number>;
  /** errorCount / requests, 0..1. */
  errorRate: number;
  /** Requests per second over the rounds. */
  rps: Spread;
  /** From the rounds' histograms merged. */
  latency: LatencySummary;
  backends: BackendShare[];
  curve: CurvePoint[];
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { mean: 0, median: 0, min: 0, max: 0, stdev: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const variance = values.length < 2 ? 0 : values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, median, min: sorted[0]!, max: sorted[sorted.length - 1]!, stdev: Math.sqrt(variance) };
}

export function addCounts(into: Record<string, number>, from: Record<string, number>): Record<string, number> {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

function sortedCounts(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

export function backendShares(counts: Record<string, number>): BackendShare[] {
  const total = Object.values(counts).reduce((s, v) => s + v, 0);
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([name, count]) => ({ name, count, share: total === 0 ? 0 : count / total }));
}

function curveOf(h: Histogram): CurvePoint[] {
  return h.curve().map((p) => ({ percentile: p.percentile, ms: p.micros / 1000 }));
}

/** Combines the shards (one per worker thread) of one round. */
export function mergeShards(shards: readonly ShardResult[]): ShardResult {
  const histogram = new Histogram();
  const merged: ShardResult = {
    elapsedMs: 0,
    requests: 0,
    successes: 0,
    errors: {},
    backends: {},
    histogram: histogram.toData(),
    unsent: 0,
  };
  for (const s of shards) {
    merged.elapsedMs = Math.max(merged.elapsedMs, s.elapsedMs);
    merged.requests += s.requests;
    merged.successes += s.successes;
    addCounts(merged.errors, s.errors);
    addCounts(merged.backends, s.backends);
    histogram.add(s.histogram);
    merged.unsent += s.unsent;
  }
  merged.errors = sortedCounts(merged.errors);
  merged.histogram = histogram.toData();
  return merged;
}

export function roundResult(concurrency: number, round: number, shard: ShardResult): RoundResult & { histogram: HistogramData } {
  const h = Histogram.fromData(shard.histogram);
  const errorCount = Object.values(shard.errors).reduce((s, v) => s + v, 0);
  return {
    concurrency,
    round,
    elapsedMs: Math.round(shard.elapsedMs),
    requests: shard.requests,
    successes: shard.successes,
    errorCount,
    errors: sortedCounts(shard.errors),
    rps: shard.elapsedMs > 0 ? (shard.requests * 1000) / shard.elapsedMs : 0,
    latency: h.summary(),
    backends: backendShares(shard.backends),
    unsent: shard.unsent,
    curve: curveOf(h),
    histogram: shard.histogram,
  };
}

export function summarizeLevel(
  concurrency: number,
  rounds: readonly (RoundResult & { histogram: HistogramData })[],
): LevelSummary {
  const h = new Histogram();
  const errors: Record<string, number> = {};
  const backends: Record<string, number> = {};
  let requests = 0;
  let successes = 0;
  let errorCount = 0;
  for (const r of rounds) {
    h.add(r.histogram);
    addCounts(errors, r.errors);
    for (const b of r.backends) backends[b.name] = (backends[b.name] ?? 0) + b.count;
    requests += r.requests;
    successes += r.successes;
    errorCount += r.errorCount;
  }
  return {
    concurrency,
    rounds: rounds.length,
    requests,
    successes,
    errorCount,
    errors: sortedCounts(errors),
    errorRate: requests === 0 ? 0 : errorCount / requests,
    rps: spread(rounds.map((r) => r.rps)),
    latency: h.summary(),
    backends: backendShares(backends),
    curve: curveOf(h),
  };
}
