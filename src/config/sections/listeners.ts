// `listeners:` — the named places one process accepts clients on, plain or
// TLS. Without it, `listen: { host, port }` (and HOST/PORT, --host/--port) is
// the shorthand for one plain listener named `web`; --tls-cert, --tls-key and
// --https-port add a TLS listener named `websecure` beside it. Resolved after
// `listen` (whose timeouts every listener shares) and checked against the
// routes that name listeners.
import { z } from 'zod';
import * as f from '../fields.js';
import { defined, field, strict } from '../schema-fields.js';
import { LISTEN_DEFAULTS } from './listen.js';
import {
  hstsSchema,
  listenerTlsSchema,
  resolveListenerTls,
  type FileListenerTls,
  type HstsConfig,
  type ListenerTlsConfig,
} from './listener-tls.js';
import { listenerHttp2Schema, resolveListenerHttp2, type FileListenerHttp2, type ListenerHttp2Config } from './listener-http2.js';
import { listenerLimitsSchema, resolveListenerLimits, type ListenerLimitsConfig } from './listener-limits.js';
import { middlewareChain } from './middlewares.js';
import { defineSection, lastOverride, overrideOf, type ResolveContext } from './section.js';

// This section's parts of the composed config types (section.ts).
declare module './section.js' {
  interface FairwayConfig {
    /** At least one; the first is the one `proxy` addresses name. */
    listeners: ListenerConfig[];
  }
  interface FileLayer {
    listeners?: FileListener[];
  }
  interface OverrideLayer {
    /** The quick-start TLS listener (--tls-cert, --tls-key, --https-port). */
    quickTls: QuickTlsLayer;
  }
}

export interface RedirectToHttpsConfig {
  /** Port in the Location; undefined: none (443). */
  port?: number;
}

export interface ListenerConfig {
  name: string;
  host: string;
  port: number;
  /** Where it was configured, for problems: `listeners[1]`, `listen` (the shorthand) or `--https-port`. */
  configPath: string;
  tls?: ListenerTlsConfig;
  /** A plain listener that answers every request with 308 to https://. */
  redirectToHttps?: RedirectToHttpsConfig;
  /** Strict-Transport-Security on every answer of a TLS listener. */
  hsts?: HstsConfig;
  http2: ListenerHttp2Config;
  /** Middleware names run on every route of this listener, before the route's own; [] for none. */
  middlewares: string[];
  /** Request limits on every request of this listener, before routing: listen.limits with its own over them; {} for none. */
  limits: ListenerLimitsConfig;
}

export interface FileListener {
  name: string;
  host?: string;
  port: number;
  tls?: FileListenerTls;
  redirectToHttps?: RedirectToHttpsConfig;
  hsts?: HstsConfig;
  http2?: FileListenerHttp2;
  middlewares?: string[];
  limits?: ListenerLimitsConfig;
}

interface QuickTlsLayer {
  cert?: { value: string; source: string };
  key?: { value: string; source: string };
  port?: { value: number; source: string };
}

/** The shorthand listener's name (listen:, --port), and the one HOST/PORT address. */
export const WEB_LISTENER = 'web';
/** The quick-start TLS listener's name. */
export const QUICK_TLS_LISTENER = 'websecure';
export const QUICK_TLS_DEFAULT_PORT = 8443;

const redirectToHttps: f.Validator<RedirectToHttpsConfig> = (input) => {
  if (input === true || input === 'true') return { ok: true, value: {} };
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const { port, ...rest } = input as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) return { ok: false, message: `unknown key ${unknown.map((k) => `"${k}"`).join(', ')} in redirectToHttps (accepted: port)` };
    if (port === undefined) return { ok: true, value: {} };
    const checked = f.port(port);
    if (!checked.ok || checked.value === 0) return { ok: false, message: `port: ${f.show(port)} is not a port for the Location (expected an integer from 1 to 65535)` };
    return { ok: true, value: { port: checked.value } };
  }
  return { ok: false, message: `${f.show(input)} is not a redirect (expected true or { port: 8443 })` };
};

const listenerSchema = strict(
  {
    name: field(f.name('listener name')),
    host: field(f.host).optional(),
    port: field(f.port),
    tls: listenerTlsSchema.optional(),
    redirectToHttps: field(redirectToHttps).optional(),
    hsts: hstsSchema.optional(),
    http2: listenerHttp2Schema.optional(),
    middlewares: middlewareChain.optional(),
    limits: listenerLimitsSchema.optional(),
  },
  'listener',
).transform(
  (l): FileListener => ({
    name: l.name,
    port: l.port,
    ...defined({ host: l.host, tls: l.tls, redirectToHttps: l.redirectToHttps, hsts: l.hsts, http2: l.http2, middlewares: l.middlewares, limits: l.limits }),
  }),
);

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks within and across the file's listeners that no single field can make. */
function checkFileListeners(raw: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const list = raw['listeners'];
  if (!Array.isArray(list)) return;
  const listen = raw['listen'];
  if (isObject(listen)) {
    if (listen['middlewares'] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['listen', 'middlewares'],
        message: 'with listeners, each listener lists its own middlewares (listeners[i].middlewares); remove listen.middlewares',
      });
    }
    for (const key of ['host', 'port'] as const) {
      if (listen[key] === undefined) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['listen', key],
        message: `with listeners, each listener says where it listens (listeners[i].${key}); remove listen.${key} (listen keeps the timeouts every listener shares)`,
      });
    }
  }
  const names: string[] = [];
  list.forEach((l: unknown, i) => {
    if (!isObject(l)) return;
    if (typeof l['name'] === 'string') {
      const first = names.indexOf(l['name']);
      if (first >= 0) ctx.addIssue({ code: 'custom', path: ['listeners', i, 'name'], message: `duplicate listener name "${l['name']}" (also listeners[${first}])` });
      names.push(l['name']);
    }
    const tls = l['tls'];
    if (tls !== undefined && l['redirectToHttps'] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['listeners', i, 'redirectToHttps'],
        message: 'a TLS listener is HTTPS already; redirectToHttps belongs on a plain listener',
      });
    }
    if (l['redirectToHttps'] !== undefined && l['middlewares'] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['listeners', i, 'middlewares'],
        message: 'a listener with redirectToHttps answers every request before routing, so its middlewares would never run; remove one of the two (a redirect middleware can do the redirect)',
      });
    }
    const http2 = l['http2'];
    if (tls !== undefined && isObject(http2) && http2['cleartext'] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['listeners', i, 'http2', 'cleartext'],
        message: 'cleartext is h2c on a plain listener; a TLS listener offers h2 through ALPN already (http2: false turns it off)',
      });
    }
    const plainOn = http2 === true || http2 === 'true' || (isObject(http2) && (http2['enabled'] === true || http2['enabled'] === 'true') && http2['cleartext'] === undefined);
    if (tls === undefined && plainOn) {
      ctx.addIssue({
        code: 'custom',
        path: ['listeners', i, 'http2'],
        message: 'a plain listener speaks HTTP/2 only as h2c with prior knowledge: say http2: { cleartext: true } (browsers use h2 over TLS only)',
      });
    }
    if (tls === undefined && l['hsts'] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['listeners', i, 'hsts'],
        message: 'HSTS is sent by TLS listeners only (browsers ignore it over plain HTTP); give this listener tls, or move hsts to the TLS one',
      });
    }
    if (!isObject(tls) || !Array.isArray(tls['certificates'])) return;
    const certNames: string[] = [];
    (tls['certificates'] as unknown[]).forEach((c, j) => {
      if (!isObject(c) || typeof c['name'] !== 'string') return;
      const first = certNames.indexOf(c['name']);
      if (first >= 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['listeners', i, 'tls', 'certificates', j, 'name'],
          message: `duplicate certificate name "${c['name']}" (also certificates[${first}])`,
        });
      }
      certNames.push(c['name']);
    });
    const wanted = tls['defaultCertificate'];
    if (typeof wanted === 'string' && !certNames.includes(wanted)) {
      ctx.addIssue({
        code: 'custom',
        path: ['listeners', i, 'tls', 'defaultCertificate'],
        message: `no certificate of this listener is named "${wanted}" (${certNames.length > 0 ? `named: ${certNames.join(', ')}` : 'give the one you mean a name: field'})`,
      });
    }
  });
}

function resolveListeners(ctx: ResolveContext): ListenerConfig[] {
  const listen = ctx.resolved.listen ?? LISTEN_DEFAULTS;
  const given = ctx.file.listeners;
  let listeners: ListenerConfig[];
  if (given === undefined) {
    listeners = [
      {
        name: WEB_LISTENER,
        host: listen.host,
        port: listen.port,
        configPath: 'listen',
        http2: resolveListenerHttp2(undefined, false),
        middlewares: [...(ctx.file.listenMiddlewares ?? [])],
        limits: resolveListenerLimits(listen.limits, undefined),
      },
    ];
  } else {
    listeners = given.map((l, i) => ({
      name: l.name,
      host: l.host ?? LISTEN_DEFAULTS.host,
      port: l.port,
      configPath: `listeners[${i}]`,
      http2: resolveListenerHttp2(l.http2, l.tls !== undefined),
      middlewares: [...(l.middlewares ?? [])],
      limits: resolveListenerLimits(listen.limits, l.limits),
      ...defined({ tls: l.tls && resolveListenerTls(l.tls), redirectToHttps: l.redirectToHttps, hsts: l.hsts }),
    }));
    // HOST/PORT and --host/--port address the listener named web, as in the shorthand.
    const host = lastOverride(ctx.overrides, (o) => o.listen.host);
    const port = lastOverride(ctx.overrides, (o) => o.listen.port);
    if (host !== undefined || port !== undefined) {
      const web = listeners.find((l) => l.name === WEB_LISTENER);
      if (web !== undefined) {
        if (host !== undefined) web.host = host;
        if (port !== undefined) web.port = port;
      } else {
        ctx.warn(`HOST/PORT (--host/--port) set the address of the listener named "${WEB_LISTENER}", and listeners has none; ignored`, ['listen.host', 'listen.port']);
      }
    }
  }
  const quick = {
    cert: lastOverride(ctx.overrides, (o) => o.quickTls.cert),
    key: lastOverride(ctx.overrides, (o) => o.quickTls.key),
    port: lastOverride(ctx.overrides, (o) => o.quickTls.port),
  };
  const reads = ['listeners', QUICK_SETTINGS.cert, QUICK_SETTINGS.key, QUICK_SETTINGS.port];
  if (quick.cert !== undefined || quick.key !== undefined || quick.port !== undefined) {
    if (quick.cert === undefined || quick.key === undefined) {
      const given = quick.cert ?? quick.key ?? quick.port!;
      ctx.report(
        {
          path: quick.cert === undefined ? '--tls-cert' : '--tls-key',
          message: `missing: ${given.source} adds the TLS listener "${QUICK_TLS_LISTENER}", which needs both --tls-cert FILE and --tls-key FILE (or TLS_CERT and TLS_KEY)`,
        },
        reads,
      );
    } else if (listeners.some((l) => l.name === QUICK_TLS_LISTENER)) {
      ctx.report(
        {
          path: quick.port?.source ?? quick.cert.source,
          message: `listeners already defines "${QUICK_TLS_LISTENER}"; set its certificate and port there instead of with --tls-cert, --tls-key and --https-port`,
        },
        reads,
      );
    } else {
      listeners.push({
        name: QUICK_TLS_LISTENER,
        host: listeners.find((l) => l.name === WEB_LISTENER)?.host ?? listen.host,
        port: quick.port?.value ?? QUICK_TLS_DEFAULT_PORT,
        configPath: quick.port?.source ?? quick.cert.source,
        tls: resolveListenerTls({ certificates: [{ cert: quick.cert.value, key: quick.key.value }] }),
        http2: resolveListenerHttp2(undefined, true),
        middlewares: [],
        limits: resolveListenerLimits(listen.limits, undefined),
      });
    }
  }
  return listeners;
}

const QUICK_SETTINGS = {
  cert: 'listeners.websecure.tls.cert',
  key: 'listeners.websecure.tls.key',
  port: 'listeners.websecure.port',
} as const;

/** The setting path of a listener's port, for problems. */
export function listenerPortPath(l: ListenerConfig): string {
  return l.configPath === 'listen' || l.configPath.startsWith('listeners[') ? `${l.configPath}.port` : l.configPath;
}

/** The setting path of a listener's certificate file, for problems: `listeners[1].tls.certificates[0].cert`, or the flag that gave it. */
export function certificateSettingPath(l: ListenerConfig, index: number, which: 'cert' | 'key'): string {
  if (!l.configPath.startsWith('listeners[')) return which === 'cert' ? '--tls-cert' : '--tls-key';
  return `${l.configPath}.tls.certificates[${index}].${which}`;
}

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::' || host === '[::]';

export const listenersSection = defineSection({
  fileShape: { listeners: z.array(listenerSchema).min(1, { error: 'expected at least one listener (or leave listeners out for the shorthand listen:)' }).optional() },
  fromFile: (parsed) => defined({ listeners: parsed.listeners }),
  checkFile: checkFileListeners,
  overrides: [
    overrideOf({
      setting: QUICK_SETTINGS.cert,
      env: 'TLS_CERT',
      flag: { key: 'tlsCert', name: '--tls-cert' },
      validate: f.filePath,
      store: (layer, v, source) => (layer.quickTls.cert = { value: v, source }),
    }),
    overrideOf({
      setting: QUICK_SETTINGS.key,
      env: 'TLS_KEY',
      flag: { key: 'tlsKey', name: '--tls-key' },
      validate: f.filePath,
      store: (layer, v, source) => (layer.quickTls.key = { value: v, source }),
    }),
    overrideOf({
      setting: QUICK_SETTINGS.port,
      env: 'HTTPS_PORT',
      flag: { key: 'httpsPort', name: '--https-port' },
      validate: f.port,
      store: (layer, v, source) => (layer.quickTls.port = { value: v, source }),
    }),
  ],
  key: 'listeners',
  resolve: resolveListeners,
  check: (config, report) => {
    const { listeners } = config;
    listeners.forEach((l, i) => {
      if (l.port === 0) return;
      const first = listeners.findIndex((o, j) => j < i && o.port === l.port && (o.host === l.host || isWildcard(o.host) || isWildcard(l.host)));
      if (first >= 0) {
        report(
          { path: listenerPortPath(l), message: `${l.port} is also the port of listener "${listeners[first]!.name}" (expected a port of its own)` },
          ['listeners', 'listen.host', 'listen.port', QUICK_SETTINGS.port],
        );
      }
    });
    const names = listeners.map((l) => l.name);
    config.routes.forEach((r, i) => {
      r.listeners?.forEach((name, j) => {
        if (names.includes(name)) return;
        report(
          { path: `routes[${i}].listeners[${j}]`, message: `listener "${name}" is not defined (defined listeners: ${names.join(', ')})` },
          ['routes', 'listeners', QUICK_SETTINGS.port, QUICK_SETTINGS.cert, QUICK_SETTINGS.key],
        );
      });
    });
  },
});
