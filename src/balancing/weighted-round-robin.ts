// Smooth weighted round robin, as NGINX does it: every pick adds each
// backend's weight to its `current`, takes the highest, and subtracts the
// total from the winner. Weights 5,1,1 give a,a,b,a,c,a,a: exact shares in
// every window of sum(weights) picks, with the light backends interleaved
// instead of trailing a burst of the heavy one.
//
// NGINX scans every backend per pick. Here one period of the sequence is
// computed when the eligible set or its weights change (smooth-wrr-table.ts),
// and a pick reads the next slot: O(1). When no table fits (fractional
// weights while slow start ramps, or a period too long to store), picks come
// from an earliest-deadline-first heap instead (edf-schedule.ts): O(log n),
// same shares, but not NGINX's exact interleaving.
//
// Changes are noticed like the other weighted algorithms do (WeightIndex): a
// new array, the picked backend not matching, or a periodic full check for
// weights changed in place. Rebuilds therefore follow the pool's updates
// (slow start publishes a new set a few times a second at most), never every
// pick. A new array with the same ids and weights keeps its place in the
// sequence; after a real change the new sequence starts at the same fraction
// of its period, so frequent changes do not keep restarting at the heaviest
// backend.
import type { Balancer, BackendView, RequestFacts } from './balancer.js';
import { EdfSchedule } from './edf-schedule.js';
import { buildSmoothWrrTable } from './smooth-wrr-table.js';
import { WeightIndex } from './weight-index.js';

export class WeightedRoundRobinBalancer<B extends BackendView = BackendView> implements Balancer<B> {
  readonly name = 'weighted-round-robin';
  private readonly index = new WeightIndex();
  private builtVersion = -1;
  /** Ids and weights the schedule was built for. */
  private ids: string[] = [];
  private weights = new Float64Array(0);
  /** One period of the smooth sequence, or undefined while `edf` is in use. */
  private table: Int32Array | undefined;
  private cursor = 0;
  private readonly edf = new EdfSchedule();

  pick(eligible: readonly B[], _request?: RequestFacts): B {
    const index = this.index;
    index.sync(eligible);
    for (;;) {
      if (index.version !== this.builtVersion) this.rebuild(eligible);
      const i = this.next();
      if (index.confirm(eligible, i)) return eligible[i]!;
      // The set changed under the same array; `confirm` re-indexed it.
    }
  }

  private next(): number {
    const table = this.table;
    if (table === undefined) return this.edf.next();
    const i = table[this.cursor]!;
    this.cursor = this.cursor + 1 === table.length ? 0 : this.cursor + 1;
    return i;
  }

  private rebuild(eligible: readonly B[]): void {
    const index = this.index;
    this.builtVersion = index.version;
    const n = index.size;
    if (this.sameSchedule(eligible, n)) return;
    const ids = new Array<string>(n);
    const weights = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = eligible[i]!.id;
      weights[i] = index.weightAt(i);
    }
    this.ids = ids;
    this.weights = weights;
    const previous = this.table;
    const table = buildSmoothWrrTable(weights);
    if (table !== undefined) {
      this.cursor = previous === undefined ? 0 : Math.floor((this.cursor / previous.length) * table.length);
      this.edf.clear();
    } else {
      this.edf.reset(weights, ids);
    }
    this.table = table;
  }

  private sameSchedule(eligible: readonly B[], n: number): boolean {
    if (n !== this.ids.length) return false;
    for (let i = 0; i < n; i++) {
      if (eligible[i]!.id !== this.ids[i] || this.index.weightAt(i) !== this.weights[i]) return false;
    }
    return true;
  }
}
