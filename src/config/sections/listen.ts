// `listen:` — where the proxy accepts clients, and how long it waits on them.
import * as f from '../fields.js';
import { defined, field, strict } from '../schema-fields.js';
import { listenerLimitsSchema, type ListenerLimitsConfig } from './listener-limits.js';
import { middlewareChain } from './middlewares.js';
import { defineSection, layered, overrideOf } from './section.js';

// This section's parts of the composed config types (section.ts).
declare module './section.js' {
  interface FairwayConfig {
    listen: ListenConfig;
  }
  interface FileLayer {
    listen: Partial<ListenConfig>;
    /** `listen.middlewares`: the chain the shorthand listener runs before every route's own (listeners.ts reads it). */
    listenMiddlewares?: string[];
  }
  interface OverrideLayer {
    listen: Partial<ListenConfig>;
  }
}

export interface ListenConfig {
  host: string;
  port: number;
  /** Longest a client may take to send the complete request header. */
  requestHeaderTimeoutMs: number;
  /** How long an idle client keep-alive connection is kept open. */
  keepAliveTimeoutMs: number;
  /**
   * A client's FIN before its answer cancels the request (NGINX's default)
   * instead of being a half-close that still gets the answer (HAProxy's).
   */
  abortOnClientClose: boolean;
  /** Request limits every listener starts from (listener-limits.ts); {} for none. */
  limits: ListenerLimitsConfig;
}

export const LISTEN_DEFAULTS: ListenConfig = {
  host: '0.0.0.0',
  port: 8080,
  requestHeaderTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  abortOnClientClose: false,
  limits: {},
};

const listenSchema = strict(
  {
    host: field(f.host).optional(),
    port: field(f.port).optional(),
    requestHeaderTimeout: field(f.duration()).optional(),
    keepAliveTimeout: field(f.duration()).optional(),
    abortOnClientClose: field(f.boolean).optional(),
    middlewares: middlewareChain.optional(),
    limits: listenerLimitsSchema.optional(),
  },
  'listen',
)
  .superRefine((l, ctx) => {
    if (l.requestHeaderTimeout !== undefined && l.limits?.headerTimeoutMs !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['limits', 'headerTimeout'],
        message: 'listen.requestHeaderTimeout sets the same timeout; keep one of the two',
      });
    }
  })
  .transform(
  (l): Partial<ListenConfig> & { middlewares?: string[] } =>
    defined({
      middlewares: l.middlewares,
      host: l.host,
      port: l.port,
      requestHeaderTimeoutMs: l.requestHeaderTimeout,
      keepAliveTimeoutMs: l.keepAliveTimeout,
      abortOnClientClose: l.abortOnClientClose,
      limits: l.limits,
    }),
  );

export const listenSection = defineSection({
  fileShape: { listen: listenSchema.optional() },
  fromFile: (parsed) => {
    const { middlewares, ...listen } = parsed.listen ?? {};
    return middlewares === undefined ? { listen } : { listen, listenMiddlewares: middlewares };
  },
  overrides: [
    overrideOf({
      setting: 'listen.host',
      env: 'HOST',
      flag: { key: 'host', name: '--host' },
      validate: f.host,
      store: (layer, v) => (layer.listen.host = v),
    }),
    overrideOf({
      setting: 'listen.port',
      env: 'PORT',
      flag: { key: 'port', name: '--port' },
      validate: f.port,
      store: (layer, v) => (layer.listen.port = v),
    }),
  ],
  key: 'listen',
  resolve: (ctx) => layered(LISTEN_DEFAULTS, ctx.file.listen, ctx.overrides.map((o) => o.listen)),
});
