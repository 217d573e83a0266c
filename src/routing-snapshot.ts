// Builds the routing snapshot the data path reads: the router over the
// config's routes, each leading to its cluster and its compiled filter
// chain. Built whole before a reload commits (anything that throws leaves the
// running snapshot in place), then swapped in one reference.
import type { FairwayConfig } from './config/types.js';
import type { Cluster } from './cluster/cluster.js';
import type { Route, RoutingSnapshot } from './exchange/route.js';
import { Router } from './exchange/router.js';
import type { RouteChains } from './filters/route-chains.js';
import { middlewareFilters } from './filters/middleware-filters.js';
import type { Filter } from './exchange/phases.js';

export function buildRoutingSnapshot(config: FairwayConfig, clusters: readonly Cluster[], chains: RouteChains): RoutingSnapshot {
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const poolConfigs = new Map(config.pools.map((p) => [p.name, p]));
  const filters = middlewareFilters(config.middlewares);
  const router = new Router<Route>(config.routes, (r) => {
    const cluster = byName.get(r.pool);
    const poolConfig = poolConfigs.get(r.pool);
    if (cluster === undefined || poolConfig === undefined) throw new Error(`route names unknown pool "${r.pool}"`);
    const middlewares = r.middlewares.map((name): Filter => {
      const filter = filters.get(name);
      if (filter === undefined) throw new Error(`route names unknown middleware "${name}"`);
      return filter;
    });
    return { cluster, chain: chains.compile(poolConfig, middlewares), host: r.host, pathPrefix: r.pathPrefix };
  });
  return { router, unrouted: chains.unrouted };
}
