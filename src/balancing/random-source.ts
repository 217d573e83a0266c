// Seedable randomness, so tests and benchmarks of the random algorithms are
// deterministic. A function keeps the interface minimal: Math.random fits too.

/** Returns a float in [0, 1). */
export type RandomSource = () => number;

/**
 * A small 32-bit generator: a Weyl sequence (add the golden-ratio constant)
 * scrambled by an avalanche mix. Fast, allocation-free, good enough for load
 * balancing; not for anything security related.
 */
export function createRandomSource(seed: number = Math.floor(Math.random() * 0x1_0000_0000)): RandomSource {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 0x1_0000_0000;
  };
}
