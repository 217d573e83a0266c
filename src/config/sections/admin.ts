// `admin:` — the admin listener (API, metrics, dashboard) and its token.
import * as f from '../fields.js';
import { defined, field, strict } from '../schema-fields.js';
import { defineSection, layered, overrideOf } from './section.js';

// This section's parts of the composed config types (section.ts).
declare module './section.js' {
  interface FairwayConfig {
    admin: AdminConfig;
  }
  interface FileLayer {
    admin: Partial<AdminConfig>;
  }
  interface OverrideLayer {
    admin: Partial<AdminConfig>;
  }
}

export interface AdminConfig {
  enabled: boolean;
  host: string;
  port: number;
  /** Bearer token for /api/* (and every endpoint with protectReads). */
  token?: string;
  /** Also require the token for /metrics, /lb/stats and the rest (the dashboard page and its assets stay open: they hold no data). */
  protectReads?: boolean;
}

export const ADMIN_DEFAULTS: AdminConfig = { enabled: true, host: '127.0.0.1', port: 8090 };

/** An admin token; empty (e.g. `${ADMIN_TOKEN:-}`) means no token. */
export const secret: f.Validator<string | undefined> = (input) => {
  if (input === null || input === '') return { ok: true, value: undefined };
  if (typeof input === 'number') {
    // A number here would silently lose leading zeros; make the author quote it.
    return { ok: false, message: `a token must be a string (quote it, e.g. token: "${String(input)}")` };
  }
  if (typeof input !== 'string') return { ok: false, message: `${f.show(input)} is not a token (expected a string)` };
  return { ok: true, value: input };
};

const adminSchema = strict(
  {
    enabled: field(f.boolean).optional(),
    host: field(f.host).optional(),
    port: field(f.port).optional(),
    token: field(secret).optional(),
    protectReads: field(f.boolean).optional(),
  },
  'admin',
).transform((a): Partial<AdminConfig> => defined(a));

export const adminSection = defineSection({
  fileShape: { admin: adminSchema.optional() },
  fromFile: (parsed) => ({ admin: parsed.admin ?? {} }),
  overrides: [
    overrideOf({
      setting: 'admin.host',
      env: 'ADMIN_HOST',
      flag: { key: 'adminHost', name: '--admin-host' },
      validate: f.host,
      store: (layer, v) => (layer.admin.host = v),
    }),
    overrideOf({
      setting: 'admin.port',
      env: 'ADMIN_PORT',
      flag: { key: 'adminPort', name: '--admin-port' },
      validate: f.port,
      store: (layer, v) => (layer.admin.port = v),
    }),
    // No flag: a token on the command line would show in `ps`.
    overrideOf({
      setting: 'admin.token',
      env: 'ADMIN_TOKEN',
      validate: secret,
      store: (layer, v) => {
        if (v !== undefined) layer.admin.token = v;
      },
    }),
  ],
  key: 'admin',
  resolve: (ctx) => layered(ADMIN_DEFAULTS, ctx.file.admin, ctx.overrides.map((o) => o.admin)),
  check: ({ admin, listeners }, report) => {
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
    const clash = admin.enabled && admin.port !== 0 ? listeners.find((l) => l.port === admin.port) : undefined;
    if (clash !== undefined) {
      const whose = clash.configPath === 'listen' ? "the proxy's listen.port" : `the port of listener "${clash.name}"`;
      report(
        {
          path: 'admin.port',
          message: `${admin.port} is also ${whose} (expected a different port, or admin.enabled: false)`,
        },
        ['admin.enabled', 'admin.port', 'listen.port', 'listeners'],
      );
    }
  },
});

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || /^::ffff:127\./.test(h);
}
