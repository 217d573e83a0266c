// `routes:` — which host and path prefix go to which pool, and through which
// middlewares; resolved after the pools, which it names. Without routes, a
// single pool gets a catch-all route whose chain is the pool's `middlewares`
// (or, for the shorthand pool, the top-level `routeMiddlewares`).
import { z } from 'zod';
import * as f from '../fields.js';
import { defined, field, strict } from '../schema-fields.js';
import { middlewareChain } from './middlewares.js';
import { DEFAULT_POOL_NAME, type PoolConfig } from './pools.js';
import { defineSection, type ResolveContext } from './section.js';

// This section's parts of the composed config types (section.ts).
declare module './section.js' {
  interface FairwayConfig {
    routes: RouteConfig[];
  }
  interface FileLayer {
    routes?: RouteConfig[];
    /** The chain of the shorthand pool's catch-all route. */
    routeMiddlewares?: string[];
  }
}

export interface RouteConfig {
  /** Exact host to match (port ignored, case-insensitive); undefined matches any. */
  host?: string;
  /** Path prefix; '/' matches everything. */
  pathPrefix: string;
  pool: string;
  /** Names of `middlewares:` definitions, in the order they apply; [] for none. */
  middlewares: string[];
  /** The listeners it applies to; undefined: all of them. */
  listeners?: string[];
}

export const routeHost: f.Validator<string> = (input) => {
  const text = typeof input === 'string' ? input.trim().toLowerCase() : '';
  if (!/^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])$/.test(text)) {
    return { ok: false, message: `${f.show(input)} is not a host name (expected e.g. api.example.com, without scheme, port or path)` };
  }
  return { ok: true, value: text.replace(/\.$/, '') };
};

const routeSchema = strict(
  {
    host: field(routeHost).optional(),
    pathPrefix: field(f.urlPath).optional(),
    pool: field(f.name('pool name')),
    middlewares: middlewareChain.optional(),
    listeners: z.array(field(f.name('listener name'))).min(1, { error: 'expected at least one listener name (leave listeners out for all)' }).optional(),
  },
  'route',
).transform(
  (r): RouteConfig => ({
    ...defined({ host: r.host }),
    pathPrefix: r.pathPrefix ?? '/',
    pool: r.pool,
    middlewares: r.middlewares ?? [],
    ...defined({ listeners: r.listeners }),
  }),
);

/** Every route names a defined pool. */
function checkRoutePools(raw: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const pools = Array.isArray(raw['pools']) ? (raw['pools'] as Record<string, unknown>[]) : undefined;
  // A pool whose name is invalid may be the one a route means: no guessing then.
  const allNamed = pools === undefined || pools.every((p) => typeof p?.name === 'string');
  if (!Array.isArray(raw['routes']) || !allNamed) return;
  const known = pools === undefined ? [DEFAULT_POOL_NAME] : pools.map((p) => p.name as string);
  (raw['routes'] as Record<string, unknown>[]).forEach((r, i) => {
    if (typeof r?.pool === 'string' && !known.includes(r.pool)) {
      const list = known.length > 0 ? known.join(', ') : 'none';
      ctx.addIssue({
        code: 'custom',
        path: ['routes', i, 'pool'],
        message: `pool "${r.pool}" is not defined (defined pools: ${list})`,
      });
    }
  });
}

const hasRoutes = (raw: Record<string, unknown>): boolean => Array.isArray(raw['routes']) && raw['routes'].length > 0;

/** A chain outside routes belongs to the catch-all route, which only a single pool without routes has. */
function checkImplicitRouteChains(raw: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const pools = Array.isArray(raw['pools']) ? (raw['pools'] as unknown[]) : undefined;
  const onRoutes = 'list the chain on each route instead (routes[i].middlewares)';
  if (raw['routeMiddlewares'] !== undefined && (pools !== undefined || hasRoutes(raw))) {
    ctx.addIssue({
      code: 'custom',
      path: ['routeMiddlewares'],
      message:
        pools !== undefined
          ? "routeMiddlewares is the chain of the shorthand pool's catch-all route (top-level backends, no routes); with pools, list it on the pool when it is the only one and there are no routes (pools[0].middlewares), or else on each route (routes[i].middlewares)"
          : `routeMiddlewares is the chain of the shorthand pool's catch-all route, which exists only without routes; ${onRoutes}`,
    });
  }
  pools?.forEach((p, i) => {
    if (p === null || typeof p !== 'object' || (p as Record<string, unknown>)['middlewares'] === undefined) return;
    if (!hasRoutes(raw) && pools.length === 1) return;
    const why = hasRoutes(raw) ? 'with routes there is none' : `with ${pools.length} pools there is none (routes are required)`;
    ctx.addIssue({
      code: 'custom',
      path: ['pools', i, 'middlewares'],
      message: `a pool's middlewares are the chain of the catch-all route of a single pool without routes, and ${why}; ${onRoutes}`,
    });
  });
}

function resolveRoutes(ctx: ResolveContext): RouteConfig[] {
  const pools: PoolConfig[] = ctx.resolved.pools ?? [];
  const given = ctx.file.routes;
  const reads = ['routes', 'pools'];
  if (given === undefined || given.length === 0) {
    // One pool needs no routes: it serves everything.
    if (pools.length === 1) {
      const chain = ctx.file.pools !== undefined ? ctx.file.pools[0]?.middlewares : ctx.file.routeMiddlewares;
      return [{ pathPrefix: '/', pool: pools[0]!.name, middlewares: [...(chain ?? [])] }];
    }
    ctx.report(
      {
        path: 'routes',
        message: `missing: with ${pools.length} pools (${pools.map((p) => p.name).join(', ')}) routes must say which host/pathPrefix goes to which pool`,
      },
      reads,
    );
    return [];
  }
  pools.forEach((p, i) => {
    if (!given.some((r) => r.pool === p.name)) {
      ctx.warn(`pools[${i}]: pool "${p.name}" is not named by any route, so it gets no traffic`, reads);
    }
  });
  const routes = given.map((r) => ({ ...r, middlewares: [...r.middlewares], ...defined({ listeners: r.listeners && [...r.listeners] }) }));
  warnUnroutedListeners(ctx, routes);
  return routes;
}

/** A listener that no route applies to answers every request 404; say so, unless it only redirects. */
function warnUnroutedListeners(ctx: ResolveContext, routes: readonly RouteConfig[]): void {
  ctx.resolved.listeners?.forEach((l) => {
    if (l.redirectToHttps !== undefined) return;
    if (routes.some((r) => r.listeners === undefined || r.listeners.includes(l.name))) return;
    ctx.warn(`${l.configPath}: no route applies to listener "${l.name}", so it answers every request 404 (list it in a route's listeners, or give that route none)`, ['routes', 'listeners']);
  });
}

export const routesSection = defineSection({
  fileShape: { routes: z.array(routeSchema).optional(), routeMiddlewares: middlewareChain.optional() },
  fromFile: (parsed) => defined({ routes: parsed.routes, routeMiddlewares: parsed.routeMiddlewares }),
  checkFile: (raw, ctx) => {
    checkRoutePools(raw, ctx);
    checkImplicitRouteChains(raw, ctx);
  },
  key: 'routes',
  resolve: resolveRoutes,
});
