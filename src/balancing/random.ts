// Weighted random: each pick lands on a backend with probability
// weight / total. O(log n): binary search over cumulative weights that are
// rebuilt only when the eligible set changes.
import type { Balancer, BackendView, RequestFacts } from './balancer.js';
import { createRandomSource, type RandomSource } from './random-source.js';
import { WeightIndex } from './weight-index.js';

export class RandomBalancer<B extends BackendView = BackendView> implements Balancer<B> {
  readonly name = 'random';
  private readonly index = new WeightIndex();

  constructor(private readonly random: RandomSource = createRandomSource()) {}

  pick(eligible: readonly B[], _request?: RequestFacts): B {
    const index = this.index;
    index.sync(eligible);
    for (;;) {
      const i = index.find(this.random() * index.total);
      if (index.confirm(eligible, i)) return eligible[i]!;
    }
  }
}
