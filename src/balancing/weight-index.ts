// Cumulative weights over the eligible set, for O(log n) weighted draws
// (random, power-of-two, ip-hash). Rebuilt only when the set changes, not
// per pick. Weighted round robin reuses its change detection (`version`).

import type { BackendView } from './balancer.js';
import { weightOf } from './weight.js';

export class WeightIndex {
  /** Sum of the weights in use (each backend counts 1 if all weights are 0). */
  total = 0;
  /** Backends with a weight > 0 in use. */
  positives = 0;
  /** Goes up on every rebuild, so users can rebuild what they derive from it. */
  version = 0;

  private source: readonly BackendView[] | undefined;
  private length = -1;
  private refs: BackendView[] = [];
  private weights = new Float64Array(0);
  private ends = new Float64Array(0);
  private uniform = false;
  private lastPositive = 0;
  private picksUntilVerify = 0;

  /**
   * Makes the index match `eligible`. New array or length → rebuild. Weights
   * can change in place (slow start, admin), so every few hundred picks a
   * full O(n) check runs as well: amortised O(1), and `confirm` catches most
   * changes sooner.
   */
  sync(eligible: readonly BackendView[]): void {
    if (eligible !== this.source || eligible.length !== this.length) {
      this.rebuild(eligible);
    } else if (--this.picksUntilVerify <= 0) {
      for (let i = 0; i < eligible.length; i++) {
        if (!this.matches(i, eligible[i]!)) {
          this.rebuild(eligible);
          return;
        }
      }
      this.picksUntilVerify = verifyPeriod(eligible.length);
    }
  }

  /**
   * Cheap spot check of the backend just drawn. False means the set changed
   * under the same array; the index has been rebuilt and the caller draws again.
   */
  confirm(eligible: readonly BackendView[], index: number): boolean {
    const backend = eligible[index];
    if (backend !== undefined && this.matches(index, backend)) return true;
    this.rebuild(eligible);
    return false;
  }

  /** Index of the backend owning position `u` in [0, total). */
  find(u: number): number {
    if (!(u < this.total)) return this.lastPositive;
    // First index whose cumulative end is above u; zero weights never match.
    let lo = 0;
    let hi = this.length - 1;
    const ends = this.ends;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * Index for position `u` in [0, total - weight(skip)): the same weighted
   * draw with `skip` taken out, without touching the arrays.
   */
  findExcept(u: number, skip: number): number {
    const start = this.ends[skip]! - this.weights[skip]!;
    return this.find(u >= start ? u + this.weights[skip]! : u);
  }

  /** The weight in use for `eligible[index]` (1 each when all are 0). */
  weightAt(index: number): number {
    return this.weights[index]!;
  }

  /** Number of backends indexed. */
  get size(): number {
    return this.length;
  }

  private matches(index: number, backend: BackendView): boolean {
    if (this.refs[index] !== backend) return false;
    const w = weightOf(backend);
    return this.uniform ? w === 0 : w === this.weights[index];
  }

  private rebuild(eligible: readonly BackendView[]): void {
    const n = eligible.length;
    if (this.weights.length < n) {
      this.weights = new Float64Array(n);
      this.ends = new Float64Array(n);
    }
    this.refs.length = n;
    let positives = 0;
    for (let i = 0; i < n; i++) {
      const backend = eligible[i]!;
      this.refs[i] = backend;
      this.weights[i] = weightOf(backend);
      if (this.weights[i]! > 0) positives++;
    }
    this.uniform = positives === 0;
    let total = 0;
    this.lastPositive = 0;
    for (let i = 0; i < n; i++) {
      if (this.uniform) this.weights[i] = 1;
      total += this.weights[i]!;
      this.ends[i] = total;
      if (this.weights[i]! > 0) this.lastPositive = i;
    }
    this.total = total;
    this.positives = this.uniform ? n : positives;
    this.source = eligible;
    this.length = n;
    this.picksUntilVerify = verifyPeriod(n);
    this.version++;
  }
}

/** Full checks cost about a quarter of an element per pick, whatever n. */
function verifyPeriod(n: number): number {
  return Math.max(256, 4 * n);
}
