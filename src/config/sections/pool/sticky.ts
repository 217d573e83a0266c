// A pool's `sticky:` session affinity by cookie, the merge of its layers
// (`false` at a layer turns it off), and the SameSite=None check.
import { z } from 'zod';
import * as f from '../../fields.js';
import { defined, field, strict } from '../../schema-fields.js';
import type { PoolSettingContext } from './setting-context.js';

export type SameSite = 'Strict' | 'Lax' | 'None';

/** Session affinity by cookie, on top of any algorithm. */
export interface StickyConfig {
  cookie: string;
  /** Cookie lifetime; 0 = session cookie. */
  ttlMs: number;
  secure: boolean;
  httpOnly: boolean;
  sameSite: SameSite;
}

export const STICKY_DEFAULTS: StickyConfig = { cookie: 'fairway_sticky', ttlMs: 0, secure: false, httpOnly: true, sameSite: 'Lax' };

/** What a layer says: false = off; an object = on, its keys over the defaults (`sticky: true` is `{}`). */
export type StickySetting = false | Partial<StickyConfig>;

const SAME_SITE: readonly SameSite[] = ['Strict', 'Lax', 'None'];

/** A cookie's SameSite attribute, any case, written back the way browsers document it. */
export const sameSite: f.Validator<SameSite> = (input) => {
  const text = typeof input === 'string' ? input.trim().toLowerCase() : undefined;
  const value = SAME_SITE.find((v) => v.toLowerCase() === text);
  if (value === undefined) {
    return { ok: false, message: `${f.show(input)} is not a SameSite value (accepted: ${SAME_SITE.join(', ')})` };
  }
  return { ok: true, value };
};

// RFC 6265: a cookie name is an HTTP token (no spaces, separators, "=" or control characters).
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

export const cookieName: f.Validator<string> = (input) => {
  if (typeof input !== 'string' || !COOKIE_NAME.test(input)) {
    return {
      ok: false,
      message: `${f.show(input)} is not a cookie name (expected letters, digits and ! # $ % & ' * + - . ^ _ \` | ~, without spaces, separators or =)`,
    };
  }
  return { ok: true, value: input };
};

const stickyObject = strict(
  {
    cookie: field(cookieName).optional(),
    ttl: field(f.duration(0)).optional(),
    secure: field(f.boolean).optional(),
    httpOnly: field(f.boolean).optional(),
    sameSite: field(sameSite).optional(),
  },
  'sticky',
).transform(
  (s): Partial<StickyConfig> =>
    defined({ cookie: s.cookie, ttlMs: s.ttl, secure: s.secure, httpOnly: s.httpOnly, sameSite: s.sameSite }),
);

// `sticky: true`, `sticky: false`, or the object. A zod union would bury the
// object's own messages under "invalid input", so dispatch on the value instead.
const stickySchema = z.unknown().transform((input, ctx): StickySetting => {
  if (typeof input === 'boolean' || input === 'true' || input === 'false') {
    return input === true || input === 'true' ? {} : false;
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    ctx.addIssue({
      code: 'custom',
      input,
      message: `${f.show(input)} is not a sticky setting (expected true, false, or an object with cookie, ttl, secure, httpOnly, sameSite)`,
    });
    return z.NEVER;
  }
  const parsed = stickyObject.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
  return z.NEVER;
});

export const stickyShape = { sticky: stickySchema.optional() };

export function resolveSticky(
  top: StickySetting | undefined,
  own: StickySetting | undefined,
  ctx: PoolSettingContext,
): StickyConfig | undefined {
  const sticky = mergeSticky(top, own);
  if (sticky !== undefined && sticky.sameSite === 'None' && !sticky.secure) {
    const mine = own === false ? undefined : own;
    const ownSet = mine?.sameSite !== undefined || mine?.secure !== undefined;
    ctx.report(
      {
        path: ctx.at(ownSet, 'sticky.sameSite'),
        message:
          'None requires secure: true (browsers reject a SameSite=None cookie that is not Secure, so stickiness would silently never work; set secure: true, or use Lax or Strict)',
      },
      ctx.reads('sticky.sameSite', 'sticky.secure'),
    );
  }
  return sticky;
}

// `false` turns stickiness off at that layer; an object (`true` is `{}`) turns it on.
function mergeSticky(top: StickySetting | undefined, own: StickySetting | undefined): StickyConfig | undefined {
  if (own === false) return undefined;
  if (own === undefined) return top === undefined || top === false ? undefined : { ...STICKY_DEFAULTS, ...top };
  return { ...STICKY_DEFAULTS, ...(top === false ? {} : top), ...own };
}
