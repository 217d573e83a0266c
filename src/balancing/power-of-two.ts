// Power of two choices: draw two distinct backends (weighted), send the
// request to the lighter one by EWMA latency × (in-flight + 1). Nearly as
// good as scanning everything for the least loaded, at O(log n) per pick,
// and it does not herd every request onto one "best" backend.
import type { Balancer, BackendView, RequestFacts } from './balancer.js';
import { latencyCost, latencyRank } from './latency.js';
import { createRandomSource, type RandomSource } from './random-source.js';
import { WeightIndex } from './weight-index.js';

export class PowerOfTwoBalancer<B extends BackendView = BackendView> implements Balancer<B> {
  readonly name = 'power-of-two';
  private readonly index = new WeightIndex();

  constructor(private readonly random: RandomSource = createRandomSource()) {}

  pick(eligible: readonly B[], _request?: RequestFacts): B {
    const index = this.index;
    index.sync(eligible);
    for (;;) {
      const first = index.find(this.random() * index.total);
      if (!index.confirm(eligible, first)) continue;
      if (index.positives < 2) return eligible[first]!;
      // Second draw without replacement: the weighted draw over the others.
      const second = index.findExcept(this.random() * (index.total - index.weightAt(first)), first);
      if (second === first) return eligible[first]!; // rounding at the very top of the range
      if (!index.confirm(eligible, second)) continue;
      return lighter(eligible[first]!, eligible[second]!);
    }
  }
}

/** The lighter of two backends; an unmeasured idle backend counts as lightest. */
function lighter<B extends BackendView>(a: B, b: B): B {
  const rankA = latencyRank(a);
  const rankB = latencyRank(b);
  if (rankA !== rankB) return rankA < rankB ? a : b;
  return latencyCost(b, rankB) < latencyCost(a, rankA) ? b : a;
}
