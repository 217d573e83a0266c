// Shapes of what the admin listener sends (see docs/admin-api.md and
// docs/dashboard.md). Kept here rather than imported so the page's code has
// no dependency on the server's (Node) modules.

export interface PageSettings {
  tokenRequired: boolean;
  readsProtected: boolean;
  demo: boolean;
}

export interface BackendView {
  id: string;
  url: string;
  state: 'enabled' | 'draining' | 'disabled' | string;
  health: 'healthy' | 'unhealthy' | 'ejected' | string;
  /** Active health checks pass (older servers: derive from health). */
  healthy?: boolean;
  /** Ejected by outlier detection. */
  ejected?: boolean;
  eligible: boolean;
  weight: number;
  effectiveWeight: number;
  inFlight: number;
  /** Tunnels open now (older servers: absent). */
  openTunnels?: number;
  totalRequests: number;
  requestsPerSecond: number;
  errorRate: number;
  /** Over the last 10 s; null from a server that does not send them. */
  latencyMs: { p50: number | null; p99: number | null };
}

export interface PoolView {
  name: string;
  algorithm: string;
  queued: number;
  panicking: boolean;
  healthyBackends: number;
  totalBackends: number;
  backends: BackendView[];
}

/** One certificate of a TLS listener. */
export interface CertificateView {
  name: string;
  subjectNames: string[];
  notBefore: string;
  notAfter: string;
  expired: boolean;
  /** Answers clients whose name no certificate covers. */
  default: boolean;
}

export interface ListenerView {
  name: string;
  host: string;
  port: number;
  secure: boolean;
  redirectToHttps: boolean;
  /** What the listener speaks, e.g. ['h2', 'http/1.1'] (older servers: absent). */
  protocols?: string[];
  tls?: { certificates: CertificateView[] };
}

export interface Snapshot {
  time: number;
  uptimeSeconds: number;
  totals: { requests: number; errors: number; active: number; retries: number };
  requestsPerSecond: number;
  errorRate: number;
  /** Unrounded; the page shows shares rounded from totals instead (fmt.shares). */
  successRate: number;
  latencyMs: { p50: number | null; p99: number | null };
  pools: PoolView[];
  /** Older servers: absent. */
  listeners?: ListenerView[];
}

export interface RequestEvent {
  time: number;
  requestId: string;
  method: string;
  path: string;
  status: number;
  pool: string;
  backend: string;
  durationMs: number;
  attempts: number;
  errorKind: string;
}

export interface HealthEventView {
  pool: string;
  backend: string;
  healthy: boolean;
  ejected: boolean;
  reason: string;
  time: number;
}

export interface TestSummary {
  total: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
  requestsPerSecond: number;
  elapsedMs: number;
  latencyMs: { average: number; p50: number; p99: number; max: number };
  distribution: { backend: string; count: number; share: number }[];
}

export interface TestState {
  id: number;
  kind: 'load' | 'stress' | 'custom';
  status: 'running' | 'finished' | 'stopped' | 'failed';
  target: string;
  spec: { method: string; path: string; concurrency: number; requests?: number; durationSeconds?: number };
  startedAt: string;
  finishedAt: string | null;
  progress: { requests: number; ok: number; failed: number; requestsPerSecond: number; p50: number; p99: number; elapsedMs: number; fraction: number };
  summary: TestSummary | null;
  error: string | null;
}

export interface DemoBackend {
  name: string;
  url: string;
  running: boolean;
  settings: { healthy: boolean; delayMs: number; failureRate: number } | null;
}

/** The /lb/stats answer, read when the page has no token (read-only view). */
export interface LbStats {
  uptimeSeconds: number;
  totals: { requests: number; errors: number; active: number; retries: number };
  p50LatencyMs: number;
  p99LatencyMs: number;
  pools: {
    name: string;
    algorithm: string;
    queued: number;
    panicking: boolean;
    healthyBackends: number;
    totalBackends: number;
    backends: {
      id: string;
      url: string;
      healthy: boolean;
      state: string;
      eligible: boolean;
      ejectedUntil: string | null;
      weight: number;
      effectiveWeight: number;
      activeRequests: number;
      openTunnels?: number;
      totalRequests: number;
      errors: number;
      averageLatencyMs: number;
      p50LatencyMs: number;
      p99LatencyMs: number;
    }[];
  }[];
  listeners?: ListenerView[];
}
