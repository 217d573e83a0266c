// Where a cluster's members come from. A provider knows a source of backends
// (the config file today; DNS, a registry or a file watch later) and nothing
// about pools: it hands whole member lists to the callback it was started
// with, and the cluster applies each through setMembers().
import type { BackendConfig } from '../config/types.js';

export interface BackendProvider {
  /**
   * Begins following the source. `update` may be called any number of times,
   * now or later; each call gives the whole member list (not a change), and
   * the cluster diffs it against what runs, by URL. `update` throws, changing
   * nothing, when a list cannot be applied (a URL no transport speaks, a URL
   * or id given twice); what to do then is the provider's call. A provider
   * never touches a Cluster directly.
   */
  start(update: (members: BackendConfig[]) => void): void | Promise<void>;
  /** Stops following: no call to `update` after it returns (or resolves). */
  stop(): void | Promise<void>;
}
