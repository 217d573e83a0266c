// Rate-limit buckets in Redis, shared by every fairway instance pointed at the
// same server: one EVALSHA of the token-bucket script per decision.
import { createHash } from 'node:crypto';
import type { BucketDecision, BucketRule, TokenBucketStore } from './token-bucket-store.js';
import type { RedisConnection } from './redis-connection.js';
import { RedisReplyError } from './redis-errors.js';
import type { RespValue } from './resp-parser.js';
import { TOKEN_BUCKET_SCRIPT } from './token-bucket-script.js';

/** Every bucket's key starts with this, so fairway's keys are easy to find and cannot meet another application's. */
export const BUCKET_KEY_PREFIX = 'fairway:rl:';

// Redis names a cached script by the SHA-1 of its text.
const SCRIPT_SHA = createHash('sha1').update(TOKEN_BUCKET_SCRIPT).digest('hex');

export class RedisBucketStore implements TokenBucketStore {
  readonly kind = 'redis';

  constructor(readonly connection: RedisConnection) {}

  /** Bucket `key` lives at `fairway:rl:<key>`; a caller puts its middleware's name in `key` (see SharedStores). */
  async take(key: string, rule: BucketRule): Promise<BucketDecision> {
    if (!(rule.average > 0 && rule.periodMs > 0)) throw new RangeError(`a bucket needs a positive average and period (got ${rule.average} per ${rule.periodMs}ms)`);
    const args = [1, BUCKET_KEY_PREFIX + key, rule.average, rule.periodMs, rule.burst];
    let reply: RespValue;
    try {
      reply = await this.connection.command(['EVALSHA', SCRIPT_SHA, ...args]);
    } catch (err) {
      // Not cached (a restarted server, SCRIPT FLUSH): EVAL runs it and caches it for the next EVALSHA.
      if (!(err instanceof RedisReplyError && err.code === 'NOSCRIPT')) throw err;
      reply = await this.connection.command(['EVAL', TOKEN_BUCKET_SCRIPT, ...args]);
    }
    return decisionOf(reply);
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

function decisionOf(reply: RespValue): BucketDecision {
  if (!Array.isArray(reply) || reply.length !== 4 || !reply.every((n) => typeof n === 'number')) {
    throw new Error(`the token-bucket script answered ${JSON.stringify(reply)} (expected four integers)`);
  }
  const [allowed, remaining, retryAfterMs, resetMs] = reply as number[];
  return { allowed: allowed === 1, remaining: remaining!, retryAfterMs: retryAfterMs!, resetMs: resetMs! };
}
