// The `rateLimit` middleware: one token from the bucket of the request's key
// (request-key.ts) per request, in this process's memory or in the shared
// Redis (the stores of src/state/, reached through the FilterContext, so a
// reload keeps the buckets). A request that finds the bucket empty is
// answered 429 before any backend is picked, with Retry-After and the
// RateLimit-Policy / RateLimit fields of draft-ietf-httpapi-ratelimit-headers:
//
//   RateLimit-Policy: "api";q=50;w=1     q = burst, w = seconds an empty bucket takes to fill
//   RateLimit: "api";r=0;t=2             r = tokens left, t = seconds until one is back (= Retry-After)
//
// When Redis cannot decide (down, slow: its connection has a short command
// timeout and no offline queue, so this never waits long), onStoreError
// decides: `local` takes from a bucket in memory sized average/instances and
// burst/instances, `allow` lets the request through, `deny` answers 503.
//
// The admin API may retune average, period, burst and dryRun at run time: the
// next request uses the new rule against the same buckets (a smaller burst caps
// a bucket at its next decision). The filter of the next snapshot is built from
// the file again, so a reload goes back to it.
import type { RateLimitMiddlewareConfig, RateLimitTuning } from '../config/types.js';
import { errorAnswer } from '../exchange/errors.js';
import type { Exchange } from '../exchange/exchange.js';
import type { Filter, LocalAnswer, RequestVerdict } from '../exchange/phases.js';
import type { BucketDecision, BucketRule, TokenBucketStore } from '../state/token-bucket-store.js';
import type { FilterContext, RateLimitCounts } from './middleware-state.js';
import { RequestKey } from './request-key.js';

/** At most one log line per this long per middleware for dry-run refusals and for store errors. */
const LOG_EVERY_MS = 10_000;

/** A structured-field String (RFC 8941 section 3.3.3): quoted, with \ and " escaped. */
function sfString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A rule with its RateLimit-Policy value, worked out once. */
interface PolicedRule {
  rule: BucketRule;
  policy: string;
}

function policed(name: string, rule: BucketRule): PolicedRule {
  // An empty bucket is full again after burst / rate; the window is that, in whole seconds (at least 1).
  const window = Math.max(1, Math.ceil((rule.burst * rule.periodMs) / rule.average / 1000));
  return { rule, policy: `${sfString(name)};q=${rule.burst};w=${window}` };
}

/** With onStoreError local: each instance's share of the rule while Redis cannot answer. */
function fallbackRule(name: string, c: RateLimitMiddlewareConfig): PolicedRule {
  return policed(name, { average: c.average / c.instances, periodMs: c.periodMs, burst: Math.max(1, Math.ceil(c.burst / c.instances)) });
}

const TUNABLE = ['average', 'periodMs', 'burst', 'dryRun'] as const;

/** Logs the first event at once, then at most one line per LOG_EVERY_MS with how many happened since. */
class ThrottledLog {
  private lastAt = -Infinity;
  private since = 0;

  constructor(private readonly write: (fields: object) => void) {}

  note(fields: object): void {
    this.since++;
    const now = Date.now();
    if (now - this.lastAt < LOG_EVERY_MS) return;
    this.write({ ...fields, count: this.since });
    this.lastAt = now;
    this.since = 0;
  }
}

export class RateLimit implements Filter {
  private readonly key: RequestKey;
  private readonly store: TokenBucketStore;
  private main: PolicedRule;
  /** With store redis and onStoreError local: the buckets and rule used while Redis cannot answer. */
  private fallback: { store: TokenBucketStore; rule: PolicedRule } | undefined;
  /** The settings in force: the file's, with what the admin API changed since this snapshot was built. */
  private config: RateLimitMiddlewareConfig;
  private readonly log: FilterContext['logger'];
  private readonly counts: RateLimitCounts;
  private readonly dryRunLog: ThrottledLog;
  private readonly storeErrorLog: ThrottledLog;
  private readonly quotedName: string;

  constructor(
    readonly name: string,
    /** As the file gives it. */
    readonly fileConfig: RateLimitMiddlewareConfig,
    context: FilterContext,
  ) {
    const config = fileConfig;
    this.config = config;
    this.key = new RequestKey(config.key);
    this.main = policed(name, { average: config.average, periodMs: config.periodMs, burst: config.burst });
    this.counts = context.rateLimitCounts(name);
    this.quotedName = sfString(name);
    if (config.store === 'redis') {
      this.store = context.redisBuckets(name);
      if (config.onStoreError === 'local') this.fallback = { store: context.memoryBuckets(name, 'fallback'), rule: fallbackRule(name, config) };
    } else {
      this.store = context.memoryBuckets(name);
    }
    const log = context.logger;
    this.log = log;
    this.dryRunLog = new ThrottledLog((fields) => log.info({ middleware: name, ...fields }, 'rate limit would refuse (dryRun: let through)'));
    this.storeErrorLog = new ThrottledLog((fields) =>
      log.warn({ middleware: name, onStoreError: config.onStoreError, ...fields }, 'rate-limit store could not decide; onStoreError applies'),
    );
  }

  /** The settings in force. */
  get settings(): RateLimitMiddlewareConfig {
    return this.config;
  }

  /** The tunable settings that differ from the file's now. */
  changedAtRunTime(): (keyof RateLimitTuning)[] {
    return TUNABLE.filter((k) => this.config[k] !== this.fileConfig[k]);
  }

  /** What a reload to `file` (this middleware's next definition) puts back of what was changed at run time, e.g. `rateLimit burst reverted 1 → 100`. */
  reverts(file: RateLimitMiddlewareConfig): string[] {
    const shown = (k: keyof RateLimitTuning, v: unknown) => (k === 'periodMs' ? `${String(v)}ms` : String(v));
    return this.changedAtRunTime()
      .filter((k) => this.config[k] !== file[k])
      .map((k) => `rateLimit ${k === 'periodMs' ? 'period' : k} reverted ${shown(k, this.config[k])} → ${shown(k, file[k])}`);
  }

  /**
   * Puts `change` in force for the next request (validated by the caller);
   * the buckets stay. All of it applies or, should building the rules throw, none.
   */
  retune(change: RateLimitTuning): void {
    const next = { ...this.config, ...change };
    const main = policed(this.name, { average: next.average, periodMs: next.periodMs, burst: next.burst });
    const fallback = this.fallback === undefined ? undefined : { store: this.fallback.store, rule: fallbackRule(this.name, next) };
    const was = this.config;
    this.config = next;
    this.main = main;
    this.fallback = fallback;
    const changed = TUNABLE.filter((k) => was[k] !== next[k]);
    this.log.info(
      { middleware: this.name, changed, average: next.average, periodMs: next.periodMs, burst: next.burst, dryRun: next.dryRun },
      'rate limit changed at run time (the next reload goes back to the file)',
    );
  }

  onRequest(ex: Exchange): RequestVerdict | Promise<RequestVerdict> {
    const key = this.key.of(ex);
    const decision = this.store.take(key, this.main.rule);
    if (!(decision instanceof Promise)) return this.verdict(ex, decision, this.main);
    return decision.then(
      (d) => this.verdict(ex, d, this.main),
      (err: unknown) => this.storeFailed(ex, key, err),
    );
  }

  private verdict(ex: Exchange, d: BucketDecision, used: PolicedRule): RequestVerdict {
    if (d.allowed) {
      this.counts.allowed++;
      return undefined;
    }
    return this.refuse(ex, 'limited', () => {
      const retryAfter = Math.max(1, Math.ceil(d.retryAfterMs / 1000));
      const answer = errorAnswer('rate_limited', ex.requestId, ex.head.accept);
      const headers = [...answer.headers, 'retry-after', String(retryAfter), 'ratelimit-policy', used.policy, 'ratelimit', `${this.quotedName};r=${d.remaining};t=${retryAfter}`];
      return { status: answer.status, headers, body: answer.body, reason: 'rate_limited' };
    });
  }

  private storeFailed(ex: Exchange, key: string, err: unknown): RequestVerdict {
    this.counts.storeErrors++;
    this.storeErrorLog.note({ err: (err as Error)?.message ?? String(err) });
    switch (this.config.onStoreError) {
      case 'allow':
        this.counts.allowed++;
        return undefined;
      case 'deny':
        return this.refuse(ex, 'unavailable', () => {
          const answer = errorAnswer('ratelimit_unavailable', ex.requestId, ex.head.accept);
          return { status: answer.status, headers: answer.headers, body: answer.body, reason: 'ratelimit_unavailable' };
        });
      case 'local': {
        const fallback = this.fallback!;
        // The memory store answers at once (never a Promise).
        return this.verdict(ex, fallback.store.take(key, fallback.rule.rule) as BucketDecision, fallback.rule);
      }
    }
  }

  /** A refusal: the answer, or, in dryRun, a count and a log line and the request goes on. */
  private refuse(ex: Exchange, why: 'limited' | 'unavailable', answer: () => LocalAnswer): RequestVerdict {
    if (this.config.dryRun) {
      this.counts.dryRunLimited++;
      // The client, not the key: a key may hold an API key.
      this.dryRunLog.note({ client: ex.clientAddress, path: ex.path });
      return undefined;
    }
    this.counts[why]++;
    return answer();
  }
}
