// The `connLimit` middleware kind: at most `amount` requests of one key in
// flight at once (NGINX's limit_conn, Traefik's inFlightReq); one more is
// answered `status` at once. A request counts from admission until its
// exchange ends — answered, failed, or the client gone; a tunnel (WebSocket)
// counts while it is open.
//
//   connLimit:
//     amount: 20        # required
//     key: ip           # default; or host, path, "header:NAME", or a list of them
//     ipv6Prefix: 64    # default: IPv6 clients are counted per /64
//     status: 429       # default; or 503
import * as f from '../../fields.js';
import { field, strict } from '../../schema-fields.js';
import { defineMiddlewareKind } from './kind.js';
import { ipv6PrefixProblem, requestKeyFields, requestKeyOf, type RequestKeyConfig } from './request-key.js';

// This kind's entry in the union of middleware definitions (kind.ts).
declare module './kind.js' {
  interface MiddlewareKinds {
    connLimit: ConnLimitMiddleware;
  }
}

export const CONN_LIMIT_STATUSES = [429, 503] as const;

export interface ConnLimitMiddlewareConfig {
  amount: number;
  key: RequestKeyConfig;
  status: (typeof CONN_LIMIT_STATUSES)[number];
}

export interface ConnLimitMiddleware {
  name: string;
  kind: 'connLimit';
  connLimit: ConnLimitMiddlewareConfig;
}

const status: f.Validator<ConnLimitMiddlewareConfig['status']> = (input) => {
  const n = f.asNumber(input);
  if (n !== 429 && n !== 503) return { ok: false, message: `${f.show(input)} is not a connLimit status (accepted: 429, 503)` };
  return { ok: true, value: n };
};

export const connLimitKind = defineMiddlewareKind({
  kind: 'connLimit',
  schema: strict(
    {
      amount: field(f.integer(1, 1_000_000, 'amount (requests in flight per key)')),
      ...requestKeyFields,
      status: field(status).optional(),
    },
    'connLimit',
  ).transform((c, ctx): ConnLimitMiddlewareConfig => {
    const ipv6 = ipv6PrefixProblem(c);
    if (ipv6 !== undefined) ctx.addIssue({ code: 'custom', path: ['ipv6Prefix'], message: ipv6 });
    return { amount: c.amount, key: requestKeyOf(c), status: c.status ?? 429 };
  }),
});
