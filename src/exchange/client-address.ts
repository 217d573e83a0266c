// Who the client is when proxies stand in front of fairway: the TCP peer,
// unless the peer is a trusted proxy, in which case X-Forwarded-For is walked
// from the right (the hop nearest to us first), skipping trusted hops; the
// first untrusted address is the client (NGINX's realip with
// real_ip_recursive, Traefik's trustedIPs). An entry that is not an address
// stops the walk at the last good one. An untrusted peer's X-Forwarded-For is
// never read, so a client cannot choose its own address.
import { isIP } from 'node:net';
import type { CidrRange } from '../config/types.js';
import { AddressRanges } from './address-ranges.js';
import { equalsIgnoringCase } from '../http-syntax/field-syntax.js';

/** An X-Forwarded-For entry as a bare IP: brackets and a port are dropped; undefined when it is no address. */
function forwardedAddress(entry: string): string | undefined {
  const text = entry.trim();
  if (isIP(text) !== 0) return text;
  // "[2001:db8::1]:8080" or "[2001:db8::1]"
  if (text.charCodeAt(0) === 91 /* [ */) {
    const close = text.indexOf(']');
    const rest = text.slice(close + 1);
    const inside = text.slice(1, close);
    if (close > 0 && (rest === '' || /^:\d{1,5}$/.test(rest)) && isIP(inside) === 6) return inside;
    return undefined;
  }
  // "192.0.2.7:8080"
  const colon = text.indexOf(':');
  if (colon > 0 && text.indexOf(':', colon + 1) === -1 && /^\d{1,5}$/.test(text.slice(colon + 1))) {
    const host = text.slice(0, colon);
    if (isIP(host) === 4) return host;
  }
  return undefined;
}

/** The X-Forwarded-For fields of a raw head, joined in order into one list; undefined when there are none. */
function forwardedFor(rawHeaders: readonly string[]): string | undefined {
  let joined: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 15 && equalsIgnoringCase(name, 'x-forwarded-for')) {
      joined = joined === undefined ? rawHeaders[i + 1]! : `${joined},${rawHeaders[i + 1]!}`;
    }
  }
  return joined;
}

/** The trusted proxies of one config, compiled once; only built when the list is not empty. */
export class TrustedProxies {
  private readonly ranges: AddressRanges;

  constructor(ranges: readonly CidrRange[]) {
    this.ranges = new AddressRanges(ranges);
  }

  /** Whether the peer is one of the trusted proxies. */
  trusts(peer: string): boolean {
    return this.ranges.includes(peer);
  }

  /** The client address of a request from `peer` with this head. */
  clientOf(peer: string, rawHeaders: readonly string[]): string {
    if (!this.ranges.includes(peer)) return peer;
    const chain = forwardedFor(rawHeaders);
    if (chain === undefined) return peer;
    const hops = chain.split(',');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      // Empty list elements (",,") are allowed by the list syntax and say nothing.
      if (hop.trim() === '') continue;
      const address = forwardedAddress(hop);
      if (address === undefined) break;
      client = address;
      if (!this.ranges.includes(address)) break;
    }
    return client;
  }
}
