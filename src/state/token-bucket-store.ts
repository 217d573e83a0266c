// Where rate-limit buckets live: in this process (memory) or in a server every
// fairway instance shares (Redis). A policy (filters/rate-limit.ts) asks one
// question per request — may bucket KEY give a token under RULE? — and never
// knows which store answers it.

/** A token bucket's shape: `burst` tokens at most, refilled at `average` per `periodMs`. */
export interface BucketRule {
  /** Tokens added per period (the sustained rate). */
  average: number;
  /** The period `average` is counted over, in milliseconds. */
  periodMs: number;
  /** The bucket's size: how many requests may come at once after a quiet spell. */
  burst: number;
}

/** One decision, with what the RateLimit and Retry-After fields tell the client. */
export interface BucketDecision {
  allowed: boolean;
  /** Whole tokens left after this decision. */
  remaining: number;
  /** Milliseconds until one token is back (0 when one is left). */
  retryAfterMs: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
}

export interface TokenBucketStore {
  /** For logs, metrics and the admin API: 'memory' or 'redis'. */
  readonly kind: string;
  /**
   * Takes one token from bucket `key` (created full on first use). A store
   * across the network rejects — never hangs — when it cannot answer
   * quickly; the policy then applies its `onStoreError`.
   */
  take(key: string, rule: BucketRule): BucketDecision | Promise<BucketDecision>;
  /** Frees timers and connections. */
  close(): Promise<void>;
}
