// The config file format (docs/configuration.md) as zod schemas. Parsing turns a
// file into a FileLayer: only what the file says, durations already in ms,
// names normalised. Defaults and overrides are layered on later (resolve.ts).
import { z } from 'zod';
import * as f from './fields.js';
import * as hf from './health-check-fields.js';
import { formatPath, issuePaths, problemsFromIssues, type ConfigProblem } from './problems.js';
import { resilienceSettings, resilienceShape, type ResilienceSettings } from './resilience-schema.js';
import { defined, field, strict } from './schema-fields.js';
import type {
  AccessLogConfig,
  AdminConfig,
  AlgorithmName,
  BackendState,
  HealthCheckConfig,
  ListenConfig,
  LogConfig,
  RouteConfig,
  UpstreamTimeouts,
} from './types.js';

export interface FileBackend {
  id: string;
  url: string;
  weight?: number;
  maxConnections?: number;
  backup?: boolean;
  state?: BackendState;
}

/** Settings that a pool inherits unless it sets them itself. */
export interface PoolSettings extends ResilienceSettings {
  algorithm?: AlgorithmName;
  hashKey?: string;
  healthCheck: Partial<HealthCheckConfig>;
  timeouts: Partial<UpstreamTimeouts>;
}

export interface FilePool extends PoolSettings {
  name: string;
  backends: FileBackend[];
}

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

const backendObject = strict(
  {
    id: field(f.name('backend id')).optional(),
    url: field(f.backendUrl).optional(),
    host: field(f.host).optional(),
    port: field(f.port).optional(),
    weight: field(f.integer(0, 1000, 'weight')).optional(),
    maxConnections: field(f.integer(1, 100_000, 'connection limit')).optional(),
    backup: field(f.boolean).optional(),
    state: field(f.backendState).optional(),
  },
  'backend',
)
  .superRefine((b, ctx) => {
    if (b.url !== undefined && (b.host !== undefined || b.port !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either url or host and port, not both', path: ['url'] });
    } else if (b.url === undefined && b.host === undefined && b.port === undefined) {
      ctx.addIssue({ code: 'custom', message: 'missing url (expected url: http://host:port, or host and port)' });
    } else if (b.url === undefined && b.host === undefined) {
      ctx.addIssue({ code: 'custom', message: 'missing (a backend with a port needs a host)', path: ['host'] });
    } else if (b.url === undefined && b.port === undefined) {
      ctx.addIssue({ code: 'custom', message: 'missing (a backend with a host needs a port)', path: ['port'] });
    }
  })
  .transform((b): FileBackend & { idFromUrl: boolean } => {
    let url = b.url;
    if (url === undefined) {
      const bracketed = b.host!.includes(':') && !b.host!.startsWith('[') ? `[${b.host}]` : b.host;
      const built = f.backendUrl(`http://${bracketed}:${b.port}`);
      url = built.ok ? built.value : `http://${bracketed}:${b.port}`;
    }
    const { weight, maxConnections, backup, state } = b;
    return {
      ...defined({ weight, maxConnections, backup, state }),
      id: b.id ?? f.hostPort(url),
      idFromUrl: b.id === undefined,
      url,
    };
  });

// A backend is an object or just its URL string.
const backend = z.preprocess((v) => (typeof v === 'string' ? { url: v } : v), backendObject);

const healthCheck = strict(
  {
    enabled: field(f.boolean).optional(),
    method: field(hf.healthCheckMethod).optional(),
    path: field(f.urlPath).optional(),
    headers: field(hf.healthCheckHeaders).optional(),
    expectBody: field(hf.expectBody).optional(),
    interval: field(f.duration()).optional(),
    timeout: field(f.duration()).optional(),
    healthyThreshold: field(f.integer(1, 100, 'threshold')).optional(),
    unhealthyThreshold: field(f.integer(1, 100, 'threshold')).optional(),
    expectedStatus: field(f.statusRange).optional(),
    initialState: field(f.initialState).optional(),
  },
  'healthCheck',
).transform(
  (h): Partial<HealthCheckConfig> =>
    defined({
      enabled: h.enabled,
      method: h.method,
      path: h.path,
      headers: h.headers,
      expectBody: h.expectBody,
      intervalMs: h.interval,
      timeoutMs: h.timeout,
      healthyThreshold: h.healthyThreshold,
      unhealthyThreshold: h.unhealthyThreshold,
      expectedStatus: h.expectedStatus,
      initialState: h.initialState,
    }),
);

const timeouts = strict(
  {
    connect: field(f.duration()).optional(),
    response: field(f.duration()).optional(),
    idle: field(f.duration()).optional(),
  },
  'timeouts',
).transform(
  (t): Partial<UpstreamTimeouts> => defined({ connectMs: t.connect, responseMs: t.response, idleMs: t.idle }),
);

const algorithm = field(f.algorithm).optional();
const hashKey = field(f.hashKey).optional();

const pool = strict(
  {
    name: field(f.name('pool name')),
    algorithm,
    hashKey,
    backends: z.array(backend).optional(),
    healthCheck: healthCheck.optional(),
    timeouts: timeouts.optional(),
    ...resilienceShape,
  },
  'pool',
).transform(
  (p): FilePool => ({
    name: p.name,
    ...defined({ algorithm: p.algorithm, hashKey: p.hashKey }),
    backends: p.backends ?? [],
    healthCheck: p.healthCheck ?? {},
    timeouts: p.timeouts ?? {},
    ...resilienceSettings(p),
  }),
);

const route = strict(
  {
    host: field(f.routeHost).optional(),
    pathPrefix: field(f.urlPath).optional(),
    pool: field(f.name('pool name')),
  },
  'route',
).transform((r): RouteConfig => ({ ...defined({ host: r.host }), pathPrefix: r.pathPrefix ?? '/', pool: r.pool }));

const listen = strict(
  {
    host: field(f.host).optional(),
    port: field(f.port).optional(),
    requestHeaderTimeout: field(f.duration()).optional(),
    keepAliveTimeout: field(f.duration()).optional(),
  },
  'listen',
).transform(
  (l): Partial<ListenConfig> =>
    defined({
      host: l.host,
      port: l.port,
      requestHeaderTimeoutMs: l.requestHeaderTimeout,
      keepAliveTimeoutMs: l.keepAliveTimeout,
    }),
);

const admin = strict(
  {
    enabled: field(f.boolean).optional(),
    host: field(f.host).optional(),
    port: field(f.port).optional(),
    token: field(f.secret).optional(),
    protectReads: field(f.boolean).optional(),
  },
  'admin',
).transform((a): Partial<AdminConfig> => defined(a));

const log = strict(
  { level: field(f.logLevel).optional(), format: field(f.logFormat).optional() },
  'log',
).transform((l): Partial<LogConfig> => defined(l));

const accessLog = strict(
  {
    enabled: field(f.boolean).optional(),
    format: field(f.accessLogFormat).optional(),
    sample: field(f.sampleRate).optional(),
    path: field(f.filePath).optional(),
  },
  'accessLog',
).transform((a): Partial<AccessLogConfig> => defined(a));

const configObject = strict(
  {
    listen: listen.optional(),
    admin: admin.optional(),
    pools: z.array(pool).optional(),
    routes: z.array(route).optional(),
    shutdownTimeout: field(f.duration(0)).optional(),
    log: log.optional(),
    accessLog: accessLog.optional(),
    backends: z.array(backend).optional(),
    algorithm,
    hashKey,
    healthCheck: healthCheck.optional(),
    timeouts: timeouts.optional(),
    ...resilienceShape,
  },
  'the config file',
);

/** Cross-entry checks (names, ids, references) that no single field can make. */
function checkReferences(value: unknown, ctx: z.RefinementCtx): void {
  // Runs even when fields failed, so values may be partial: read defensively.
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const v = value as { pools?: unknown; backends?: unknown; routes?: unknown };
  const pools = Array.isArray(v.pools) ? (v.pools as Record<string, unknown>[]) : undefined;
  if (pools !== undefined && v.backends !== undefined) {
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
  if (pools === undefined) checkBackendIds(v.backends, ['backends'], ctx);
  // A pool whose name is invalid may be the one a route means: no guessing then.
  const allNamed = pools === undefined || pools.every((p) => typeof p?.name === 'string');
  if (Array.isArray(v.routes) && allNamed) {
    const known = pools === undefined ? ['default'] : names;
    (v.routes as Record<string, unknown>[]).forEach((r, i) => {
      if (typeof r?.pool === 'string' && !known.includes(r.pool)) {
        const list = known.length > 0 ? known.join(', ') : 'none';
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'pool'],
          message: `pool "${r.pool}" is not defined (defined pools: ${list})`,
        });
      }
    });
  }
}

/** Backend ids must be unique within a pool; they name backends in logs and the admin API. */
export function checkBackendIds(list: unknown, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (!Array.isArray(list)) return;
  const seen = new Map<string, number>();
  list.forEach((b: { id?: unknown; idFromUrl?: unknown } | null, i) => {
    if (typeof b?.id !== 'string') return;
    const first = seen.get(b.id);
    if (first === undefined) {
      seen.set(b.id, i);
      return;
    }
    const where = formatPath([...path, first]);
    ctx.addIssue(
      b.idFromUrl === true
        ? {
            code: 'custom',
            path: [...path, i, 'url'],
            message: `duplicate backend id "${b.id}" taken from the url (also ${where}); give each backend a unique id`,
          }
        : { code: 'custom', path: [...path, i, 'id'], message: `duplicate backend id "${b.id}" (also ${where})` },
    );
  });
}

const configFile = configObject.superRefine(checkReferences, { when: () => true });

// A bare JSON array is a list of backends: [{ "id", "host", "port" }, ...].
const backendList = z
  .array(backend)
  .superRefine((list, ctx) => checkBackendIds(list, [], ctx), { when: () => true });

function stripIds(list: (FileBackend & { idFromUrl?: boolean })[] | undefined): FileBackend[] {
  return (list ?? []).map(({ idFromUrl: _drop, ...b }) => b);
}

/** On failure, `at` holds the key path of each problem (for salvage.ts). */
export type ParsedFile = { ok: true; layer: FileLayer } | { ok: false; problems: ConfigProblem[]; at: (string | number)[][] };

/** Validates parsed YAML/JSON data and turns it into a FileLayer. */
export function parseConfigData(data: unknown): ParsedFile {
  const empty: PoolSettings = { healthCheck: {}, timeouts: {} };
  if (data === null || data === undefined) {
    // An empty file is a valid (if minimal) config: everything else comes from env/flags.
    return { ok: true, layer: { listen: {}, admin: {}, log: {}, poolDefaults: empty, backends: [] } };
  }
  if (Array.isArray(data)) {
    const parsed = backendList.safeParse(data, { reportInput: true });
    if (!parsed.success) return { ok: false, problems: problemsFromIssues(parsed.error.issues), at: issuePaths(parsed.error.issues) };
    return { ok: true, layer: { listen: {}, admin: {}, log: {}, poolDefaults: empty, backends: stripIds(parsed.data) } };
  }
  if (typeof data !== 'object') {
    return {
      ok: false,
      problems: [
        {
          path: '(top level)',
          message: `expected a config object or a JSON array of backends, got ${f.show(data)}`,
        },
      ],
      at: [[]],
    };
  }
  const parsed = configFile.safeParse(data, { reportInput: true });
  if (!parsed.success) return { ok: false, problems: problemsFromIssues(parsed.error.issues), at: issuePaths(parsed.error.issues) };
  const c = parsed.data;
  return {
    ok: true,
    layer: {
      listen: c.listen ?? {},
      admin: c.admin ?? {},
      log: c.log ?? {},
      ...defined({ shutdownTimeoutMs: c.shutdownTimeout, accessLog: c.accessLog }),
      poolDefaults: {
        ...defined({ algorithm: c.algorithm, hashKey: c.hashKey }),
        healthCheck: c.healthCheck ?? {},
        timeouts: c.timeouts ?? {},
        ...resilienceSettings(c),
      },
      ...defined({
        pools: c.pools?.map((p) => ({ ...p, backends: stripIds(p.backends) })),
        routes: c.routes,
      }),
      backends: stripIds(c.backends),
    },
  };
}
