// What a pool setting's resolve step is handed: where to report, and which
// settings its checks read. Apart from settings.ts so the setting files can
// use it without importing the list that imports them.
import type { Report } from '../section.js';

/** Where a setting's problem is reported, and which settings its check reads. */
export interface PoolSettingContext {
  report: Report;
  /** `pools[i].key` when the pool set one of the keys involved, else the top level's `key`. */
  at(ownSet: boolean, key: string): string;
  /** The keys a check compares, at the top level and in this pool. */
  reads(...keys: string[]): string[];
}
