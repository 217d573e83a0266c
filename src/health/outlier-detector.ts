// Passive health: backends that keep failing real requests are ejected for a
// while, longer each time, without ever ejecting a whole pool.
import type { OutlierDetectionConfig } from '../config/types.js';
import type { EjectableMember } from './health-member.js';

export type RequestResult = 'gateway_failure' | 'server_error' | 'success';

export interface OutlierHooks<M extends EjectableMember> {
  /** How many backends of the pool could be ejected at all (the pool's size). */
  poolSize(): number;
  ejectedCount(): number;
  onEject(backend: M, reason: string, until: number): void;
  onReturn(backend: M): void;
}

/** Most backends ejectable at once: a pool of 2 or more can always eject one, never all. */
export function maxEjectable(poolSize: number, percent: number): number {
  if (percent <= 0 || poolSize <= 1) return 0;
  return Math.min(poolSize - 1, Math.max(1, Math.floor((poolSize * percent) / 100)));
}

export class OutlierDetector<M extends EjectableMember> {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    public config: OutlierDetectionConfig,
    private readonly hooks: OutlierHooks<M>,
  ) {}

  /** Called once per finished attempt with what it says about the backend. */
  record(backend: M, result: RequestResult): void {
    if (result === 'success') {
      backend.consecutiveGatewayFailures = 0;
      backend.consecutive5xx = 0;
      return;
    }
    if (!this.config.enabled || backend.ejected) return;
    let reason: string | undefined;
    if (result === 'gateway_failure') {
      backend.consecutiveGatewayFailures++;
      const limit = this.config.consecutiveGatewayFailures;
      if (limit > 0 && backend.consecutiveGatewayFailures >= limit) reason = `${limit} consecutive gateway failures`;
    } else {
      backend.consecutive5xx++;
      backend.consecutiveGatewayFailures = 0;
      const limit = this.config.consecutive5xx;
      if (limit > 0 && backend.consecutive5xx >= limit) reason = `${limit} consecutive 5xx answers`;
    }
    if (reason !== undefined) this.eject(backend, reason);
  }

  private eject(backend: M, reason: string): void {
    if (this.hooks.ejectedCount() >= maxEjectable(this.hooks.poolSize(), this.config.maxEjectionPercent)) return;
    const now = Date.now();
    // A backend that stayed in long enough starts over at the base time.
    if (backend.lastEjectionEndedAt !== 0 && now - backend.lastEjectionEndedAt > this.config.maxEjectionTimeMs) {
      backend.ejections = 0;
    }
    backend.ejections++;
    const duration = Math.min(this.config.baseEjectionTimeMs * backend.ejections, this.config.maxEjectionTimeMs);
    backend.ejectedUntil = now + duration;
    backend.consecutiveGatewayFailures = 0;
    backend.consecutive5xx = 0;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      backend.ejectedUntil = 0;
      backend.lastEjectionEndedAt = Date.now();
      this.hooks.onReturn(backend);
    }, duration);
    timer.unref();
    this.timers.add(timer);
    this.hooks.onEject(backend, reason, backend.ejectedUntil);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
