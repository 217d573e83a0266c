// Every config section, in one list that the file schema (schema.ts), the
// environment and flag layers (overrides.ts) and the resolver (resolve.ts) walk.
//
// Adding a section, e.g. `redis:`:
//   1. write sections/redis.ts (listen.ts is a small example): its resolved
//      type, its default, its zod schema under `fileShape`, `fromFile` (its part
//      of the file layer), any env/flag `overrides`, and `resolve` (plus `check`
//      for checks against other sections), all through defineSection;
//   2. list it in SECTIONS below, add its resolved value to FairwayConfig and
//      its file part to FileLayer; with overrides, also list it in
//      OVERRIDE_ORDER and add its part to OverrideLayer and emptyOverrideLayer.
// The compiler then points at every full FairwayConfig built by hand (test
// fixtures), and at a FairwayConfig key no section resolves.
// The order of SECTIONS is the order of the file's keys in "unknown key"
// messages and of field problems, and the order of resolution: a section's
// `resolve` sees the sections listed before it (routes see pools), and every
// `check` runs after all of them have resolved.
import { accessLogSection, type AccessLogConfig } from './access-log.js';
import { adminSection, type AdminConfig } from './admin.js';
import { listenSection, type ListenConfig } from './listen.js';
import { logSection, type LogConfig } from './log.js';
import type { AlgorithmName } from './pool/balancing.js';
import type { FileBackend } from './pool/backend.js';
import type { PoolSettings } from './pool/settings.js';
import { poolDefaultsSection } from './pool-defaults.js';
import { poolsSection, type FilePool, type PoolConfig } from './pools.js';
import { routesSection, type RouteConfig } from './routes.js';
import type { ConfigSection } from './section.js';
import { shutdownTimeoutSection } from './shutdown-timeout.js';

export const SECTIONS = [
  listenSection,
  adminSection,
  poolsSection,
  routesSection,
  shutdownTimeoutSection,
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
export const OVERRIDE_ORDER = [listenSection, poolsSection, adminSection, logSection, poolDefaultsSection] as const satisfies readonly ConfigSection[];

/** The resolved configuration: every default filled in, every duration in milliseconds. */
export interface FairwayConfig {
  listen: ListenConfig;
  admin: AdminConfig;
  pools: PoolConfig[];
  routes: RouteConfig[];
  /** How long in-flight requests may run after SIGTERM/SIGINT. */
  shutdownTimeoutMs: number;
  log: LogConfig;
  accessLog: AccessLogConfig;
}

// Fails to compile when a FairwayConfig key has no section that resolves it.
type Unresolved = Exclude<keyof FairwayConfig, NonNullable<(typeof SECTIONS)[number]['key']>>;
const everyKeyResolved: [Unresolved] extends [never] ? true : Unresolved = true;
void everyKeyResolved;

/** What the config file says: only what it sets, durations already in ms, names normalised. */
export interface FileLayer {
  listen: Partial<ListenConfig>;
  admin: Partial<AdminConfig>;
  log: Partial<LogConfig>;
  accessLog?: Partial<AccessLogConfig>;
  shutdownTimeoutMs?: number;
  /** Top-level pool settings (algorithm, healthCheck, retries, ...): the shorthand pool's, or every named pool's defaults. */
  poolDefaults: PoolSettings;
  /** Named pools; undefined means the shorthand pool `default` built from `backends`. */
  pools?: FilePool[];
  /** Shorthand backends (top-level `backends` or a bare JSON array). */
  backends: FileBackend[];
  routes?: RouteConfig[];
}

/** What the environment or the flags say. */
export interface OverrideLayer {
  listen: Partial<ListenConfig>;
  admin: Partial<AdminConfig>;
  log: Partial<LogConfig>;
  /** Applies to every pool. */
  algorithm?: AlgorithmName;
  /** Health-check interval for every pool. */
  intervalMs?: number;
  /** Replaces the backends of the single pool; `source` names where they came from. */
  backends?: { source: string; list: FileBackend[] };
}

/** An override layer that sets nothing. */
export function emptyOverrideLayer(): OverrideLayer {
  return { listen: {}, admin: {}, log: {} };
}
