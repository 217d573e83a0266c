// Building blocks of the file schemas: a zod field backed by a validator from
// fields.ts, strict objects whose unknown-key errors list the accepted keys, and
// a helper that keeps unset values from erasing lower layers.
import { z } from 'zod';
import type { Validator } from './fields.js';
import { closest } from './problems.js';

/** A value checked by one of the shared validators in fields.ts. */
export function field<T>(validate: Validator<T>) {
  return z.unknown().transform((input, ctx): T => {
    if (input === undefined) {
      ctx.addIssue({ code: 'custom', message: 'missing (required)' });
      return z.NEVER;
    }
    const result = validate(input);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', message: result.message, input });
      return z.NEVER;
    }
    return result.value;
  });
}

/** An object that rejects unknown keys, naming the accepted ones and a likely fix. */
export function strict<S extends z.core.$ZodLooseShape>(shape: S, what: string) {
  const accepted = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      // One line per key; problemsFromIssues splits them back apart.
      return issue.keys
        .map((key) => {
          const guess = closest(key, accepted);
          const hint = guess === undefined ? '' : `did you mean "${guess}"? `;
          return `unknown key in ${what} (${hint}accepted: ${accepted.join(', ')})`;
        })
        .join('\n');
    },
  });
}

/** Drops undefined values so that spreading a layer never erases a lower one. */
export function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
