// Layers built-in defaults < file < environment < flags into the resolved
// FairwayConfig, then checks what only the whole picture can tell (a pool
// without backends, an exposed admin listener without a token, ...).
import { DEFAULTS, DEFAULT_POOL_NAME } from './defaults.js';
import { formatDuration } from './duration.js';
import type { OverrideLayer } from './overrides.js';
import { resolveHealthCheck } from './health-check-resolve.js';
import type { ConfigProblem } from './problems.js';
import { resolveResilience } from './resilience-resolve.js';
import type { FileBackend, FileLayer, FilePool } from './schema.js';
import type { BackendConfig, FairwayConfig, PoolConfig, RouteConfig } from './types.js';

export type Resolved =
  | { ok: true; config: FairwayConfig; warnings: string[] }
  | { ok: false; problems: ConfigProblem[]; warnings: string[] };

/** `overrides` in ascending precedence: [environment, flags]. */
export function resolveConfig(file: FileLayer, overrides: OverrideLayer[]): Resolved {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const last = <T>(pick: (o: OverrideLayer) => T | undefined): T | undefined =>
    overrides.reduce<T | undefined>((found, o) => pick(o) ?? found, undefined);

  // Named pools, or the shorthand pool built from top-level settings.
  const named = file.pools !== undefined;
  const filePools: FilePool[] = file.pools ?? [
    { name: DEFAULT_POOL_NAME, backends: file.backends, healthCheck: {}, timeouts: {} },
  ];
  const where = (i: number): string => (named ? `pools[${i}]` : '(top level)');
  const backendsWhere = (i: number): string => (named ? `pools[${i}].backends` : 'backends');

  // Backends from env/flags replace the file's, which only makes sense for one pool.
  const replacement = last((o) => o.backends);
  if (replacement !== undefined && filePools.length > 1) {
    problems.push({
      path: replacement.source,
      message: `backends from ${replacement.source} work only with a single pool, but the config file defines ${filePools.length} pools (${filePools.map((p) => p.name).join(', ')}); list the backends in the file's pools instead`,
    });
  }

  const algorithm = last((o) => o.algorithm);
  const intervalMs = last((o) => o.intervalMs);
  const pools: PoolConfig[] = filePools.map((p, i) => {
    const backends = replacement !== undefined && filePools.length === 1 ? replacement.list : p.backends;
    const pool: PoolConfig = {
      name: p.name,
      algorithm: algorithm ?? p.algorithm ?? file.poolDefaults.algorithm ?? DEFAULTS.algorithm,
      ...((p.hashKey ?? file.poolDefaults.hashKey) !== undefined ? { hashKey: p.hashKey ?? file.poolDefaults.hashKey } : {}),
      backends: backends.map(resolveBackend),
      healthCheck: resolveHealthCheck(file.poolDefaults.healthCheck, p.healthCheck, intervalMs, named ? where(i) : undefined, problems),
      timeouts: { ...DEFAULTS.timeouts, ...file.poolDefaults.timeouts, ...p.timeouts },
      ...resolveResilience(file.poolDefaults, p, named ? where(i) : undefined, problems),
    };
    const hc = pool.healthCheck;
    if (hc.enabled && hc.timeoutMs > hc.intervalMs) {
      warnings.push(
        `${where(i)}: pool "${p.name}" health-check timeout (${formatDuration(hc.timeoutMs)}) is longer than its interval (${formatDuration(hc.intervalMs)})`,
      );
    }
    return pool;
  });
  warnUnusedHashKeys(file, pools, named, warnings);

  const total = pools.reduce((n, p) => n + p.backends.length, 0);
  if (total === 0 && problems.length === 0) {
    problems.push({
      path: named ? 'pools' : 'backends',
      message:
        'no backends configured (give some with --backend http://host:port, BACKEND_SERVERS=http://host1:80,http://host2:80, or a config file listing backends)',
    });
  } else if (total > 0) {
    pools.forEach((p, i) => {
      if (p.backends.length === 0) {
        problems.push({ path: backendsWhere(i), message: `pool "${p.name}" has no backends (expected at least one)` });
      }
    });
  }

  const routes = resolveRoutes(file.routes, pools, problems, warnings);

  const listen = { ...DEFAULTS.listen, ...file.listen, ...overrides.reduce((a, o) => ({ ...a, ...o.listen }), {}) };
  const admin = { ...DEFAULTS.admin, ...file.admin, ...overrides.reduce((a, o) => ({ ...a, ...o.admin }), {}) };
  const log = { ...DEFAULTS.log, ...file.log, ...overrides.reduce((a, o) => ({ ...a, ...o.log }), {}) };
  const accessLog = { ...DEFAULTS.accessLog, ...file.accessLog };
  if (accessLog.enabled && accessLog.sample === 0) {
    warnings.push('accessLog.sample: 0 logs no request although accessLog.enabled is true (expected a share above 0, e.g. 0.1)');
  }

  if (admin.enabled && admin.token === undefined && !isLoopback(admin.host)) {
    // Runtime control over the network must not be open to anyone who can reach it.
    problems.push({
      path: 'admin.token',
      message: `required because admin.host ${admin.host} is not a loopback address (set admin.token or ADMIN_TOKEN, or bind admin to 127.0.0.1); the admin listener refuses to bind without one`,
    });
  }
  if (admin.enabled && admin.port !== 0 && admin.port === listen.port) {
    problems.push({
      path: 'admin.port',
      message: `${admin.port} is also the proxy's listen.port (expected a different port, or admin.enabled: false)`,
    });
  }

  if (problems.length > 0) return { ok: false, problems, warnings };
  return {
    ok: true,
    warnings,
    config: {
      listen,
      admin,
      pools,
      routes,
      shutdownTimeoutMs: file.shutdownTimeoutMs ?? DEFAULTS.shutdownTimeoutMs,
      log,
      accessLog,
    },
  };
}

// A hashKey outside consistent-hash is harmless but suggests the author expected
// hashing; ip-hash, for one, always hashes the client address.
function warnUnusedHashKeys(file: FileLayer, pools: PoolConfig[], named: boolean, warnings: string[]): void {
  const ignored = (p: PoolConfig): string =>
    `${JSON.stringify(p.hashKey)} is ignored because pool "${p.name}" uses ${p.algorithm} (hashKey applies only to consistent-hash)`;
  const inheriting: PoolConfig[] = [];
  pools.forEach((p, i) => {
    if (p.hashKey === undefined) return;
    if (file.pools?.[i]?.hashKey === undefined) inheriting.push(p);
    else if (p.algorithm !== 'consistent-hash') warnings.push(`pools[${i}].hashKey: ${ignored(p)}`);
  });
  // A top-level default is fine as long as some pool that inherits it hashes.
  if (inheriting.length > 0 && !inheriting.some((p) => p.algorithm === 'consistent-hash')) {
    const p = inheriting[0]!;
    warnings.push(
      named
        ? `hashKey: ${JSON.stringify(p.hashKey)} is ignored because no pool that inherits it uses consistent-hash`
        : `hashKey: ${ignored(p)}`,
    );
  }
}

function resolveBackend(b: FileBackend): BackendConfig {
  return {
    id: b.id,
    url: b.url,
    weight: b.weight ?? DEFAULTS.backend.weight,
    maxConnections: b.maxConnections ?? DEFAULTS.backend.maxConnections,
    state: b.state ?? DEFAULTS.backend.state,
    backup: b.backup ?? DEFAULTS.backend.backup,
  };
}

function resolveRoutes(
  given: RouteConfig[] | undefined,
  pools: PoolConfig[],
  problems: ConfigProblem[],
  warnings: string[],
): RouteConfig[] {
  if (given === undefined || given.length === 0) {
    // One pool needs no routes: it serves everything.
    if (pools.length === 1) return [{ pathPrefix: '/', pool: pools[0]!.name }];
    problems.push({
      path: 'routes',
      message: `missing: with ${pools.length} pools (${pools.map((p) => p.name).join(', ')}) routes must say which host/pathPrefix goes to which pool`,
    });
    return [];
  }
  pools.forEach((p, i) => {
    if (!given.some((r) => r.pool === p.name)) {
      warnings.push(`pools[${i}]: pool "${p.name}" is not named by any route, so it gets no traffic`);
    }
  });
  return given.map((r) => ({ ...r }));
}

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || /^::ffff:127\./.test(h);
}
