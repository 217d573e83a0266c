// The request target a client sent, in the forms a gateway accepts (RFC 9112
// 3.2): origin-form ("/path?query") as is, absolute-form
// ("http://host:port/path?query") split into its authority, which replaces
// Host, and its origin-form path, which is routed and forwarded.

export type RequestTarget =
  | { ok: true; path: string; authority: string | undefined }
  | { ok: false; problem: string };

const SCHEME = /^https?:\/\//i;
/** host (reg-name, IPv4 or [IPv6]) with an optional port; no userinfo, which http URIs forbid. */
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]{0,5})?$/;

export function readRequestTarget(target: string): RequestTarget {
  // The everyday case, decided on the first character.
  if (target.charCodeAt(0) === 47 /* / */) return { ok: true, path: target, authority: undefined };
  if (target === '*') return { ok: false, problem: 'the asterisk-form "*" (server-wide OPTIONS) names no route' };
  const scheme = SCHEME.exec(target);
  if (scheme === null) {
    return { ok: false, problem: `"${shorten(target)}" is neither a path starting with / nor an http:// or https:// URL` };
  }
  const rest = target.slice(scheme[0].length);
  let end = rest.length;
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if (c === 47 /* / */ || c === 63 /* ? */) {
      end = i;
      break;
    }
  }
  const authority = rest.slice(0, end);
  if (!AUTHORITY.test(authority)) {
    return { ok: false, problem: `"${shorten(authority)}" in "${shorten(target)}" is not a host[:port]` };
  }
  const tail = rest.slice(end);
  // "http://host" and "http://host?q" mean the root path (RFC 9112 3.2.1).
  const path = tail === '' ? '/' : tail.charCodeAt(0) === 63 ? `/${tail}` : tail;
  return { ok: true, path, authority };
}

/** Bounds what an error answer echoes back. */
function shorten(text: string): string {
  return text.length <= 100 ? text : `${text.slice(0, 100)}...`;
}
