// A pool's `outlierDetection:` — passive health from real traffic — and the
// check that an ejection's base time does not exceed its cap.
import { formatDuration } from '../../duration.js';
import * as f from '../../fields.js';
import { defined, field, strict } from '../../schema-fields.js';
import type { PoolSettingContext } from './setting-context.js';

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

export const OUTLIER_DETECTION_DEFAULTS: OutlierDetectionConfig = {
  enabled: true,
  consecutiveGatewayFailures: 5,
  consecutive5xx: 5,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 50,
};

// 0 turns that trigger off.
const failureCount = field(f.integer(0, 1000, 'failure count')).optional();

const outlierDetectionSchema = strict(
  {
    enabled: field(f.boolean).optional(),
    consecutiveGatewayFailures: failureCount,
    consecutive5xx: failureCount,
    baseEjectionTime: field(f.duration()).optional(),
    maxEjectionTime: field(f.duration()).optional(),
    maxEjectionPercent: field(f.percent).optional(),
  },
  'outlierDetection',
).transform(
  (o): Partial<OutlierDetectionConfig> =>
    defined({
      enabled: o.enabled,
      consecutiveGatewayFailures: o.consecutiveGatewayFailures,
      consecutive5xx: o.consecutive5xx,
      baseEjectionTimeMs: o.baseEjectionTime,
      maxEjectionTimeMs: o.maxEjectionTime,
      maxEjectionPercent: o.maxEjectionPercent,
    }),
);

export const outlierDetectionShape = { outlierDetection: outlierDetectionSchema.optional() };

export function resolveOutlierDetection(
  top: Partial<OutlierDetectionConfig> | undefined,
  own: Partial<OutlierDetectionConfig> | undefined,
  ctx: PoolSettingContext,
): OutlierDetectionConfig {
  const od = { ...OUTLIER_DETECTION_DEFAULTS, ...top, ...own };
  if (od.baseEjectionTimeMs > od.maxEjectionTimeMs) {
    const ownSet = own?.baseEjectionTimeMs !== undefined || own?.maxEjectionTimeMs !== undefined;
    ctx.report(
      {
        path: ctx.at(ownSet, 'outlierDetection.baseEjectionTime'),
        message: `${formatDuration(od.baseEjectionTimeMs)} is longer than maxEjectionTime ${formatDuration(od.maxEjectionTimeMs)} (an ejection lasts baseEjectionTime × times ejected, capped at maxEjectionTime; lower baseEjectionTime or raise maxEjectionTime)`,
      },
      ctx.reads('outlierDetection.baseEjectionTime', 'outlierDetection.maxEjectionTime'),
    );
  }
  return od;
}
