// The JSON snapshot served at /lb/stats.
import type { BackendPool } from '../proxy/pool.js';
import type { TrafficStats } from '../proxy/traffic-stats.js';

export interface BackendStats {
  id: string;
  url: string;
  healthy: boolean;
  backup: boolean;
  weight: number;
  lastHealthReason: string;
  activeRequests: number;
  totalRequests: number;
  errors: number;
  averageLatencyMs: number;
}

export interface PoolStats {
  name: string;
  algorithm: string;
  healthyBackends: number;
  totalBackends: number;
  backends: BackendStats[];
}

export interface StatsSnapshot {
  uptimeSeconds: number;
  startedAt: string;
  totals: { requests: number; errors: number; active: number };
  pools: PoolStats[];
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export function statsSnapshot(stats: TrafficStats, pools: readonly BackendPool[]): StatsSnapshot {
  return {
    uptimeSeconds: round((Date.now() - stats.startedAt) / 1000),
    startedAt: new Date(stats.startedAt).toISOString(),
    totals: { requests: stats.requests, errors: stats.errors, active: stats.active },
    pools: pools.map((pool) => ({
      name: pool.name,
      algorithm: pool.balancer.name,
      healthyBackends: pool.healthyCount,
      totalBackends: pool.backends.length,
      backends: pool.backends.map((b) => ({
        id: b.id,
        url: b.url,
        healthy: b.healthy,
        backup: b.backup,
        weight: b.weight,
        lastHealthReason: b.lastHealthReason,
        activeRequests: b.inFlight,
        totalRequests: b.totalRequests,
        errors: b.errors,
        averageLatencyMs: round(b.averageLatencyMs),
      })),
    })),
  };
}
