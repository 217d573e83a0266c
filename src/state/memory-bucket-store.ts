// Rate-limit buckets in this process: one Map entry per key, refilled lazily
// from the time that passed when the key is next seen, so there is no timer
// at all. The Map is bounded: buckets that are full again (as good as absent)
// are dropped first, oldest first, and only when none is the oldest bucket
// goes. Its order is last use, so the oldest entries are the likeliest full.
import { performance } from 'node:perf_hooks';
import type { BucketDecision, BucketRule, TokenBucketStore } from './token-bucket-store.js';

interface Bucket {
  tokens: number;
  /** performance.now() of the last decision. */
  at: number;
}

/** How many buckets one store keeps by default. */
export const MEMORY_BUCKET_LIMIT = 100_000;

/** How many of the oldest buckets a new key looks at for a full one before it drops the oldest. */
const SCAN_FOR_FULL = 8;

export class MemoryBucketStore implements TokenBucketStore {
  readonly kind = 'memory';
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly maxKeys = MEMORY_BUCKET_LIMIT,
    /** Milliseconds on a monotonic clock; a test may pass its own. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Buckets held now. */
  get size(): number {
    return this.buckets.size;
  }

  take(key: string, rule: BucketRule): BucketDecision {
    const now = this.now();
    const rate = rule.average / rule.periodMs;
    let bucket = this.buckets.get(key);
    let tokens: number;
    if (bucket === undefined) {
      tokens = rule.burst;
      this.makeRoom(now, rule);
      bucket = { tokens, at: now };
    } else {
      // Moved to the end: the Map's order is last use.
      this.buckets.delete(key);
      // A smaller burst after a reload applies at once.
      tokens = Math.min(rule.burst, bucket.tokens + Math.max(0, now - bucket.at) * rate);
    }
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    bucket.tokens = tokens;
    bucket.at = now;
    this.buckets.set(key, bucket);
    // One step of upkeep per decision: the oldest bucket goes once it is full again.
    this.dropOldestIfFull(now, rule);
    return {
      allowed,
      remaining: Math.floor(tokens),
      retryAfterMs: tokens < 1 ? Math.ceil((1 - tokens) / rate) : 0,
      resetMs: Math.ceil((rule.burst - tokens) / rate),
    };
  }

  close(): Promise<void> {
    this.buckets.clear();
    return Promise.resolve();
  }

  private isFull(bucket: Bucket, now: number, rule: BucketRule): boolean {
    return bucket.tokens + (now - bucket.at) * (rule.average / rule.periodMs) >= rule.burst;
  }

  private dropOldestIfFull(now: number, rule: BucketRule): void {
    const oldest = this.buckets.entries().next();
    if (!oldest.done && this.isFull(oldest.value[1], now, rule)) this.buckets.delete(oldest.value[0]);
  }

  /** Before a new bucket is added at the limit: a full bucket among the oldest goes, else the oldest. */
  private makeRoom(now: number, rule: BucketRule): void {
    if (this.buckets.size < this.maxKeys) return;
    let seen = 0;
    for (const [key, bucket] of this.buckets) {
      if (this.isFull(bucket, now, rule)) {
        this.buckets.delete(key);
        return;
      }
      if (++seen >= SCAN_FOR_FULL) break;
    }
    this.buckets.delete(this.buckets.keys().next().value!);
  }
}
