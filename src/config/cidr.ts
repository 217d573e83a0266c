// Address ranges in CIDR notation (10.0.0.0/8, 2001:db8::/32) or single
// addresses (a bare IP is /32 or /128), as trustedProxies and the IP lists
// take them. IPv4-mapped IPv6 ranges (::ffff:10.0.0.0/104) are kept as the
// IPv4 range they stand for, so they match the IPv4 peers they mean.
import { isIP } from 'node:net';
import { z } from 'zod';
import { show, type Validator } from './fields.js';

/** One range: its first address as written, its prefix length and its family. */
export interface CidrRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

const EXAMPLES = 'expected a CIDR range like 10.0.0.0/8 or 2001:db8::/32, or a single address like 192.0.2.7 or ::1';

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export const cidrRange: Validator<CidrRange> = (input) => {
  if (typeof input !== 'string') return { ok: false, message: `${show(input)} is not an address range (${EXAMPLES})` };
  const text = input.trim();
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = address.includes('%') ? 0 : isIP(address);
  if (version === 0) {
    const why = address.includes('%') ? ' (a zone index such as %eth0 is not accepted)' : '';
    const what = slash === -1 ? show(input) : `${show(input)}: ${show(address)}`;
    return { ok: false, message: `${what} is not an IPv4 or IPv6 address${why} (${EXAMPLES})` };
  }
  const max = version === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const bits = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) {
      return { ok: false, message: `${show(input)}: prefix length ${show(bits)} is not an integer from 0 to ${max} for IPv${version} (${EXAMPLES})` };
    }
    prefix = Number(bits);
  }
  const mapped = version === 6 ? MAPPED_V4.exec(address) : null;
  if (mapped !== null && prefix >= 96) return { ok: true, value: { address: mapped[1]!, prefix: prefix - 96, family: 'ipv4' } };
  return { ok: true, value: { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' } };
};

/** A list of ranges, each problem at its index; `minOne` refuses an empty list (`what` names the setting). */
export function cidrList(what: string, minOne: boolean) {
  return z.unknown().transform((input, ctx): CidrRange[] => {
    if (input === undefined) {
      ctx.addIssue({ code: 'custom', message: 'missing (required; expected a list of address ranges, e.g. [192.168.0.0/16, "2001:db8::/32"])' });
      return z.NEVER;
    }
    if (!Array.isArray(input)) {
      ctx.addIssue({ code: 'custom', message: `${show(input)} is not a list of address ranges (expected e.g. [10.0.0.0/8, 192.0.2.7, "2001:db8::/32"])` });
      return z.NEVER;
    }
    if (minOne && input.length === 0) {
      ctx.addIssue({ code: 'custom', message: `empty: ${what} needs at least one address range (e.g. [192.168.0.0/16]); an empty list would match nobody` });
      return z.NEVER;
    }
    const ranges: CidrRange[] = [];
    input.forEach((item: unknown, i) => {
      const checked = cidrRange(item);
      if (checked.ok) ranges.push(checked.value);
      else ctx.addIssue({ code: 'custom', path: [i], message: checked.message });
    });
    return ranges;
  });
}
