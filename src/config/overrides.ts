// Environment variables and command-line flags as override layers, built from
// the overrides each section declares (in registry.ts's OVERRIDE_ORDER). Values are checked
// by the same validators as the file; problems name the variable (`env PORT`)
// or the flag (`--port`).
import type { ConfigProblem } from './problems.js';
import { OVERRIDE_ORDER, SECTIONS, emptyOverrideLayer, type OverrideLayer } from './sections/registry.js';
import type { CliFlags, Override } from './sections/section.js';

export type { CliFlags } from './sections/section.js';
export type { OverrideLayer } from './sections/registry.js';

const OVERRIDES: readonly Override[] = OVERRIDE_ORDER.flatMap((s) => s.overrides);

// A section left out of OVERRIDE_ORDER would have its variables silently ignored.
if (SECTIONS.some((s) => s.overrides.length > 0 && !(OVERRIDE_ORDER as readonly unknown[]).includes(s))) {
  throw new Error('config/sections/registry.ts: a section with overrides is missing from OVERRIDE_ORDER');
}

export interface OverrideResult {
  layer: OverrideLayer;
  problems: ConfigProblem[];
  /** Settings given here with an invalid value: checks comparing them are skipped. */
  invalid: string[];
}

/** Which variable set which setting; the value is left out (ADMIN_TOKEN is a secret). */
export interface EnvSource {
  setting: string;
  variable: string;
}

/** A variable that is set but was not taken, and why. */
export interface EnvIgnored {
  variable: string;
  reason: string;
}

export interface EnvResult extends OverrideResult {
  sources: EnvSource[];
  ignored: EnvIgnored[];
}

/** A raw value, the override it is for, and the name to blame for it. */
interface Given {
  override: Override;
  value: unknown;
  source: string;
}

// Kubernetes gives every pod <SERVICE>_PORT=tcp://10.96.0.12:8080 for each Service in
// its namespace, so a Service named fairway (fairway-admin) sets FAIRWAY_PORT
// (FAIRWAY_ADMIN_PORT), and one named admin sets ADMIN_PORT. Such a value is an
// address of another service, never a port setting. (A bare PORT cannot be one.)
const SERVICE_LINK = /^(?:tcp|udp|sctp):\/\//i;
const isServiceLink = (variable: string, value: string): boolean =>
  variable.endsWith('_PORT') && SERVICE_LINK.test(value.trim());

/**
 * Reads the environment; FAIRWAY_<NAME> wins over <NAME>; empty values count as
 * unset, and so do Kubernetes service links in the port variables.
 */
export function envLayer(env: NodeJS.ProcessEnv): EnvResult {
  const given: Given[] = [];
  const sources: EnvSource[] = [];
  const ignored: EnvIgnored[] = [];
  for (const override of OVERRIDES) {
    for (const candidate of [`FAIRWAY_${override.env}`, override.env]) {
      const value = env[candidate];
      if (value === undefined || value.trim() === '') continue;
      if (isServiceLink(candidate, value)) {
        ignored.push({
          variable: candidate,
          reason: `${candidate}=${value.trim()} looks like a Kubernetes service link (set for a Service named ${serviceName(candidate)}), not a port; ignored for ${override.setting}`,
        });
        continue;
      }
      given.push({ override, value, source: `env ${candidate}` });
      sources.push({ setting: override.setting, variable: candidate });
      break;
    }
  }
  return { ...buildLayer(given), sources, ignored };
}

/** FAIRWAY_ADMIN_PORT comes from a Service named fairway-admin. */
function serviceName(variable: string): string {
  return variable.replace(/_PORT$/, '').toLowerCase().replace(/_/g, '-');
}

export function flagLayer(flags: CliFlags): OverrideResult {
  const given: Given[] = [];
  for (const override of OVERRIDES) {
    if (override.flag === undefined) continue;
    const value = flags[override.flag.key];
    // A repeatable flag given no times arrives as an empty list.
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    given.push({ override, value, source: override.flag.name });
  }
  return buildLayer(given);
}

function buildLayer(given: readonly Given[]): OverrideResult {
  const problems: ConfigProblem[] = [];
  const invalid: string[] = [];
  const layer = emptyOverrideLayer();
  for (const { override, value, source } of given) {
    const parsed = override.parse(value, source);
    if (parsed.value !== undefined) override.store(layer, parsed.value, source);
    if (parsed.problems.length > 0) {
      problems.push(...parsed.problems);
      invalid.push(override.setting);
    }
  }
  return { layer, problems, invalid };
}
