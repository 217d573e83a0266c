// The resolved configuration: every default filled in, every duration in
// milliseconds. The loader produces it; the rest of fairway reads only this.

export const ALGORITHMS = [
  'round-robin',
  'weighted-round-robin',
  'least-connections',
  'least-response-time',
  'power-of-two',
  'random',
  'ip-hash',
  'consistent-hash',
] as const;
export type AlgorithmName = (typeof ALGORITHMS)[number];

export type LogFormat = 'json' | 'pretty';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Administrative state: draining takes no new requests but lets in-flight ones finish. */
export type BackendState = 'enabled' | 'draining' | 'disabled';
export const BACKEND_STATES: readonly BackendState[] = ['enabled', 'draining', 'disabled'];

export interface BackendConfig {
  id: string;
  /** Origin only, e.g. `http://127.0.0.1:9001` (no trailing slash). */
  url: string;
  /** 0 = no new requests. */
  weight: number;
  /** Cap on concurrent requests (and upstream connections) to this backend. */
  maxConnections: number;
  backup: boolean;
  /** Administrative state at start-up; default enabled. */
  state: BackendState;
}

/** When every eligible backend is at maxConnections, requests wait here. */
export interface QueueConfig {
  /** Most requests waiting at once; 0 = no queue (answer 503 at once). */
  size: number;
  /** Longest wait before answering 503. */
  timeoutMs: number;
}

/** Passive health: eject backends that keep failing real requests. */
export interface OutlierDetectionConfig {
  enabled: boolean;
  /** Consecutive connect-refused/reset/timeout failures that eject; 0 = off. */
  consecutiveGatewayFailures: number;
  /** Consecutive 5xx answers that eject; 0 = off. */
  consecutive5xx: number;
  /** Ejection lasts baseEjectionTime × number of times ejected ... */
  baseEjectionTimeMs: number;
  /** ... capped here. */
  maxEjectionTimeMs: number;
  /** Most of a pool ejected at once, in percent (a pool of 2+ can always eject one, never all). */
  maxEjectionPercent: number;
}

export type RetryCondition = 'reset' | 'timeout' | '502' | '503' | '504';
export const RETRY_CONDITIONS: readonly RetryCondition[] = ['reset', 'timeout', '502', '503', '504'];

export interface RetryConfig {
  /** Total tries including the first; 1 = no retries. */
  attempts: number;
  /** Failures retried for idempotent methods (connect failures are always retried). */
  on: RetryCondition[];
  /** Response-header timeout of each try; 0 = use timeouts.response. */
  perTryTimeoutMs: number;
  /** Retries may not exceed this percent of requests over a sliding window. */
  budgetPercent: number;
  /** Request bodies up to this size are buffered so they can be re-sent. */
  bufferBytes: number;
  /** Re-send POST/PATCH too once bytes reached a backend. */
  retryNonIdempotent: boolean;
}

export type SameSite = 'Strict' | 'Lax' | 'None';

/** Session affinity by cookie, on top of any algorithm. */
export interface StickyConfig {
  cookie: string;
  /** Cookie lifetime; 0 = session cookie. */
  ttlMs: number;
  secure: boolean;
  httpOnly: boolean;
  sameSite: SameSite;
}

/** Methods a health check may use: all safe, and none expects a request body. */
export const HEALTH_CHECK_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;
export type HealthCheckMethod = (typeof HEALTH_CHECK_METHODS)[number];

export interface HealthCheckConfig {
  enabled: boolean;
  method: HealthCheckMethod;
  path: string;
  /** Extra request headers, names lower-cased; `host` replaces the backend's host:port. */
  headers: Record<string, string>;
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** Inclusive status range that counts as a pass. */
  expectedStatus: { min: number; max: number };
  /** A pass also needs this text within the first HEALTH_BODY_LIMIT bytes of the body. */
  expectBody?: string;
  /** State a backend has before its first check completes. */
  initialState: 'healthy' | 'unhealthy';
}

export interface UpstreamTimeouts {
  connectMs: number;
  /** Time from sending the request until the response header arrives. */
  responseMs: number;
  /** Longest silence between body chunks, either direction. */
  idleMs: number;
}

export interface PoolConfig {
  name: string;
  algorithm: AlgorithmName;
  /** consistent-hash key: `header:NAME | cookie:NAME | query:NAME | path | ip`. */
  hashKey?: string;
  backends: BackendConfig[];
  healthCheck: HealthCheckConfig;
  timeouts: UpstreamTimeouts;
  queue: QueueConfig;
  outlierDetection: OutlierDetectionConfig;
  retries: RetryConfig;
  /** Recovered or added backends ramp from ~10 % to full weight over this; 0 = off. */
  slowStartMs: number;
  /** Below this percent of healthy backends, balance over all of them; 0 = off. */
  panicThreshold: number;
  sticky?: StickyConfig;
}

export interface RouteConfig {
  /** Exact host to match (port ignored, case-insensitive); undefined matches any. */
  host?: string;
  /** Path prefix; '/' matches everything. */
  pathPrefix: string;
  pool: string;
}

export interface ListenConfig {
  host: string;
  port: number;
  /** Longest a client may take to send the complete request header. */
  requestHeaderTimeoutMs: number;
  /** How long an idle client keep-alive connection is kept open. */
  keepAliveTimeoutMs: number;
}

export interface AdminConfig {
  enabled: boolean;
  host: string;
  port: number;
  /** Bearer token for /api/* (and every endpoint with protectReads). */
  token?: string;
  /** Also require the token for /metrics, /lb/stats and the rest (the dashboard page and its assets stay open: they hold no data). */
  protectReads?: boolean;
}

export interface LogConfig {
  level: LogLevel;
  format: LogFormat;
}

export type AccessLogFormat = 'json' | 'combined';

/** One line per finished client request. */
export interface AccessLogConfig {
  enabled: boolean;
  /** json: one object per line; combined: the Apache/NGINX combined format. */
  format: AccessLogFormat;
  /** Share of requests logged, 0 to 1. */
  sample: number;
  /** File to append to (reopened on SIGUSR1); undefined = stdout. */
  path?: string;
}

export interface FairwayConfig {
  listen: ListenConfig;
  admin: AdminConfig;
  pools: PoolConfig[];
  routes: RouteConfig[];
  /** How long in-flight requests may run after SIGTERM/SIGINT. */
  shutdownTimeoutMs: number;
  log: LogConfig;
  accessLog: AccessLogConfig;
}
