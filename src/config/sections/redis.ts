// `redis:` — the Redis server that fairway instances share state through
// (rate-limit buckets): where it is, and how long fairway waits on it.
import * as f from '../fields.js';
import { defined, field, strict } from '../schema-fields.js';
import { defineSection, lastOverride, overrideOf } from './section.js';

// This section's parts of the composed config types (section.ts).
declare module './section.js' {
  interface FairwayConfig {
    /** Absent when neither the file nor REDIS_URL names a server. */
    redis?: RedisConfig;
  }
  interface FileLayer {
    redis?: Partial<Omit<RedisConfig, keyof RedisTarget>> & { server?: RedisTarget };
  }
  interface OverrideLayer {
    redis: { server?: RedisTarget };
  }
}

/** What a Redis URL says. */
export interface RedisTarget {
  host: string;
  port: number;
  /** rediss:// — TLS, the server's certificate checked against the system's CAs. */
  tls: boolean;
  /** The database number from the path (0 when there is none). */
  db: number;
  /** For Redis 6 ACLs; without it AUTH sends the password alone. */
  username?: string;
  password?: string;
  /** The URL without its password, for logs, reload messages and the admin API. */
  address: string;
}

export interface RedisConfig extends RedisTarget {
  /** How long one command may wait for its reply; then it fails (a rate limit applies its onStoreError). */
  commandTimeoutMs: number;
  /** How long connecting (TCP, TLS, AUTH, SELECT) may take before the next try. */
  connectTimeoutMs: number;
}

export const REDIS_DEFAULTS = { commandTimeoutMs: 100, connectTimeoutMs: 1_000 } as const;
export const REDIS_DEFAULT_PORT = 6379;

const URL_HINT = 'expected redis://[user:password@]host:port[/db] or rediss:// for TLS, e.g. redis://127.0.0.1:6379';

/** A redis:// or rediss:// URL, read into its parts. */
export const redisUrl: f.Validator<RedisTarget> = (input) => {
  const fail = (why: string) => ({ ok: false as const, message: `${f.show(input)} ${why} (${URL_HINT})` });
  if (typeof input !== 'string' || input.trim() === '') return fail('is not a Redis URL');
  // host:port alone parses as a URL whose scheme is the host: say what to write instead.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(input.trim())) return fail(`has no scheme; write redis://${input.trim()}`);
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return fail('is not a Redis URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return fail(`has the scheme ${url.protocol.slice(0, -1)}, not redis or rediss`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return fail('names no host');
  const port = url.port === '' ? REDIS_DEFAULT_PORT : Number(url.port);
  if (port === 0) return fail('has port 0');
  const path = url.pathname.replace(/^\//, '');
  if (!/^\d{0,9}$/.test(path)) return fail(`has the path "${url.pathname}"; the path is the database number, e.g. /2`);
  if (url.search !== '' || url.hash !== '') return fail('has a query or fragment, which fairway does not read; put the database in the path, e.g. /2');
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (username !== '' && password === '') return fail(`names the user "${username}" without a password (write redis://${username}:PASSWORD@…)`);
  const tls = url.protocol === 'rediss:';
  const db = path === '' ? 0 : Number(path);
  const login = password === '' ? '' : `${username}:***@`;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    ok: true,
    value: {
      host,
      port,
      tls,
      db,
      ...defined({ username: username === '' ? undefined : username, password: password === '' ? undefined : password }),
      address: `${url.protocol}//${login}${shownHost}:${port}/${db}`,
    },
  };
};

const redisSchema = strict(
  {
    url: field(redisUrl).optional(),
    commandTimeout: field(f.duration(1)).optional(),
    connectTimeout: field(f.duration(1)).optional(),
  },
  'redis',
).transform((r) => defined({ server: r.url, commandTimeoutMs: r.commandTimeout, connectTimeoutMs: r.connectTimeout }));

export const redisSection = defineSection({
  fileShape: { redis: redisSchema.optional() },
  fromFile: (parsed) => defined({ redis: parsed.redis }),
  overrides: [
    // No flag: the URL may carry a password, which would show in `ps`.
    overrideOf({
      setting: 'redis.url',
      env: 'REDIS_URL',
      validate: redisUrl,
      store: (layer, v) => (layer.redis.server = v),
    }),
  ],
  key: 'redis',
  resolve: (ctx): RedisConfig | undefined => {
    const file = ctx.file.redis;
    const server = lastOverride(ctx.overrides, (o) => o.redis.server) ?? file?.server;
    if (server === undefined) {
      if (file !== undefined) {
        ctx.report({ path: 'redis.url', message: `missing (the redis section needs the server's URL, e.g. url: redis://127.0.0.1:6379, or REDIS_URL)` }, ['redis.url']);
      }
      return undefined;
    }
    return { ...server, ...REDIS_DEFAULTS, ...defined({ commandTimeoutMs: file?.commandTimeoutMs, connectTimeoutMs: file?.connectTimeoutMs }) };
  },
});
