// Least response time: the lowest EWMA latency × (in-flight + 1) per unit of
// weight, so the fastest backend wins until its queue outweighs its speed.
// Unmeasured idle backends are picked first so they get measured; while that
// probe is in flight they rank after the measured ones (see latency.ts).
// A linear scan with rotating ties, like least-connections.
import type { Balancer, BackendView, RequestFacts } from './balancer.js';
import { hasLatencySample, RANK_MEASURED, RANK_PROBE, RANK_PROBING } from './latency.js';

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
    let bestCost = 0;
    let bestWeight = 1;
    for (let k = 0; k < n; k++) {
      const backend = eligible[index]!;
      const w = equalWeights ? 1 : backend.weight;
      if (w > 0) {
        // latencyRank/latencyCost written out: this loop runs n times a pick.
        const load = backend.inFlight + 1;
        let rank: number;
        let cost: number;
        if (hasLatencySample(backend)) {
          rank = RANK_MEASURED;
          cost = backend.ewmaLatencyMs! * load;
        } else {
          rank = load > 1 ? RANK_PROBING : RANK_PROBE;
          cost = load;
        }
        // cost/w < bestCost/bestWeight, multiplied out: exact ties stay ties.
        if (rank < bestRank || (rank === bestRank && cost * bestWeight < bestCost * w)) {
          bestRank = rank;
          bestCost = cost;
          bestWeight = w;
          best = index;
        }
      }
      index = index + 1 === n ? 0 : index + 1;
    }
    return best;
  }
}
