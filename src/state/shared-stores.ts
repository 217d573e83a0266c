// The stores one fairway instance shares with others, owned in one place:
// for now the optional Redis bucket store of the `redis:` section. The
// composition root builds it, re-creates it on a reload that changes the
// section, and closes it; rate limits reach it through redisBuckets(name),
// a view that stays valid across those swaps.
import type { RedisConfig } from '../config/types.js';
import { RedisBucketStore } from './redis-bucket-store.js';
import { RedisConnection, type RedisConnectionState } from './redis-connection.js';
import { RedisUnavailableError } from './redis-errors.js';
import type { BucketDecision, BucketRule, TokenBucketStore } from './token-bucket-store.js';

/** The part of the logger this needs (pino's fits); state/ sits beside observability/, not above it. */
export interface StoreLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** The Redis connection as /lb/stats and /metrics show it. */
export interface RedisStatus {
  /** The URL without its password. */
  address: string;
  state: RedisConnectionState;
}

/** A reload's change to the stores: applied by commit(), or dropped by discard() without having touched anything. */
export interface PreparedStores {
  changes: string[];
  commit(): void;
  discard(): void;
}

export class SharedStores {
  private store: RedisBucketStore | undefined;
  private config: RedisConfig | undefined;

  constructor(
    config: RedisConfig | undefined,
    private readonly log: StoreLog,
  ) {
    this.config = config;
    this.store = config && this.open(config);
  }

  /**
   * The Redis buckets of the middleware `middleware`: its keys are
   * `fairway:rl:<middleware>:<key>`, so two rate limits never share a bucket.
   * Rejects (RedisUnavailableError) while no `redis:` is configured or
   * Redis is unreachable; the caller applies its onStoreError.
   */
  redisBuckets(middleware: string): TokenBucketStore {
    const prefix = `${middleware}:`;
    return {
      kind: 'redis',
      take: (key: string, rule: BucketRule): Promise<BucketDecision> =>
        this.store === undefined ? Promise.reject(new RedisUnavailableError('no redis server is configured (top-level redis: { url: … })')) : this.store.take(prefix + key, rule),
      // The view owns nothing; the stores close with the instance.
      close: () => Promise.resolve(),
    };
  }

  /** Undefined without a `redis:` section. */
  get redis(): RedisStatus | undefined {
    return this.store === undefined ? undefined : { address: this.config!.address, state: this.store.connection.state };
  }

  /**
   * What `next` changes. Nothing is opened before commit(), so a reload that
   * fails later leaves the running connection alone and opens none.
   */
  prepare(next: RedisConfig | undefined): PreparedStores {
    const nothing = { changes: [], commit: () => undefined, discard: () => undefined };
    if (JSON.stringify(next) === JSON.stringify(this.config)) return nothing;
    const before = this.config?.address;
    const change =
      next === undefined ? `redis ${before} removed` : before === undefined ? `redis ${next.address} added` : before === next.address ? `redis ${next.address} settings changed` : `redis ${before} → ${next.address}`;
    return {
      changes: [change],
      commit: () => {
        const old = this.store;
        this.config = next;
        this.store = next && this.open(next);
        // Commands in flight on the old connection get their replies (or time out) before it closes.
        void old?.close();
      },
      discard: () => undefined,
    };
  }

  close(): Promise<void> {
    const store = this.store;
    this.store = undefined;
    return store?.close() ?? Promise.resolve();
  }

  private open(config: RedisConfig): RedisBucketStore {
    const redis = config.address;
    let wasUp = false;
    let warned = false;
    // One line per change of state, never one per failed attempt: a Redis that stays down logs once.
    const connection = new RedisConnection({
      ...config,
      onStateChange: (state, reason) => {
        if (state === 'connected') {
          this.log.info({ redis }, warned ? 'redis reachable again' : 'redis connected');
          wasUp = true;
          warned = false;
        } else if (state === 'reconnecting' && !warned) {
          warned = true;
          this.log.warn({ redis, reason }, wasUp ? 'redis connection lost; reconnecting (rate limits apply their onStoreError meanwhile)' : 'redis unreachable; retrying');
        }
      },
    });
    return new RedisBucketStore(connection);
  }
}
