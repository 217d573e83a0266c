// Round robin: each eligible backend in turn, whatever the set looks like now.
// Weights are ignored except that weight 0 means "no new requests".
import type { Balancer, BackendView, RequestFacts } from './balancer.js';

export class RoundRobinBalancer<B extends BackendView = BackendView> implements Balancer<B> {
  readonly name = 'round-robin';
  private next = 0;

  pick(eligible: readonly B[], _request?: RequestFacts): B {
    const n = eligible.length;
    // Modulo on each pick keeps the cursor valid when the set shrinks or grows.
    let index = this.next % n;
    // Skip weight-0 backends; if all are 0, take the first one tried (plain
    // round robin over equals).
    for (let tries = 0; tries < n && !(eligible[index]!.weight > 0); tries++) {
      index = index + 1 === n ? 0 : index + 1;
    }
    if (!(eligible[index]!.weight > 0)) index = this.next % n;
    this.next = index + 1;
    return eligible[index]!;
  }
}
