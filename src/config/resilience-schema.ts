// The file schema for a pool's traffic and resilience settings: queue,
// outlier detection, retries, slow start, panic threshold and sticky sessions.
// Each is accepted inside a pool and at the top level (defaults for every pool);
// resilience-resolve.ts merges the two over the built-in defaults.
import { z } from 'zod';
import * as f from './fields.js';
import { defined, field, strict } from './schema-fields.js';
import type { OutlierDetectionConfig, QueueConfig, RetryConfig, StickyConfig } from './types.js';

/** What the file says; unset keys are absent so they fall through to the layer below. */
export interface ResilienceSettings {
  queue?: Partial<QueueConfig>;
  outlierDetection?: Partial<OutlierDetectionConfig>;
  retries?: Partial<RetryConfig>;
  slowStartMs?: number;
  panicThreshold?: number;
  /** false = off; an object = on, its keys over the defaults (`sticky: true` is `{}`). */
  sticky?: false | Partial<StickyConfig>;
}

// Large enough for any form post worth replaying; each retried request holds this much memory.
export const MAX_BUFFER_BYTES = 64 * 1024 * 1024;

const queue = strict(
  {
    size: field(f.integer(0, 1_000_000, 'queue size')).optional(),
    timeout: field(f.duration()).optional(),
  },
  'queue',
).transform((q): Partial<QueueConfig> => defined({ size: q.size, timeoutMs: q.timeout }));

// 0 turns that trigger off.
const failureCount = field(f.integer(0, 1000, 'failure count')).optional();

const outlierDetection = strict(
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

const retries = strict(
  {
    attempts: field(f.integer(1, 10, 'attempt count')).optional(),
    on: z.array(field(f.retryCondition)).optional(),
    perTryTimeout: field(f.duration(0)).optional(),
    budgetPercent: field(f.percent).optional(),
    bufferBytes: field(f.byteSize(MAX_BUFFER_BYTES)).optional(),
    retryNonIdempotent: field(f.boolean).optional(),
  },
  'retries',
).transform(
  (r): Partial<RetryConfig> =>
    defined({
      attempts: r.attempts,
      // `[502, "502"]` means one condition.
      on: r.on === undefined ? undefined : [...new Set(r.on)],
      perTryTimeoutMs: r.perTryTimeout,
      budgetPercent: r.budgetPercent,
      bufferBytes: r.bufferBytes,
      retryNonIdempotent: r.retryNonIdempotent,
    }),
);

const stickyObject = strict(
  {
    cookie: field(f.cookieName).optional(),
    ttl: field(f.duration(0)).optional(),
    secure: field(f.boolean).optional(),
    httpOnly: field(f.boolean).optional(),
    sameSite: field(f.sameSite).optional(),
  },
  'sticky',
).transform(
  (s): Partial<StickyConfig> =>
    defined({ cookie: s.cookie, ttlMs: s.ttl, secure: s.secure, httpOnly: s.httpOnly, sameSite: s.sameSite }),
);

// `sticky: true`, `sticky: false`, or the object. A zod union would bury the
// object's own messages under "invalid input", so dispatch on the value instead.
const sticky = z.unknown().transform((input, ctx): false | Partial<StickyConfig> => {
  if (typeof input === 'boolean' || input === 'true' || input === 'false') {
    return input === true || input === 'true' ? {} : false;
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    ctx.addIssue({
      code: 'custom',
      input,
      message: `${f.show(input)} is not a sticky setting (expected true, false, or an object with cookie, ttl, secure, httpOnly, sameSite)`,
    });
    return z.NEVER;
  }
  const parsed = stickyObject.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
  return z.NEVER;
});

/** Keys shared by a pool and the top level of the file. */
export const resilienceShape = {
  queue: queue.optional(),
  outlierDetection: outlierDetection.optional(),
  retries: retries.optional(),
  slowStart: field(f.duration(0)).optional(),
  panicThreshold: field(f.percent).optional(),
  sticky: sticky.optional(),
};

type ParsedShape = { [K in keyof typeof resilienceShape]?: z.output<(typeof resilienceShape)[K]> };

/** The parsed keys of resilienceShape as a settings layer. */
export function resilienceSettings(parsed: ParsedShape): ResilienceSettings {
  return defined({
    queue: parsed.queue,
    outlierDetection: parsed.outlierDetection,
    retries: parsed.retries,
    slowStartMs: parsed.slowStart,
    panicThreshold: parsed.panicThreshold,
    sticky: parsed.sticky,
  });
}
