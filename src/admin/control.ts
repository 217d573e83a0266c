// What the admin listener needs from the fairway instance it controls. createFairway
// passes itself in; admin/ depends on this interface, never on fairway.ts, so
// the composition root can import admin/ without a cycle.
import type { FairwayConfig } from '../config/types.js';
import type { FairwayEvents } from '../observability/events.js';
import type { Cluster } from '../cluster/cluster.js';
import type { TrafficStats } from '../observability/traffic-stats.js';
import type { ReloadResult } from '../reload-result.js';
import type { ListenerDescription } from '../frontend/listener-set.js';
import type { Filter } from '../exchange/phases.js';
import type { MiddlewareCounters } from '../filters/middleware-state.js';
import type { StatsSnapshot } from './stats.js';

export interface AdminControl {
  /** The pools in force; a reload replaces the array, so read it at every use. */
  readonly pools: readonly Cluster[];
  /**
   * The part of the config in force the admin API reads: how long a removed
   * backend may drain; the middleware definitions and who uses them.
   */
  readonly config: Pick<FairwayConfig, 'shutdownTimeoutMs' | 'middlewares' | 'routes' | 'listeners'>;
  /** The filter in force of a middleware definition (a reload builds new ones), or undefined. */
  middlewareFilter(name: string): Filter | undefined;
  /** What the lasting state of a middleware holds now (its counters). */
  middlewareCounters(name: string): MiddlewareCounters;
  /** Health, ejection and request events, for the live event stream. */
  readonly events: FairwayEvents;
  /** Process-wide counters, for the live event stream. */
  readonly traffic: TrafficStats;
  /** The /lb/stats snapshot. */
  stats(): StatsSnapshot;
  /** Each listener as /lb/stats lists it, for the live event stream. */
  describeListeners(): ListenerDescription[];
  /** Re-reads the config from its source and applies it; an invalid one changes nothing. */
  reload(): Promise<ReloadResult>;
}
