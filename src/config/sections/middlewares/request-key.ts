// What a counting middleware (rateLimit, connLimit) counts requests by: the
// `key` and `ipv6Prefix` settings both kinds share.
//
//   key: ip                          # default: the client's address
//   key: "header:X-Api-Key"          # one request header's value
//   key: [ip, "header:X-Api-Key"]    # a combination: one bucket per pair
//   ipv6Prefix: 64                   # IPv6 clients are counted per /64 (default)
//
// The parts are `ip` (the real client behind trustedProxies; IPv4 by its whole
// address, IPv6 by its first ipv6Prefix bits), `host` (the Host, lower case),
// `path` (without the query) and `header:NAME`.
import { z } from 'zod';
import * as f from '../../fields.js';
import { closest } from '../../problems.js';
import { field } from '../../schema-fields.js';

export type RequestKeyPart = { kind: 'ip' } | { kind: 'host' } | { kind: 'path' } | { kind: 'header'; /** Lower case. */ name: string };

export interface RequestKeyConfig {
  /** In the order configured; a request's key joins their values. */
  parts: RequestKeyPart[];
  /** How many leading bits of an IPv6 client address count (IPv4 counts whole). */
  ipv6Prefix: number;
}

export const DEFAULT_IPV6_PREFIX = 64;

const PART_NAMES = ['ip', 'host', 'path', 'header:NAME'];
const KEY_HINT = `accepted: ${PART_NAMES.join(', ')}, or a list of them, e.g. [ip, "header:X-Api-Key"]`;
// RFC 9110 section 5.6.2: a field name is a token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function partOf(input: unknown): { part: RequestKeyPart; label: string } | { problem: string } {
  if (typeof input !== 'string') return { problem: `${f.show(input)} is not a request key (${KEY_HINT})` };
  const text = input.trim();
  const lower = text.toLowerCase();
  if (lower === 'ip' || lower === 'host' || lower === 'path') return { part: { kind: lower }, label: lower };
  if (lower.startsWith('header:')) {
    const name = text.slice('header:'.length).trim();
    if (!TOKEN.test(name)) {
      return { problem: `${JSON.stringify(input)} names no header (expected header:NAME with NAME an HTTP field name, e.g. "header:X-Api-Key")` };
    }
    return { part: { kind: 'header', name: name.toLowerCase() }, label: `header:${name.toLowerCase()}` };
  }
  const guess = closest(lower, ['ip', 'host', 'path']);
  const hint = guess === undefined ? '' : `did you mean "${guess}"? `;
  return { problem: `${JSON.stringify(input)} is not a request key (${hint}${KEY_HINT})` };
}

/** `key:` — one part or a non-empty list of distinct parts. */
export const requestKeySchema = z.unknown().transform((input, ctx): RequestKeyPart[] => {
  if (Array.isArray(input) && input.length === 0) {
    ctx.addIssue({ code: 'custom', message: `an empty list is not a request key (${KEY_HINT}; leave key out for ip)` });
    return z.NEVER;
  }
  const items: unknown[] = Array.isArray(input) ? input : [input];
  const parts: RequestKeyPart[] = [];
  const labels: string[] = [];
  items.forEach((item, i) => {
    const checked = partOf(item);
    const path = Array.isArray(input) ? [i] : [];
    if ('problem' in checked) ctx.addIssue({ code: 'custom', path, message: checked.problem });
    else if (labels.includes(checked.label)) ctx.addIssue({ code: 'custom', path, message: `${checked.label} is listed twice (header names are case-insensitive)` });
    else {
      parts.push(checked.part);
      labels.push(checked.label);
    }
  });
  return parts;
});

/** The two settings as a kind's schema lists them. */
export const requestKeyFields = {
  key: requestKeySchema.optional(),
  ipv6Prefix: field(f.integer(1, 128, 'IPv6 prefix length')).optional(),
};

/** The resolved key (default: ip, /64). */
export function requestKeyOf(settings: { key?: RequestKeyPart[] | undefined; ipv6Prefix?: number | undefined }): RequestKeyConfig {
  return { parts: settings.key ?? [{ kind: 'ip' }], ipv6Prefix: settings.ipv6Prefix ?? DEFAULT_IPV6_PREFIX };
}

/** The problem with ipv6Prefix set on a key without an ip part (it would change nothing), if so. */
export function ipv6PrefixProblem(settings: { key?: RequestKeyPart[] | undefined; ipv6Prefix?: number | undefined }): string | undefined {
  if (settings.ipv6Prefix === undefined || settings.key === undefined || settings.key.some((p) => p.kind === 'ip')) return undefined;
  return 'ipv6Prefix applies to the ip part of the key, and this key has none (add ip to key, or leave ipv6Prefix out)';
}
