// Shared fixtures for the balancing tests.
import type { BackendView, RequestFacts } from '../src/balancing/balancer.js';

export interface MutableBackend {
  id: string;
  weight: number;
  inFlight: number;
  ewmaLatencyMs?: number;
  latencySamples?: number;
}

export function backends(...weights: number[]): MutableBackend[] {
  return weights.map((weight, i) => ({ id: String.fromCharCode(97 + i), weight, inFlight: 0 }));
}

export function facts(overrides: Partial<RequestFacts> = {}): RequestFacts {
  return { clientAddress: '127.0.0.1', method: 'GET', host: 'example.test', path: '/', headers: {}, ...overrides };
}

export function countIds(picks: readonly BackendView[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const b of picks) counts[b.id] = (counts[b.id] ?? 0) + 1;
  return counts;
}

export function longestRun(ids: readonly string[], id: string): number {
  let best = 0;
  let run = 0;
  for (const x of ids) {
    run = x === id ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}
