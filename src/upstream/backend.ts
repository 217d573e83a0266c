// One backend at run time: its upstream (the way requests reach it), states
// and counters. Balancers read it through the BackendView fields (id, weight,
// inFlight, ewmaLatencyMs, latencySamples).
import type { BackendConfig, BackendState, UpstreamTimeouts } from '../config/types.js';
import { LatencyWindow } from '../observability/latency-window.js';
import { createUpstream } from './create-upstream.js';
import type { Upstream } from './upstream.js';

/** Weight of the newest sample in the decaying latency average. */
const EWMA_ALPHA = 0.2;

function upstreamTo(url: string, maxConnections: number, timeouts: UpstreamTimeouts): Upstream {
  return createUpstream(url, {
    maxConnections,
    connectTimeoutMs: timeouts.connectMs,
    responseTimeoutMs: timeouts.responseMs,
    idleTimeoutMs: timeouts.idleMs,
    keepAliveTimeoutMs: 4_000,
  });
}

export class Backend {
  /** Renamed by a reload that keeps the URL; the URL is the identity. */
  id: string;
  readonly url: string;
  backup: boolean;
  maxConnections: number;
  upstream: Upstream;
  private timeouts: UpstreamTimeouts;
  /** Being removed: no new requests, not even sticky ones. */
  removing = false;
  /** Last active health-check result, for the admin API. */
  lastCheck: { ok: boolean; reason: string; at: number } | undefined;

  /** Configured weight; 0 = no new requests. */
  configWeight: number;
  /** Effective weight read by balancers: below configWeight while slow start ramps. */
  weight: number;
  /** Administrative state, set by config or the admin API. */
  state: BackendState;
  /** Verdict of active health checks. */
  healthy: boolean;
  /** Why the last health transition happened, for logs and stats. */
  lastHealthReason = '';
  /** Passive health: ejected by outlier detection until this time (ms epoch); 0 = not ejected. */
  ejectedUntil = 0;
  /** Times ejected; multiplies the next ejection's length. */
  ejections = 0;
  lastEjectionEndedAt = 0;
  consecutiveGatewayFailures = 0;
  consecutive5xx = 0;
  /** When slow start began ramping this backend up (ms epoch); 0 = at full weight. */
  rampStartedAt = 0;
  /** Set while the pool holds it as eligible for new requests. */
  eligible = false;
  /** Its position in the pool's eligible array while `eligible`, so the pool need not search. */
  eligibleIndex = -1;

  inFlight = 0;
  totalRequests = 0;
  errors = 0;
  /** Sum and count of completed response times, for the average. */
  latencySumMs = 0;
  latencyCount = 0;
  /** Decaying average of response time, read by latency-aware algorithms. */
  ewmaLatencyMs = 0;
  latencySamples = 0;
  /** Recent response times, for p50/p99 in the admin API. */
  readonly recentLatency = new LatencyWindow();

  constructor(config: BackendConfig, timeouts: UpstreamTimeouts, initiallyHealthy: boolean) {
    this.id = config.id;
    this.url = config.url;
    this.configWeight = config.weight;
    this.weight = config.weight;
    this.backup = config.backup;
    this.state = config.state;
    this.maxConnections = config.maxConnections;
    this.healthy = initiallyHealthy;
    this.timeouts = timeouts;
    this.upstream = upstreamTo(config.url, config.maxConnections, timeouts);
  }

  /**
   * The upstream reloaded settings need, built before anything changes
   * (building can throw): connection limits and timeouts live in it, so a
   * change needs a new one. Undefined when the current one fits.
   */
  upstreamFor(config: BackendConfig, timeouts: UpstreamTimeouts): Upstream | undefined {
    const t = this.timeouts;
    const sameTimeouts = t.connectMs === timeouts.connectMs && t.responseMs === timeouts.responseMs && t.idleMs === timeouts.idleMs;
    if (sameTimeouts && config.maxConnections === this.maxConnections) return undefined;
    return upstreamTo(this.url, config.maxConnections, timeouts);
  }

  /**
   * Applies reloaded settings with the upstream from upstreamFor(); the old
   * one finishes its in-flight requests and closes.
   */
  reconfigure(config: BackendConfig, timeouts: UpstreamTimeouts, upstream: Upstream | undefined): void {
    this.id = config.id;
    this.backup = config.backup;
    if (upstream !== undefined) {
      const old = this.upstream;
      this.upstream = upstream;
      void old.close().catch(() => undefined);
    }
    this.maxConnections = config.maxConnections;
    this.timeouts = timeouts;
  }

  get ejected(): boolean {
    return this.ejectedUntil !== 0;
  }

  /** Below its cap of concurrent requests. */
  get hasCapacity(): boolean {
    return this.inFlight < this.maxConnections;
  }

  recordLatency(ms: number): void {
    this.recentLatency.record(ms);
    this.latencySumMs += ms;
    this.latencyCount++;
    // The first sample seeds the average; later ones move it by EWMA_ALPHA.
    this.ewmaLatencyMs = this.latencySamples === 0 ? ms : this.ewmaLatencyMs + EWMA_ALPHA * (ms - this.ewmaLatencyMs);
    this.latencySamples++;
  }

  get averageLatencyMs(): number {
    return this.latencyCount === 0 ? 0 : this.latencySumMs / this.latencyCount;
  }

  async close(): Promise<void> {
    await this.upstream.destroy();
  }
}
