// Every middleware kind, in one list that the `middlewares:` section reads.
//
// Adding a kind, e.g. `rateLimit:`: write middlewares/rate-limit.ts (headers.ts
// is the example): its resolved definition `{ name, kind: 'rateLimit',
// rateLimit: {...} }` added to MiddlewareKinds in a `declare module './kind.js'`
// block, and the schema of its settings through defineMiddlewareKind; then list
// it below. The order here is the order of "accepted kinds" in messages.
import { basicAuthKind } from './basic-auth.js';
import { forwardAuthKind } from './forward-auth.js';
import { compressKind } from './compress.js';
import { headersKind } from './headers.js';
import { ipAllowListKind } from './ip-allow-list.js';
import { ipDenyListKind } from './ip-deny-list.js';
import { redirectKind } from './redirect.js';
import { limitsKind } from './limits.js';
import { rateLimitKind } from './rate-limit.js';
import { connLimitKind } from './conn-limit.js';
import type { AnyMiddlewareKind, MiddlewareKindName, MiddlewareKinds } from './kind.js';

export const MIDDLEWARE_KINDS = [headersKind, ipAllowListKind, ipDenyListKind, redirectKind, basicAuthKind, forwardAuthKind, compressKind, limitsKind, rateLimitKind, connLimitKind] as const satisfies readonly AnyMiddlewareKind[];

/** The file keys that name a kind, in registry order. */
export const MIDDLEWARE_KIND_NAMES: readonly MiddlewareKindName[] = MIDDLEWARE_KINDS.map((k) => k.kind);

// Fails to compile when a kind in MiddlewareKinds is not listed above, or when
// its definition does not keep its settings under its own name.
type Unlisted = Exclude<MiddlewareKindName, (typeof MIDDLEWARE_KINDS)[number]['kind']>;
const everyKindListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyKindListed;
type Misshapen = {
  [K in MiddlewareKindName]: MiddlewareKinds[K] extends { name: string; kind: K } & { [P in K]: unknown } ? never : K;
}[MiddlewareKindName];
const everyKindShaped: [Misshapen] extends [never] ? true : Misshapen = true;
void everyKindShaped;
