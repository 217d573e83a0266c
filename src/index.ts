// Public API of the fairway package.
export { createFairway } from './fairway.js';
export type { Fairway, FairwayOptions, ListeningAddresses } from './fairway.js';
export type * from './config/types.js';
export type { StatsSnapshot } from './admin/stats.js';
