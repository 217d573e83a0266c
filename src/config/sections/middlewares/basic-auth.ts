// The `basicAuth` middleware kind: HTTP Basic authentication against an
// htpasswd file and/or inline users.
//
//   basicAuth:
//     usersFile: /etc/fairway/htpasswd     # read when the config loads, and on every reload
//     users: ["alice:$2y$05$..."]          # inline, merged; the file's entry wins for a name in both
//     realm: fairway                       # default
//     removeHeader: true                   # default: Authorization is not forwarded
//     headerField: X-Forwarded-User        # optional: the user's name sent upstream
//
// Every line that cannot be used is a problem naming the file and line, so a
// reload with a broken file changes nothing.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import * as f from '../../fields.js';
import { field, strict } from '../../schema-fields.js';
import { PROXY_OWNED_HEADERS } from './headers.js';
import { parseHtpasswd, parseHtpasswdLine, type HtpasswdUser } from './htpasswd.js';
import { defineMiddlewareKind } from './kind.js';

declare module './kind.js' {
  interface MiddlewareKinds {
    basicAuth: BasicAuthMiddleware;
  }
}

export interface BasicAuthMiddlewareConfig {
  /** Every user: the file's and the inline ones, the file's winning for a name in both. */
  users: HtpasswdUser[];
  /** As written in the config, when one is given. */
  usersFile?: string;
  realm: string;
  /** Authorization is removed from the request sent upstream. */
  removeHeader: boolean;
  /** A header carrying the authenticated user's name upstream (client copies replaced). */
  headerField?: string;
}

export interface BasicAuthMiddleware {
  name: string;
  kind: 'basicAuth';
  basicAuth: BasicAuthMiddlewareConfig;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function describeReadFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message;
}

/** `usersFile:` read and parsed now; one issue per unusable line. */
const usersFileSchema = z.unknown().transform((input, ctx): { path: string; users: HtpasswdUser[] } => {
  const path = f.filePath(input);
  if (!path.ok) {
    ctx.addIssue({ code: 'custom', message: `${f.show(input)} is not a file path (expected an htpasswd file, e.g. /etc/fairway/htpasswd)` });
    return z.NEVER;
  }
  const where = JSON.stringify(path.value);
  let text: string;
  try {
    text = readFileSync(path.value, 'utf8');
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `cannot read ${where} (${describeReadFailure(err)})` });
    return z.NEVER;
  }
  const { users, problems } = parseHtpasswd(text);
  for (const p of problems) ctx.addIssue({ code: 'custom', message: `${where} line ${p.line}: ${p.message}` });
  return { path: path.value, users };
});

/** `users: ["name:hash", ...]`; one issue per unusable entry, at its index. */
const inlineUsersSchema = z.unknown().transform((input, ctx): HtpasswdUser[] => {
  if (!Array.isArray(input)) {
    ctx.addIssue({ code: 'custom', message: `${f.show(input)} is not a list of users (expected e.g. ["alice:$2y$05$..."], as htpasswd -nB prints them)` });
    return z.NEVER;
  }
  const users: HtpasswdUser[] = [];
  const indexOf = new Map<string, number>();
  input.forEach((entry: unknown, i) => {
    if (typeof entry !== 'string') {
      ctx.addIssue({ code: 'custom', path: [i], message: `${f.show(entry)} is not a user (expected "name:hash" text)` });
      return;
    }
    const parsed = parseHtpasswdLine(entry.trim());
    if ('problem' in parsed) {
      ctx.addIssue({ code: 'custom', path: [i], message: parsed.problem });
      return;
    }
    const earlier = indexOf.get(parsed.user.name);
    if (earlier !== undefined) {
      ctx.addIssue({ code: 'custom', path: [i], message: `user ${parsed.user.name} is listed twice (also users[${earlier}])` });
      return;
    }
    indexOf.set(parsed.user.name, i);
    users.push(parsed.user);
  });
  return users;
});

/** The realm goes inside a quoted string of WWW-Authenticate: plain visible text without quotes or backslashes. */
const realm: f.Validator<string> = (input) => {
  if (typeof input !== 'string' || input === '' || !/^[\x20-\x7e]+$/.test(input) || /["\\]/.test(input)) {
    return { ok: false, message: `${f.show(input)} is not a realm (expected visible ASCII text without quotes or backslashes, e.g. fairway)` };
  }
  return { ok: true, value: input };
};

const headerField: f.Validator<string> = (input) => {
  if (typeof input !== 'string' || !TOKEN.test(input)) {
    return { ok: false, message: `${f.show(input)} is not a header name (expected an HTTP token, e.g. X-Forwarded-User)` };
  }
  const lower = input.toLowerCase();
  if ((PROXY_OWNED_HEADERS as readonly string[]).includes(lower) || lower === 'host' || lower === 'authorization') {
    return { ok: false, message: `header ${input} cannot carry the user name (choose a header of its own, e.g. X-Forwarded-User)` };
  }
  return { ok: true, value: input };
};

export const basicAuthKind = defineMiddlewareKind({
  kind: 'basicAuth',
  schema: strict(
    {
      usersFile: usersFileSchema.optional(),
      users: inlineUsersSchema.optional(),
      realm: field(realm).optional(),
      removeHeader: field(f.boolean).optional(),
      headerField: field(headerField).optional(),
    },
    'basicAuth',
  ).transform((b, ctx): BasicAuthMiddlewareConfig => {
    const fromFile = b.usersFile?.users ?? [];
    const fileNames = new Set(fromFile.map((u) => u.name));
    const users = [...fromFile, ...(b.users ?? []).filter((u) => !fileNames.has(u.name))];
    if (users.length === 0) {
      const why = b.usersFile === undefined && b.users === undefined ? 'neither usersFile nor users is set' : 'usersFile and users name no user';
      ctx.addIssue({ code: 'custom', message: `no users: ${why} (expected usersFile: /etc/fairway/htpasswd, or users: ["name:hash", ...])` });
    }
    const config: BasicAuthMiddlewareConfig = { users, realm: b.realm ?? 'fairway', removeHeader: b.removeHeader ?? true };
    if (b.usersFile !== undefined) config.usersFile = b.usersFile.path;
    if (b.headerField !== undefined) config.headerField = b.headerField;
    return config;
  }),
});
