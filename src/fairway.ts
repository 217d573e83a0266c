// createBalancer(config) builds one complete load balancer — listener, pools,
// health checks, admin — with no hidden globals, so tests can run many side
// by side on port 0.
import type { AddressInfo } from 'node:net';
import type { FairwayConfig } from './config/types.js';
import { createLogger, type Logger } from './observability/logger.js';
import { BackendPool } from './proxy/pool.js';
import { Router } from './proxy/router.js';
import { ProxyListener } from './proxy/listener.js';
import { createRequestHandler, type RoutingSnapshot } from './proxy/request-handler.js';
import { TrafficStats } from './proxy/traffic-stats.js';
import { ActiveHealthChecker } from './health/active-checker.js';
import { AdminServer } from './admin/server.js';
import { sendJson } from './admin/http.js';
import { statsSnapshot, type StatsSnapshot } from './admin/stats.js';
import { FairwayEvents } from './observability/events.js';
import { attachObservers } from './observers.js';

export interface BalancerOptions {
  logger?: Logger;
}

export interface ListeningAddresses {
  proxy: AddressInfo;
  admin: AddressInfo | undefined;
}

export interface FairwayBalancer {
  readonly config: FairwayConfig;
  readonly logger: Logger;
  /** Health, ejection, retry and request events, for observers. */
  readonly events: FairwayEvents;
  readonly pools: readonly BackendPool[];
  listen(): Promise<ListeningAddresses>;
  /** Graceful: in-flight requests get up to `timeoutMs` (default config.shutdownTimeoutMs). */
  close(timeoutMs?: number): Promise<void>;
  stats(): StatsSnapshot;
  /** Reopens the access log file (SIGUSR1, for logrotate). */
  reopen(): void;
}

export function createBalancer(config: FairwayConfig, options: BalancerOptions = {}): FairwayBalancer {
  const logger = options.logger ?? createLogger(config.log);
  const events = new FairwayEvents();
  const stats = new TrafficStats();
  const pools = config.pools.map((p) => new BackendPool(p, logger, events));
  const poolsByName = new Map(pools.map((p) => [p.name, p]));
  const snapshot: RoutingSnapshot = {
    router: new Router(config.routes, (name) => {
      const pool = poolsByName.get(name);
      if (pool === undefined) throw new Error(`route names unknown pool "${name}"`);
      return pool;
    }),
  };

  const checkers = pools
    .filter((pool) => pool.config.healthCheck.enabled)
    .map(
      (pool) =>
        new ActiveHealthChecker(
          pool.backends,
          pool.config.healthCheck,
          (b, healthy, reason) => pool.setHealth(b, healthy, reason),
          (b, { ok, reason }) => events.emit('healthCheck', { pool: pool.name, backend: b.id, ok, reason }),
        ),
    );

  // A client socket may sit silent while its request waits for the response
  // header, in the queue, or between body chunks; none may be cut short here.
  const socketIdleMs = Math.max(
    ...config.pools.map((p) => Math.max(p.timeouts.idleMs, p.timeouts.responseMs + p.queue.timeoutMs)),
  );
  const listener = new ProxyListener(
    { ...config.listen, socketIdleMs },
    createRequestHandler(() => snapshot, { stats, logger, events }),
  );
  const getStats = () => statsSnapshot(stats, pools);
  const admin = config.admin.enabled ? new AdminServer(config.admin) : undefined;
  admin?.add({ method: 'GET', path: '/lb/stats', handle: ({ res }) => sendJson(res, 200, getStats()) });
  const observers = attachObservers({ config, logger, events, pools: () => pools, admin });
  let closing: Promise<void> | undefined;

  return {
    config,
    logger,
    events,
    pools,
    stats: getStats,
    reopen: () => observers.reopen(),
    async listen() {
      const proxy = await listener.listen();
      let adminAddress: AddressInfo | undefined;
      try {
        adminAddress = await admin?.listen();
      } catch (err) {
        await listener.close(0);
        throw err;
      }
      for (const checker of checkers) checker.start();
      logger.info(
        {
          proxy: `${proxy.address}:${proxy.port}`,
          admin: adminAddress ? `${adminAddress.address}:${adminAddress.port}` : 'disabled',
          pools: pools.map((p) => ({ name: p.name, algorithm: p.balancer.name, backends: p.backends.map((b) => b.url) })),
        },
        'fairway listening',
      );
      return { proxy, admin: adminAddress };
    },
    close(timeoutMs = config.shutdownTimeoutMs) {
      closing ??= (async () => {
        await listener.close(timeoutMs);
        await Promise.all(checkers.map((c) => c.stop()));
        await admin?.close();
        await Promise.all(pools.map((p) => p.close()));
        await observers.close();
      })();
      return closing;
    },
  };
}
