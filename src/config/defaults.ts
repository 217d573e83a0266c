// Built-in defaults: the bottom layer of defaults < file < environment < flags.
// docs/configuration.md lists each of them.
import type {
  AccessLogConfig,
  AdminConfig,
  AlgorithmName,
  BackendState,
  HealthCheckConfig,
  OutlierDetectionConfig,
  QueueConfig,
  RetryCondition,
  RetryConfig,
  StickyConfig,
  ListenConfig,
  LogConfig,
  UpstreamTimeouts,
} from './types.js';

export const DEFAULT_POOL_NAME = 'default';

export const DEFAULTS = {
  listen: {
    host: '0.0.0.0',
    port: 8080,
    requestHeaderTimeoutMs: 10_000,
    keepAliveTimeoutMs: 5_000,
  } satisfies ListenConfig,
  admin: { enabled: true, host: '127.0.0.1', port: 8090 } satisfies AdminConfig,
  algorithm: 'round-robin' as AlgorithmName,
  healthCheck: {
    enabled: true,
    method: 'GET',
    path: '/health',
    headers: {},
    intervalMs: 10_000,
    timeoutMs: 2_000,
    healthyThreshold: 2,
    unhealthyThreshold: 3,
    expectedStatus: { min: 200, max: 399 },
    initialState: 'healthy',
  } satisfies HealthCheckConfig,
  timeouts: { connectMs: 2_000, responseMs: 30_000, idleMs: 60_000 } satisfies UpstreamTimeouts,
  backend: { weight: 1, maxConnections: 256, backup: false, state: 'enabled' as BackendState },
  queue: { size: 1024, timeoutMs: 10_000 } satisfies QueueConfig,
  outlierDetection: {
    enabled: true,
    consecutiveGatewayFailures: 5,
    consecutive5xx: 5,
    baseEjectionTimeMs: 30_000,
    maxEjectionTimeMs: 300_000,
    maxEjectionPercent: 50,
  } satisfies OutlierDetectionConfig,
  retries: {
    attempts: 3,
    on: ['reset'] as RetryCondition[],
    perTryTimeoutMs: 0,
    budgetPercent: 20,
    bufferBytes: 64 * 1024,
    retryNonIdempotent: false,
  } satisfies RetryConfig,
  slowStartMs: 0,
  panicThreshold: 0,
  sticky: { cookie: 'fairway_sticky', ttlMs: 0, secure: false, httpOnly: true, sameSite: 'Lax' } satisfies StickyConfig,
  shutdownTimeoutMs: 30_000,
  log: { level: 'info', format: 'json' } satisfies LogConfig,
  accessLog: { enabled: false, format: 'json', sample: 1 } satisfies AccessLogConfig,
} as const;
