// How data from the server changes the state: snapshots extend the bounded
// histories, sampled requests are kept to the last few, health events patch
// the current snapshot.
import { keyOf, type AppState } from './state.js';
import type { HealthEventView, RequestEvent, Snapshot } from './types.js';

const HISTORY_SECONDS = 300;
const SPARK_SECONDS = 120;
/** One more than a minute of snapshots: the oldest is the baseline of "last minute". */
const TOTALS_KEPT = 61;
const MAX_REQUESTS_SHOWN = 25;

function trim<T>(list: T[], max: number): void {
  if (list.length > max) list.splice(0, list.length - max);
}

export function recordSnapshot(state: AppState, s: Snapshot): void {
  state.snapshot = s;
  const t = s.time / 1000;
  state.history.push({ t, rps: s.requestsPerSecond, p50: s.latencyMs.p50, p99: s.latencyMs.p99 });
  trim(state.history, HISTORY_SECONDS);
  const counts = new Map<string, number>();
  for (const pool of s.pools) {
    for (const b of pool.backends) {
      const key = keyOf(pool.name, b.id);
      counts.set(key, b.totalRequests);
      let series = state.backendHistory.get(key);
      if (series === undefined) state.backendHistory.set(key, (series = { t: [], rps: [] }));
      series.t.push(t);
      series.rps.push(b.requestsPerSecond);
      trim(series.t, SPARK_SECONDS);
      trim(series.rps, SPARK_SECONDS);
    }
  }
  state.totalsHistory.push({ t, counts });
  trim(state.totalsHistory, TOTALS_KEPT);
}

export function recordRequest(state: AppState, r: RequestEvent): void {
  state.requests.push(r);
  trim(state.requests, MAX_REQUESTS_SHOWN);
}

/**
 * Applies a health event to the current snapshot's backend, since health
 * changes arrive between snapshots. Returns whether a backend changed.
 */
export function applyHealthEvent(state: AppState, e: HealthEventView): boolean {
  const b = state.snapshot?.pools.find((p) => p.name === e.pool)?.backends.find((x) => x.id === e.backend);
  if (!b) return false;
  // Ejections come as health events with ejected: true, their end with
  // reason "ejection time over"; the rest are health-check transitions.
  if (e.ejected) b.ejected = true;
  else if (e.reason === 'ejection time over') b.ejected = false;
  else b.healthy = e.healthy;
  return true;
}
