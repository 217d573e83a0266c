// State of middlewares that must outlive one routing snapshot. Filters are
// built anew for every snapshot (each reload), but a rate limit's buckets, its
// counters and a connLimit's requests in flight belong to the middleware, not
// to one build of its filter: a reload that keeps the middleware (by name)
// keeps them. The fairway instance owns one MiddlewareState; every snapshot
// build asks it for a FilterContext, which hands each filter its state and
// notes what was asked for. Committing the build drops the state no filter of
// it asked for (a middleware the reload removed, or a store it no longer uses);
// discarding it drops only what it created.
import type { LocalAnswerTally } from '../exchange/phases.js';
import type { Logger } from '../observability/logger.js';
import { MemoryBucketStore } from '../state/memory-bucket-store.js';
import { SharedStores } from '../state/shared-stores.js';
import type { TokenBucketStore } from '../state/token-bucket-store.js';

/** A rate limit's decisions since the middleware appeared (kept across reloads). */
export interface RateLimitCounts {
  allowed: number;
  limited: number;
  /** Refused with 503: the store could not decide and onStoreError is deny. */
  unavailable: number;
  /** Would have been refused, but dryRun let them through. */
  dryRunLimited: number;
  /** Decisions the store could not make (Redis down or slow); onStoreError decided instead. */
  storeErrors: number;
}

/** A connLimit's requests in flight, by key; a key at 0 is removed. */
export type InFlightCounts = Map<string, number>;

/** What the state of one middleware holds now, for the admin API. */
export interface MiddlewareCounters {
  /** Requests it answered itself from onRequest (the lifecycle counts them in its LocalAnswerTally). */
  answered: number;
  /** A rate limit's decisions. */
  rateLimit?: RateLimitCounts;
  /** Buckets held in this process's memory (its own and, with Redis, its fallback ones). */
  bucketsInMemory: number;
  /** A connLimit's requests in flight now, and under how many keys. */
  inFlight?: { requests: number; keys: number };
}

/** What a filter may keep beyond its snapshot; each thing is one per middleware name. */
export interface FilterContext {
  /** The middleware's buckets in this process; `purpose` tells apart two sets of one middleware (`fallback`). */
  memoryBuckets(middleware: string, purpose?: string): TokenBucketStore;
  /** The middleware's buckets in the shared Redis (rejects while there is none or it is down). */
  redisBuckets(middleware: string): TokenBucketStore;
  rateLimitCounts(middleware: string): RateLimitCounts;
  inFlight(middleware: string): InFlightCounts;
  /** Where the lifecycle counts the requests the middleware answered itself. */
  localAnswers(middleware: string): LocalAnswerTally;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

/** One snapshot build's context: committed with the snapshot, or discarded with it. */
export interface FilterContextBuild extends FilterContext {
  commit(): void;
  discard(): void;
}

type Entry = MemoryBucketStore | RateLimitCounts | InFlightCounts | LocalAnswerTally;

const QUIET: Pick<Logger, 'info' | 'warn'> = { info: () => undefined, warn: () => undefined };

export class MiddlewareState {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly stores: SharedStores,
    private readonly logger: Pick<Logger, 'info' | 'warn'>,
  ) {}

  /** A context for building filters without an instance (tests, tools): its own state, no Redis. */
  static standalone(): FilterContext {
    return new MiddlewareState(new SharedStores(undefined, QUIET), QUIET).build();
  }

  /** Every rate limit's counts, for metrics: the ones the committed snapshot uses. */
  rateLimits(): { middleware: string; counts: RateLimitCounts }[] {
    const out: { middleware: string; counts: RateLimitCounts }[] = [];
    for (const [key, entry] of this.entries) {
      if (key.startsWith('counts\0')) out.push({ middleware: key.slice('counts\0'.length), counts: entry as RateLimitCounts });
    }
    return out;
  }

  /** What the state of `middleware` holds now (zeros for what it has none of). */
  counters(middleware: string): MiddlewareCounters {
    const tally = this.entries.get(`answered\0${middleware}`) as LocalAnswerTally | undefined;
    const counts = this.entries.get(`counts\0${middleware}`) as RateLimitCounts | undefined;
    const inFlight = this.entries.get(`inflight\0${middleware}`) as InFlightCounts | undefined;
    let bucketsInMemory = 0;
    for (const purpose of ['own', 'fallback']) {
      const store = this.entries.get(`buckets\0${middleware}\0${purpose}`);
      if (store instanceof MemoryBucketStore) bucketsInMemory += store.size;
    }
    let requests = 0;
    if (inFlight !== undefined) for (const n of inFlight.values()) requests += n;
    return {
      answered: tally?.count ?? 0,
      ...(counts !== undefined && { rateLimit: { ...counts } }),
      bucketsInMemory,
      ...(inFlight !== undefined && { inFlight: { requests, keys: inFlight.size } }),
    };
  }

  build(): FilterContextBuild {
    const used = new Set<string>();
    const created = new Set<string>();
    const keep = <T extends Entry>(key: string, create: () => T): T => {
      used.add(key);
      let entry = this.entries.get(key);
      if (entry === undefined) {
        entry = create();
        this.entries.set(key, entry);
        created.add(key);
      }
      return entry as T;
    };
    return {
      logger: this.logger,
      memoryBuckets: (middleware, purpose = 'own') => keep(`buckets\0${middleware}\0${purpose}`, () => new MemoryBucketStore()),
      redisBuckets: (middleware) => this.stores.redisBuckets(middleware),
      rateLimitCounts: (middleware) => keep(`counts\0${middleware}`, () => ({ allowed: 0, limited: 0, unavailable: 0, dryRunLimited: 0, storeErrors: 0 })),
      inFlight: (middleware) => keep(`inflight\0${middleware}`, () => new Map<string, number>()),
      localAnswers: (middleware) => keep(`answered\0${middleware}`, () => ({ count: 0 })),
      commit: () => {
        for (const key of [...this.entries.keys()]) if (!used.has(key)) this.drop(key);
      },
      discard: () => {
        for (const key of created) this.drop(key);
      },
    };
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    if (entry instanceof MemoryBucketStore) void entry.close();
  }
}
