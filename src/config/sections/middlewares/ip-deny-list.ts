// The `ipDenyList` middleware kind (Traefik's name): clients whose address is
// in one of the ranges are answered 403; everyone else gets through.
//
//   blocked: { ipDenyList: { sourceRange: [198.51.100.0/24, "2001:db8:bad::/48"] } }
//
// The address is the real client's (trustedProxies), not a proxy's.
import { defineMiddlewareKind } from './kind.js';
import { ipRangesSchema, type IpRangesConfig } from './ip-allow-list.js';

// This kind's entry in the union of middleware definitions (kind.ts).
declare module './kind.js' {
  interface MiddlewareKinds {
    ipDenyList: IpDenyListMiddleware;
  }
}

export interface IpDenyListMiddleware {
  name: string;
  kind: 'ipDenyList';
  ipDenyList: IpRangesConfig;
}

export const ipDenyListKind = defineMiddlewareKind({ kind: 'ipDenyList', schema: ipRangesSchema('ipDenyList') });
