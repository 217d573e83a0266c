// Validators for single values. The file schema, the environment and the
// flags all use these, so one bad value reads the same wherever it came from.
import { HASH_KEY_FORMS, parseHashKey } from '../balancing/hash-key.js';
import {
  ALGORITHMS,
  type AccessLogFormat,
  BACKEND_STATES,
  RETRY_CONDITIONS,
  type AlgorithmName,
  type LogFormat,
  type LogLevel,
  type RetryCondition,
  type SameSite,
} from './types.js';
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
function asNumber(input: unknown): number | undefined {
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

export const algorithm: Validator<AlgorithmName> = (input) => {
  // Names are kebab-case; snake_case and upper case are accepted as spellings.
  const name = typeof input === 'string' ? input.trim().toLowerCase().replace(/_/g, '-') : undefined;
  const known: readonly string[] = ALGORITHMS;
  if (name === undefined || !known.includes(name)) {
    return fail(`${show(input)} is not a known algorithm (accepted: ${ALGORITHMS.join(', ')})`);
  }
  return ok(name as AlgorithmName);
};

/** A consistent-hash key: header:NAME, cookie:NAME, query:NAME, path or ip. */
export const hashKey: Validator<string> = (input) => {
  if (typeof input !== 'string') return fail(`${show(input)} is not a hash key (expected ${HASH_KEY_FORMS})`);
  try {
    parseHashKey(input.trim());
  } catch {
    return fail(`${show(input)} is not a hash key (expected ${HASH_KEY_FORMS})`);
  }
  return ok(input.trim());
};

/** A backend address: http with a host, nothing after the origin; returns the origin. */
export const backendUrl: Validator<string> = (input) => {
  const expected = `${show(input)} is not an http URL (expected http://host:port)`;
  if (typeof input !== 'string') return fail(expected);
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return fail(expected);
  }
  // The upstream transport speaks plain HTTP/1.1 only; refusing https here keeps
  // validate, start-up, reloads and the admin API in agreement.
  if (url.protocol === 'https:') return fail(`https:// backends are not supported yet; use http:// (got ${show(input)})`);
  if (url.protocol !== 'http:' || url.hostname === '') return fail(expected);
  if (url.username !== '' || url.password !== '') {
    return fail(`${show(input)} contains credentials (expected http://host:port without user:password@)`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    // The proxy forwards the client's path unchanged, so a backend path would be ignored.
    return fail(`${show(input)} has a path, query or fragment (expected only http://host:port; request paths are forwarded unchanged)`);
  }
  return ok(url.origin);
};

/** The `host:port` of an origin, used as a backend's default id. */
export function hostPort(origin: string): string {
  const url = new URL(origin);
  return `${url.hostname}:${url.port || '80'}`;
}

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

export const routeHost: Validator<string> = (input) => {
  const text = typeof input === 'string' ? input.trim().toLowerCase() : '';
  if (!/^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])$/.test(text)) {
    return fail(`${show(input)} is not a host name (expected e.g. api.example.com, without scheme, port or path)`);
  }
  return ok(text.replace(/\.$/, ''));
};

/** An admin token; empty (e.g. `${ADMIN_TOKEN:-}`) means no token. */
export const secret: Validator<string | undefined> = (input) => {
  if (input === null || input === '') return ok(undefined);
  if (typeof input === 'number') {
    // A number here would silently lose leading zeros; make the author quote it.
    return fail(`a token must be a string (quote it, e.g. token: "${String(input)}")`);
  }
  if (typeof input !== 'string') return fail(`${show(input)} is not a token (expected a string)`);
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

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];
export const logLevel = oneOf(LOG_LEVELS, 'log level');
export const logFormat = oneOf(LOG_FORMATS, 'log format');
export const ACCESS_LOG_FORMATS: readonly AccessLogFormat[] = ['json', 'combined'];
export const accessLogFormat = oneOf(ACCESS_LOG_FORMATS, 'known access log format');

/** A share of requests from 0 to 1 (0.1 = one in ten). */
export const sampleRate: Validator<number> = (input) => {
  const n = asNumber(input);
  if (n === undefined || n < 0 || n > 1) {
    return fail(`${show(input)} is not a sample rate (expected a number from 0 to 1, e.g. 0.1 to log one request in ten)`);
  }
  return ok(n);
};

/** A file to write to; relative paths are taken from the working directory. */
export const filePath: Validator<string> = (input) => {
  if (typeof input !== 'string' || input.trim() === '' || input.includes('\0')) {
    return fail(`${show(input)} is not a file path (expected a file name, e.g. /var/log/fairway/access.log)`);
  }
  return ok(input.trim());
};

export const initialState = oneOf(['healthy', 'unhealthy'] as const, 'initial state');

const STATUS_HINT = 'expected a status like 200, a range like "200-399", or { min: 200, max: 399 }';

/** Expected health-check status: 200, "200", "200-399" or { min, max }. */
export const statusRange: Validator<{ min: number; max: number }> = (input) => {
  let min: unknown;
  let max: unknown;
  if (typeof input === 'number' || (typeof input === 'string' && /^\s*\d+\s*$/.test(input))) {
    min = max = Number(input);
  } else if (typeof input === 'string' && /^\s*\d+\s*-\s*\d+\s*$/.test(input)) {
    [min, max] = input.split('-').map(Number);
  } else if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const keys = Object.keys(input);
    if (keys.length !== 2 || !keys.includes('min') || !keys.includes('max')) {
      return fail(`an object with keys ${keys.join(', ') || '(none)'} is not a status range (${STATUS_HINT})`);
    }
    ({ min, max } = input as { min: unknown; max: unknown });
  } else {
    return fail(`${show(input)} is not a status range (${STATUS_HINT})`);
  }
  const valid = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 100 && (n as number) <= 599;
  if (!valid(min) || !valid(max) || min > max) {
    return fail(`${show(input)} is not a status range (${STATUS_HINT}; codes 100-599, min <= max)`);
  }
  return ok({ min, max });
};

export const backendState = oneOf(BACKEND_STATES, 'backend state');

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

/** A retry condition; status codes may be written as numbers (502) and become strings. */
export const retryCondition: Validator<RetryCondition> = (input) => {
  const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim().toLowerCase() : '';
  const known: readonly string[] = RETRY_CONDITIONS;
  if (!known.includes(text)) {
    return fail(`${show(input)} is not a retry condition (accepted: ${RETRY_CONDITIONS.join(', ')})`);
  }
  return ok(text as RetryCondition);
};

const SAME_SITE: readonly SameSite[] = ['Strict', 'Lax', 'None'];

/** A cookie's SameSite attribute, any case, written back the way browsers document it. */
export const sameSite: Validator<SameSite> = (input) => {
  const text = typeof input === 'string' ? input.trim().toLowerCase() : undefined;
  const value = SAME_SITE.find((v) => v.toLowerCase() === text);
  if (value === undefined) return fail(`${show(input)} is not a SameSite value (accepted: ${SAME_SITE.join(', ')})`);
  return ok(value);
};

// RFC 6265: a cookie name is an HTTP token (no spaces, separators, "=" or control characters).
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

export const cookieName: Validator<string> = (input) => {
  if (typeof input !== 'string' || !COOKIE_NAME.test(input)) {
    return fail(
      `${show(input)} is not a cookie name (expected letters, digits and ! # $ % & ' * + - . ^ _ \` | ~, without spaces, separators or =)`,
    );
  }
  return ok(input);
};
