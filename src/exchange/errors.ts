// Errors are values with codes: each kind maps to one status, one short
// body and one log field, in this one place.
import { Buffer } from 'node:buffer';
import type { Downstream } from './downstream.js';

export type ErrorKind =
  | 'bad_target'
  | 'upgrade_unsupported'
  | 'no_route'
  | 'no_healthy_backend'
  | 'queue_full'
  | 'queue_timeout'
  | 'connect_refused'
  | 'connect_timeout'
  | 'upstream_reset'
  | 'upstream_tls'
  | 'response_timeout'
  | 'upstream_error'
  | 'client_aborted'
  | 'filter_failed'
  | 'auth_unavailable'
  | 'rate_limited'
  | 'ratelimit_unavailable'
  | 'too_many_in_flight'
  | 'discarded'
  | 'url_too_long'
  | 'headers_too_large'
  | 'body_too_large'
  | 'body_timeout';

interface ErrorAnswer {
  status: number;
  message: string;
}

const ANSWERS: Record<ErrorKind, ErrorAnswer> = {
  bad_target: { status: 400, message: 'the request target is not a path or an absolute http(s) URL with a valid host' },
  upgrade_unsupported: { status: 501, message: 'fairway cannot tunnel this Upgrade request' },
  no_route: { status: 404, message: 'no route matches this host and path' },
  no_healthy_backend: { status: 503, message: 'no healthy backend is available' },
  queue_full: { status: 503, message: 'every backend is at its connection limit and the queue is full' },
  queue_timeout: { status: 503, message: 'waited too long for a free backend connection' },
  connect_refused: { status: 502, message: 'the backend refused the connection' },
  connect_timeout: { status: 504, message: 'connecting to the backend timed out' },
  upstream_reset: { status: 502, message: 'the backend closed the connection before answering' },
  upstream_tls: { status: 502, message: "the backend's TLS certificate could not be verified" },
  response_timeout: { status: 504, message: 'the backend did not answer in time' },
  upstream_error: { status: 502, message: 'the backend answer could not be read' },
  // Never sent (the client is gone); 499 is what access logs conventionally show.
  client_aborted: { status: 499, message: 'the client closed the connection' },
  filter_failed: { status: 500, message: 'a filter of this route failed' },
  auth_unavailable: { status: 503, message: 'the authentication service could not be reached or did not answer in time' },
  rate_limited: { status: 429, message: 'too many requests; retry after the time Retry-After gives' },
  too_many_in_flight: { status: 429, message: 'too many requests of this client in flight at once; retry when one has finished' },
  ratelimit_unavailable: { status: 503, message: 'the shared rate-limit store could not be reached, and this rate limit refuses requests meanwhile' },
  // A try whose answer was dropped for a retry; never the outcome of a request.
  discarded: { status: 502, message: 'the answer was dropped for a retry' },
  // Request limits (a limits middleware, or the listener's limits).
  url_too_long: { status: 414, message: 'the request target is longer than this server accepts' },
  headers_too_large: { status: 431, message: 'the request header fields are larger than this server accepts' },
  body_too_large: { status: 413, message: 'the request body is larger than this server accepts' },
  body_timeout: { status: 408, message: 'the request body did not arrive in time' },
};

/** Why a try was stopped by us rather than by the backend: carried by the abort. */
export class ExchangeAbort extends Error {
  constructor(
    readonly code: 'FAIRWAY_CLIENT_GONE' | 'FAIRWAY_DISCARDED',
    message: string,
  ) {
    super(message);
  }
}
/** The client closed the connection before its answer was complete. */
export const CLIENT_GONE = new ExchangeAbort('FAIRWAY_CLIENT_GONE', 'client closed the connection');
/** The answer of a try was dropped so the request can be retried. */
export const DISCARDED = new ExchangeAbort('FAIRWAY_DISCARDED', 'answer dropped for a retry');

export function statusFor(kind: ErrorKind): number {
  return ANSWERS[kind].status;
}

/** Maps a transport (undici-style code) or socket error to the kind of failure it means. */
export function classifyUpstreamError(err: Error & { code?: string }): ErrorKind {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connect_refused';
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'connect_timeout';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'response_timeout';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return 'upstream_reset';
    // Not transient: every try would meet the same certificate.
    case 'FAIRWAY_TLS_CERTIFICATE':
      return 'upstream_tls';
    case 'UND_ERR_INVALID_RESPONSE':
    case 'UND_ERR_NOT_SUPPORTED':
      return 'upstream_error';
    default:
      return 'upstream_error';
  }
}

/**
 * The error answer: JSON when the client accepts it, plain text otherwise.
 * `status` replaces the kind's own where a setting picks it (connLimit's 429 or 503).
 */
export function errorAnswer(
  kind: ErrorKind,
  requestId: string,
  acceptHeader: string | undefined,
  detail?: string,
  status?: number,
): { status: number; headers: string[]; body: string } {
  const answer = status === undefined ? ANSWERS[kind] : { ...ANSWERS[kind], status };
  const message = detail === undefined ? answer.message : `${answer.message}: ${detail}`;
  const wantsJson = acceptHeader !== undefined && acceptHeader.includes('json');
  const body = wantsJson
    ? JSON.stringify({ error: kind, message, status: answer.status, requestId }) + '\n'
    : `${answer.status} ${message} (${kind}, request ${requestId})\n`;
  const headers = [
    'content-type',
    wantsJson ? 'application/json' : 'text/plain; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(body)),
    'cache-control',
    'no-store',
    'x-request-id',
    requestId,
  ];
  if (answer.status === 503) headers.push('retry-after', kind === 'no_healthy_backend' ? '5' : '1');
  return { status: answer.status, headers, body };
}

/** Sends the error answer, or cuts the connection when part of an answer already went out. */
export function sendError(downstream: Downstream, kind: ErrorKind, requestId: string, acceptHeader: string | undefined, detail?: string): void {
  if (downstream.responseStarted || downstream.closed) {
    downstream.abort();
    return;
  }
  const answer = errorAnswer(kind, requestId, acceptHeader, detail);
  downstream.respond(answer.status, answer.headers);
  downstream.end(answer.body);
}
