// One period of the smooth weighted round robin sequence (NGINX's), computed
// ahead so that a pick is a table read.
//
// NGINX's step, from all `current` = 0: add each weight to its `current`,
// take the highest (the first on ties), subtract the total from the winner.
// With integer weights the state is back at all zeros after sum(weights)
// picks (every backend was picked exactly `weight` times), so one period
// repeats forever. Weights are divided by their gcd first: 10,2,2 gives the
// same sequence as 5,1,1, in a table a fifth the size.
//
// Building: after t steps of the period, backend i's `current` is
// t·w_i − total·picks_i. Backends of equal weight rise together, so within
// such a group the highest is the least-picked, lowest index: the group is
// served in index order, round after round, and only its next member can
// win. A step therefore compares one candidate per distinct weight, not
// every backend: O(period × distinct weights) to build, where pools have a
// handful of distinct weights. (No heap orders the candidates: their
// `current` values grow at different rates, so their order changes between
// picks.)

/** Limits on the table: memory (4 bytes a slot) and the work to build it. */
export interface TableLimits {
  readonly maxSlots: number;
  readonly maxWork: number;
}

// 1 MiB and a few milliseconds of building at most, once per set change.
export const DEFAULT_TABLE_LIMITS: TableLimits = { maxSlots: 1 << 18, maxWork: 1 << 22 };

/**
 * The sequence of one period, as indices into `weights`, or undefined when
 * the weights are not all integers or the table would exceed `limits`.
 * Weights ≤ 0 are never picked; at least one must be positive.
 */
export function buildSmoothWrrTable(weights: ArrayLike<number>, limits: TableLimits = DEFAULT_TABLE_LIMITS): Int32Array | undefined {
  const n = weights.length;
  let divisor = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    if (w <= 0) continue;
    if (!Number.isSafeInteger(w)) return undefined;
    divisor = gcd(divisor, w);
  }
  if (divisor === 0) return undefined;

  // Group the positive weights by value; members stay in index order.
  const groupOf = new Map<number, number[]>();
  let period = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i]!;
    if (w <= 0) continue;
    const reduced = w / divisor;
    period += reduced;
    let members = groupOf.get(reduced);
    if (members === undefined) groupOf.set(reduced, (members = []));
    members.push(i);
  }
  const groups = groupOf.size;
  if (period > limits.maxSlots || period * groups > limits.maxWork) return undefined;

  const groupWeight = new Float64Array(groups);
  const members = new Int32Array(n);
  const start = new Int32Array(groups);
  const size = new Int32Array(groups);
  let g = 0;
  let offset = 0;
  for (const [w, list] of groupOf) {
    groupWeight[g] = w;
    start[g] = offset;
    size[g] = list.length;
    for (const index of list) members[offset++] = index;
    g++;
  }
  // Per group: position of its next member, and how often each member
  // before that position has been picked (the ones after it: one time less).
  const next = new Int32Array(groups);
  const rounds = new Float64Array(groups);

  const table = new Int32Array(period);
  for (let t = 1; t <= period; t++) {
    let best = -1;
    let bestIndex = n;
    let bestCurrent = -Infinity;
    for (let k = 0; k < groups; k++) {
      const index = members[start[k]! + next[k]!]!;
      const current = t * groupWeight[k]! - period * rounds[k]!;
      if (current > bestCurrent || (current === bestCurrent && index < bestIndex)) {
        best = k;
        bestIndex = index;
        bestCurrent = current;
      }
    }
    table[t - 1] = bestIndex;
    if (++next[best]! === size[best]!) {
      next[best] = 0;
      rounds[best]!++;
    }
  }
  return table;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
