// Every config section, in one list that the file schema (schema.ts), the
// environment and flag layers (overrides.ts) and the resolver (resolve.ts) walk.
//
// Adding a section, e.g. `redis:`:
//   1. write sections/redis.ts (listen.ts is a small example): its resolved
//      type, its default, its zod schema under `fileShape`, `fromFile` (its part
//      of the file layer), any env/flag `overrides`, and `resolve` (plus `check`
//      for checks against other sections), all through defineSection;
//      and, in a `declare module './section.js'` block, its keys of
//      FairwayConfig, FileLayer and (with overrides) OverrideLayer;
//   2. list it in SECTIONS below; with overrides, also in OVERRIDE_ORDER, and
//      give its override part a starting value in emptyOverrideLayer.
// The compiler then points at every full FairwayConfig built by hand (test
// fixtures), and at a FairwayConfig key no section resolves.
// The order of SECTIONS is the order of the file's keys in "unknown key"
// messages and of field problems, and the order of resolution: a section's
// `resolve` sees the sections listed before it (routes see pools), and every
// `check` runs after all of them have resolved.
import { accessLogSection } from './access-log.js';
import { adminSection } from './admin.js';
import { listenSection } from './listen.js';
import { listenersSection } from './listeners.js';
import { logSection } from './log.js';
import { middlewaresSection } from './middlewares.js';
import { poolDefaultsSection } from './pool-defaults.js';
import { poolsSection } from './pools.js';
import { redisSection } from './redis.js';
import { routesSection } from './routes.js';
import type { ConfigSection, FairwayConfig, OverrideLayer } from './section.js';
import { shutdownTimeoutSection } from './shutdown-timeout.js';
import { trustedProxiesSection } from './trusted-proxies.js';

export type { FairwayConfig, FileLayer, OverrideLayer } from './section.js';

export const SECTIONS = [
  listenSection,
  listenersSection,
  adminSection,
  redisSection,
  poolsSection,
  middlewaresSection,
  routesSection,
  shutdownTimeoutSection,
  trustedProxiesSection,
  logSection,
  accessLogSection,
  poolDefaultsSection,
] as const satisfies readonly ConfigSection[];

/**
 * Sections with environment variables or flags, in the order their problems
 * are reported (and the variables are read); it differs from SECTIONS so that
 * a bad PORT, HEALTH_CHECK_INTERVAL and ADMIN_PORT read in the order they
 * always have.
 */
export const OVERRIDE_ORDER = [listenSection, poolsSection, adminSection, logSection, poolDefaultsSection, listenersSection, redisSection] as const satisfies readonly ConfigSection[];

// Fails to compile when a FairwayConfig key has no section that resolves it.
type Unresolved = Exclude<keyof FairwayConfig, NonNullable<(typeof SECTIONS)[number]['key']>>;
const everyKeyResolved: [Unresolved] extends [never] ? true : Unresolved = true;
void everyKeyResolved;

/** An override layer that sets nothing. */
export function emptyOverrideLayer(): OverrideLayer {
  return { listen: {}, admin: {}, log: {}, quickTls: {}, redis: {} };
}
