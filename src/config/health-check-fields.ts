// Validators for what a health-check request sends and expects back: its
// method, extra headers and an expected body text.
import { show, type Check, type Validator } from './fields.js';
import { HEALTH_CHECK_METHODS, type HealthCheckMethod } from './types.js';

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
