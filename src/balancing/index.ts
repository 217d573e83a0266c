// Builds a balancer from its configured name.
import type { AlgorithmName } from './algorithm-names.js';
import type { Balancer, BackendView } from './balancer.js';
import { ConsistentHashBalancer } from './consistent-hash.js';
import type { HashKey } from './hash-key.js';
import { IpHashBalancer } from './ip-hash.js';
import { LeastConnectionsBalancer } from './least-connections.js';
import { LeastResponseTimeBalancer } from './least-response-time.js';
import { PowerOfTwoBalancer } from './power-of-two.js';
import { createRandomSource, type RandomSource } from './random-source.js';
import { RandomBalancer } from './random.js';
import { RoundRobinBalancer } from './round-robin.js';
import { WeightedRoundRobinBalancer } from './weighted-round-robin.js';

export type { Balancer, BackendView, RequestFacts } from './balancer.js';
export type { HashKey } from './hash-key.js';
export { HASH_KEY_FORMS, parseHashKey } from './hash-key.js';
export { createRandomSource, type RandomSource } from './random-source.js';

export interface AlgorithmOptions {
  /** Randomness for random and power-of-two; default seeded from Math.random(). */
  random?: RandomSource;
  /** consistent-hash key: `header:NAME | cookie:NAME | query:NAME | path | ip` (default `ip`). */
  hashKey?: string | HashKey;
}

/** Throws if `options.hashKey` is malformed. */
export function createAlgorithm<B extends BackendView>(name: AlgorithmName, options: AlgorithmOptions = {}): Balancer<B> {
  switch (name) {
    case 'round-robin':
      return new RoundRobinBalancer<B>();
    case 'weighted-round-robin':
      return new WeightedRoundRobinBalancer<B>();
    case 'least-connections':
      return new LeastConnectionsBalancer<B>();
    case 'least-response-time':
      return new LeastResponseTimeBalancer<B>();
    case 'power-of-two':
      return new PowerOfTwoBalancer<B>(options.random ?? createRandomSource());
    case 'random':
      return new RandomBalancer<B>(options.random ?? createRandomSource());
    case 'ip-hash':
      return new IpHashBalancer<B>();
    case 'consistent-hash':
      return new ConsistentHashBalancer<B>(options.hashKey ?? 'ip');
  }
}
