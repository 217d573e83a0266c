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

export interface BackendConfig {
  id: string;
  /** Origin only, e.g. `http://127.0.0.1:9001` (no trailing slash). */
  url: string;
  weight: number;
  /** Cap on concurrent upstream connections to this backend. */
  maxConnections: number;
  backup: boolean;
}

export interface HealthCheckConfig {
  enabled: boolean;
  path: string;
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** Inclusive status range that counts as a pass. */
  expectedStatus: { min: number; max: number };
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
  token?: string;
}

export interface LogConfig {
  level: LogLevel;
  format: LogFormat;
}

export interface FairwayConfig {
  listen: ListenConfig;
  admin: AdminConfig;
  pools: PoolConfig[];
  routes: RouteConfig[];
  /** How long in-flight requests may run after SIGTERM/SIGINT. */
  shutdownTimeoutMs: number;
  log: LogConfig;
}
