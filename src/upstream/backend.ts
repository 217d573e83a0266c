// One backend at run time: its connection pool, health, and counters.
// Balancers read it through the BackendView fields (id, weight, inFlight).
import { Pool } from 'undici';
import type { BackendConfig, UpstreamTimeouts } from '../config/types.js';

/** Weight of the newest sample in the decaying latency average. */
const EWMA_ALPHA = 0.2;

export class Backend {
  readonly id: string;
  readonly url: string;
  readonly weight: number;
  readonly backup: boolean;
  readonly maxConnections: number;
  readonly dispatcher: Pool;

  healthy: boolean;
  /** Why the last health transition happened, for logs and stats. */
  lastHealthReason = '';
  inFlight = 0;
  totalRequests = 0;
  errors = 0;
  /** Sum and count of completed response times, for the average. */
  latencySumMs = 0;
  latencyCount = 0;
  /** Decaying average of response time, read by latency-aware algorithms. */
  ewmaLatencyMs = 0;
  latencySamples = 0;

  constructor(config: BackendConfig, timeouts: UpstreamTimeouts, initiallyHealthy: boolean) {
    this.id = config.id;
    this.url = config.url;
    this.weight = config.weight;
    this.backup = config.backup;
    this.maxConnections = config.maxConnections;
    this.healthy = initiallyHealthy;
    this.dispatcher = new Pool(config.url, {
      connections: config.maxConnections,
      pipelining: 1,
      connect: { timeout: timeouts.connectMs },
      headersTimeout: timeouts.responseMs,
      bodyTimeout: timeouts.idleMs,
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 600_000,
    });
  }

  recordLatency(ms: number): void {
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
    await this.dispatcher.destroy();
  }
}
