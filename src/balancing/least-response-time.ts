// Least response time: the lowest EWMA latency × (in-flight + 1) per unit of
// weight, so the fastest backend wins until its queue outweighs its speed.
// Unmeasured idle backends are picked first so they get measured; while that
// probe is in flight they rank after the measured ones (see latency.ts).
// A linear scan with rotating ties, like least-connections.
import type { Balancer, BackendView, RequestFacts } from './balancer.js';
import { latencyCost, latencyRank } from './latency.js';

export class LeastResponseTimeBalancer<B extends BackendView = BackendView> implements Balancer<B> {
  readonly name = 'least-response-time';
  private last = -1;

  pick(eligible: readonly B[], _request?: RequestFacts): B {
    let best = this.scan(eligible, false);
    // Every weight is 0: treat them as equal rather than refuse the request.
    if (best < 0) best = this.scan(eligible, true);
    this.last = best;
    return eligible[best]!;
  }

  private scan(eligible: readonly B[], equalWeights: boolean): number {
    const n = eligible.length;
    let index = (this.last + 1) % n;
    let best = -1;
    let bestRank = Infinity;
    let bestCost = Infinity;
    for (let k = 0; k < n; k++) {
      const backend = eligible[index]!;
      const w = equalWeights ? 1 : backend.weight;
      if (w > 0) {
        const rank = latencyRank(backend);
        if (rank <= bestRank) {
          const cost = latencyCost(backend, rank) / w;
          if (rank < bestRank || cost < bestCost || best < 0) {
            bestRank = rank;
            bestCost = cost;
            best = index;
          }
        }
      }
      index = index + 1 === n ? 0 : index + 1;
    }
    return best;
  }
}
