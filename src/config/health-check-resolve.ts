// Merges a pool's health-check settings, key by key: built-in defaults < the
// file's top level < the pool's own < an interval from env or flags. Headers
// merge name by name, so a pool can add to or replace the top level's.
import { DEFAULTS } from './defaults.js';
import type { ConfigProblem } from './problems.js';
import type { HealthCheckConfig } from './types.js';

/** `poolPath` is `pools[i]` for a named pool, undefined for the shorthand pool (whose settings are the top level's). */
export function resolveHealthCheck(
  top: Partial<HealthCheckConfig>,
  own: Partial<HealthCheckConfig>,
  overrideIntervalMs: number | undefined,
  poolPath: string | undefined,
  problems: ConfigProblem[],
): HealthCheckConfig {
  const resolved: HealthCheckConfig = {
    ...DEFAULTS.healthCheck,
    ...top,
    ...own,
    expectedStatus: { ...(own.expectedStatus ?? top.expectedStatus ?? DEFAULTS.healthCheck.expectedStatus) },
    headers: { ...DEFAULTS.healthCheck.headers, ...top.headers, ...own.headers },
  };
  if (overrideIntervalMs !== undefined) resolved.intervalMs = overrideIntervalMs;
  // A timeout nobody chose follows a shorter interval (as HAProxy's `inter`
  // does), so `--interval 1s` alone never makes checks overlap.
  if (own.timeoutMs === undefined && top.timeoutMs === undefined) {
    resolved.timeoutMs = Math.min(DEFAULTS.healthCheck.timeoutMs, resolved.intervalMs);
  }

  if (resolved.enabled && resolved.method === 'HEAD' && resolved.expectBody !== undefined) {
    // Reported once at the top level when every pool inherits both keys.
    const ownSet = own.method !== undefined || own.expectBody !== undefined;
    const problem = {
      path: ownSet && poolPath !== undefined ? `${poolPath}.healthCheck.expectBody` : 'healthCheck.expectBody',
      message: 'cannot be checked with method HEAD, whose answers have no body (expected method GET or OPTIONS, or no expectBody)',
    };
    if (!problems.some((p) => p.path === problem.path && p.message === problem.message)) problems.push(problem);
  }
  return resolved;
}
