// A listener's `limits:` block (`listen.limits`, `listeners[i].limits`): the
// settings of the `limits` middleware (middlewares/limits.ts) plus
// headerTimeout, applied to every request of the listener before routing.
// `listen.limits` is what every listener starts from; `listeners[i].limits`
// overrides it key by key. Unset keys keep today's behaviour (the HTTP/1.1
// parser's 8 KiB request line and 16 KiB head, listen.requestHeaderTimeout).
import * as f from '../fields.js';
import { field } from '../schema-fields.js';
import { limitsSchema, REQUEST_LIMIT_FIELDS, type RequestLimitsConfig } from './middlewares/limits.js';
import { defined } from '../schema-fields.js';

export interface ListenerLimitsConfig extends RequestLimitsConfig {
  /** Longest a client may take to send a whole request head; longer → 408. Unset: listen.requestHeaderTimeout. */
  headerTimeoutMs?: number;
}

export const listenerLimitsSchema = limitsSchema({ ...REQUEST_LIMIT_FIELDS, headerTimeout: field(f.duration(1)).optional() }, 'limits').transform(
  (l): ListenerLimitsConfig =>
    defined({
      maxUrlBytes: l.maxUrlBytes,
      maxHeaderBytes: l.maxHeaderBytes,
      maxBodyBytes: l.maxBodyBytes,
      bodyTimeoutMs: l.bodyTimeout,
      headerTimeoutMs: l.headerTimeout,
    }),
);

/** A listener's limits: `listen.limits` with its own over it, key by key. */
export function resolveListenerLimits(shared: ListenerLimitsConfig | undefined, own: ListenerLimitsConfig | undefined): ListenerLimitsConfig {
  return { ...shared, ...own };
}
