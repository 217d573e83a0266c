// Shared load score for the latency-aware algorithms (least-response-time,
// power-of-two). Lower is better; compare rank first, then cost.

import type { BackendView } from './balancer.js';

/** Unmeasured and idle: send one request so it gets measured. */
export const RANK_PROBE = 0;
/** Measured: ranked by cost. */
export const RANK_MEASURED = 1;
/**
 * Unmeasured but a probe is already in flight. Waiting for that answer is
 * safer than flooding a backend whose speed is unknown (it may be the slow
 * one), so it ranks after every measured backend.
 */
export const RANK_PROBING = 2;

export function hasLatencySample(backend: BackendView): boolean {
  const ewma = backend.ewmaLatencyMs;
  // `!(ewma >= 0)` also rejects NaN.
  if (ewma === undefined || !(ewma >= 0)) return false;
  const samples = backend.latencySamples;
  return samples === undefined ? ewma > 0 : samples > 0;
}

export function latencyRank(backend: BackendView): number {
  if (hasLatencySample(backend)) return RANK_MEASURED;
  return backend.inFlight > 0 ? RANK_PROBING : RANK_PROBE;
}

/**
 * Expected wait if one more request joins: EWMA × (in-flight + 1), so the
 * fastest backend stops winning once its queue outweighs its speed. For
 * unmeasured backends only in-flight counts (they are compared among their
 * own rank).
 */
export function latencyCost(backend: BackendView, rank: number): number {
  const load = backend.inFlight + 1;
  return rank === RANK_MEASURED ? backend.ewmaLatencyMs! * load : load;
}
