// One backend at run time: a member of a pool, told apart by its URL, with
// its admin state, health and ejection state and counters. Balancers read it
// through the BackendView fields (id, weight, inFlight, ewmaLatencyMs,
// latencySamples). It holds the Upstream that carries its requests but never
// builds one: backend-transport.ts does, so a member stays plain data.
import { performance } from 'node:perf_hooks';
import type { BackendConfig, BackendState } from '../config/types.js';
import { LatencyWindow } from '../observability/latency-window.js';
import type { Upstream } from '../upstream/upstream.js';

/** Weight of the newest sample in the decaying latency average. */
const EWMA_ALPHA = 0.2;

export class Backend {
  /** Renamed by a reload that keeps the URL; the URL is the identity. */
  id: string;
  readonly url: string;
  backup: boolean;
  maxConnections: number;
  /** How requests reach it; replaced (see backend-transport.ts) when its limits or timeouts change. */
  upstream: Upstream;
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

  /** Requests in progress, open tunnels included (each holds its slot until it closes). */
  inFlight = 0;
  /** Tunnels (upgraded connections, WebSocket) open now; each is also counted in inFlight. */
  openTunnels = 0;
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

  constructor(config: BackendConfig, upstream: Upstream, initiallyHealthy: boolean) {
    this.id = config.id;
    this.url = config.url;
    this.configWeight = config.weight;
    this.weight = config.weight;
    this.backup = config.backup;
    this.state = config.state;
    this.maxConnections = config.maxConnections;
    this.healthy = initiallyHealthy;
    this.upstream = upstream;
  }

  /**
   * Takes the settings a new member list gives it that are plain fields. The
   * pool sets weight and state itself (they change its eligible set), and a
   * new transport, if maxConnections needs one, is swapped in by the pool.
   */
  reconfigure(config: BackendConfig): void {
    this.id = config.id;
    this.backup = config.backup;
    this.maxConnections = config.maxConnections;
  }

  /** The member list entry that keeps it as it is now (the admin API adds and removes by editing the list). */
  toConfig(): BackendConfig {
    return { id: this.id, url: this.url, weight: this.configWeight, maxConnections: this.maxConnections, backup: this.backup, state: this.state };
  }

  get ejected(): boolean {
    return this.ejectedUntil !== 0;
  }

  /** Below its cap of concurrent requests. */
  get hasCapacity(): boolean {
    return this.inFlight < this.maxConnections;
  }

  /** `now`: performance.now() at the answer's end, which the caller has read anyway. */
  recordLatency(ms: number, now = performance.now()): void {
    this.recentLatency.record(ms, now);
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
