// Turns the `middlewares:` definitions into filters, one per definition and
// routing snapshot; routes that list a name share its filter. Each kind maps
// to its filter here: a kind without an entry does not compile.
import type { MiddlewareConfig, MiddlewareKindName } from '../config/types.js';
import type { Filter } from '../exchange/phases.js';
import { CompressFilter } from './compress.js';
import { HeadersFilter } from './headers.js';

type FilterFactories = { [K in MiddlewareKindName]: (definition: Extract<MiddlewareConfig, { kind: K }>) => Filter };

const FACTORIES: FilterFactories = {
  headers: (d) => new HeadersFilter(d.name, d.headers),
  compress: (d) => new CompressFilter(d.name, d.compress),
};

function filterFor(definition: MiddlewareConfig): Filter {
  const build = FACTORIES[definition.kind] as (d: MiddlewareConfig) => Filter;
  return build(definition);
}

/** Filters by middleware name. Throws on a kind this build has no filter for. */
export function middlewareFilters(definitions: readonly MiddlewareConfig[]): Map<string, Filter> {
  return new Map(definitions.map((d) => [d.name, filterFor(d)]));
}
