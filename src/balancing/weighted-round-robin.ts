// Smooth weighted round robin, as NGINX does it: every pick adds each
// backend's weight to its `current`, takes the highest, and subtracts the
// total from the winner. Weights 5,1,1 give a,a,b,a,c,a,a: exact shares in
// every window of sum(weights) picks, with the light backends interleaved
// instead of trailing a burst of the heavy one.
//
// The scan is O(n) per pick by nature (NGINX's is too), but it runs over a
// Float64Array with no allocation. `current` is carried over by backend id
// when the set changes, so a health flap does not reset everyone's position.
import type { Balancer, BackendView, RequestFacts } from './balancer.js';

export class WeightedRoundRobinBalancer<B extends BackendView = BackendView> implements Balancer<B> {
  readonly name = 'weighted-round-robin';
  private source: readonly B[] | undefined;
  private length = -1;
  private refs: B[] = [];
  private current = new Float64Array(0);

  pick(eligible: readonly B[], _request?: RequestFacts): B {
    if (eligible !== this.source || eligible.length !== this.length) this.adopt(eligible);
    let best = this.scan(eligible, false);
    if (best === -2) {
      // Same array, different members (changed in place): re-key and rescan.
      this.adopt(eligible);
      best = this.scan(eligible, false);
    }
    // Every weight is 0: treat them as equal rather than refuse the request.
    if (best === -1) best = this.scan(eligible, true);
    return eligible[best]!;
  }

  /**
   * One smooth-WRR step. Returns the winner's index, -1 if no backend has a
   * positive weight, -2 if the members differ from the ones adopted (nothing
   * is changed then).
   */
  private scan(eligible: readonly B[], equalWeights: boolean): number {
    const current = this.current;
    const refs = this.refs;
    let best = -1;
    let bestCurrent = -Infinity;
    let total = 0;
    for (let i = 0; i < eligible.length; i++) {
      const backend = eligible[i]!;
      if (backend !== refs[i]) {
        for (let j = 0; j < i; j++) current[j]! -= weightFor(eligible[j]!, equalWeights);
        return -2;
      }
      const w = weightFor(backend, equalWeights);
      if (w === 0) continue;
      const c = current[i]! + w;
      current[i] = c;
      total += w;
      if (c > bestCurrent) {
        bestCurrent = c;
        best = i;
      }
    }
    if (best >= 0) current[best]! -= total;
    return best;
  }

  /** Take a new eligible set, keeping `current` of backends that stay. */
  private adopt(eligible: readonly B[]): void {
    const carried = new Map<string, number>();
    for (let i = 0; i < this.refs.length; i++) carried.set(this.refs[i]!.id, this.current[i]!);
    const n = eligible.length;
    const refs: B[] = new Array<B>(n);
    const current = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      refs[i] = eligible[i]!;
      current[i] = carried.get(eligible[i]!.id) ?? 0;
    }
    this.refs = refs;
    this.current = current;
    this.source = eligible;
    this.length = n;
  }
}

function weightFor(backend: BackendView, equalWeights: boolean): number {
  if (equalWeights) return 1;
  const w = backend.weight;
  return w > 0 ? w : 0;
}
