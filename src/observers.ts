// Observers of one fairway instance, watching from the side of the data path: the
// Prometheus metrics (served at /metrics on the admin listener) and the access
// log. createFairway attaches them in one call and closes them on close().
import type { FairwayConfig } from './config/types.js';
import type { AdminServer } from './admin/server.js';
import { metricsRoute } from './admin/metrics-route.js';
import { AccessLog } from './observability/access-log.js';
import type { FairwayEvents } from './observability/events.js';
import type { Logger } from './observability/logger.js';
import { FairwayMetrics, type MetricsCertificateSource, type MetricsPoolSource, type MetricsRateLimitSource, type MetricsRedisSource } from './observability/metrics.js';

export interface ObservedParts {
  config: FairwayConfig;
  logger: Logger;
  events: FairwayEvents;
  /** Read at every scrape; may change at run time. */
  pools: () => readonly MetricsPoolSource[];
  /** The TLS listeners' certificates, read at every scrape. */
  certificates?: () => readonly MetricsCertificateSource[];
  /** The Redis connection, read at every scrape; undefined without `redis:`. */
  redis?: () => MetricsRedisSource | undefined;
  /** Each rateLimit middleware's decision counts, read at every scrape. */
  rateLimits?: () => readonly MetricsRateLimitSource[];
  admin: AdminServer | undefined;
}

export interface Observers {
  /** Undefined when the admin listener (which serves /metrics) is disabled. */
  readonly metrics: FairwayMetrics | undefined;
  readonly accessLog: AccessLog;
  /**
   * Prepares a reloaded accessLog section: a changed one gets its new access
   * log opened now, and throws, leaving the running log alone, when the file
   * cannot be opened. commit() swaps it in (the old one writes out its buffer
   * and closes); discard() closes the unused new one.
   */
  prepare(next: FairwayConfig): { commit(): void; discard(): void };
  /** Reopens the access log file (SIGUSR1, after logrotate). */
  reopen(): void;
  /** Writes out buffered log lines and detaches from the event bus. */
  close(): Promise<void>;
}

export function attachObservers(parts: ObservedParts): Observers {
  let accessLog = new AccessLog(parts.config.accessLog, parts.events, parts.logger);
  let accessLogConfig = JSON.stringify(parts.config.accessLog);
  let metrics: FairwayMetrics | undefined;
  if (parts.admin !== undefined) {
    metrics = new FairwayMetrics(parts.events, parts.pools, parts.certificates, parts.redis, parts.rateLimits);
    parts.admin.add(metricsRoute(metrics));
  }
  return {
    metrics,
    get accessLog() {
      return accessLog;
    },
    prepare(next) {
      const wanted = JSON.stringify(next.accessLog);
      if (wanted === accessLogConfig) return { commit: () => undefined, discard: () => undefined };
      const replacement = new AccessLog(next.accessLog, parts.events, parts.logger);
      return {
        commit() {
          const old = accessLog;
          accessLog = replacement;
          accessLogConfig = wanted;
          void old.close();
        },
        discard: () => void replacement.close(),
      };
    },
    reopen: () => accessLog.reopen(),
    async close() {
      metrics?.close();
      await accessLog.close();
    },
  };
}
