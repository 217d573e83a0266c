// Public API of the fairway package.
export { createBalancer } from './fairway.js';
export type { FairwayBalancer, BalancerOptions, ListeningAddresses } from './fairway.js';
export type * from './config/types.js';
export type { StatsSnapshot } from './admin/stats.js';
