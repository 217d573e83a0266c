// The read-only view's data: without the admin token the page polls
// /lb/stats, which has counts but no rates; rates come from the difference
// to the previous answer.
import { keyOf } from './state.js';
import type { BackendView, LbStats, Snapshot } from './types.js';

interface Previous {
  at: number;
  requests: number;
  perBackend: Map<string, { requests: number; errors: number }>;
}

/** Turns successive /lb/stats answers into snapshots like the live stream's. */
export class LbStatsSnapshots {
  private previous: Previous | undefined;

  /** Forgets the previous answer: the next rates are 0 rather than from stale counts. */
  reset(): void {
    this.previous = undefined;
  }

  next(stats: LbStats): Snapshot {
    const now = Date.now();
    const prev = this.previous;
    const seconds = prev ? Math.max(0.001, (now - prev.at) / 1000) : 1;
    const perBackend = new Map<string, { requests: number; errors: number }>();
    const pools = stats.pools.map((p) => ({
      name: p.name,
      algorithm: p.algorithm,
      queued: p.queued,
      panicking: p.panicking,
      healthyBackends: p.healthyBackends,
      totalBackends: p.totalBackends,
      backends: p.backends.map((b): BackendView => {
        const key = keyOf(p.name, b.id);
        const before = prev?.perBackend.get(key);
        perBackend.set(key, { requests: b.totalRequests, errors: b.errors });
        const delta = before ? b.totalRequests - before.requests : 0;
        return {
          id: b.id,
          url: b.url,
          state: b.state,
          health: b.ejectedUntil !== null ? 'ejected' : b.healthy ? 'healthy' : 'unhealthy',
          eligible: b.eligible,
          weight: b.weight,
          effectiveWeight: b.effectiveWeight,
          inFlight: b.activeRequests,
          openTunnels: b.openTunnels,
          totalRequests: b.totalRequests,
          requestsPerSecond: before ? Math.round((delta / seconds) * 10) / 10 : 0,
          errorRate: before && delta > 0 ? (b.errors - before.errors) / delta : 0,
          latencyMs: { p50: b.p50LatencyMs, p99: b.p99LatencyMs },
        };
      }),
    }));
    this.previous = { at: now, requests: stats.totals.requests, perBackend };
    return {
      time: now,
      uptimeSeconds: stats.uptimeSeconds,
      totals: stats.totals,
      requestsPerSecond: prev ? Math.round(((stats.totals.requests - prev.requests) / seconds) * 10) / 10 : 0,
      errorRate: 0,
      successRate: stats.totals.requests === 0 ? 1 : 1 - stats.totals.errors / stats.totals.requests,
      latencyMs: { p50: stats.p50LatencyMs, p99: stats.p99LatencyMs },
      pools,
      listeners: stats.listeners,
    };
  }
}
