// A pool's active `healthCheck:` — its type, default, file schema, and the
// merge: built-in defaults < the file's top level < the pool's own < an
// interval from env or flags. Headers merge name by name, so a pool can add
// to or replace the top level's.
import * as f from '../../fields.js';
import { defined, field, strict } from '../../schema-fields.js';
import type { Report } from '../section.js';
import * as hf from './health-check-fields.js';
import type { HealthCheckMethod } from './health-check-fields.js';

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

export const HEALTH_CHECK_DEFAULTS: HealthCheckConfig = {
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
};

const healthCheckSchema = strict(
  {
    enabled: field(f.boolean).optional(),
    method: field(hf.healthCheckMethod).optional(),
    path: field(f.urlPath).optional(),
    headers: field(hf.healthCheckHeaders).optional(),
    expectBody: field(hf.expectBody).optional(),
    interval: field(f.duration()).optional(),
    timeout: field(f.duration()).optional(),
    healthyThreshold: field(f.integer(1, 100, 'threshold')).optional(),
    unhealthyThreshold: field(f.integer(1, 100, 'threshold')).optional(),
    expectedStatus: field(hf.statusRange).optional(),
    initialState: field(hf.initialState).optional(),
  },
  'healthCheck',
).transform(
  (h): Partial<HealthCheckConfig> =>
    defined({
      enabled: h.enabled,
      method: h.method,
      path: h.path,
      headers: h.headers,
      expectBody: h.expectBody,
      intervalMs: h.interval,
      timeoutMs: h.timeout,
      healthyThreshold: h.healthyThreshold,
      unhealthyThreshold: h.unhealthyThreshold,
      expectedStatus: h.expectedStatus,
      initialState: h.initialState,
    }),
);

export const healthCheckShape = { healthCheck: healthCheckSchema.optional() };

/** `poolPath` is `pools[i]` for a named pool, undefined for the shorthand pool (whose settings are the top level's). */
export function resolveHealthCheck(
  top: Partial<HealthCheckConfig>,
  own: Partial<HealthCheckConfig>,
  overrideIntervalMs: number | undefined,
  poolPath: string | undefined,
  report: Report,
): HealthCheckConfig {
  const resolved: HealthCheckConfig = {
    ...HEALTH_CHECK_DEFAULTS,
    ...top,
    ...own,
    expectedStatus: { ...(own.expectedStatus ?? top.expectedStatus ?? HEALTH_CHECK_DEFAULTS.expectedStatus) },
    headers: { ...HEALTH_CHECK_DEFAULTS.headers, ...top.headers, ...own.headers },
  };
  if (overrideIntervalMs !== undefined) resolved.intervalMs = overrideIntervalMs;
  // A timeout nobody chose follows a shorter interval (as HAProxy's `inter`
  // does), so `--interval 1s` alone never makes checks overlap.
  if (own.timeoutMs === undefined && top.timeoutMs === undefined) {
    resolved.timeoutMs = Math.min(HEALTH_CHECK_DEFAULTS.timeoutMs, resolved.intervalMs);
  }

  if (resolved.enabled && resolved.method === 'HEAD' && resolved.expectBody !== undefined) {
    // Reported once at the top level when every pool inherits both keys.
    const ownSet = own.method !== undefined || own.expectBody !== undefined;
    report(
      {
        path: ownSet && poolPath !== undefined ? `${poolPath}.healthCheck.expectBody` : 'healthCheck.expectBody',
        message: 'cannot be checked with method HEAD, whose answers have no body (expected method GET or OPTIONS, or no expectBody)',
      },
      // Both keys are valid once resolved here, so this check is never skipped.
      [],
    );
  }
  return resolved;
}
