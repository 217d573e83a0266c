// IP hash: the client address picks the backend, so one client keeps landing
// on the same backend while the eligible set is unchanged. Weighted: the hash
// is a position on the cumulative weights. Any change to the set remaps many
// clients; use consistent-hash with `hashKey: ip` when that matters.
import type { Balancer, BackendView, RequestFacts } from './balancer.js';
import { hashString } from './hash.js';
import { WeightIndex } from './weight-index.js';

export class IpHashBalancer<B extends BackendView = BackendView> implements Balancer<B> {
  readonly name = 'ip-hash';
  private readonly index = new WeightIndex();

  pick(eligible: readonly B[], request: RequestFacts): B {
    const index = this.index;
    index.sync(eligible);
    const fraction = hashString(request.clientAddress) / 0x1_0000_0000;
    for (;;) {
      const i = index.find(fraction * index.total);
      if (index.confirm(eligible, i)) return eligible[i]!;
    }
  }
}
