// The JSON snapshot served at /lb/stats.
import type { Cluster } from '../cluster/cluster.js';
import type { TrafficStats } from '../observability/traffic-stats.js';
import type { ListenerDescription } from '../frontend/listener-set.js';
import type { RedisStatus } from '../state/shared-stores.js';

export interface BackendStats {
  id: string;
  url: string;
  healthy: boolean;
  /** Administrative state: enabled, draining or disabled. */
  state: string;
  /** Takes new requests right now (enabled, healthy, not ejected, weight > 0). */
  eligible: boolean;
  /** Ejected by outlier detection until this time (ISO), if ejected. */
  ejectedUntil: string | null;
  backup: boolean;
  weight: number;
  /** Weight in effect (lower while slow start ramps). */
  effectiveWeight: number;
  lastHealthReason: string;
  /** Requests in progress, open tunnels included. */
  activeRequests: number;
  /** Tunnels (upgraded connections, WebSocket) open now. */
  openTunnels: number;
  totalRequests: number;
  errors: number;
  averageLatencyMs: number;
  /** Over the last 10 s (0 when nothing was proxied), as in /api/pools. */
  p50LatencyMs: number;
  p99LatencyMs: number;
}

export interface PoolStats {
  name: string;
  algorithm: string;
  /** Requests waiting for a backend below its maxConnections. */
  queued: number;
  /** Balancing over unhealthy backends too because too few are healthy. */
  panicking: boolean;
  healthyBackends: number;
  totalBackends: number;
  backends: BackendStats[];
}

export interface StatsSnapshot {
  uptimeSeconds: number;
  startedAt: string;
  totals: { requests: number; errors: number; active: number; retries: number };
  /** End-to-end latency percentiles over the last 10 s (0 when idle). */
  p50LatencyMs: number;
  p99LatencyMs: number;
  pools: PoolStats[];
  /** Each listener, and for a TLS one its certificates' names and expiry. */
  listeners: ListenerDescription[];
  /** The `redis:` server (password left out) and whether it is connected; absent without one. */
  redis?: RedisStatus;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export function statsSnapshot(stats: TrafficStats, pools: readonly Cluster[], listeners: ListenerDescription[] = [], redis?: RedisStatus): StatsSnapshot {
  const [p50, p99] = stats.latency.percentiles([50, 99]);
  return {
    uptimeSeconds: round((Date.now() - stats.startedAt) / 1000),
    startedAt: new Date(stats.startedAt).toISOString(),
    totals: { requests: stats.requests, errors: stats.errors, active: stats.active, retries: stats.retries },
    p50LatencyMs: round(p50!),
    p99LatencyMs: round(p99!),
    pools: pools.map((pool) => ({
      name: pool.name,
      algorithm: pool.balancer.name,
      queued: pool.queue.length,
      panicking: pool.panicking,
      healthyBackends: pool.healthyCount,
      totalBackends: pool.backends.length,
      backends: pool.backends.map((b) => {
        const [bp50, bp99] = b.recentLatency.percentiles([50, 99]);
        return {
          id: b.id,
          url: b.url,
          healthy: b.healthy,
          state: b.state,
          eligible: b.eligible,
          ejectedUntil: b.ejected ? new Date(b.ejectedUntil).toISOString() : null,
          backup: b.backup,
          weight: b.configWeight,
          effectiveWeight: round(b.weight),
          lastHealthReason: b.lastHealthReason,
          activeRequests: b.inFlight,
          openTunnels: b.openTunnels,
          totalRequests: b.totalRequests,
          errors: b.errors,
          averageLatencyMs: round(b.averageLatencyMs),
          p50LatencyMs: round(bp50!),
          p99LatencyMs: round(bp99!),
        };
      }),
    })),
    listeners,
    ...(redis !== undefined && { redis }),
  };
}
