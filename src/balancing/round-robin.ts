// Round robin: each eligible backend in turn, whatever the set looks like now.
import type { Balancer, BackendView, RequestFacts } from './balancer.js';

export class RoundRobinBalancer<B extends BackendView = BackendView> implements Balancer<B> {
  readonly name = 'round-robin';
  private next = 0;

  pick(eligible: readonly B[], _request?: RequestFacts): B {
    // Modulo on each pick keeps the cursor valid when the set shrinks or grows.
    const index = this.next % eligible.length;
    this.next = index + 1;
    return eligible[index]!;
  }
}
