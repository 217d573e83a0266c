// Input checks shared by the dashboard's admin routes (tests, demo controls):
// a bad field answers 400 naming the field and what is accepted, as the rest
// of the API does.
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

/** Another status than 400 (409 conflict, 502 …) with a stable code. */
export class RequestProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
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

/** Wraps a handler that reads a JSON object body; bad input and problems become JSON answers. */
export function withJsonBody(handler: (request: AdminRequest, body: Fields) => void | Promise<void>) {
  return async (request: AdminRequest): Promise<void> => {
    try {
      const body = await readJsonBody(request.req);
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InputError('(body)', 'expected a JSON object');
      await handler(request, body as Fields);
    } catch (err) {
      answerProblem(request, err);
    }
  };
}

/** Sends the answer for an error thrown by a handler. */
export function answerProblem(request: AdminRequest, err: unknown): void {
  if (request.res.headersSent) return;
  if (err instanceof InputError) {
    sendProblem(request.res, 400, 'bad_request', `${err.field}: ${err.message}`, { field: err.field, ...(err.accepted ? { accepted: err.accepted } : {}) });
  } else if (err instanceof RequestProblem) {
    sendProblem(request.res, err.status, err.code, err.message);
  } else {
    sendProblem(request.res, 400, 'bad_request', (err as Error).message);
  }
}
