// Builds the routing snapshots the data path reads: per listener, the router
// over the routes that apply to it, each leading to its cluster and its
// compiled filter chain. Each route is resolved and compiled once and shared
// by the routers of every listener it applies to. Built whole before a reload
// commits (anything that throws leaves the running snapshots in place), then
// swapped in one reference.
import type { FairwayConfig, RouteConfig } from './config/types.js';
import type { Cluster } from './cluster/cluster.js';
import type { Route, RoutingSnapshot } from './exchange/route.js';
import { Router } from './exchange/router.js';
import type { RouteChains } from './filters/route-chains.js';
import { middlewareFilters } from './filters/middleware-filters.js';
import type { Filter } from './exchange/phases.js';

/** What routing needs to know of a listener. */
export interface RoutedListener {
  name: string;
  redirectToHttps?: { port?: number };
}

/** Each route of `config` resolved to its cluster and compiled chain; throws on an unknown pool or middleware. */
function compileRoutes(config: FairwayConfig, clusters: readonly Cluster[], chains: RouteChains): Map<RouteConfig, Route> {
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const poolConfigs = new Map(config.pools.map((p) => [p.name, p]));
  const filters = middlewareFilters(config.middlewares);
  const compiled = new Map<RouteConfig, Route>();
  for (const r of config.routes) {
    const cluster = byName.get(r.pool);
    const poolConfig = poolConfigs.get(r.pool);
    if (cluster === undefined || poolConfig === undefined) throw new Error(`route names unknown pool "${r.pool}"`);
    const middlewares = r.middlewares.map((name): Filter => {
      const filter = filters.get(name);
      if (filter === undefined) throw new Error(`route names unknown middleware "${name}"`);
      return filter;
    });
    compiled.set(r, { cluster, chain: chains.compile(poolConfig, middlewares), host: r.host, pathPrefix: r.pathPrefix });
  }
  return compiled;
}

/** One snapshot over every route, whatever listeners they name. */
export function buildRoutingSnapshot(config: FairwayConfig, clusters: readonly Cluster[], chains: RouteChains): RoutingSnapshot {
  const routes = compileRoutes(config, clusters, chains);
  return { router: new Router<Route>(config.routes, (r) => routes.get(r)!), unrouted: chains.unrouted };
}

/** One snapshot per listener: a route without `listeners` applies to all of them. */
export function buildListenerSnapshots(
  config: FairwayConfig,
  clusters: readonly Cluster[],
  chains: RouteChains,
  listeners: readonly RoutedListener[],
): ReadonlyMap<string, RoutingSnapshot> {
  const routes = compileRoutes(config, clusters, chains);
  const snapshots = new Map<string, RoutingSnapshot>();
  for (const l of listeners) {
    // A redirecting listener routes nothing.
    const applies = l.redirectToHttps !== undefined ? [] : config.routes.filter((r) => r.listeners === undefined || r.listeners.includes(l.name));
    const router = new Router<Route>(applies, (r) => routes.get(r)!);
    snapshots.set(l.name, l.redirectToHttps === undefined ? { router, unrouted: chains.unrouted } : { router, unrouted: chains.unrouted, redirectToHttps: { ...l.redirectToHttps } });
  }
  return snapshots;
}
