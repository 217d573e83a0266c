// Prometheus metrics: one prom-client Registry per balancer (no globals, so
// tests run several side by side). Counters and the duration histogram are fed
// from the event bus ('served': plain values, no record object); per request
// that is four map lookups, one plain counter increment and one observe on a
// cached histogram child. Gauges (up, in flight, queue length) are read from
// pool state when Prometheus scrapes, so they cost nothing per request.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PlainHistogram, type HistogramSeries } from './plain-histogram.js';
import type { EjectionEvent, FairwayEvents, HealthCheckEvent, RetryEvent } from './events.js';

/** What metrics read from a backend at scrape time (Cluster's backends fit). */
export interface MetricsBackendSource {
  readonly id: string;
  readonly healthy: boolean;
  readonly ejected: boolean;
  readonly inFlight: number;
  /** Tunnels (upgraded connections) open now. */
  readonly openTunnels: number;
  /** Configured weight (the admin API may change it). */
  readonly configWeight: number;
  /** Administrative state: enabled, draining or disabled. */
  readonly state: string;
}

/** What metrics read from a pool at scrape time (Cluster fits). */
export interface MetricsPoolSource {
  readonly name: string;
  readonly backends: readonly MetricsBackendSource[];
  readonly queue: { readonly length: number };
  readonly balancer: { readonly name: string };
}

/** What metrics read of a TLS listener's certificate at scrape time. */
export interface MetricsCertificateSource {
  readonly listener: string;
  readonly name: string;
  readonly notAfter: Date;
}

/** What metrics read of the Redis connection at scrape time (SharedStores' status fits). */
export interface MetricsRedisSource {
  readonly address: string;
  /** connected, connecting, reconnecting or closed. */
  readonly state: string;
}

/** What metrics read of one rateLimit middleware at scrape time (the filters' MiddlewareState fits). */
export interface MetricsRateLimitSource {
  readonly middleware: string;
  /** Plain totals since the middleware appeared; a reload that keeps it keeps them. */
  readonly counts: {
    readonly allowed: number;
    readonly limited: number;
    readonly unavailable: number;
    readonly dryRunLimited: number;
    readonly storeErrors: number;
  };
}

const STATES = ['enabled', 'draining', 'disabled'] as const;

/** Upper bounds in seconds, 0.5 ms to 10 s, roughly 1-2.5-5 per decade. */
export const DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

// RFC 9110 methods plus PATCH; anything else is one label value, so a client
// sending made-up methods cannot create series.
const METHOD_LABELS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'OTHER'] as const;
const METHOD_INDEX: ReadonlyMap<string, number> = new Map(METHOD_LABELS.slice(0, -1).map((m, i) => [m, i]));
const OTHER_METHOD = METHOD_LABELS.length - 1;

export function normalizeMethod(method: string): string {
  return METHOD_LABELS[METHOD_INDEX.get(method) ?? OTHER_METHOD]!;
}

// A request's method, code and protocol packed into one number, so finding
// its series builds no key string (hashing a fresh string per request showed
// in profiles). Protocols are a handful of constants; each gets a number
// when first seen. Status codes have three digits.
const protocolIndex = new Map<string, number>();
function protocolNumber(protocol: string): number {
  let n = protocolIndex.get(protocol);
  if (n === undefined) protocolIndex.set(protocol, (n = protocolIndex.size));
  return n;
}
function seriesCode(method: number, status: number, protocol: string): number {
  return (protocolNumber(protocol) * 1000 + status) * METHOD_LABELS.length + method;
}

// Tries that got no usable answer from the backend (errors.ts kinds).
const UPSTREAM_ERROR_KINDS: ReadonlySet<string> = new Set([
  'connect_refused',
  'connect_timeout',
  'upstream_reset',
  'upstream_tls',
  'response_timeout',
  'upstream_error',
]);


/** One (pool, backend, method, code): its count, and the histogram child of its (pool, backend). */
interface RequestSeries {
  labels: { pool: string; backend: string; method: string; code: string; protocol: string };
  count: number;
  duration: HistogramSeries;
}

const PREFIX = 'fairway_';

// prom-client's totals of active handles, requests and resources are gauges
// named *_total, which Prometheus naming (and promtool) reserves for counters.
// The same numbers remain, broken down by type, in the metrics without _total.
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

// Process and runtime metrics describe the process, not a balancer, and
// prom-client's collectors (event-loop delay monitor, GC observer) cannot be
// stopped; so they are registered once per process and merged into every
// balancer's scrape.
let processRegistry: Registry | undefined;
const GC_KINDS = ['major', 'minor', 'incremental', 'weakcb'];
function sharedProcessRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: PREFIX });
    for (const name of MISNAMED_DEFAULTS) processRegistry.removeSingleMetric(PREFIX + name);
    // A GC kind's series would otherwise appear at its first collection, so
    // the set of series would change under a running scrape.
    const gc = processRegistry.getSingleMetric(PREFIX + 'nodejs_gc_duration_seconds') as Histogram | undefined;
    for (const kind of GC_KINDS) gc?.zero({ kind });
  }
  return processRegistry;
}

export class FairwayMetrics {
  /** This balancer's own metrics. */
  readonly registry = new Registry();
  /** What /metrics serves: the balancer's metrics and the process metrics. */
  private readonly scraped: Registry;

  private readonly duration: PlainHistogram;
  private readonly upstreamErrors: Counter<'pool' | 'backend' | 'reason'>;
  private readonly retries: Counter<'pool' | 'reason'>;
  private readonly ejections: Counter<'pool' | 'backend'>;
  private readonly healthChecks: Counter<'pool' | 'backend' | 'result'>;

  /** Every (pool, backend, method, code, protocol) series, in the order they appeared. */
  private readonly requestSeries: RequestSeries[] = [];
  /** The same series found by pool, then backend, then seriesCode(). */
  private readonly seriesIndex = new Map<string, Map<string, Map<number, RequestSeries>>>();
  private readonly durationSeries = new Map<string, HistogramSeries>();

  constructor(
    private readonly events: FairwayEvents,
    /** Read at every scrape, so pools or backends added at run time show up. */
    pools: () => readonly MetricsPoolSource[],
    /** The TLS listeners' certificates, read at every scrape (they are swapped live). */
    certificates: () => readonly MetricsCertificateSource[] = () => [],
    /** The Redis connection of `redis:`, read at every scrape; undefined without one. */
    redis: () => MetricsRedisSource | undefined = () => undefined,
    /** Each rateLimit middleware's counts, read at every scrape. */
    rateLimits: () => readonly MetricsRateLimitSource[] = () => [],
  ) {
    const registers = [this.registry];
    const requestSeries = this.requestSeries;
    new Counter({
      name: 'fairway_requests_total',
      help: 'Client requests answered, by pool, last backend tried, method, status code and client protocol (http/1.1, h2).',
      labelNames: ['pool', 'backend', 'method', 'code', 'protocol'],
      registers,
      // Counted in plain numbers per request (prom-client's inc hashes the
      // labels on every call) and handed over when Prometheus scrapes.
      collect() {
        this.reset();
        for (const series of requestSeries) this.inc(series.labels, series.count);
      },
    });
    this.duration = new PlainHistogram(
      'fairway_request_duration_seconds',
      'Time from receiving a client request to the end of its answer, retries and queueing included; tunnels (101) are not timed.',
      DURATION_BUCKETS,
    );
    this.registry.registerMetric(this.duration.asMetric());
    this.upstreamErrors = new Counter({
      name: 'fairway_upstream_errors_total',
      help: 'Tries that got no usable answer from a backend (refused, timeout, reset, unreadable), retried ones included.',
      labelNames: ['pool', 'backend', 'reason'],
      registers,
    });
    this.retries = new Counter({
      name: 'fairway_retries_total',
      help: 'Requests sent again after a failed try, by the failure retried.',
      labelNames: ['pool', 'reason'],
      registers,
    });
    this.ejections = new Counter({
      name: 'fairway_backend_ejections_total',
      help: 'Times outlier detection ejected a backend.',
      labelNames: ['pool', 'backend'],
      registers,
      collect() {
        // Start every current backend at 0 so rate() sees the first ejection.
        for (const pool of pools()) for (const b of pool.backends) this.inc({ pool: pool.name, backend: b.id }, 0);
      },
    });
    this.healthChecks = new Counter({
      name: 'fairway_health_checks_total',
      help: 'Active health checks run, by result (success or failure).',
      labelNames: ['pool', 'backend', 'result'],
      registers,
    });
    new Gauge({
      name: 'fairway_backend_up',
      help: '1 when the backend is healthy and not ejected, else 0.',
      labelNames: ['pool', 'backend'],
      registers,
      collect() {
        this.reset();
        for (const pool of pools()) {
          for (const b of pool.backends) this.set({ pool: pool.name, backend: b.id }, b.healthy && !b.ejected ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'fairway_backend_in_flight',
      help: 'Requests a backend is working on right now.',
      labelNames: ['pool', 'backend'],
      registers,
      collect() {
        this.reset();
        for (const pool of pools()) {
          for (const b of pool.backends) this.set({ pool: pool.name, backend: b.id }, b.inFlight);
        }
      },
    });
    new Gauge({
      name: 'fairway_backend_open_tunnels',
      help: 'Tunnels (upgraded connections such as WebSocket) open to a backend now; each also counts in fairway_backend_in_flight.',
      labelNames: ['pool', 'backend'],
      registers,
      collect() {
        this.reset();
        for (const pool of pools()) {
          for (const b of pool.backends) this.set({ pool: pool.name, backend: b.id }, b.openTunnels);
        }
      },
    });
    new Gauge({
      name: 'fairway_queue_length',
      help: 'Requests waiting for a backend below its maxConnections.',
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const pool of pools()) this.set({ pool: pool.name }, pool.queue.length);
      },
    });
    // Administrative settings, so changes made through the admin API or a
    // reload show in the next scrape.
    new Gauge({
      name: 'fairway_backend_weight',
      help: 'Configured weight of the backend (0 takes no new requests).',
      labelNames: ['pool', 'backend'],
      registers,
      collect() {
        this.reset();
        for (const pool of pools()) {
          for (const b of pool.backends) this.set({ pool: pool.name, backend: b.id }, b.configWeight);
        }
      },
    });
    new Gauge({
      name: 'fairway_backend_state',
      help: 'Administrative state of the backend: 1 on the series of its current state, 0 on the others.',
      labelNames: ['pool', 'backend', 'state'],
      registers,
      collect() {
        this.reset();
        for (const pool of pools()) {
          for (const b of pool.backends) {
            for (const state of STATES) this.set({ pool: pool.name, backend: b.id, state }, b.state === state ? 1 : 0);
          }
        }
      },
    });
    new Gauge({
      name: 'fairway_pool_info',
      help: 'Always 1; the algorithm label names the pool\'s balancing algorithm in force.',
      labelNames: ['pool', 'algorithm'],
      registers,
      collect() {
        this.reset();
        for (const pool of pools()) this.set({ pool: pool.name, algorithm: pool.balancer.name }, 1);
      },
    });
    new Gauge({
      name: 'fairway_tls_certificate_expiry_timestamp_seconds',
      help: 'When each certificate of a TLS listener expires (its notAfter), in seconds since the epoch.',
      labelNames: ['listener', 'name'],
      registers,
      collect() {
        this.reset();
        for (const c of certificates()) this.set({ listener: c.listener, name: c.name }, Math.floor(c.notAfter.getTime() / 1000));
      },
    });
    new Gauge({
      name: 'fairway_redis_connected',
      help: '1 while the connection to the redis: server is up, 0 while it is down and being retried (absent without redis:).',
      labelNames: ['address'],
      registers,
      collect() {
        this.reset();
        const connection = redis();
        if (connection !== undefined) this.set({ address: connection.address }, connection.state === 'connected' ? 1 : 0);
      },
    });
    // Counted in plain numbers by the filters (no prom-client call per request) and read here;
    // every result's series exists from the middleware's start, so rate() sees the first refusal.
    new Counter({
      name: 'fairway_ratelimit_decisions_total',
      help: 'rateLimit decisions by middleware and result: allowed, limited (429), unavailable (503: the store failed and onStoreError is deny), dry_run_limited (would have been refused; dryRun let it through).',
      labelNames: ['middleware', 'result'],
      registers,
      collect() {
        this.reset();
        for (const { middleware, counts } of rateLimits()) {
          this.inc({ middleware, result: 'allowed' }, counts.allowed);
          this.inc({ middleware, result: 'limited' }, counts.limited);
          this.inc({ middleware, result: 'unavailable' }, counts.unavailable);
          this.inc({ middleware, result: 'dry_run_limited' }, counts.dryRunLimited);
        }
      },
    });
    new Counter({
      name: 'fairway_ratelimit_store_errors_total',
      help: 'rateLimit decisions the shared store (Redis) could not make in time, by middleware; onStoreError decided them instead.',
      labelNames: ['middleware'],
      registers,
      collect() {
        this.reset();
        for (const { middleware, counts } of rateLimits()) this.inc({ middleware }, counts.storeErrors);
      },
    });
    this.scraped = Registry.merge([this.registry, sharedProcessRegistry()]);

    events.on('served', this.onServed);
    events.on('retry', this.onRetry);
    events.on('ejection', this.onEjection);
    events.on('healthCheck', this.onHealthCheck);
  }

  /** The Content-Type of metrics(). */
  get contentType(): string {
    return this.scraped.contentType;
  }

  /** The Prometheus text exposition of everything. */
  metrics(): Promise<string> {
    return this.scraped.metrics();
  }

  /** Stops listening to the bus. */
  close(): void {
    this.events.off('served', this.onServed);
    this.events.off('retry', this.onRetry);
    this.events.off('ejection', this.onEjection);
    this.events.off('healthCheck', this.onHealthCheck);
  }

  private readonly onServed = (method: string, status: number, protocol: string, pool: string, backend: string, durationMs: number, errorKind: string): void => {
    const methodIndex = METHOD_INDEX.get(method) ?? OTHER_METHOD;
    const code = seriesCode(methodIndex, status, protocol);
    let byBackend = this.seriesIndex.get(pool);
    if (byBackend === undefined) this.seriesIndex.set(pool, (byBackend = new Map()));
    let byCode = byBackend.get(backend);
    if (byCode === undefined) byBackend.set(backend, (byCode = new Map()));
    let series = byCode.get(code);
    if (series === undefined) byCode.set(code, (series = this.addRequestSeries(pool, backend, METHOD_LABELS[methodIndex]!, status, protocol)));
    series.count++;
    // A tunnel is recorded when it closes: its lifetime is no response time.
    if (status !== 101) series.duration.observe(durationMs / 1000);
    if (errorKind !== '' && UPSTREAM_ERROR_KINDS.has(errorKind)) this.upstreamErrors.inc({ pool, backend, reason: errorKind });
  };

  private addRequestSeries(pool: string, backend: string, method: string, status: number, protocol: string): RequestSeries {
    const durationKey = `${pool}\n${backend}`;
    let duration = this.durationSeries.get(durationKey);
    if (duration === undefined) {
      duration = this.duration.child({ pool, backend });
      this.durationSeries.set(durationKey, duration);
    }
    const series = { labels: { pool, backend, method, code: String(status), protocol }, count: 0, duration };
    this.requestSeries.push(series);
    return series;
  }

  private readonly onRetry = (e: RetryEvent): void => {
    this.retries.inc({ pool: e.pool, reason: e.reason });
    // A retried 5xx answer was an answer; only failed tries are upstream errors.
    if (UPSTREAM_ERROR_KINDS.has(e.reason)) this.upstreamErrors.inc({ pool: e.pool, backend: e.backend, reason: e.reason });
  };

  private readonly onEjection = (e: EjectionEvent): void => {
    if (e.ejected) this.ejections.inc({ pool: e.pool, backend: e.backend });
  };

  private readonly onHealthCheck = (e: HealthCheckEvent): void => {
    this.healthChecks.inc({ pool: e.pool, backend: e.backend, result: e.ok ? 'success' : 'failure' });
  };
}
