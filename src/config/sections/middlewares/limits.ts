// The `limits` middleware kind: bounds on one request, per route, as NGINX's
// client_max_body_size, large_client_header_buffers and client_body_timeout.
//
//   limits:
//     maxUrlBytes: 4KiB       # request target (path and query) longer → 414
//     maxHeaderBytes: 16KiB   # header field names + values summed, larger → 431
//     maxBodyBytes: 1MiB      # Content-Length larger → 413 at once; a streamed body is cut past it
//     bodyTimeout: 30s        # longest gap between two chunks of the body → 408
//
// Every setting is optional; at least one is given. A listener's `limits`
// (listener-limits.ts) takes the same settings plus headerTimeout, through
// the same schema builder below.
import { z } from 'zod';
import * as f from '../../fields.js';
import { defined, field, strict } from '../../schema-fields.js';
import { defineMiddlewareKind } from './kind.js';

// This kind's entry in the union of middleware definitions (kind.ts).
declare module './kind.js' {
  interface MiddlewareKinds {
    limits: LimitsMiddleware;
  }
}

/** Bounds on one request; an unset one is not enforced here. */
export interface RequestLimitsConfig {
  /** Longest request target (path and query, as routed); longer → 414. */
  maxUrlBytes?: number;
  /** Largest sum of the header fields' name and value bytes; larger → 431. */
  maxHeaderBytes?: number;
  /** Largest request body; a larger Content-Length → 413 before any backend, a streamed body is cut past it. */
  maxBodyBytes?: number;
  /** Longest gap between two chunks of the request body; longer → 408. */
  bodyTimeoutMs?: number;
}

export interface LimitsMiddleware {
  name: string;
  kind: 'limits';
  limits: RequestLimitsConfig;
}

/** Bounds of the config itself: the head is buffered whole, so its limits stay well below memory. */
export const MAX_HEAD_LIMIT_BYTES = 1024 * 1024;

/** A size of at least one byte up to `max`: zero would refuse every request, which is not a limit. */
function positiveSize(max: number, key: string): f.Validator<number> {
  const size = f.byteSize(max);
  return (input) => {
    const checked = size(input);
    if (checked.ok && checked.value === 0) return { ok: false, message: `0 is too small (expected at least 1 byte; leave ${key} out for no limit)` };
    return checked;
  };
}

/** The settings both the middleware and a listener take, by file key. */
export const REQUEST_LIMIT_FIELDS = {
  maxUrlBytes: field(positiveSize(MAX_HEAD_LIMIT_BYTES, 'maxUrlBytes')).optional(),
  maxHeaderBytes: field(positiveSize(MAX_HEAD_LIMIT_BYTES, 'maxHeaderBytes')).optional(),
  maxBodyBytes: field(positiveSize(Number.MAX_SAFE_INTEGER, 'maxBodyBytes')).optional(),
  bodyTimeout: field(f.duration(1)).optional(),
};

/**
 * The schema of a limits block with `shape`'s keys (`what` names it in
 * messages): an object of those keys, at least one of them given.
 */
export function limitsSchema<S extends z.core.$ZodLooseShape>(shape: S, what: string) {
  const keys = Object.keys(shape);
  return z
    .unknown()
    .superRefine((input, ctx) => {
      const empty = input === null || (typeof input === 'object' && !Array.isArray(input) && Object.keys(input).length === 0);
      if (empty) ctx.addIssue({ code: 'custom', message: `empty: ${what} sets at least one of ${keys.join(', ')}` });
      else if (typeof input !== 'object' || Array.isArray(input)) {
        ctx.addIssue({ code: 'custom', message: `${f.show(input)} is not a limits block (expected an object with some of ${keys.join(', ')}, e.g. { maxBodyBytes: 1MiB })` });
      }
    })
    .pipe(strict(shape, what));
}

const fileSchema = limitsSchema(REQUEST_LIMIT_FIELDS, 'limits');

export const limitsKind = defineMiddlewareKind({
  kind: 'limits',
  schema: fileSchema.transform(
    (l): RequestLimitsConfig =>
      defined({ maxUrlBytes: l.maxUrlBytes, maxHeaderBytes: l.maxHeaderBytes, maxBodyBytes: l.maxBodyBytes, bodyTimeoutMs: l.bodyTimeout }),
  ),
});
