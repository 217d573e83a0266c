// A set of address ranges (CIDR) to test client addresses against, compiled
// once per config into node's BlockList. IPv4-mapped IPv6 addresses
// (::ffff:192.0.2.7, what a dual-stack listener reports for an IPv4 client)
// are tested as the IPv4 address they carry.
import { BlockList, isIP } from 'node:net';
import type { CidrRange } from '../config/types.js';

export class AddressRanges {
  private readonly list = new BlockList();

  constructor(ranges: readonly CidrRange[]) {
    for (const r of ranges) this.list.addSubnet(r.address, r.prefix, r.family);
  }

  /** Whether `address` (an IP without port or brackets) is in one of the ranges; false for anything else. */
  includes(address: string): boolean {
    const version = isIP(address);
    if (version === 4) return this.list.check(address, 'ipv4');
    if (version !== 6) return false;
    const v4 = mappedIpv4(address);
    return v4 === undefined ? this.list.check(address, 'ipv6') : this.list.check(v4, 'ipv4');
  }
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d), if it is one. */
function mappedIpv4(address: string): string | undefined {
  if (address.length < 14 || address.charCodeAt(0) !== 58 /* : */) return undefined;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m === null ? undefined : m[1];
}
