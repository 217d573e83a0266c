// The JSON descriptions of pools and backends the admin API answers with.
import type { Cluster } from '../cluster/cluster.js';
import type { Backend } from '../cluster/backend.js';

export interface BackendDescription {
  id: string;
  url: string;
  weight: number;
  effectiveWeight: number;
  backup: boolean;
  maxConnections: number;
  state: string;
  health: 'healthy' | 'unhealthy' | 'ejected';
  healthy: boolean;
  ejectedUntil: string | null;
  eligible: boolean;
  /** Requests in progress, open tunnels included. */
  inFlight: number;
  /** Tunnels (upgraded connections, WebSocket) open now. */
  openTunnels: number;
  totalRequests: number;
  errors: number;
  errorRate: number;
  latencyMs: { average: number; p50: number; p99: number };
  lastHealthCheck: { ok: boolean; reason: string; at: string } | null;
  lastHealthTransition: string;
}

export interface PoolDescription {
  name: string;
  algorithm: string;
  hashKey: string | null;
  sticky: boolean;
  queued: number;
  panicking: boolean;
  healthyBackends: number;
  totalBackends: number;
  backends: BackendDescription[];
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export function describeBackend(b: Backend): BackendDescription {
  const [p50, p99] = b.recentLatency.percentiles([50, 99]);
  return {
    id: b.id,
    url: b.url,
    weight: b.configWeight,
    effectiveWeight: round(b.weight),
    backup: b.backup,
    maxConnections: b.maxConnections,
    state: b.state,
    health: b.ejected ? 'ejected' : b.healthy ? 'healthy' : 'unhealthy',
    healthy: b.healthy,
    ejectedUntil: b.ejected ? new Date(b.ejectedUntil).toISOString() : null,
    eligible: b.eligible,
    inFlight: b.inFlight,
    openTunnels: b.openTunnels,
    totalRequests: b.totalRequests,
    errors: b.errors,
    errorRate: b.totalRequests === 0 ? 0 : round(b.errors / b.totalRequests),
    latencyMs: { average: round(b.averageLatencyMs), p50: p50!, p99: p99! },
    lastHealthCheck: b.lastCheck ? { ok: b.lastCheck.ok, reason: b.lastCheck.reason, at: new Date(b.lastCheck.at).toISOString() } : null,
    lastHealthTransition: b.lastHealthReason,
  };
}

export function describePool(pool: Cluster): PoolDescription {
  return {
    name: pool.name,
    algorithm: pool.balancer.name,
    hashKey: pool.hashKey ?? null,
    sticky: pool.config.sticky !== undefined,
    queued: pool.queue.length,
    panicking: pool.panicking,
    healthyBackends: pool.healthyCount,
    totalBackends: pool.backends.length,
    backends: pool.backends.map(describeBackend),
  };
}
