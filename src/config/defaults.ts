// Built-in defaults: the bottom layer of defaults < file < environment < flags.
// Values follow DESIGN.md section 1.
import type {
  AdminConfig,
  AlgorithmName,
  HealthCheckConfig,
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
    path: '/health',
    intervalMs: 10_000,
    timeoutMs: 2_000,
    healthyThreshold: 2,
    unhealthyThreshold: 3,
    expectedStatus: { min: 200, max: 399 },
    initialState: 'healthy',
  } satisfies HealthCheckConfig,
  timeouts: { connectMs: 2_000, responseMs: 30_000, idleMs: 60_000 } satisfies UpstreamTimeouts,
  backend: { weight: 1, maxConnections: 256, backup: false },
  shutdownTimeoutMs: 30_000,
  log: { level: 'info', format: 'json' } satisfies LogConfig,
} as const;
