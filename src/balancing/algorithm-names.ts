// The algorithms fairway knows, by their config name. Here, beside the
// algorithms, so that config validates names against this list and balancing
// needs nothing from config.
export const ALGORITHMS = [
  'round-robin',
  'weighted-round-robin',
  'least-connections',
  'least-response-time',
  'power-of-two',
  'random',
  'ip-hash',
  'consistent-hash',
] as const;
export type AlgorithmName = (typeof ALGORITHMS)[number];
