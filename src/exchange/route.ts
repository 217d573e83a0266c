// What a request is routed to: a cluster to pick a backend from and the
// compiled filter chain that runs around it. Built once per routing snapshot.
import type { Cluster } from '../cluster/cluster.js';
import type { ListenerLimitsConfig } from '../config/types.js';
import type { TrustedProxies } from './client-address.js';
import type { CompiledChain } from './phases.js';
import type { Router } from './router.js';

export interface Route {
  readonly cluster: Cluster;
  readonly chain: CompiledChain;
  /** As configured, for logs: undefined = any host. */
  readonly host: string | undefined;
  readonly pathPrefix: string;
}

/** What the data path reads per request; replaced whole on reload. */
export interface RoutingSnapshot {
  readonly router: Router<Route>;
  /** Runs for requests answered before any route applies (no route, a bad target). */
  readonly unrouted: CompiledChain;
  /** Set for a plain listener that answers every request with a redirect to https:// instead of routing it. */
  readonly redirectToHttps?: { readonly port?: number };
  /** The config's trusted proxies, compiled once; absent when trustedProxies is empty. */
  readonly trustedProxies?: TrustedProxies;
  /** The listener's request limits, checked before routing; absent when it sets none (no per-request cost). */
  readonly limits?: ListenerLimitsConfig;
}
