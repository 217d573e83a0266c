// Least connections: the backend with the fewest in-flight requests per unit
// of weight. A linear scan (fast enough at 1,000 backends, no allocation).
// Ties rotate: the scan starts just after the previous winner, so equally
// loaded backends take turns instead of the first one taking everything.
import type { Balancer, BackendView, RequestFacts } from './balancer.js';

export class LeastConnectionsBalancer<B extends BackendView = BackendView> implements Balancer<B> {
  readonly name = 'least-connections';
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
    let bestInFlight = 0;
    let bestWeight = 1;
    for (let k = 0; k < n; k++) {
      const backend = eligible[index]!;
      const w = equalWeights ? 1 : backend.weight;
      // inFlight/w < bestInFlight/bestWeight, multiplied out: no division,
      // and exact ties stay ties so they rotate.
      if (w > 0 && (best < 0 || backend.inFlight * bestWeight < bestInFlight * w)) {
        bestInFlight = backend.inFlight;
        bestWeight = w;
        best = index;
      }
      index = index + 1 === n ? 0 : index + 1;
    }
    return best;
  }
}
