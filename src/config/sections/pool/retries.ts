// A pool's `retries:` — which failures are tried again, how often, and how
// much request body is kept for re-sending.
import { z } from 'zod';
import * as f from '../../fields.js';
import { defined, field, strict } from '../../schema-fields.js';

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

export const RETRIES_DEFAULTS: RetryConfig = {
  attempts: 3,
  on: ['reset'],
  perTryTimeoutMs: 0,
  budgetPercent: 20,
  bufferBytes: 64 * 1024,
  retryNonIdempotent: false,
};

// Large enough for any form post worth replaying; each retried request holds this much memory.
export const MAX_BUFFER_BYTES = 64 * 1024 * 1024;

/** A retry condition; status codes may be written as numbers (502) and become strings. */
export const retryCondition: f.Validator<RetryCondition> = (input) => {
  const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim().toLowerCase() : '';
  const known: readonly string[] = RETRY_CONDITIONS;
  if (!known.includes(text)) {
    return { ok: false, message: `${f.show(input)} is not a retry condition (accepted: ${RETRY_CONDITIONS.join(', ')})` };
  }
  return { ok: true, value: text as RetryCondition };
};

const retriesSchema = strict(
  {
    attempts: field(f.integer(1, 10, 'attempt count')).optional(),
    on: z.array(field(retryCondition)).optional(),
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

export const retriesShape = { retries: retriesSchema.optional() };

export function resolveRetries(top: Partial<RetryConfig> | undefined, own: Partial<RetryConfig> | undefined): RetryConfig {
  const retries = { ...RETRIES_DEFAULTS, ...top, ...own };
  // A list replaces the one below it; it is not merged item by item.
  return { ...retries, on: [...retries.on] };
}
