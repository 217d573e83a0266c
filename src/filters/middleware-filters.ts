// Turns the `middlewares:` definitions into filters, one per definition and
// routing snapshot; routes that list a name share its filter. Each kind maps
// to its filter here: a kind without an entry does not compile. A filter whose
// state must outlive the snapshot (rate-limit buckets) takes it from the
// FilterContext (middleware-state.ts), which the fairway instance owns.
import type { MiddlewareConfig, MiddlewareKindName } from '../config/types.js';
import type { Filter } from '../exchange/phases.js';
import { BasicAuth } from './basic-auth.js';
import { ForwardAuth } from './forward-auth.js';
import { CompressFilter } from './compress.js';
import { HeadersFilter } from './headers.js';
import { IpRules } from './ip-rules.js';
import { Redirect } from './redirect.js';
import { LimitsFilter } from './limits.js';
import { RateLimit } from './rate-limit.js';
import { ConnLimit } from './conn-limit.js';
import { MiddlewareState, type FilterContext } from './middleware-state.js';

type FilterFactories = { [K in MiddlewareKindName]: (definition: Extract<MiddlewareConfig, { kind: K }>, context: FilterContext) => Filter };

const FACTORIES: FilterFactories = {
  headers: (d) => new HeadersFilter(d.name, d.headers),
  ipAllowList: (d) => new IpRules(d.name, d.ipAllowList, true),
  ipDenyList: (d) => new IpRules(d.name, d.ipDenyList, false),
  redirect: (d) => new Redirect(d.name, d.redirect),
  basicAuth: (d) => new BasicAuth(d.name, d.basicAuth),
  forwardAuth: (d) => new ForwardAuth(d.name, d.forwardAuth),
  compress: (d) => new CompressFilter(d.name, d.compress),
  limits: (d) => new LimitsFilter(d.name, d.limits),
  rateLimit: (d, context) => new RateLimit(d.name, d.rateLimit, context),
  connLimit: (d, context) => new ConnLimit(d.name, d.connLimit, context),
};

function filterFor(definition: MiddlewareConfig, context: FilterContext): Filter {
  const build = FACTORIES[definition.kind] as (d: MiddlewareConfig, context: FilterContext) => Filter;
  const filter = build(definition, context);
  // Every kind's local answers are counted the same way, by the lifecycle.
  filter.answered = context.localAnswers(definition.name);
  return filter;
}

/**
 * Filters by middleware name. Throws on a kind this build has no filter for.
 * Without a context (tests), the filters get state of their own.
 */
export function middlewareFilters(definitions: readonly MiddlewareConfig[], context: FilterContext = MiddlewareState.standalone()): Map<string, Filter> {
  return new Map(definitions.map((d) => [d.name, filterFor(d, context)]));
}
