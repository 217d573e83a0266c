// What applying or reloading a config answers. Shared by the balancer that
// produces it and the admin API that reports it, so neither imports the other.
import type { ConfigProblem } from './config/problems.js';

export type ReloadResult =
  | { ok: true; changes: string[]; warnings: string[] }
  | { ok: false; errors: ConfigProblem[] };
