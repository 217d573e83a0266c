// The `headers` middleware kind: headers set or removed on the request sent to
// the backend and on the response sent to the client.
//
//   headers:
//     request:  { set: { X-Env: prod }, remove: [X-Debug] }
//     response: { set: { X-Frame-Options: DENY }, remove: [Server] }
//
// `set` replaces every value the header had (names match case-insensitively);
// `remove` drops every value. Names keep their configured spelling for sending.
import { z } from 'zod';
import { show } from '../../fields.js';
import { strict } from '../../schema-fields.js';
import { defineMiddlewareKind } from './kind.js';

// This kind's entry in the union of middleware definitions (kind.ts).
declare module './kind.js' {
  interface MiddlewareKinds {
    headers: HeadersMiddleware;
  }
}

/** A header to set: sent as `name`, matched against existing ones as `lower`. */
export interface HeaderToSet {
  name: string;
  lower: string;
  value: string;
}

/** What a headers middleware does to one message: sets, then removals (lower-case names). */
export interface HeaderChanges {
  set: HeaderToSet[];
  remove: string[];
}

export interface HeadersMiddlewareConfig {
  /** Changes to the request sent to the backend. */
  request: HeaderChanges;
  /** Changes to the response sent to the client. */
  response: HeaderChanges;
}

export interface HeadersMiddleware {
  name: string;
  kind: 'headers';
  headers: HeadersMiddlewareConfig;
}

/** Connection and framing headers: fairway writes these itself, on both sides. */
export const PROXY_OWNED_HEADERS = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'te',
  'trailer',
  'upgrade',
  'proxy-connection',
] as const;

type Side = 'request' | 'response';

// RFC 9110 section 5.6.2: a field name is a token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 section 5.5: visible characters, obs-text, spaces and tabs (what node:http sends).
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

const isMap = (input: unknown): input is Record<string, unknown> =>
  input !== null && typeof input === 'object' && !Array.isArray(input);

function nameProblem(name: string, side: Side, action: 'set' | 'removed'): string | undefined {
  if (!TOKEN.test(name)) {
    return `${JSON.stringify(name)} is not a header name (expected an HTTP token: letters, digits and ! # $ % & ' * + - . ^ _ \` | ~, without spaces or colons)`;
  }
  const lower = name.toLowerCase();
  if ((PROXY_OWNED_HEADERS as readonly string[]).includes(lower)) {
    return `header ${name} cannot be ${action} by a middleware: fairway writes the connection and framing headers itself (${PROXY_OWNED_HEADERS.join(', ')})`;
  }
  if (side === 'request' && lower === 'host' && action === 'removed') {
    return 'header Host cannot be removed from requests: HTTP/1.1 requires it (set it to another value instead)';
  }
  return undefined;
}

function describeChar(char: string): string {
  if (char === '\r') return 'a carriage return (CR)';
  if (char === '\n') return 'a line feed (LF)';
  if (char === '\0') return 'a NUL character';
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return char < ' ' || char === '\x7f' ? `the control character ${code}` : `${JSON.stringify(char)} (${code}), which is outside Latin-1`;
}

/** The value as it will be sent, or the problem with it. YAML numbers and booleans count as text. */
function headerValue(name: string, raw: unknown): { value: string } | { problem: string } {
  const scalar = (typeof raw === 'number' && Number.isFinite(raw)) || typeof raw === 'boolean';
  const text = typeof raw === 'string' ? raw : scalar ? String(raw) : undefined;
  if (text === undefined) {
    const hint = raw === null ? '; to drop the header, list it under remove' : '';
    return { problem: `header ${name}: ${show(raw)} is not a header value (expected text${hint})` };
  }
  const bad = BAD_VALUE_CHAR.exec(text);
  if (bad !== null) {
    return {
      problem: `header ${name}: ${JSON.stringify(text)} contains ${describeChar(bad[0])} (accepted: visible characters, spaces and tabs)`,
    };
  }
  if (name.toLowerCase() === 'host' && text.trim() === '') {
    return { problem: 'header Host is empty (expected a host name, e.g. api.internal or api.internal:8080)' };
  }
  return { value: text };
}

/** `set: { NAME: VALUE }`; each problem is reported at its header's path. */
function setSchema(side: Side) {
  return z.unknown().transform((input, ctx): HeaderToSet[] => {
    if (!isMap(input)) {
      ctx.addIssue({ code: 'custom', message: `${show(input)} is not a header map (expected name: value pairs, e.g. { X-Env: prod })` });
      return z.NEVER;
    }
    const set: HeaderToSet[] = [];
    for (const [name, raw] of Object.entries(input)) {
      const lower = name.toLowerCase();
      const earlier = set.find((h) => h.lower === lower);
      const value = headerValue(name, raw);
      const problem =
        nameProblem(name, side, 'set') ??
        (earlier !== undefined ? `header ${name} is set twice (also as ${earlier.name}; header names are case-insensitive)` : undefined) ??
        ('problem' in value ? value.problem : undefined);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: problem });
      else if ('value' in value) set.push({ name, lower, value: value.value });
    }
    return set;
  });
}

/** `remove: [NAME, ...]`, as configured (lower-cased by the side). */
function removeSchema(side: Side) {
  return z.unknown().transform((input, ctx): string[] => {
    if (!Array.isArray(input)) {
      ctx.addIssue({ code: 'custom', message: `${show(input)} is not a list of header names (expected e.g. [Server, X-Powered-By])` });
      return z.NEVER;
    }
    input.forEach((name: unknown, i) => {
      const problem =
        typeof name === 'string' ? nameProblem(name, side, 'removed') : `${show(name)} is not a header name (expected text, e.g. Server)`;
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [i], message: problem });
    });
    return input as string[];
  });
}

function sideSchema(side: Side) {
  return strict({ set: setSchema(side).optional(), remove: removeSchema(side).optional() }, `headers.${side}`).transform(
    (s, ctx): HeaderChanges => {
      const set = s.set ?? [];
      const remove: string[] = [];
      (s.remove ?? []).forEach((name, i) => {
        const lower = name.toLowerCase();
        const both = set.find((h) => h.lower === lower);
        if (both !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['remove', i],
            message: `header ${name} is both set (as ${both.name}) and removed (set already replaces every value; keep one of the two)`,
          });
        }
        if (!remove.includes(lower)) remove.push(lower);
      });
      return { set, remove };
    },
  );
}

const noChanges = (): HeaderChanges => ({ set: [], remove: [] });

export const headersKind = defineMiddlewareKind({
  kind: 'headers',
  schema: strict({ request: sideSchema('request').optional(), response: sideSchema('response').optional() }, 'headers').transform(
    (h): HeadersMiddlewareConfig => ({ request: h.request ?? noChanges(), response: h.response ?? noChanges() }),
  ),
});
