// Sticky sessions by cookie. The cookie names the backend by an opaque hash
// of pool and backend id, so it reveals no address and stays valid across
// restarts and reloads as long as the backend keeps its id.
import { createHash } from 'node:crypto';
import type { StickyConfig } from '../config/types.js';

export function stickyValue(pool: string, backendId: string): string {
  return createHash('sha256').update(pool).update('\0').update(backendId).digest('base64url').slice(0, 16);
}

/** The value of cookie `name` in a Cookie header, if present. */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join('; ') : header;
  let from = 0;
  while (from < text.length) {
    const at = text.indexOf(name, from);
    if (at === -1) return undefined;
    const before = at === 0 ? ';' : text[at - 1];
    const after = at + name.length;
    if ((before === ';' || before === ' ') && text[after] === '=') {
      const end = text.indexOf(';', after);
      return text.slice(after + 1, end === -1 ? undefined : end).trim();
    }
    from = at + name.length;
  }
  return undefined;
}

export function setCookieHeader(config: StickyConfig, value: string): string {
  let cookie = `${config.cookie}=${value}; Path=/`;
  if (config.ttlMs > 0) cookie += `; Max-Age=${Math.floor(config.ttlMs / 1000)}`;
  if (config.httpOnly) cookie += '; HttpOnly';
  if (config.secure) cookie += '; Secure';
  cookie += `; SameSite=${config.sameSite}`;
  return cookie;
}
