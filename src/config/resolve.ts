// Layers built-in defaults < file < environment < flags into the resolved
// FairwayConfig by walking the sections (sections/registry.ts) in order, then
// runs each section's checks against the others (a pool without backends, an
// exposed admin listener without a token, ...).
import { readsInvalid } from './invalid-paths.js';
import type { ConfigProblem } from './problems.js';
import { SECTIONS, type FairwayConfig, type FileLayer, type OverrideLayer } from './sections/registry.js';
import type { Report, ResolveContext, Warn } from './sections/section.js';

export type Resolved =
  | { ok: true; config: FairwayConfig; warnings: string[] }
  | { ok: false; problems: ConfigProblem[]; warnings: string[] };

/**
 * `overrides` in ascending precedence: [environment, flags]. `invalid` names the
 * settings left out because their values were invalid (paths like `listen.port`);
 * checks that read them are skipped, so each problem is reported once, at its root.
 */
export function resolveConfig(file: FileLayer, overrides: OverrideLayer[], invalid: readonly string[] = []): Resolved {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  // Each check names the settings it reads.
  const report: Report = (problem, reads) => {
    if (readsInvalid(reads, invalid)) return;
    if (!problems.some((p) => p.path === problem.path && p.message === problem.message)) problems.push(problem);
  };
  const warn: Warn = (warning, reads) => {
    if (!readsInvalid(reads, invalid)) warnings.push(warning);
  };

  const resolved: Partial<Record<keyof FairwayConfig, unknown>> = {};
  const ctx: ResolveContext = {
    file,
    overrides,
    resolved: resolved as Partial<FairwayConfig>,
    report,
    warn,
    hasProblems: () => problems.length > 0,
  };
  for (const section of SECTIONS) {
    if (section.key !== undefined && section.resolve !== undefined) resolved[section.key] = section.resolve(ctx);
  }
  // registry.ts makes sure at compile time that a section resolves every key.
  const config = resolved as FairwayConfig;
  for (const section of SECTIONS) section.check?.(config, report);

  if (problems.length > 0) return { ok: false, problems, warnings };
  return { ok: true, warnings, config };
}
