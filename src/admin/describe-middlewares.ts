// The JSON description of a middleware the admin API answers with: its
// settings as resolved (a rateLimit's as in force, with what the API changed),
// secrets left out; who uses it; and the counters its lasting state holds.
import type { FairwayConfig, MiddlewareConfig } from '../config/types.js';
import type { Filter } from '../exchange/phases.js';
import type { MiddlewareCounters } from '../filters/middleware-state.js';
import { RateLimit } from '../filters/rate-limit.js';

export interface MiddlewareDescription {
  name: string;
  kind: string;
  settings: Record<string, unknown>;
  /** With a rateLimit: the settings the admin API changed from the file's (a reload puts them back). */
  changedAtRunTime?: string[];
  usedBy: { routes: RouteUse[]; listeners: string[] };
  counters: Record<string, unknown>;
}

/** A route that lists the middleware: its place in `routes:` and what it matches. */
export interface RouteUse {
  index: number;
  host: string | null;
  pathPrefix: string;
  pool: string;
}

type UsingConfig = Pick<FairwayConfig, 'routes' | 'listeners'>;

/** Header names whose values are credentials: a headers middleware's value for them is not shown. */
const SECRET_HEADER = /authorization|cookie|token|secret|password|passwd|api-?key|session|credential/i;

const HIDDEN = '(hidden)';

/** The settings of a definition as resolved, without secrets. */
function shownSettings(d: MiddlewareConfig, filter: Filter | undefined): Record<string, unknown> {
  switch (d.kind) {
    case 'rateLimit':
      return { ...(filter instanceof RateLimit ? filter.settings : d.rateLimit) };
    case 'basicAuth': {
      // The password hashes stay out; how many users there are is enough to check a file was read.
      const { users, ...rest } = d.basicAuth;
      return { ...rest, userCount: users.length };
    }
    case 'forwardAuth': {
      // A query string may carry a token for the service.
      const address = new URL(d.forwardAuth.address);
      if (address.search !== '') address.search = `?${HIDDEN}`;
      return { ...d.forwardAuth, address: address.href };
    }
    case 'headers': {
      const side = (c: typeof d.headers.request) => ({
        set: c.set.map((h) => ({ name: h.name, value: SECRET_HEADER.test(h.name) ? HIDDEN : h.value })),
        remove: c.remove,
      });
      return { request: side(d.headers.request), response: side(d.headers.response) };
    }
    default: {
      const { name: _name, kind, ...rest } = d;
      return { ...((rest as Record<string, unknown>)[kind] as Record<string, unknown>) };
    }
  }
}

function counters(d: MiddlewareConfig, filter: Filter | undefined, c: MiddlewareCounters): Record<string, unknown> {
  switch (d.kind) {
    case 'rateLimit': {
      const counts = c.rateLimit ?? { allowed: 0, limited: 0, unavailable: 0, dryRunLimited: 0, storeErrors: 0 };
      const store = filter instanceof RateLimit ? filter.settings.store : d.rateLimit.store;
      return { ...counts, store, keysInMemory: c.bucketsInMemory };
    }
    case 'connLimit':
      return { inFlight: c.inFlight?.requests ?? 0, keysInFlight: c.inFlight?.keys ?? 0, refused: c.answered };
    default:
      return { answered: c.answered };
  }
}

function usedBy(name: string, config: UsingConfig): MiddlewareDescription['usedBy'] {
  const routes: RouteUse[] = [];
  config.routes.forEach((r, index) => {
    if (r.middlewares.includes(name)) routes.push({ index, host: r.host ?? null, pathPrefix: r.pathPrefix, pool: r.pool });
  });
  return { routes, listeners: config.listeners.filter((l) => l.middlewares.includes(name)).map((l) => l.name) };
}

export function describeMiddleware(d: MiddlewareConfig, config: UsingConfig, filter: Filter | undefined, c: MiddlewareCounters): MiddlewareDescription {
  const changed = filter instanceof RateLimit ? filter.changedAtRunTime() : undefined;
  return {
    name: d.name,
    kind: d.kind,
    settings: shownSettings(d, filter),
    ...(changed !== undefined && { changedAtRunTime: changed.map((k) => (k === 'periodMs' ? 'period' : k)) }),
    usedBy: usedBy(d.name, config),
    counters: counters(d, filter, c),
  };
}
