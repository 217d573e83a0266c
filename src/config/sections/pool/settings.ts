// The settings a pool accepts besides its name and backends, listed in one
// place. Each is also accepted at the top level of the file, as the shorthand
// pool's setting or a default for every named pool, and merges key by key:
// built-in default < top level < the pool's own. A new pool setting is a file
// in this folder plus one line in each of the three lists below.
import type { z } from 'zod';
import { defined } from '../../schema-fields.js';
import type { PoolSettingContext } from './setting-context.js';
import type { Report } from '../section.js';
import { DEFAULT_ALGORITHM, balancingShape, type AlgorithmName } from './balancing.js';
import { healthCheckShape, resolveHealthCheck, type HealthCheckConfig } from './health-check.js';
import { outlierDetectionShape, resolveOutlierDetection, type OutlierDetectionConfig } from './outlier-detection.js';
import { PANIC_THRESHOLD_DEFAULT, panicThresholdShape } from './panic-threshold.js';
import { queueShape, resolveQueue, type QueueConfig } from './queue.js';
import { resolveRetries, retriesShape, type RetryConfig } from './retries.js';
import { SLOW_START_DEFAULT_MS, slowStartShape } from './slow-start.js';
import { resolveSticky, stickyShape, type StickyConfig, type StickySetting } from './sticky.js';
import { resolveTimeouts, timeoutsShape, type UpstreamTimeouts } from './timeouts.js';
import { resolveBackendTls, tlsShape, type BackendTlsConfig } from './tls.js';

/** What one layer (the top level, or a pool) says; unset keys are absent so they fall through. */
export interface PoolSettings {
  algorithm?: AlgorithmName;
  hashKey?: string;
  healthCheck: Partial<HealthCheckConfig>;
  timeouts: Partial<UpstreamTimeouts>;
  queue?: Partial<QueueConfig>;
  outlierDetection?: Partial<OutlierDetectionConfig>;
  retries?: Partial<RetryConfig>;
  slowStartMs?: number;
  panicThreshold?: number;
  sticky?: StickySetting;
  tls?: Partial<BackendTlsConfig>;
}

/** Nothing set: every setting falls through to the layer below. */
export const NO_POOL_SETTINGS: PoolSettings = { healthCheck: {}, timeouts: {} };

/** File keys, in the order "unknown key" messages list them (after a pool's name and backends). */
export const upstreamSettingsShape = {
  ...healthCheckShape,
  ...timeoutsShape,
  ...queueShape,
  ...outlierDetectionShape,
  ...retriesShape,
  ...slowStartShape,
  ...panicThresholdShape,
  ...stickyShape,
  ...tlsShape,
};
export { balancingShape };

type Shape = typeof balancingShape & typeof upstreamSettingsShape;
type Parsed = { [K in keyof Shape]?: z.output<Shape[K]> };

/** The parsed keys of one layer as its settings. */
export function readPoolSettings(parsed: Parsed): PoolSettings {
  return {
    ...defined({ algorithm: parsed.algorithm, hashKey: parsed.hashKey }),
    healthCheck: parsed.healthCheck ?? {},
    timeouts: parsed.timeouts ?? {},
    ...defined({
      queue: parsed.queue,
      outlierDetection: parsed.outlierDetection,
      retries: parsed.retries,
      slowStartMs: parsed.slowStart,
      panicThreshold: parsed.panicThreshold,
      sticky: parsed.sticky,
      tls: parsed.tls,
    }),
  };
}

export interface ResolvedPoolSettings {
  algorithm: AlgorithmName;
  /** consistent-hash key: `header:NAME | cookie:NAME | query:NAME | path | ip`. */
  hashKey?: string;
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
  /** How https:// backends are reached; absent = the defaults (verified by the default CAs and each backend's host). */
  tls?: BackendTlsConfig;
}

/** Settings that env or flags set for every pool. */
export interface PoolOverrides {
  algorithm?: AlgorithmName;
  intervalMs?: number;
}

/** `poolPath` is `pools[i]` for a named pool, undefined for the shorthand pool (whose settings are the top level's). */
export function resolvePoolSettings(
  top: PoolSettings,
  own: PoolSettings,
  overrides: PoolOverrides,
  poolPath: string | undefined,
  report: Report,
): ResolvedPoolSettings {
  const ctx: PoolSettingContext = {
    report,
    at: (ownSet, key) => (ownSet && poolPath !== undefined ? `${poolPath}.${key}` : key),
    reads: (...keys) => keys.flatMap((k) => (poolPath === undefined ? [k] : [k, `${poolPath}.${k}`])),
  };
  const hashKey = own.hashKey ?? top.hashKey;
  const resolved: ResolvedPoolSettings = {
    algorithm: overrides.algorithm ?? own.algorithm ?? top.algorithm ?? DEFAULT_ALGORITHM,
    ...(hashKey !== undefined ? { hashKey } : {}),
    healthCheck: resolveHealthCheck(top.healthCheck, own.healthCheck, overrides.intervalMs, poolPath, report),
    timeouts: resolveTimeouts(top.timeouts, own.timeouts),
    queue: resolveQueue(top.queue, own.queue),
    outlierDetection: resolveOutlierDetection(top.outlierDetection, own.outlierDetection, ctx),
    retries: resolveRetries(top.retries, own.retries),
    slowStartMs: own.slowStartMs ?? top.slowStartMs ?? SLOW_START_DEFAULT_MS,
    panicThreshold: own.panicThreshold ?? top.panicThreshold ?? PANIC_THRESHOLD_DEFAULT,
  };
  const sticky = resolveSticky(top.sticky, own.sticky, ctx);
  if (sticky !== undefined) resolved.sticky = sticky;
  const tls = resolveBackendTls(top.tls, own.tls, ctx);
  if (tls !== undefined) resolved.tls = tls;
  return resolved;
}
