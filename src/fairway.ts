// createFairway(config) builds one complete load balancer — listeners, pools,
// health checks, admin — with no hidden globals, so tests can run many side
// by side on port 0. Reloads build new routing snapshots (one per listener)
// and swap one reference; requests in flight keep the one they started with.
import type { AddressInfo } from 'node:net';
import type { FairwayConfig, PoolConfig } from './config/types.js';
import type { LoadResult } from './config/load.js';
import type { ConfigProblem } from './config/problems.js';
import type { ReloadResult } from './reload-result.js';
import { createLogger, type Logger } from './observability/logger.js';
import { FairwayEvents } from './observability/events.js';
import { Cluster, type PreparedPoolChange } from './cluster/cluster.js';
import { ConfigFileProvider } from './cluster/config-file-provider.js';
import { configChanges, poolChanges } from './reload-changes.js';
import { Listeners, type ListenerAddress, type ListenerDescription, type PreparedListeners } from './frontend/listener-set.js';
import { CertificateProblem } from './frontend/certificates.js';
import { REUSE_PORT } from './frontend/accept-sockets.js';
import { createExchangeHandler } from './exchange/serve.js';
import type { RoutingSnapshot } from './exchange/route.js';
import { RouteChains } from './filters/route-chains.js';
import { buildListenerSnapshots, type ListenerSnapshots } from './routing-snapshot.js';
import type { Filter } from './exchange/phases.js';
import { RateLimit } from './filters/rate-limit.js';
import { TrafficStats } from './observability/traffic-stats.js';
import { AdminServer, type AdminRoute } from './admin/server.js';
import { statsSnapshot, type StatsSnapshot } from './admin/stats.js';
import { statsRoute } from './admin/stats-route.js';
import type { AdminControl } from './admin/control.js';
import { apiRoutes } from './admin/api.js';
import { AdminAuth } from './admin/auth.js';
import { attachObservers } from './observers.js';
import { EventStream } from './admin/event-stream.js';
import { createDashboard, type Dashboard } from './admin/dashboard.js';
import { SharedStores, type PreparedStores } from './state/shared-stores.js';
import { MiddlewareState, type FilterContextBuild, type MiddlewareCounters } from './filters/middleware-state.js';

export interface FairwayOptions {
  logger?: Logger;
  /** Re-reads the config from where it came (file, environment, flags), for reloads. */
  loadConfig?: () => LoadResult;
  /** More admin routes (the demo's backend controls under /api/demo). */
  adminRoutes?: AdminRoute[];
}

export interface ListeningAddresses {
  /** The first listener's address. */
  proxy: AddressInfo;
  /** Every listener's, in config order. */
  listeners: ListenerAddress[];
  admin: AddressInfo | undefined;
}

export type { ReloadResult } from './reload-result.js';

export interface Fairway {
  /** The config in force (replaced by reloads). */
  readonly config: FairwayConfig;
  readonly logger: Logger;
  /** Health, ejection, retry and request events, for observers. */
  readonly events: FairwayEvents;
  /** Raw process-wide counters. */
  readonly traffic: TrafficStats;
  /** The pools in force (replaced by reloads). */
  readonly pools: readonly Cluster[];
  listen(): Promise<ListeningAddresses>;
  /** Graceful: in-flight requests get up to `timeoutMs` (default config.shutdownTimeoutMs). */
  close(timeoutMs?: number): Promise<void>;
  /** The /lb/stats snapshot. */
  stats(): StatsSnapshot;
  /** Each listener with its address and, for a TLS one, its certificates (as in /lb/stats). */
  describeListeners(): ListenerDescription[];
  /** The filter in force of a middleware definition (replaced by reloads), or undefined. */
  middlewareFilter(name: string): Filter | undefined;
  /** What the lasting state of a middleware holds now: its counters. */
  middlewareCounters(name: string): MiddlewareCounters;
  /**
   * Applies a new config (validated by the loader). Everything fallible is
   * built first; anything that fails rejects it whole and changes nothing.
   * Never rejects: failures are a `{ ok: false }` result.
   */
  apply(next: FairwayConfig): Promise<ReloadResult>;
  /** Re-reads the config through `options.loadConfig` and applies it; an invalid one changes nothing. */
  reload(): Promise<ReloadResult>;
  /** Reopens the access log file (SIGUSR1, for logrotate). */
  reopen(): void;
}

const hostPort = (a: AddressInfo): string => `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;

/** A step of a reload that failed while being prepared, and the config path it concerns. */
class ReloadProblem extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

interface PreparedReload {
  accessLog: { commit(): void; discard(): void };
  kept: { pool: Cluster; next: PoolConfig; change: PreparedPoolChange }[];
  added: Cluster[];
  removed: Cluster[];
  nextPools: Cluster[];
  snapshots: ListenerSnapshots;
  listeners: PreparedListeners;
  stores: PreparedStores;
  /** The middlewares' lasting state as the new snapshots use it. */
  middlewareState: FilterContextBuild;
  /** Drops everything built, when the reload stops before its commit. */
  discard(): void;
}

/** What a reload to `next` puts back of the rate limits the admin API changed. */
function runTimeReverts(running: ReadonlyMap<string, Filter>, next: FairwayConfig): string[] {
  const out: string[] = [];
  for (const d of next.middlewares) {
    const filter = running.get(d.name);
    if (d.kind === 'rateLimit' && filter instanceof RateLimit) out.push(...filter.reverts(d.rateLimit).map((c) => `middleware ${d.name}: ${c}`));
  }
  return out;
}

/**
 * Builds a balancer for `initial`; throws a CertificateProblem (naming the
 * setting) when a TLS listener's certificate cannot be used.
 */
export function createFairway(initial: FairwayConfig, options: FairwayOptions = {}): Fairway {
  const logger = options.logger ?? createLogger(initial.log);
  const events = new FairwayEvents();
  const stats = new TrafficStats();
  let config = initial;

  /** A cluster for a pool of the file; its members come from the file through its provider. Throws if they cannot be built. */
  function openCluster(poolConfig: PoolConfig): Cluster {
    const cluster = new Cluster(poolConfig, logger, events);
    try {
      // The file's provider gives its list at once, so the pool has its members on return.
      void cluster.follow(new ConfigFileProvider(poolConfig.backends), () => config.shutdownTimeoutMs);
    } catch (err) {
      void cluster.close();
      throw err;
    }
    return cluster;
  }

  let pools = config.pools.map(openCluster);
  // Shared state (the Redis bucket store of `redis:`); rate limits reach it through stores.redisBuckets(name).
  const stores = new SharedStores(config.redis, logger);
  const chains = new RouteChains(stats, events);
  // What middlewares keep across reloads (rate-limit buckets and counters), by middleware name.
  const middlewareState = new MiddlewareState(stores, logger);
  const firstBuild = middlewareState.build();
  let snapshots: ReadonlyMap<string, RoutingSnapshot>;
  // The filter in force of each middleware definition, for the admin API.
  let middlewareFilters: ReadonlyMap<string, Filter>;
  try {
    ({ snapshots, middlewares: middlewareFilters } = buildListenerSnapshots(config, pools, chains, config.listeners, firstBuild));
  } catch (err) {
    for (const pool of pools) void pool.close();
    void stores.close();
    throw err;
  }
  firstBuild.commit();
  let listening = false;

  // A client socket may sit silent while its request waits for the response
  // header, in the queue, or between body chunks; none may be cut short here.
  const socketIdleFor = (c: FairwayConfig) =>
    Math.max(...c.pools.map((p) => Math.max(p.timeouts.idleMs, p.timeouts.responseMs + p.queue.timeoutMs)));
  const exchangeContext = { stats, logger, events };
  let listeners: Listeners;
  try {
    // Each listener routes with its own snapshot of the moment.
    listeners = new Listeners(config.listeners, config.listen, socketIdleFor(config), (name) => createExchangeHandler(() => snapshots.get(name)!, exchangeContext), logger);
  } catch (err) {
    for (const pool of pools) void pool.close();
    void stores.close();
    throw err;
  }
  const getStats = () => statsSnapshot(stats, pools, listeners.describe(), stores.redis);
  const auth = new AdminAuth(config.admin);
  const admin = config.admin.enabled ? new AdminServer(config.admin, auth) : undefined;
  const observers = attachObservers({ config, logger, events, pools: () => pools, certificates: () => listeners.certificates(), redis: () => stores.redis, rateLimits: () => middlewareState.rateLimits(), admin });
  let dashboard: Dashboard | undefined;
  let closing: Promise<void> | undefined;
  let reloading: Promise<unknown> = Promise.resolve();

  /** A rejected reload: logged, answered, and the running config left alone. */
  function rejected(errors: ConfigProblem[]): ReloadResult {
    logger.error({ problems: errors.map((e) => `${e.path}: ${e.message}`) }, 'reload rejected; keeping the running configuration');
    return { ok: false, errors };
  }

  /**
   * Builds everything fallible for `next` — the access log, new pools and
   * their connection pools, algorithms, the router — while the running config
   * keeps serving. Throws a ReloadProblem naming the config path, after
   * discarding what it had built.
   */
  function prepare(next: FairwayConfig): PreparedReload {
    const discards: (() => void)[] = [];
    const step = <T>(path: string, build: () => T): T => {
      try {
        return build();
      } catch (err) {
        throw err instanceof ReloadProblem ? err : new ReloadProblem(path, (err as Error).message);
      }
    };
    try {
      const accessLog = step('accessLog.path', () => observers.prepare(next));
      discards.push(() => accessLog.discard());
      step('log.level', () => {
        if (next.log.level !== 'silent' && !(next.log.level in logger.levels.values)) throw new Error(`"${next.log.level}" is not a log level`);
      });
      const byName = new Map(pools.map((p) => [p.name, p]));
      const nextPools: Cluster[] = [];
      const kept: PreparedReload['kept'] = [];
      const added: Cluster[] = [];
      next.pools.forEach((poolConfig, i) => {
        const existing = byName.get(poolConfig.name);
        if (existing !== undefined) {
          byName.delete(poolConfig.name);
          const change = step(`pools[${i}]`, () => existing.prepareReconfigure(poolConfig));
          discards.push(() => change.discard());
          kept.push({ pool: existing, next: poolConfig, change });
          nextPools.push(existing);
        } else {
          const pool = step(`pools[${i}]`, () => openCluster(poolConfig));
          discards.push(() => void pool.close());
          added.push(pool);
          nextPools.push(pool);
        }
      });
      // Certificates are read and checked here: a broken pair rejects the reload.
      const preparedListeners = step('listeners', () => {
        try {
          return listeners.prepare(next.listeners);
        } catch (err) {
          throw err instanceof CertificateProblem ? new ReloadProblem(err.path, err.message) : err;
        }
      });
      const preparedStores = step('redis', () => stores.prepare(next.redis));
      discards.push(() => preparedStores.discard());
      const stateBuild = middlewareState.build();
      discards.push(() => stateBuild.discard());
      const snapshots = step('routes', () => buildListenerSnapshots(next, nextPools, chains, listeners.routed(next.listeners), stateBuild));
      return {
        accessLog,
        kept,
        added,
        removed: [...byName.values()],
        nextPools,
        snapshots,
        listeners: preparedListeners,
        stores: preparedStores,
        middlewareState: stateBuild,
        discard: () => discards.forEach((d) => d()),
      };
    } catch (err) {
      for (const discard of discards) discard();
      throw err;
    }
  }

  async function applyNow(next: FairwayConfig): Promise<ReloadResult> {
    let prepared: PreparedReload;
    try {
      prepared = prepare(next);
    } catch (err) {
      const problem = err instanceof ReloadProblem ? err : new ReloadProblem('(reload)', (err as Error).message);
      return rejected([{ path: problem.path, message: problem.message }]);
    }
    const previous = config;
    let changes: string[];
    const warnings: string[] = [];
    try {
      // Described before the commit, which changes the running state compared.
      changes = configChanges(previous, next);
      for (const { pool, next: poolConfig } of prepared.kept) changes.push(...poolChanges(pool, poolConfig));
      for (const pool of prepared.added) changes.push(`pool ${pool.name} added`);
      for (const pool of prepared.removed) changes.push(`pool ${pool.name} removed`);
      changes.push(...prepared.listeners.changes);
      changes.push(...prepared.stores.changes);
      changes.push(...runTimeReverts(middlewareFilters, next));
      warnings.push(...prepared.listeners.warnings);
      if (next.admin.host !== previous.admin.host || next.admin.port !== previous.admin.port || next.admin.enabled !== previous.admin.enabled) {
        warnings.push('admin listener address changes need a restart');
      }
    } catch (err) {
      prepared.discard();
      throw err;
    }

    // Commit: nothing below can fail on a config that prepared.
    prepared.accessLog.commit();
    prepared.stores.commit();
    // The listeners' configs first: configure reads their HTTP/2 limits.
    prepared.listeners.commit();
    listeners.configure(next.listen, socketIdleFor(next));
    auth.configure(next.admin);
    logger.level = next.log.level;
    const drains = prepared.kept.map(({ change }) => change.commit(next.shutdownTimeoutMs));
    for (const pool of prepared.added) if (listening) pool.startHealthChecks();
    pools = prepared.nextPools;
    config = next;
    // One reference swap: new requests route with the new tables.
    snapshots = prepared.snapshots.snapshots;
    middlewareFilters = prepared.snapshots.middlewares;
    // State of middlewares the new snapshots no longer use goes; requests in flight keep what they hold.
    prepared.middlewareState.commit();
    for (const gone of prepared.removed) drains.push(drainPool(gone, next.shutdownTimeoutMs));
    for (const w of warnings) logger.warn(w);
    logger.info({ changes }, 'configuration reloaded');
    // Removed backends and pools drain in the background.
    void Promise.all(drains).catch((err: unknown) => logger.error({ err: (err as Error).message }, 'draining after reload failed'));
    return { ok: true, changes, warnings };
  }

  /** A pool no longer in the config: no new requests, in-flight ones finish, then it closes. */
  async function drainPool(gone: Cluster, timeoutMs: number): Promise<void> {
    for (const b of gone.backends) b.state = 'draining';
    gone.refreshEligible();
    const deadline = Date.now() + timeoutMs;
    while (gone.backends.some((b) => b.inFlight > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    await gone.close();
  }

  /** applyNow, turning any unexpected throw into a rejected reload: a reload never takes the process down. */
  async function applySafely(next: FairwayConfig): Promise<ReloadResult> {
    try {
      return await applyNow(next);
    } catch (err) {
      logger.error({ err }, 'reload failed unexpectedly');
      return rejected([{ path: '(reload)', message: `the reload failed: ${(err as Error).message}` }]);
    }
  }

  const fairway: Fairway = {
    get config() {
      return config;
    },
    logger,
    events,
    traffic: stats,
    get pools() {
      return pools;
    },
    stats: getStats,
    describeListeners: () => listeners.describe(),
    middlewareFilter: (name) => middlewareFilters.get(name),
    middlewareCounters: (name) => middlewareState.counters(name),
    apply(next) {
      // Reloads run one at a time, in order.
      const result = reloading.then(() => applySafely(next));
      reloading = result.catch(() => undefined);
      return result;
    },
    async reload() {
      if (options.loadConfig === undefined) {
        return { ok: false, errors: [{ path: '(reload)', message: 'this instance was not started from a config source' }] };
      }
      let loaded: LoadResult;
      try {
        loaded = options.loadConfig();
      } catch (err) {
        return rejected([{ path: '(reload)', message: `reading the configuration failed: ${(err as Error).message}` }]);
      }
      if (!loaded.ok) {
        logger.error({ problems: loaded.errors.map((e) => `${e.path}: ${e.message}`) }, 'reload rejected: the new configuration is invalid; keeping the running one');
        return { ok: false, errors: loaded.errors };
      }
      for (const w of loaded.warnings) logger.warn(w);
      return fairway.apply(loaded.config);
    },
    reopen: () => observers.reopen(),
    async listen() {
      const opened = await listeners.listen();
      const proxy = opened[0]!.address;
      let adminAddress: AddressInfo | undefined;
      try {
        adminAddress = await admin?.listen();
      } catch (err) {
        await listeners.close(0);
        throw err;
      }
      listening = true;
      for (const pool of pools) pool.startHealthChecks();
      logger.info(
        {
          proxy: `${proxy.address}:${proxy.port}`,
          listeners: Object.fromEntries(opened.map((l) => [l.name, `${l.secure ? 'https' : 'http'}://${hostPort(l.address)}`])),
          admin: adminAddress ? `${adminAddress.address}:${adminAddress.port}` : 'disabled',
          ...(config.redis !== undefined && { redis: config.redis.address }),
          pools: pools.map((p) => ({ name: p.name, algorithm: p.balancer.name, backends: p.backends.map((b) => b.url) })),
        },
        'fairway listening',
      );
      if (!REUSE_PORT) {
        logger.info(
          { node: process.version },
          'one accepting socket per listener: this Node.js has no reusePort (22.12 and 23.1 have it), so under load a burst of new connections is accepted more slowly',
        );
      }
      return { proxy, listeners: opened, admin: adminAddress };
    },
    close(timeoutMs) {
      closing ??= (async () => {
        await dashboard?.close();
        await listeners.close(timeoutMs ?? config.shutdownTimeoutMs);
        await admin?.close();
        await Promise.all(pools.map((p) => p.close()));
        await stores.close();
        await observers.close();
      })();
      return closing;
    },
  };

  if (admin) {
    // The admin listener sees the instance only through its AdminControl face.
    const control: AdminControl = fairway;
    const stream = new EventStream(control);
    const extraRoutes = options.adminRoutes ?? [];
    dashboard = createDashboard({ auth, stream, proxyAddress: () => listeners.loadTestAddress(), extraRoutes });
    admin.add(statsRoute(control), ...apiRoutes(control, stream), ...extraRoutes, ...dashboard.routes);
  }
  return fairway;
}
