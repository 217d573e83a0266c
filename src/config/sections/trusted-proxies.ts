// `trustedProxies:` — the peers whose X-Forwarded-For is believed when telling
// who the client is (the address ip-hash, the IP lists and the access log
// use). Empty, the default, trusts nobody: the TCP peer is the client.
import { cidrList, type CidrRange } from '../cidr.js';
import { defineSection } from './section.js';

// This section's parts of the composed config types (section.ts).
declare module './section.js' {
  interface FairwayConfig {
    /** Ranges of proxies in front of fairway; [] trusts nobody. */
    trustedProxies: CidrRange[];
  }
  interface FileLayer {
    trustedProxies?: CidrRange[];
  }
}

export const trustedProxiesSection = defineSection({
  fileShape: { trustedProxies: cidrList('trustedProxies', false).optional() },
  fromFile: (parsed) => (parsed.trustedProxies === undefined ? {} : { trustedProxies: parsed.trustedProxies }),
  key: 'trustedProxies',
  resolve: (ctx) => (ctx.file.trustedProxies ?? []).map((r) => ({ ...r })),
});
