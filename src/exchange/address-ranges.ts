// A set of address ranges (CIDR) to test client addresses against, compiled
// once per config. IPv4-mapped IPv6 addresses (::ffff:192.0.2.7, what a
// dual-stack listener reports for an IPv4 client) are tested as the IPv4
// address they carry.
//
// Every request of a route with an IP rule, and every request behind
// trustedProxies, asks this, so a canonical dotted quad (what sockets report)
// is matched against the IPv4 ranges as 32-bit numbers: node's BlockList
// parses the string again on each check, about 2 µs. Everything else (IPv6,
// odd spellings from X-Forwarded-For) goes to the BlockList, which holds
// every range and so decides alone wherever the fast path does not.
import { BlockList, isIP } from 'node:net';
import type { CidrRange } from '../config/types.js';

export class AddressRanges {
  private readonly list = new BlockList();
  /** IPv4 ranges as network and mask pairs, unsigned. */
  private readonly v4: number[] = [];
  private readonly hasV6: boolean;

  constructor(ranges: readonly CidrRange[]) {
    for (const r of ranges) {
      this.list.addSubnet(r.address, r.prefix, r.family);
      if (r.family === 'ipv4') {
        const mask = r.prefix === 0 ? 0 : (0xffffffff << (32 - r.prefix)) >>> 0;
        this.v4.push((dottedQuad(r.address) & mask) >>> 0, mask);
      }
    }
    this.hasV6 = ranges.some((r) => r.family === 'ipv6');
  }

  /** Whether `address` (an IP without port or brackets) is in one of the ranges; false for anything else. */
  includes(address: string): boolean {
    const n = dottedQuad(address);
    if (n >= 0) {
      const v4 = this.v4;
      for (let i = 0; i < v4.length; i += 2) if (((n & v4[i + 1]!) >>> 0) === v4[i]) return true;
      // An IPv6 range may still hold it (::ffff:0:0/96 and wider).
      if (!this.hasV6) return false;
    }
    const version = isIP(address);
    if (version === 4) return this.list.check(address, 'ipv4');
    if (version !== 6) return false;
    const mapped = mappedIpv4(address);
    return mapped === undefined ? this.list.check(address, 'ipv6') : this.list.check(mapped, 'ipv4');
  }
}

/**
 * A canonical dotted quad (four decimal parts 0–255, no leading zeros) as an
 * unsigned 32-bit number; -1 for any other string, left to the slow path.
 */
export function dottedQuad(text: string): number {
  const length = text.length;
  if (length < 7 || length > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= length; i++) {
    const c = i === length ? 46 /* . */ : text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || parts === 4) return -1;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // a leading zero
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  return parts === 4 ? value : -1;
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:a.b.c.d), if it is one. */
export function mappedIpv4(address: string): string | undefined {
  if (address.length < 14 || address.charCodeAt(0) !== 58 /* : */) return undefined;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m === null ? undefined : m[1];
}
