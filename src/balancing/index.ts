// Builds a balancer from its configured name.
import type { AlgorithmName } from '../config/types.js';
import type { Balancer, BackendView } from './balancer.js';
import { RoundRobinBalancer } from './round-robin.js';

export type { Balancer, BackendView, RequestFacts } from './balancer.js';

export function createAlgorithm<B extends BackendView>(name: AlgorithmName): Balancer<B> {
  switch (name) {
    case 'round-robin':
      return new RoundRobinBalancer<B>();
  }
}
