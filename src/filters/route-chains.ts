// Compiles each route's filter chain once per routing snapshot. Every route
// runs the built-ins around the middlewares it lists:
//
//   forwarded-headers, request-record, (the listener's middlewares, then the route's, in order),
//   sticky (when the pool has it), retries, passive-health
//
// so a user's middleware sees the upstream head after X-Forwarded-* are set
// and the answer's head before the sticky cookie is added.
import type { PoolConfig } from '../config/types.js';
import { compileChain, type CompiledChain, type Filter } from '../exchange/phases.js';
import type { FairwayEvents } from '../observability/events.js';
import type { TrafficStats } from '../observability/traffic-stats.js';
import { ForwardedHeaders } from './forwarded-headers.js';
import { PassiveHealth } from './passive-health.js';
import { RequestRecorder } from './request-record.js';
import { Retries } from './retries.js';
import { StickySessions } from './sticky.js';

/** The stateless built-ins, shared by every chain of one balancer. */
export class RouteChains {
  private readonly forwarded = new ForwardedHeaders();
  private readonly recorder: RequestRecorder;
  private readonly passiveHealth = new PassiveHealth();
  readonly unrouted: CompiledChain;

  constructor(stats: TrafficStats, events: FairwayEvents) {
    this.recorder = new RequestRecorder(stats, events);
    this.unrouted = compileChain([this.recorder]);
  }

  /**
   * The chain of one route to the pool `config` describes, with the route's
   * middlewares (its listener's first). A reload compiles with the config it is about to commit.
   */
  compile(config: PoolConfig, middlewares: readonly Filter[]): CompiledChain {
    const filters: Filter[] = [this.forwarded, this.recorder, ...middlewares];
    if (config.sticky !== undefined) filters.push(new StickySessions(config.sticky));
    filters.push(new Retries(config.retries), this.passiveHealth);
    return compileChain(filters);
  }
}
