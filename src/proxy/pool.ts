// A pool at run time: its backends, its algorithm and the set of backends
// eligible for new requests. The eligible list is rebuilt only when a
// backend's health changes, so the hot path just reads it.
import type { PoolConfig } from '../config/types.js';
import { createAlgorithm, type Balancer, type RequestFacts } from '../balancing/index.js';
import { Backend } from '../upstream/backend.js';

export class BackendPool {
  readonly name: string;
  readonly config: PoolConfig;
  readonly backends: Backend[];
  readonly balancer: Balancer<Backend>;
  /** Healthy primaries, or healthy backups when no primary is healthy. */
  eligible: Backend[] = [];

  constructor(config: PoolConfig) {
    this.name = config.name;
    this.config = config;
    const initiallyHealthy = !config.healthCheck.enabled || config.healthCheck.initialState === 'healthy';
    this.backends = config.backends.map((b) => new Backend(b, config.timeouts, initiallyHealthy));
    this.balancer = createAlgorithm<Backend>(config.algorithm, { hashKey: config.hashKey });
    this.refreshEligible();
  }

  /** Recomputes the eligible set; call after any health change. */
  refreshEligible(): void {
    const primaries = this.backends.filter((b) => b.healthy && !b.backup);
    this.eligible = primaries.length > 0 ? primaries : this.backends.filter((b) => b.healthy && b.backup);
  }

  /** Picks a backend for this request, or undefined when none is eligible. */
  pick(request: RequestFacts): Backend | undefined {
    const eligible = this.eligible;
    if (eligible.length === 0) return undefined;
    return this.balancer.pick(eligible, request, this.backends);
  }

  get healthyCount(): number {
    let n = 0;
    for (const b of this.backends) if (b.healthy) n++;
    return n;
  }

  async close(): Promise<void> {
    await Promise.all(this.backends.map((b) => b.close()));
  }
}
