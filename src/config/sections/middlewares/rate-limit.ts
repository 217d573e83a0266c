// The `rateLimit` middleware kind: a token bucket per client (or per key),
// refilled at `average` per `period`, holding at most `burst` tokens; a
// request takes one, and one that finds none is answered 429.
//
//   rateLimit:
//     average: 100        # required: tokens per period (the sustained rate)
//     period: 1s          # default 1s
//     burst: 50           # default: average (rounded up); the bucket's size
//     key: ip             # default; or host, path, "header:NAME", or a list of them
//     ipv6Prefix: 64      # default: IPv6 clients are counted per /64
//     store: memory       # default; redis shares the buckets through the top-level redis:
//     onStoreError: local # with store: redis, when Redis cannot answer: local | allow | deny
//     instances: 1        # with store: redis, how many fairway instances share it (for local)
//     dryRun: false       # true: count and log refusals, refuse nothing
import * as f from '../../fields.js';
import { field, strict } from '../../schema-fields.js';
import { defineMiddlewareKind } from './kind.js';
import { ipv6PrefixProblem, requestKeyFields, requestKeyOf, type RequestKeyConfig } from './request-key.js';

// This kind's entry in the union of middleware definitions (kind.ts).
declare module './kind.js' {
  interface MiddlewareKinds {
    rateLimit: RateLimitMiddleware;
  }
}

export const RATE_LIMIT_STORES = ['memory', 'redis'] as const;
export type RateLimitStore = (typeof RATE_LIMIT_STORES)[number];
export const STORE_ERROR_ACTIONS = ['local', 'allow', 'deny'] as const;
export type StoreErrorAction = (typeof STORE_ERROR_ACTIONS)[number];

export interface RateLimitMiddlewareConfig {
  /** Tokens added per period. */
  average: number;
  periodMs: number;
  /** The bucket's size (a whole number, at least 1). */
  burst: number;
  key: RequestKeyConfig;
  store: RateLimitStore;
  /** With store redis: what a decision Redis could not make becomes. */
  onStoreError: StoreErrorAction;
  /** With store redis: the instances sharing it; `local` gives each average/instances and burst/instances. */
  instances: number;
  dryRun: boolean;
}

export interface RateLimitMiddleware {
  name: string;
  kind: 'rateLimit';
  rateLimit: RateLimitMiddlewareConfig;
}

const MAX_AVERAGE = 1_000_000_000;

const average: f.Validator<number> = (input) => {
  const n = f.asNumber(input);
  if (n === undefined || !Number.isFinite(n) || n <= 0 || n > MAX_AVERAGE) {
    return { ok: false, message: `${f.show(input)} is not a rate (expected a number of requests per period above 0, e.g. 100, at most ${MAX_AVERAGE})` };
  }
  return { ok: true, value: n };
};

/**
 * The settings the admin API may change at run time, each with the validator
 * the file's uses, so both answer a bad value with the same message.
 */
export const RATE_LIMIT_TUNABLE = {
  average,
  period: f.duration(1),
  burst: f.integer(1, MAX_AVERAGE, 'burst (the bucket size)'),
  dryRun: f.boolean,
} as const;

/** A run-time change of a rate limit: the tunable settings, resolved (period in ms). */
export type RateLimitTuning = Partial<Pick<RateLimitMiddlewareConfig, 'average' | 'periodMs' | 'burst' | 'dryRun'>>;

export const rateLimitKind = defineMiddlewareKind({
  kind: 'rateLimit',
  schema: strict(
    {
      average: field(RATE_LIMIT_TUNABLE.average),
      period: field(RATE_LIMIT_TUNABLE.period).optional(),
      burst: field(RATE_LIMIT_TUNABLE.burst).optional(),
      ...requestKeyFields,
      store: field(f.oneOf(RATE_LIMIT_STORES, 'rate-limit store')).optional(),
      onStoreError: field(f.oneOf(STORE_ERROR_ACTIONS, 'store-error action')).optional(),
      instances: field(f.integer(1, 10_000, 'instance count')).optional(),
      dryRun: field(RATE_LIMIT_TUNABLE.dryRun).optional(),
    },
    'rateLimit',
  ).transform((r, ctx): RateLimitMiddlewareConfig => {
    const ipv6 = ipv6PrefixProblem(r);
    if (ipv6 !== undefined) ctx.addIssue({ code: 'custom', path: ['ipv6Prefix'], message: ipv6 });
    return {
      average: r.average,
      periodMs: r.period ?? 1000,
      burst: r.burst ?? Math.max(1, Math.ceil(r.average)),
      key: requestKeyOf(r),
      store: r.store ?? 'memory',
      onStoreError: r.onStoreError ?? 'local',
      instances: r.instances ?? 1,
      dryRun: r.dryRun ?? false,
    };
  }),
  problems: (c, resolved) =>
    c.store === 'redis' && resolved.redis === undefined
      ? ['store: store: redis needs a Redis server: add the top-level redis: { url: redis://HOST:6379 } (or set REDIS_URL), or use store: memory']
      : [],
});

