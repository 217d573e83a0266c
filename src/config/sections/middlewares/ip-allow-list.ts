// The `ipAllowList` middleware kind (Traefik's name): only clients whose
// address is in one of the ranges get through; the others are answered 403.
//
//   office: { ipAllowList: { sourceRange: [192.168.0.0/16, "2001:db8::/32", 203.0.113.7] } }
//
// The address is the real client's (trustedProxies), not a proxy's.
import { cidrList, type CidrRange } from '../../cidr.js';
import { strict } from '../../schema-fields.js';
import { defineMiddlewareKind } from './kind.js';

// This kind's entry in the union of middleware definitions (kind.ts).
declare module './kind.js' {
  interface MiddlewareKinds {
    ipAllowList: IpAllowListMiddleware;
  }
}

/** The ranges an IP list matches client addresses against. */
export interface IpRangesConfig {
  sourceRange: CidrRange[];
}

export interface IpAllowListMiddleware {
  name: string;
  kind: 'ipAllowList';
  ipAllowList: IpRangesConfig;
}

/** `{ sourceRange: [CIDR, ...] }`, at least one; `what` names the kind in messages. */
export function ipRangesSchema(what: string) {
  return strict({ sourceRange: cidrList(`${what}.sourceRange`, true) }, what);
}

export const ipAllowListKind = defineMiddlewareKind({ kind: 'ipAllowList', schema: ipRangesSchema('ipAllowList') });
