// What rateLimit and connLimit count a request under: its `key` parts
// (config/sections/middlewares/request-key.ts) read from the exchange and
// joined into one string. An IPv6 client counts by its first ipv6Prefix bits
// (one /64 is usually one customer, who can pick any of its addresses), an
// IPv4 client (an IPv4-mapped IPv6 one too) by its whole address.
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { RequestKeyConfig, RequestKeyPart } from '../config/types.js';
import { dottedQuad, mappedIpv4 } from '../exchange/address-ranges.js';
import type { Exchange } from '../exchange/exchange.js';

/** Longer keys (a big header value) are kept as a digest, so a bucket's key stays small. */
const MAX_KEY_LENGTH = 200;

/** The eight 16-bit groups of an IPv6 address (zone already removed), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        if (!isIPv4(piece)) return undefined;
        const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(piece)) return undefined;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/**
 * The client address as a key: IPv4 whole, IPv6 as its /prefix network
 * (`2001:db8:0:1:0:0:0:0/64`). Anything else (not an address) is kept as it is.
 */
export function addressKey(address: string, ipv6Prefix: number): string {
  // What sockets mostly report: a plain IPv4 address, its own key.
  if (dottedQuad(address) >= 0) return address;
  const mapped = mappedIpv4(address);
  if (mapped !== undefined) return mapped;
  const bare = address.includes('%') ? address.slice(0, address.indexOf('%')) : address;
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare);
  if (groups === undefined) return address;
  for (let i = 0; i < 8; i++) {
    const keep = Math.max(0, Math.min(16, ipv6Prefix - i * 16));
    groups[i] = keep === 0 ? 0 : groups[i]! & ((0xffff << (16 - keep)) & 0xffff);
  }
  return `${groups.map((g) => g.toString(16)).join(':')}/${ipv6Prefix}`;
}

function partValue(part: RequestKeyPart, ex: Exchange, ipv6Prefix: number): string {
  switch (part.kind) {
    case 'ip':
      return addressKey(ex.clientAddress, ipv6Prefix);
    case 'host':
      return ex.host.toLowerCase();
    case 'path': {
      const path = ex.path;
      const query = path.indexOf('?');
      return query === -1 ? path : path.slice(0, query);
    }
    case 'header':
      return ex.header(part.name);
  }
}

/** Reads a request's key; built once per routing snapshot for one middleware. */
export class RequestKey {
  private readonly parts: readonly RequestKeyPart[];
  private readonly ipv6Prefix: number;

  constructor(config: RequestKeyConfig) {
    this.parts = config.parts;
    this.ipv6Prefix = config.ipv6Prefix;
  }

  of(ex: Exchange): string {
    const parts = this.parts;
    // A newline cannot occur in an address, a host, a path or a header value, so joined parts cannot collide.
    let key = partValue(parts[0]!, ex, this.ipv6Prefix);
    for (let i = 1; i < parts.length; i++) key += '\n' + partValue(parts[i]!, ex, this.ipv6Prefix);
    return key.length > MAX_KEY_LENGTH ? `sha256:${createHash('sha256').update(key).digest('base64url')}` : key;
  }
}
