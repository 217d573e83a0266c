// Builds the routing snapshots the data path reads: per listener, the router
// over the routes that apply to it, each leading to its cluster and its
// compiled filter chain. Each route is resolved once; its chain is compiled
// once per distinct list of listener middlewares (a listener's `middlewares`
// run before the route's own), so listeners without any share one chain.
// Built whole before a reload commits (anything that throws leaves the running
// snapshots in place), then swapped in one reference.
import type { FairwayConfig, ListenerLimitsConfig, PoolConfig, RouteConfig } from './config/types.js';
import type { Cluster } from './cluster/cluster.js';
import { TrustedProxies } from './exchange/client-address.js';
import type { Route, RoutingSnapshot } from './exchange/route.js';
import { Router } from './exchange/router.js';
import type { RouteChains } from './filters/route-chains.js';
import { middlewareFilters } from './filters/middleware-filters.js';
import type { Filter } from './exchange/phases.js';
import type { FilterContext } from './filters/middleware-state.js';

/** What routing needs to know of a listener. */
export interface RoutedListener {
  name: string;
  redirectToHttps?: { port?: number };
  /** Middleware names that run on every route of this listener, before the route's own. */
  middlewares?: readonly string[];
  /** Request limits on every request of this listener, before routing. */
  limits?: ListenerLimitsConfig;
}

/** A route resolved to its cluster and middlewares; its chains are compiled per listener middleware list. */
interface ResolvedRoute {
  config: RouteConfig;
  cluster: Cluster;
  poolConfig: PoolConfig;
  middlewares: Filter[];
  /** The route as compiled, by the listener's middleware names joined with NUL ('' for none). */
  compiled: Map<string, Route>;
}

/** The pieces every route shares in one snapshot build. */
interface Compiler {
  routes: Map<RouteConfig, ResolvedRoute>;
  filters: Map<string, Filter>;
  chains: RouteChains;
}

/** Each route of `config` resolved to its cluster and middlewares; throws on an unknown pool or middleware. */
function resolveRoutes(config: FairwayConfig, clusters: readonly Cluster[], chains: RouteChains, context: FilterContext | undefined): Compiler {
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const poolConfigs = new Map(config.pools.map((p) => [p.name, p]));
  const filters = middlewareFilters(config.middlewares, context);
  const routes = new Map<RouteConfig, ResolvedRoute>();
  for (const r of config.routes) {
    const cluster = byName.get(r.pool);
    const poolConfig = poolConfigs.get(r.pool);
    if (cluster === undefined || poolConfig === undefined) throw new Error(`route names unknown pool "${r.pool}"`);
    routes.set(r, { config: r, cluster, poolConfig, middlewares: namedFilters(filters, r.middlewares, 'route'), compiled: new Map() });
  }
  return { routes, filters, chains };
}

function namedFilters(filters: ReadonlyMap<string, Filter>, names: readonly string[], who: string): Filter[] {
  return names.map((name) => {
    const filter = filters.get(name);
    if (filter === undefined) throw new Error(`${who} names unknown middleware "${name}"`);
    return filter;
  });
}

/** The route as one listener sees it: its chain with the listener's middlewares first, compiled once per distinct list. */
function routeFor(compiler: Compiler, resolved: ResolvedRoute, listenerMiddlewares: readonly string[]): Route {
  const key = listenerMiddlewares.join('\0');
  let route = resolved.compiled.get(key);
  if (route === undefined) {
    const first = namedFilters(compiler.filters, listenerMiddlewares, 'listener');
    // A middleware both lists name runs once, in the listener's place.
    const own = resolved.middlewares.filter((f) => !first.includes(f));
    const chain = compiler.chains.compile(resolved.poolConfig, [...first, ...own]);
    route = { cluster: resolved.cluster, chain, host: resolved.config.host, pathPrefix: resolved.config.pathPrefix };
    resolved.compiled.set(key, route);
  }
  return route;
}

/** The config's trusted proxies, compiled once per snapshot build; none when the list is empty (no per-request cost). */
function trustedProxiesOf(config: FairwayConfig): { trustedProxies?: TrustedProxies } {
  return config.trustedProxies.length === 0 ? {} : { trustedProxies: new TrustedProxies(config.trustedProxies) };
}

/** One snapshot over every route, whatever listeners they name. */
export function buildRoutingSnapshot(config: FairwayConfig, clusters: readonly Cluster[], chains: RouteChains, context?: FilterContext): RoutingSnapshot {
  const compiler = resolveRoutes(config, clusters, chains, context);
  const router = new Router<Route>(config.routes, (r) => routeFor(compiler, compiler.routes.get(r)!, []));
  return { router, unrouted: chains.unrouted, ...trustedProxiesOf(config) };
}

/** The snapshots of one build and the filters they share. */
export interface ListenerSnapshots {
  snapshots: ReadonlyMap<string, RoutingSnapshot>;
  /** The filter of each middleware definition, by name (the admin API reads them and retunes a rateLimit). */
  middlewares: ReadonlyMap<string, Filter>;
}

/**
 * One snapshot per listener: a route without `listeners` applies to all of
 * them. `context` hands the middlewares their lasting state (the instance's,
 * so a reload keeps it); without one they get state of their own.
 */
export function buildListenerSnapshots(
  config: FairwayConfig,
  clusters: readonly Cluster[],
  chains: RouteChains,
  listeners: readonly RoutedListener[],
  context?: FilterContext,
): ListenerSnapshots {
  const compiler = resolveRoutes(config, clusters, chains, context);
  const trusted = trustedProxiesOf(config);
  const snapshots = new Map<string, RoutingSnapshot>();
  for (const l of listeners) {
    // A redirecting listener routes nothing.
    const applies = l.redirectToHttps !== undefined ? [] : config.routes.filter((r) => r.listeners === undefined || r.listeners.includes(l.name));
    const router = new Router<Route>(applies, (r) => routeFor(compiler, compiler.routes.get(r)!, l.middlewares ?? []));
    const redirect = l.redirectToHttps === undefined ? {} : { redirectToHttps: { ...l.redirectToHttps } };
    // Only the limits the exchange checks; none set leaves the snapshot without them.
    const { headerTimeoutMs: _frontend, ...limits } = l.limits ?? {};
    const limited = Object.keys(limits).length === 0 ? {} : { limits };
    snapshots.set(l.name, { router, unrouted: chains.unrouted, ...redirect, ...trusted, ...limited });
  }
  return { snapshots, middlewares: compiler.filters };
}
