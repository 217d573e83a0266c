// The `forwardAuth` middleware kind: every request is first asked about at an
// authentication service, as Traefik's ForwardAuth does.
//
//   forwardAuth:
//     address: http://127.0.0.1:9000/auth   # required; GET, no body
//     trustForwardHeader: false             # default: the client's X-Forwarded-* are replaced
//     authResponseHeaders: [X-User]         # copied from a 2xx answer onto the upstream request
//     authRequestHeaders: [Cookie, Authorization]   # default: every client header
//     timeout: 5s                           # default; unreachable or slower → 503
//     addAuthCookiesToResponse: [session]   # cookies of a 2xx answer added to the client's response
import * as f from '../../fields.js';
import { field, strict } from '../../schema-fields.js';
import { z } from 'zod';
import { PROXY_OWNED_HEADERS } from './headers.js';
import { defineMiddlewareKind } from './kind.js';

declare module './kind.js' {
  interface MiddlewareKinds {
    forwardAuth: ForwardAuthMiddleware;
  }
}

export interface ForwardAuthMiddlewareConfig {
  /** The authentication service's URL (http or https), asked with GET. */
  address: string;
  /** Keep the client's X-Forwarded-* (and append to its X-Forwarded-For) instead of replacing them. */
  trustForwardHeader: boolean;
  /** Headers of a 2xx answer set on the upstream request, as configured (client copies always removed). */
  authResponseHeaders: string[];
  /** Client headers sent to the service (lower case); undefined: all of them. */
  authRequestHeaders?: string[];
  timeoutMs: number;
  /** Names of cookies set by a 2xx answer that are passed on to the client's response. */
  addAuthCookiesToResponse: string[];
}

export interface ForwardAuthMiddleware {
  name: string;
  kind: 'forwardAuth';
  forwardAuth: ForwardAuthMiddlewareConfig;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const address: f.Validator<string> = (input) => {
  const fail = (why: string) => ({ ok: false as const, message: `${f.show(input)} ${why} (expected an http:// or https:// URL, e.g. http://127.0.0.1:9000/auth)` });
  if (typeof input !== 'string') return fail('is not a URL');
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return fail('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`has the scheme ${url.protocol.slice(0, -1)}`);
  if (url.username !== '' || url.password !== '') return fail('carries credentials, which fairway does not send');
  if (url.hash !== '') return fail('has a #fragment');
  return { ok: true, value: url.href };
};

/** A list of header names; `forbidden` says why a name cannot be in it. */
function headerNames(example: string, forbidden: (name: string) => string | undefined) {
  return z.unknown().transform((input, ctx): string[] => {
    if (!Array.isArray(input)) {
      ctx.addIssue({ code: 'custom', message: `${f.show(input)} is not a list of header names (expected e.g. ${example})` });
      return z.NEVER;
    }
    input.forEach((name: unknown, i) => {
      const problem =
        typeof name !== 'string' || !TOKEN.test(name)
          ? `${f.show(name)} is not a header name (expected an HTTP token, e.g. ${example.slice(1, -1).split(',')[0]})`
          : forbidden(name);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [i], message: problem });
    });
    return input as string[];
  });
}

const framing = (name: string): string | undefined => {
  const lower = name.toLowerCase();
  return (PROXY_OWNED_HEADERS as readonly string[]).includes(lower) || lower === 'host'
    ? `header ${name} cannot be copied: fairway writes Host and the connection and framing headers itself`
    : undefined;
};

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const cookieNames = z.unknown().transform((input, ctx): string[] => {
  if (!Array.isArray(input)) {
    ctx.addIssue({ code: 'custom', message: `${f.show(input)} is not a list of cookie names (expected e.g. [session])` });
    return z.NEVER;
  }
  input.forEach((name: unknown, i) => {
    if (typeof name !== 'string' || !COOKIE_NAME.test(name)) {
      ctx.addIssue({ code: 'custom', path: [i], message: `${f.show(name)} is not a cookie name (expected an HTTP token, e.g. session)` });
    }
  });
  return input as string[];
});

export const forwardAuthKind = defineMiddlewareKind({
  kind: 'forwardAuth',
  schema: strict(
    {
      address: field(address),
      trustForwardHeader: field(f.boolean).optional(),
      authResponseHeaders: headerNames('[X-User, X-Groups]', framing).optional(),
      authRequestHeaders: headerNames('[Cookie, Authorization]', framing).optional(),
      timeout: field(f.duration(1)).optional(),
      addAuthCookiesToResponse: cookieNames.optional(),
    },
    'forwardAuth',
  ).transform((a): ForwardAuthMiddlewareConfig => {
    const config: ForwardAuthMiddlewareConfig = {
      address: a.address,
      trustForwardHeader: a.trustForwardHeader ?? false,
      authResponseHeaders: a.authResponseHeaders ?? [],
      timeoutMs: a.timeout ?? 5000,
      addAuthCookiesToResponse: a.addAuthCookiesToResponse ?? [],
    };
    if (a.authRequestHeaders !== undefined) config.authRequestHeaders = a.authRequestHeaders.map((n) => n.toLowerCase());
    return config;
  }),
});
