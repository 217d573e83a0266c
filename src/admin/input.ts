// Input checks shared by the admin routes that take a JSON body (the /api
// control endpoints, load tests, demo controls): a bad field answers 400
// naming the field and what is accepted; FieldCheck collects every bad field
// so that one answer lists them all, as `fairway validate` does.
import type { AdminRequest } from './server.js';
import { readJsonBody, sendProblem } from './http.js';

export type Fields = Record<string, unknown>;

/** A 400: which field, what was wrong, and the accepted values if there is a fixed set. */
export class InputError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly accepted?: readonly string[],
  ) {
    super(message);
  }
}

/** Several bad fields: one 400 listing them all. */
export class InputErrors extends Error {
  constructor(readonly problems: readonly InputError[]) {
    super(`${problems.length} problems: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  }
}

/** Another status than 400 (409 conflict, 502 …) with a stable code. */
export class RequestProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Checks the fields of one body, recording every problem instead of stopping at the first. */
export class FieldCheck {
  private readonly problems: InputError[] = [];

  constructor(private readonly body: Fields) {}

  /** Records each key outside `allowed`. */
  onlyKeys(allowed: readonly string[]): void {
    for (const key of Object.keys(this.body)) {
      if (!allowed.includes(key)) this.problems.push(new InputError(key, `unknown field "${key}"`, allowed));
    }
  }

  /** What `check` returns, or undefined with its InputError recorded. */
  take<T>(check: () => T): T | undefined {
    try {
      return check();
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      this.problems.push(err);
      return undefined;
    }
  }

  /** Throws every problem recorded, if there is any. */
  done(): void {
    if (this.problems.length === 1) throw this.problems[0]!;
    if (this.problems.length > 1) throw new InputErrors(this.problems);
  }
}

export function onlyKeys(body: Fields, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw new InputError(key, `unknown field "${key}"`, allowed);
  }
}

/** The given value, or the fallback when the field is absent (an explicit null is not absent: it is refused). */
function given(body: Fields, field: string, fallback: unknown): unknown {
  return body[field] === undefined ? fallback : body[field];
}

export function integerField(body: Fields, field: string, min: number, max: number, fallback?: number): number {
  const value = given(body, field, fallback);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InputError(field, `${JSON.stringify(value)} is not accepted (expected an integer from ${min} to ${max})`);
  }
  return value;
}

export function numberField(body: Fields, field: string, min: number, max: number): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InputError(field, `${JSON.stringify(value)} is not accepted (expected a number from ${min} to ${max})`);
  }
  return value;
}

export function choiceField<T extends string>(body: Fields, field: string, choices: readonly T[], fallback?: T): T {
  const value = given(body, field, fallback);
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new InputError(field, `${JSON.stringify(value)} is not accepted`, choices);
  }
  return value as T;
}

/**
 * Wraps a handler that reads a JSON object body; bad input and problems
 * become JSON answers. `example` is a body this endpoint accepts, shown when
 * the body is missing or not an object.
 */
export function withJsonBody(example: string, handler: (request: AdminRequest, body: Fields) => void | Promise<void>) {
  return async (request: AdminRequest): Promise<void> => {
    try {
      const body = await readJsonBody(request.req);
      if (body === undefined) throw new InputError('(body)', `request body is empty; expected JSON like ${example}`);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new InputError('(body)', `expected a JSON object like ${example}, not ${Array.isArray(body) ? 'a list' : JSON.stringify(body)}`);
      }
      await handler(request, body as Fields);
    } catch (err) {
      answerProblem(request, err);
    }
  };
}

/** Sends the answer for an error thrown by a handler. */
export function answerProblem(request: AdminRequest, err: unknown): void {
  if (request.res.headersSent) return;
  if (err instanceof InputError || err instanceof InputErrors) {
    const problems = err instanceof InputError ? [err] : err.problems;
    const first = problems[0]!;
    const message = err instanceof InputError ? `${err.field}: ${err.message}` : err.message;
    // field and accepted are the first problem's, for clients that read one.
    sendProblem(request.res, 400, 'bad_request', message, {
      field: first.field,
      ...(first.accepted ? { accepted: first.accepted } : {}),
      problems: problems.map((p) => ({ field: p.field, message: p.message, ...(p.accepted ? { accepted: p.accepted } : {}) })),
    });
  } else if (err instanceof RequestProblem) {
    sendProblem(request.res, err.status, err.code, err.message, err.extra);
  } else {
    sendProblem(request.res, 400, 'bad_request', (err as Error).message);
  }
}
