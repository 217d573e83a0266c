// One reading of `weight` for every algorithm, so "weight 0" means the same
// thing everywhere. If every eligible backend has weight 0, algorithms treat
// them as equal (weight 1 each): the data path handed them over as eligible,
// and refusing the request would be worse.

import type { BackendView } from './balancer.js';

/** The weight an algorithm should use: negative and NaN count as 0. */
export function weightOf(backend: BackendView): number {
  const w = backend.weight;
  return w > 0 ? w : 0;
}
