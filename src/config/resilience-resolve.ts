// Merges a pool's traffic and resilience settings, key by key: built-in
// defaults < the file's top level < the pool's own. Then checks what no single
// key can tell. A problem names the pool when the pool set one of the keys
// involved, otherwise the top level, so a bad default is reported once.
import { DEFAULTS } from './defaults.js';
import { formatDuration } from './duration.js';
import type { ConfigProblem } from './problems.js';
import type { ResilienceSettings } from './resilience-schema.js';
import type { PoolConfig, StickyConfig } from './types.js';

/** Records a problem found by a check that reads the settings at `reads` (paths like `pools[0].sticky`). */
export type Report = (problem: ConfigProblem, reads: readonly string[]) => void;

export type ResolvedResilience = Pick<
  PoolConfig,
  'queue' | 'outlierDetection' | 'retries' | 'slowStartMs' | 'panicThreshold' | 'sticky'
>;

/** `poolPath` is `pools[i]` for a named pool, undefined for the shorthand pool (whose settings are the top level's). */
export function resolveResilience(
  top: ResilienceSettings,
  own: ResilienceSettings,
  poolPath: string | undefined,
  report: Report,
): ResolvedResilience {
  const retries = { ...DEFAULTS.retries, ...top.retries, ...own.retries };
  const resolved: ResolvedResilience = {
    queue: { ...DEFAULTS.queue, ...top.queue, ...own.queue },
    outlierDetection: { ...DEFAULTS.outlierDetection, ...top.outlierDetection, ...own.outlierDetection },
    // A list replaces the one below it; it is not merged item by item.
    retries: { ...retries, on: [...retries.on] },
    slowStartMs: own.slowStartMs ?? top.slowStartMs ?? DEFAULTS.slowStartMs,
    panicThreshold: own.panicThreshold ?? top.panicThreshold ?? DEFAULTS.panicThreshold,
  };
  const sticky = mergeSticky(top.sticky, own.sticky);
  if (sticky !== undefined) resolved.sticky = sticky;

  const at = (ownSet: boolean, key: string): string => (ownSet && poolPath !== undefined ? `${poolPath}.${key}` : key);
  // The keys a check compares, at the top level and in this pool.
  const reads = (...keys: string[]): string[] => keys.flatMap((k) => (poolPath === undefined ? [k] : [k, `${poolPath}.${k}`]));

  const od = resolved.outlierDetection;
  if (od.baseEjectionTimeMs > od.maxEjectionTimeMs) {
    const ownSet = own.outlierDetection?.baseEjectionTimeMs !== undefined || own.outlierDetection?.maxEjectionTimeMs !== undefined;
    report(
      {
        path: at(ownSet, 'outlierDetection.baseEjectionTime'),
        message: `${formatDuration(od.baseEjectionTimeMs)} is longer than maxEjectionTime ${formatDuration(od.maxEjectionTimeMs)} (an ejection lasts baseEjectionTime × times ejected, capped at maxEjectionTime; lower baseEjectionTime or raise maxEjectionTime)`,
      },
      reads('outlierDetection.baseEjectionTime', 'outlierDetection.maxEjectionTime'),
    );
  }

  if (sticky !== undefined && sticky.sameSite === 'None' && !sticky.secure) {
    const mine = own.sticky === false ? undefined : own.sticky;
    const ownSet = mine?.sameSite !== undefined || mine?.secure !== undefined;
    report(
      {
        path: at(ownSet, 'sticky.sameSite'),
        message:
          'None requires secure: true (browsers reject a SameSite=None cookie that is not Secure, so stickiness would silently never work; set secure: true, or use Lax or Strict)',
      },
      reads('sticky.sameSite', 'sticky.secure'),
    );
  }
  return resolved;
}

// `false` turns stickiness off at that layer; an object (`true` is `{}`) turns it on.
function mergeSticky(
  top: ResilienceSettings['sticky'],
  own: ResilienceSettings['sticky'],
): StickyConfig | undefined {
  if (own === false) return undefined;
  if (own === undefined) return top === undefined || top === false ? undefined : { ...DEFAULTS.sticky, ...top };
  return { ...DEFAULTS.sticky, ...(top === false ? {} : top), ...own };
}
