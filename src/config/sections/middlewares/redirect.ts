// The `redirect` middleware kind: answers with a redirect instead of
// forwarding, for HTTP→HTTPS, a canonical host, or moved paths.
//
//   to-https:  { redirect: { scheme: https, permanent: true } }
//   canonical: { redirect: { host: example.com } }
//   moved:     { redirect: { regex: '^/old/(.*)', replacement: '/new/$1' } }
//
// The Location is the request's own URL (scheme, host, port, path and query)
// with the configured parts replaced; `regex` is matched against the path and
// query, and a request it does not match goes on. A Location equal to the
// request's own URL is no redirect (the request goes on), so a redirect never
// loops on itself. Status: `status` when given, else permanent → 301 (308 for
// methods other than GET and HEAD, which must keep their method and body),
// temporary → 302 (307), as Traefik does.
import * as f from '../../fields.js';
import { defined, field, strict } from '../../schema-fields.js';
import { defineMiddlewareKind } from './kind.js';

// This kind's entry in the union of middleware definitions (kind.ts).
declare module './kind.js' {
  interface MiddlewareKinds {
    redirect: RedirectMiddleware;
  }
}

export const REDIRECT_STATUSES = [301, 302, 303, 307, 308] as const;
export type RedirectStatus = (typeof REDIRECT_STATUSES)[number];

export interface RedirectMiddlewareConfig {
  /** The Location's scheme; undefined: the request's. */
  scheme?: 'http' | 'https';
  /** The Location's host name; undefined: the request's. */
  host?: string;
  /** The Location's port; undefined: the request's when the scheme stays, else the scheme's default. */
  port?: number;
  /** Matched against the path and query (a JavaScript regular expression's source); with `replacement`. */
  regex?: string;
  /** What the matched path becomes: $1, $<name> and $& refer to the match; a path, or a whole http(s) URL. */
  replacement?: string;
  permanent: boolean;
  /** Overrides what `permanent` picks. */
  status?: RedirectStatus;
}

export interface RedirectMiddleware {
  name: string;
  kind: 'redirect';
  redirect: RedirectMiddlewareConfig;
}

const scheme = f.oneOf(['http', 'https'] as const, 'scheme');

// A host name or an IP literal in brackets: what a Location's authority may carry.
const redirectHost: f.Validator<string> = (input) => {
  const text = typeof input === 'string' ? input.trim().toLowerCase().replace(/\.$/, '') : '';
  if (!/^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])$/.test(text)) {
    return { ok: false, message: `${f.show(input)} is not a host name (expected e.g. example.com or [2001:db8::1], without scheme, port or path)` };
  }
  return { ok: true, value: text };
};

const redirectPort: f.Validator<number> = (input) => {
  const checked = f.port(input);
  if (!checked.ok || checked.value === 0) return { ok: false, message: `${f.show(input)} is not a port for the Location (expected an integer from 1 to 65535)` };
  return checked;
};

const status: f.Validator<RedirectStatus> = (input) => {
  const n = f.asNumber(input);
  if (n !== undefined && (REDIRECT_STATUSES as readonly number[]).includes(n)) return { ok: true, value: n as RedirectStatus };
  return { ok: false, message: `${f.show(input)} is not a redirect status (expected one of ${REDIRECT_STATUSES.join(', ')})` };
};

/** The engine's reason alone ("Unterminated group"), without the pattern it repeats. */
function regexProblem(err: unknown): string {
  const message = (err as Error).message;
  return message.slice(message.lastIndexOf(': ') + 2);
}

const regex: f.Validator<string> = (input) => {
  if (typeof input !== 'string' || input === '') {
    return { ok: false, message: `${f.show(input)} is not a regular expression (expected text, e.g. '^/old/(.*)')` };
  }
  try {
    new RegExp(input);
  } catch (err) {
    return { ok: false, message: `${JSON.stringify(input)} is not a valid regular expression: ${regexProblem(err)} (expected a JavaScript regular expression, e.g. '^/old/(.*)')` };
  }
  return { ok: true, value: input };
};

const replacement: f.Validator<string> = (input) => {
  if (typeof input !== 'string') return { ok: false, message: `${f.show(input)} is not a replacement (expected text, e.g. '/new/$1')` };
  if ([...input].some((ch) => ch <= ' ' || ch === '\x7f')) {
    return { ok: false, message: `${JSON.stringify(input)} contains a space or control character, which a Location cannot carry (percent-encode it, e.g. %20)` };
  }
  return { ok: true, value: input };
};

export const redirectKind = defineMiddlewareKind({
  kind: 'redirect',
  schema: strict(
    {
      scheme: field(scheme).optional(),
      host: field(redirectHost).optional(),
      port: field(redirectPort).optional(),
      regex: field(regex).optional(),
      replacement: field(replacement).optional(),
      permanent: field(f.boolean).optional(),
      status: field(status).optional(),
    },
    'redirect',
  ).transform((r, ctx): RedirectMiddlewareConfig => {
    if (r.regex !== undefined && r.replacement === undefined) {
      ctx.addIssue({ code: 'custom', path: ['replacement'], message: "missing: a regex needs a replacement (what the matched path becomes, e.g. '/new/$1')" });
    }
    if (r.replacement !== undefined && r.regex === undefined) {
      ctx.addIssue({ code: 'custom', path: ['regex'], message: "missing: a replacement needs a regex (what it replaces, e.g. '^/old/(.*)')" });
    }
    if (r.scheme === undefined && r.host === undefined && r.port === undefined && r.regex === undefined && r.replacement === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: "says nowhere to redirect to (give at least one of scheme, host, port, or regex with replacement; e.g. { scheme: https } or { regex: '^/old/(.*)', replacement: '/new/$1' })",
      });
    }
    return {
      ...defined({ scheme: r.scheme, host: r.host, port: r.port, regex: r.regex, replacement: r.replacement, status: r.status }),
      permanent: r.permanent ?? false,
    };
  }),
});
