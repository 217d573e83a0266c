// The sticky-session cookie: reading it from a Cookie header and writing
// the Set-Cookie that pins a client to a backend.
import type { StickyConfig } from '../config/types.js';

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
