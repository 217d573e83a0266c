// Layers built-in defaults < file < environment < flags into the resolved
// FairwayConfig, then checks what only the whole picture can tell (a pool
// without backends, an exposed admin listener without a token, ...).
import { DEFAULTS, DEFAULT_POOL_NAME } from './defaults.js';
import { formatDuration } from './duration.js';
import { readsInvalid } from './invalid-paths.js';
import type { OverrideLayer } from './overrides.js';
import { resolveHealthCheck } from './health-check-resolve.js';
import type { ConfigProblem } from './problems.js';
import { resolveResilience, type Report } from './resilience-resolve.js';
import type { FileBackend, FileLayer, FilePool } from './schema.js';
import type { BackendConfig, FairwayConfig, PoolConfig, RouteConfig } from './types.js';

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
  const warn = (warning: string, reads: readonly string[]): void => {
    if (!readsInvalid(reads, invalid)) warnings.push(warning);
  };
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
    report(
      {
        path: replacement.source,
        message: `backends from ${replacement.source} work only with a single pool, but the config file defines ${filePools.length} pools (${filePools.map((p) => p.name).join(', ')}); list the backends in the file's pools instead`,
      },
      ['pools'],
    );
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
      ...resolveResilience(file.poolDefaults, p, named ? where(i) : undefined, report),
    };
    const hc = pool.healthCheck;
    if (hc.enabled && hc.timeoutMs > hc.intervalMs) {
      warn(
        `${where(i)}: pool "${p.name}" health-check timeout (${formatDuration(hc.timeoutMs)}) is longer than its interval (${formatDuration(hc.intervalMs)})`,
        ['enabled', 'interval', 'timeout'].flatMap((k) => [`healthCheck.${k}`, ...(named ? [`pools[${i}].healthCheck.${k}`] : [])]),
      );
    }
    return pool;
  });
  warnUnusedHashKeys(file, pools, named, (w) => warn(w, ['algorithm', 'hashKey', 'pools']));

  const total = pools.reduce((n, p) => n + p.backends.length, 0);
  if (total === 0 && problems.length === 0) {
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

  const routes = resolveRoutes(file.routes, pools, (problem) => report(problem, ['routes', 'pools']), (w) => warn(w, ['routes', 'pools']));

  const listen = { ...DEFAULTS.listen, ...file.listen, ...overrides.reduce((a, o) => ({ ...a, ...o.listen }), {}) };
  const admin = { ...DEFAULTS.admin, ...file.admin, ...overrides.reduce((a, o) => ({ ...a, ...o.admin }), {}) };
  const log = { ...DEFAULTS.log, ...file.log, ...overrides.reduce((a, o) => ({ ...a, ...o.log }), {}) };
  const accessLog = { ...DEFAULTS.accessLog, ...file.accessLog };
  if (accessLog.enabled && accessLog.sample === 0) {
    warn('accessLog.sample: 0 logs no request although accessLog.enabled is true (expected a share above 0, e.g. 0.1)', ['accessLog']);
  }

  if (admin.enabled && admin.token === undefined && !isLoopback(admin.host)) {
    // Runtime control over the network must not be open to anyone who can reach it.
    report(
      {
        path: 'admin.token',
        message: `required because admin.host ${admin.host} is not a loopback address (set admin.token or ADMIN_TOKEN, or bind admin to 127.0.0.1); the admin listener refuses to bind without one`,
      },
      ['admin.enabled', 'admin.host', 'admin.token'],
    );
  }
  if (admin.enabled && admin.port !== 0 && admin.port === listen.port) {
    report(
      {
        path: 'admin.port',
        message: `${admin.port} is also the proxy's listen.port (expected a different port, or admin.enabled: false)`,
      },
      ['admin.enabled', 'admin.port', 'listen.port'],
    );
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
function warnUnusedHashKeys(file: FileLayer, pools: PoolConfig[], named: boolean, warn: (warning: string) => void): void {
  const ignored = (p: PoolConfig): string =>
    `${JSON.stringify(p.hashKey)} is ignored because pool "${p.name}" uses ${p.algorithm} (hashKey applies only to consistent-hash)`;
  const inheriting: PoolConfig[] = [];
  pools.forEach((p, i) => {
    if (p.hashKey === undefined) return;
    if (file.pools?.[i]?.hashKey === undefined) inheriting.push(p);
    else if (p.algorithm !== 'consistent-hash') warn(`pools[${i}].hashKey: ${ignored(p)}`);
  });
  // A top-level default is fine as long as some pool that inherits it hashes.
  if (inheriting.length > 0 && !inheriting.some((p) => p.algorithm === 'consistent-hash')) {
    const p = inheriting[0]!;
    warn(
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
  report: (problem: ConfigProblem) => void,
  warn: (warning: string) => void,
): RouteConfig[] {
  if (given === undefined || given.length === 0) {
    // One pool needs no routes: it serves everything.
    if (pools.length === 1) return [{ pathPrefix: '/', pool: pools[0]!.name }];
    report({
      path: 'routes',
      message: `missing: with ${pools.length} pools (${pools.map((p) => p.name).join(', ')}) routes must say which host/pathPrefix goes to which pool`,
    });
    return [];
  }
  pools.forEach((p, i) => {
    if (!given.some((r) => r.pool === p.name)) {
      warn(`pools[${i}]: pool "${p.name}" is not named by any route, so it gets no traffic`);
    }
  });
  return given.map((r) => ({ ...r }));
}

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || /^::ffff:127\./.test(h);
}
