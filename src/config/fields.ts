// Validators for single values of no one section (ports, durations, names,
// ...). The file schema, the environment and the flags all use these, so one
// bad value reads the same wherever it came from. A section's own values
// (algorithm, log level, retry condition, ...) are checked in its file.
import { DURATION_HINT, parseDuration } from './duration.js';
import { SIZE_HINT, formatSize, parseSize } from './size.js';

export type Check<T> = { ok: true; value: T } | { ok: false; message: string };
export type Validator<T> = (input: unknown) => Check<T>;

const ok = <T>(value: T): Check<T> => ({ ok: true, value });
const fail = (message: string): Check<never> => ({ ok: false, message });

/** Renders a received value for a message: strings quoted, missing values named. */
export function show(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null (empty)';
  if (typeof input === 'string') return JSON.stringify(input);
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'an object';
  return String(input);
}

// `${PORT}` in a JSON file arrives as the string "8080", so numeric strings count.
export function asNumber(input: unknown): number | undefined {
  if (typeof input === 'number') return input;
  if (typeof input === 'string' && /^-?\d+(?:\.\d+)?$/.test(input.trim())) return Number(input);
  return undefined;
}

export function integer(min: number, max: number, what = 'value'): Validator<number> {
  return (input) => {
    const n = asNumber(input);
    if (n === undefined || !Number.isInteger(n) || n < min || n > max) {
      return fail(`${show(input)} is not a valid ${what} (expected an integer from ${min} to ${max})`);
    }
    return ok(n);
  };
}

export const port: Validator<number> = (input) => {
  const n = asNumber(input);
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 65535) {
    return fail(`${show(input)} is not a port (expected an integer from 0 to 65535; 0 lets the OS pick)`);
  }
  return ok(n);
};

export const boolean: Validator<boolean> = (input) => {
  if (typeof input === 'boolean') return ok(input);
  if (input === 'true' || input === 'false') return ok(input === 'true');
  return fail(`${show(input)} is not a boolean (expected true or false)`);
};

/** A positive duration; `min` guards against zero intervals and timeouts. */
export function duration(min = 1): Validator<number> {
  return (input) => {
    if (typeof input !== 'string' && typeof input !== 'number') {
      return fail(`${show(input)} is not a duration (${DURATION_HINT})`);
    }
    let ms: number;
    try {
      ms = parseDuration(input);
    } catch (err) {
      return fail((err as Error).message);
    }
    if (ms < min) return fail(`${show(input)} is too short (expected at least ${min}ms)`);
    return ok(ms);
  };
}

export const host: Validator<string> = (input) => {
  if (typeof input !== 'string' || input.trim() === '' || /[\s/]/.test(input.trim())) {
    return fail(`${show(input)} is not a host (expected a host name or IP address, e.g. 0.0.0.0 or ::1)`);
  }
  return ok(input.trim());
};

// Names appear in metrics labels and admin API paths, so keep them plain.
const NAME = /^[A-Za-z0-9][\w.:[\]-]{0,99}$/;

export function name(what: string): Validator<string> {
  return (input) => {
    if (typeof input === 'number') input = String(input);
    if (typeof input !== 'string' || !NAME.test(input)) {
      return fail(`${show(input)} is not a valid ${what} (expected letters, digits, and . _ - :, starting with a letter or digit)`);
    }
    return ok(input);
  };
}

export const urlPath: Validator<string> = (input) => {
  if (typeof input !== 'string' || !input.startsWith('/') || /\s/.test(input)) {
    return fail(`${show(input)} is not a path (expected something starting with "/", e.g. /health)`);
  }
  return ok(input);
};

export function oneOf<const T extends string>(values: readonly T[], what: string): Validator<T> {
  return (input) => {
    const text = typeof input === 'string' ? input.trim().toLowerCase() : undefined;
    if (text === undefined || !(values as readonly string[]).includes(text)) {
      return fail(`${show(input)} is not a ${what} (accepted: ${values.join(', ')})`);
    }
    return ok(text as T);
  };
}

/** A file to write to; relative paths are taken from the working directory. */
export const filePath: Validator<string> = (input) => {
  if (typeof input !== 'string' || input.trim() === '' || input.includes('\0')) {
    return fail(`${show(input)} is not a file path (expected a file name, e.g. /var/log/fairway/access.log)`);
  }
  return ok(input.trim());
};

/** A share from 0 to 100; `50%` is accepted as a spelling of 50. */
export const percent: Validator<number> = (input) => {
  const n = asNumber(typeof input === 'string' ? input.trim().replace(/%$/, '') : input);
  if (n === undefined || n < 0 || n > 100) {
    return fail(`${show(input)} is not a percentage (expected a number from 0 to 100)`);
  }
  return ok(n);
};

/** A byte count: an integer, or a size string like 64k or 1MiB, up to `max` bytes. */
export function byteSize(max: number): Validator<number> {
  return (input) => {
    if (typeof input !== 'string' && typeof input !== 'number') {
      return fail(`${show(input)} is not a size (${SIZE_HINT})`);
    }
    let bytes: number;
    try {
      bytes = parseSize(input);
    } catch (err) {
      return fail((err as Error).message);
    }
    if (bytes > max) return fail(`${show(input)} is too large (expected at most ${formatSize(max)})`);
    return ok(bytes);
  };
}
