// One backend of a pool: its type, defaults, file schema (an object or a bare
// URL), the unique-id check, and the URL lists of BACKEND_SERVERS and --backend.
import { z } from 'zod';
import * as f from '../../fields.js';
import { formatPath, type ConfigProblem } from '../../problems.js';
import { defined, field, strict } from '../../schema-fields.js';

/** Administrative state: draining takes no new requests but lets in-flight ones finish. */
export type BackendState = 'enabled' | 'draining' | 'disabled';
export const BACKEND_STATES: readonly BackendState[] = ['enabled', 'draining', 'disabled'];

export interface BackendConfig {
  id: string;
  /** Origin only, e.g. `http://127.0.0.1:9001` or `https://api.internal` (no trailing slash). */
  url: string;
  /** 0 = no new requests. */
  weight: number;
  /** Cap on concurrent requests (and upstream connections) to this backend. */
  maxConnections: number;
  backup: boolean;
  /** Administrative state at start-up; default enabled. */
  state: BackendState;
}

export const BACKEND_DEFAULTS = { weight: 1, maxConnections: 256, backup: false, state: 'enabled' as BackendState };

/** What the file (or env, or flags) says about a backend. */
export interface FileBackend {
  id: string;
  url: string;
  weight?: number;
  maxConnections?: number;
  backup?: boolean;
  state?: BackendState;
}

/** A backend address: http or https with a host, nothing after the origin; returns the origin. */
export const backendUrl: f.Validator<string> = (input) => {
  const fail = (message: string): f.Check<never> => ({ ok: false, message });
  const expected = `${f.show(input)} is not an http(s) URL (expected http://host:port or https://host:port)`;
  if (typeof input !== 'string') return fail(expected);
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return fail(expected);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return fail(expected);
  const scheme = url.protocol.slice(0, -1);
  if (url.username !== '' || url.password !== '') {
    return fail(`${f.show(input)} contains credentials (expected ${scheme}://host:port without user:password@)`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    // The proxy forwards the client's path unchanged, so a backend path would be ignored.
    return fail(`${f.show(input)} has a path, query or fragment (expected only ${scheme}://host:port; request paths are forwarded unchanged)`);
  }
  return { ok: true, value: url.origin };
};

/** The `host:port` of an origin, used as a backend's default id. */
export function hostPort(origin: string): string {
  const url = new URL(origin);
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

export const backendState = f.oneOf(BACKEND_STATES, 'backend state');

const backendObject = strict(
  {
    id: field(f.name('backend id')).optional(),
    url: field(backendUrl).optional(),
    host: field(f.host).optional(),
    port: field(f.port).optional(),
    weight: field(f.integer(0, 1000, 'weight')).optional(),
    maxConnections: field(f.integer(1, 100_000, 'connection limit')).optional(),
    backup: field(f.boolean).optional(),
    state: field(backendState).optional(),
  },
  'backend',
)
  .superRefine((b, ctx) => {
    if (b.url !== undefined && (b.host !== undefined || b.port !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either url or host and port, not both', path: ['url'] });
    } else if (b.url === undefined && b.host === undefined && b.port === undefined) {
      ctx.addIssue({ code: 'custom', message: 'missing url (expected url: http://host:port or https://host:port, or host and port)' });
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
      const built = backendUrl(`http://${bracketed}:${b.port}`);
      url = built.ok ? built.value : `http://${bracketed}:${b.port}`;
    }
    const { weight, maxConnections, backup, state } = b;
    return {
      ...defined({ weight, maxConnections, backup, state }),
      id: b.id ?? hostPort(url),
      // Kept until the id check has run, so a duplicate names the url it came from.
      idFromUrl: b.id === undefined,
      url,
    };
  });

/** A backend is an object or just its URL string. */
export const backendSchema = z.preprocess((v) => (typeof v === 'string' ? { url: v } : v), backendObject);

/** Drops the id-check marker once the checks have run. */
export function stripIds(list: (FileBackend & { idFromUrl?: boolean })[] | undefined): FileBackend[] {
  return (list ?? []).map(({ idFromUrl: _drop, ...b }) => b);
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

export function resolveBackend(b: FileBackend): BackendConfig {
  return {
    id: b.id,
    url: b.url,
    weight: b.weight ?? BACKEND_DEFAULTS.weight,
    maxConnections: b.maxConnections ?? BACKEND_DEFAULTS.maxConnections,
    state: b.state ?? BACKEND_DEFAULTS.state,
    backup: b.backup ?? BACKEND_DEFAULTS.backup,
  };
}

/** URLs separated by commas (env) or repeated flags (each may hold a comma list too). */
export function backendUrlList(value: unknown, source: string): { value?: FileBackend[]; problems: ConfigProblem[] } {
  const items = (Array.isArray(value) ? value : [value])
    .flatMap((item) => String(item).split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const problems: ConfigProblem[] = [];
  const list: FileBackend[] = [];
  for (const item of items) {
    const result = backendUrl(item);
    if (!result.ok) {
      problems.push({ path: source, message: result.message });
      continue;
    }
    const id = hostPort(result.value);
    if (list.some((b) => b.id === id)) {
      problems.push({ path: source, message: `backend ${id} is listed twice` });
      continue;
    }
    list.push({ id, url: result.value });
  }
  return { ...(list.length > 0 ? { value: list } : {}), problems };
}
