// Validators for what a health-check request sends and expects back: its
// method, extra headers, an expected body text and status range.
import { oneOf, show, type Check, type Validator } from '../../fields.js';

/** Methods a health check may use: all safe, and none expects a request body. */
export const HEALTH_CHECK_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;
export type HealthCheckMethod = (typeof HEALTH_CHECK_METHODS)[number];

const ok = <T>(value: T): Check<T> => ({ ok: true, value });
const fail = (message: string): Check<never> => ({ ok: false, message });

/** GET, HEAD or OPTIONS in any case, returned upper-case. */
export const healthCheckMethod: Validator<HealthCheckMethod> = (input) => {
  const name = typeof input === 'string' ? input.trim().toUpperCase() : '';
  const known: readonly string[] = HEALTH_CHECK_METHODS;
  if (!known.includes(name)) {
    return fail(`${show(input)} is not a health-check method (accepted: ${HEALTH_CHECK_METHODS.join(', ')})`);
  }
  return ok(name as HealthCheckMethod);
};

/** Longest expectBody text; the checker reads far more body than this. */
export const EXPECT_BODY_MAX_LENGTH = 1024;

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
// Visible characters, spaces and tabs; CR and LF would split the request.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\uffff]{0,4096}$/;

// Framing and connection headers belong to the HTTP client: a health check
// sends no body and keeps its own connection.
const MANAGED_HEADERS = ['connection', 'content-length', 'expect', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/**
 * A map of header name to value, e.g. { Host: api.internal }. Names are
 * returned lower-cased; numbers are accepted as values (YAML `X-Port: 8080`).
 */
export const healthCheckHeaders: Validator<Record<string, string>> = (input) => {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return fail(`${show(input)} is not a header map (expected name: value pairs, e.g. { Host: api.internal })`);
  }
  const headers: Record<string, string> = {};
  // Every bad header is reported, not just the first.
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(input as Record<string, unknown>)) {
    const problem = headerProblem(name, raw, headers);
    if (problem !== undefined) problems.push(problem);
    else headers[name.toLowerCase()] = String(raw).trim();
  }
  return problems.length > 0 ? fail(problems.join('; ')) : ok(headers);
};

function headerProblem(name: string, raw: unknown, earlier: Record<string, string>): string | undefined {
  const lower = name.toLowerCase();
  if (!HEADER_NAME.test(name)) {
    return `${JSON.stringify(name)} is not a header name (expected letters, digits and - _ . ! # $ % & ' * + ^ \` | ~, no spaces or colons)`;
  }
  if (MANAGED_HEADERS.includes(lower)) {
    return `header ${name} cannot be set on health checks (fairway manages it; accepted: any header except ${MANAGED_HEADERS.join(', ')})`;
  }
  if (lower in earlier) return `header ${name} is given twice (names are case-insensitive)`;
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    return `header ${name}: ${show(raw)} is not a header value (expected a string)`;
  }
  const value = String(raw).trim();
  if (!HEADER_VALUE.test(value)) {
    return `header ${name}: ${show(raw)} is not a header value (expected printable text up to 4096 characters, no line breaks)`;
  }
  if (lower === 'host' && value === '') return 'header Host is empty (expected a host name, e.g. api.internal or api.internal:8080)';
  return undefined;
}

/** Text that a passing answer's body must contain. */
export const expectBody: Validator<string> = (input) => {
  if (typeof input === 'number') input = String(input);
  if (typeof input !== 'string' || input === '' || input.length > EXPECT_BODY_MAX_LENGTH) {
    return fail(
      `${show(input)} is not an expected body text (expected a non-empty string of up to ${EXPECT_BODY_MAX_LENGTH} characters, e.g. "ok")`,
    );
  }
  return ok(input);
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
