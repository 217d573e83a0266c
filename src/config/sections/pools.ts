// `pools:` — named groups of backends with their own settings — and the
// resolution of every pool, named or the shorthand `default` one built from the
// top level (pool-defaults.ts), with ALGORITHM and HEALTH_CHECK_INTERVAL (or
// their flags) applied to all of them and BACKEND_SERVERS to the single one.
import { z } from 'zod';
import { formatDuration } from '../duration.js';
import * as f from '../fields.js';
import { defined, field, strict } from '../schema-fields.js';
import { middlewareChain } from './middlewares.js';
import { algorithm, warnUnusedHashKeys, type AlgorithmName } from './pool/balancing.js';
import {
  backendSchema,
  checkBackendIds,
  resolveBackend,
  stripIds,
  type BackendConfig,
  type FileBackend,
} from './pool/backend.js';
import {
  balancingShape,
  readPoolSettings,
  resolvePoolSettings,
  upstreamSettingsShape,
  type PoolSettings,
  type ResolvedPoolSettings,
} from './pool/settings.js';
import { defineSection, lastOverride, overrideOf, type Override, type ResolveContext } from './section.js';

// This section's parts of the composed config types (section.ts).
declare module './section.js' {
  interface FairwayConfig {
    pools: PoolConfig[];
  }
  interface FileLayer {
    /** Named pools; undefined means the shorthand pool `default` built from `backends`. */
    pools?: FilePool[];
  }
  interface OverrideLayer {
    /** Applies to every pool. */
    algorithm?: AlgorithmName;
    /** Health-check interval for every pool. */
    intervalMs?: number;
  }
}

/** A pool as it runs: its name and members, and every setting resolved (pool/settings.ts). */
export interface PoolConfig extends ResolvedPoolSettings {
  name: string;
  backends: BackendConfig[];
}

export const DEFAULT_POOL_NAME = 'default';

export interface FilePool extends PoolSettings {
  name: string;
  backends: FileBackend[];
  /** The chain of its catch-all route, when it is the only pool and there are no routes (routes.ts). */
  middlewares?: string[];
}

const poolSchema = strict(
  {
    name: field(f.name('pool name')),
    ...balancingShape,
    backends: z.array(backendSchema).optional(),
    middlewares: middlewareChain.optional(),
    ...upstreamSettingsShape,
  },
  'pool',
).transform(
  (p): FilePool => ({ name: p.name, ...readPoolSettings(p), backends: p.backends ?? [], ...defined({ middlewares: p.middlewares }) }),
);

/** Pool names and backend ids must be unique; top-level backends exclude pools. */
function checkPools(raw: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const pools = Array.isArray(raw['pools']) ? (raw['pools'] as Record<string, unknown>[]) : undefined;
  if (pools !== undefined && raw['backends'] !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['backends'],
      message: 'top-level backends cannot be combined with pools (move them into a pool, or drop pools to use the single default pool)',
    });
  }
  const names: string[] = [];
  pools?.forEach((p, i) => {
    const name = p?.name;
    if (typeof name !== 'string') return;
    const first = names.indexOf(name);
    if (first >= 0) {
      ctx.addIssue({ code: 'custom', path: ['pools', i, 'name'], message: `duplicate pool name "${name}" (also pools[${first}])` });
    }
    names.push(name);
    checkBackendIds(p.backends, ['pools', i, 'backends'], ctx);
  });
  if (pools === undefined) checkBackendIds(raw['backends'], ['backends'], ctx);
}

const overrides: Override[] = [
  overrideOf({
    setting: 'healthCheck.interval',
    env: 'HEALTH_CHECK_INTERVAL',
    flag: { key: 'interval', name: '--interval' },
    validate: f.duration(),
    store: (layer, v) => (layer.intervalMs = v),
  }),
  overrideOf({
    setting: 'algorithm',
    env: 'ALGORITHM',
    flag: { key: 'algorithm', name: '--algorithm' },
    validate: algorithm,
    store: (layer, v) => (layer.algorithm = v),
  }),
];

function resolvePools(ctx: ResolveContext): PoolConfig[] {
  const { file, report, warn } = ctx;
  // Named pools, or the shorthand pool built from top-level settings.
  const named = file.pools !== undefined;
  const filePools: FilePool[] = file.pools ?? [{ name: DEFAULT_POOL_NAME, backends: file.backends, healthCheck: {}, timeouts: {} }];
  const where = (i: number): string => (named ? `pools[${i}]` : '(top level)');
  const backendsWhere = (i: number): string => (named ? `pools[${i}].backends` : 'backends');

  // Backends from env/flags replace the file's, which only makes sense for one pool.
  const replacement = lastOverride(ctx.overrides, (o) => o.backends);
  if (replacement !== undefined && filePools.length > 1) {
    report(
      {
        path: replacement.source,
        message: `backends from ${replacement.source} work only with a single pool, but the config file defines ${filePools.length} pools (${filePools.map((p) => p.name).join(', ')}); list the backends in the file's pools instead`,
      },
      ['pools'],
    );
  }

  const poolOverrides = defined({
    algorithm: lastOverride(ctx.overrides, (o) => o.algorithm),
    intervalMs: lastOverride(ctx.overrides, (o) => o.intervalMs),
  });
  const pools: PoolConfig[] = filePools.map((p, i) => {
    const backends = replacement !== undefined && filePools.length === 1 ? replacement.list : p.backends;
    const { algorithm: chosen, hashKey, ...rest } = resolvePoolSettings(file.poolDefaults, p, poolOverrides, named ? where(i) : undefined, report);
    const pool: PoolConfig = {
      name: p.name,
      algorithm: chosen,
      ...(hashKey !== undefined ? { hashKey } : {}),
      backends: backends.map(resolveBackend),
      ...rest,
    };
    const hc = pool.healthCheck;
    if (hc.enabled && hc.timeoutMs > hc.intervalMs) {
      warn(
        `${where(i)}: pool "${p.name}" health-check timeout (${formatDuration(hc.timeoutMs)}) is longer than its interval (${formatDuration(hc.intervalMs)})`,
        ['enabled', 'interval', 'timeout'].flatMap((k) => [`healthCheck.${k}`, ...(named ? [`pools[${i}].healthCheck.${k}`] : [])]),
      );
    }
    if (pool.tls?.insecureSkipVerify === true) {
      warn(
        `${where(i)}: pool "${p.name}" does not verify the TLS certificates of its https backends (tls.insecureSkipVerify: true); anyone on the path can impersonate them, so use it only in a lab`,
        ['tls.insecureSkipVerify', ...(named ? [`pools[${i}].tls.insecureSkipVerify`] : [])],
      );
    }
    return pool;
  });
  warnUnusedHashKeys(pools, (i) => file.pools?.[i]?.hashKey !== undefined, named, (w) => warn(w, ['algorithm', 'hashKey', 'pools']));

  const total = pools.reduce((n, p) => n + p.backends.length, 0);
  if (total === 0 && !ctx.hasProblems()) {
    report(
      {
        path: named ? 'pools' : 'backends',
        message:
          'no backends configured (give some with --backend http://host:port, BACKEND_SERVERS=http://host1:80,http://host2:80, or a config file listing backends)',
      },
      ['pools', 'backends'],
    );
  } else if (total > 0) {
    pools.forEach((p, i) => {
      if (p.backends.length === 0) {
        report({ path: backendsWhere(i), message: `pool "${p.name}" has no backends (expected at least one)` }, [backendsWhere(i), 'backends']);
      }
    });
  }
  return pools;
}

export const poolsSection = defineSection({
  fileShape: { pools: z.array(poolSchema).optional() },
  // The id check has run on the whole file by now; its markers can go.
  fromFile: (parsed) => defined({ pools: parsed.pools?.map((p) => ({ ...p, backends: stripIds(p.backends) })) }),
  checkFile: checkPools,
  overrides,
  key: 'pools',
  resolve: resolvePools,
});
