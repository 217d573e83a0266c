// Round robin: each eligible backend in turn. As in NGINX and HAProxy, weights
// count: while the eligible backends' weights differ (a `weight: 3`, a weight
// 0, slow start ramping one up), picks follow smooth weighted round robin;
// while they are all equal, a plain O(1) cursor does.
//
// Whether they are equal is checked on each new array, and every few hundred
// picks in case weights changed in place: amortised O(1) per pick.
import type { Balancer, BackendView, RequestFacts } from './balancer.js';
import { WeightedRoundRobinBalancer } from './weighted-round-robin.js';

export class RoundRobinBalancer<B extends BackendView = BackendView> implements Balancer<B> {
  readonly name = 'round-robin';
  private next = 0;
  private checked: readonly B[] | undefined;
  private checkedLength = -1;
  private uniform = true;
  private picksUntilCheck = 0;
  private weighted: WeightedRoundRobinBalancer<B> | undefined;

  pick(eligible: readonly B[], request?: RequestFacts): B {
    // The data path passes a new array whenever membership or weights change.
    if (eligible !== this.checked || eligible.length !== this.checkedLength || --this.picksUntilCheck <= 0) {
      this.checked = eligible;
      this.checkedLength = eligible.length;
      this.uniform = hasUniformWeights(eligible);
      this.picksUntilCheck = Math.max(256, 4 * eligible.length);
    }
    if (!this.uniform) {
      this.weighted ??= new WeightedRoundRobinBalancer<B>();
      return this.weighted.pick(eligible, request);
    }
    // Modulo on each pick keeps the cursor valid when the set shrinks or grows.
    const index = this.next % eligible.length;
    this.next = index + 1;
    return eligible[index]!;
  }
}

function hasUniformWeights(eligible: readonly BackendView[]): boolean {
  const first = eligible[0]!.weight;
  if (!(first > 0)) return false;
  for (let i = 1; i < eligible.length; i++) if (eligible[i]!.weight !== first) return false;
  return true;
}
