// Filters: the seam for policies. A filter's hooks are all optional and run
// in the order of Pingora's phases:
//
//   onRequest            deny, answer locally, or let through (the only hook that may return a Promise)
//   (the cluster picks a backend)
//   onUpstreamRequest    once, before the first try: edit the head sent upstream
//   onUpstreamResult     after every try: hear the result, ask for a retry
//   onResponse           edit the answer's status line and head before they go out
//   onResponseTransform  after every onResponse: a stream the body flows through (compression), or none
//   onResponseBody       see (or replace) each body chunk as the backend sent it
//   onDone               always, once, whatever happened (local answer, error, client gone)
//
// A route's filters are compiled once per routing snapshot into one array per
// phase (as fastify compiles its hooks), so a phase no filter uses costs one
// length check and no per-request closure.
import { Buffer } from 'node:buffer';
import type { Duplex } from 'node:stream';
import type { Exchange } from './exchange.js';
import type { ErrorKind } from './errors.js';

/** An answer a filter gives itself, without a backend. */
export interface LocalAnswer {
  status: number;
  /** [name, value, ...]; content-type, content-length and x-request-id are added when missing. */
  headers?: string[];
  body?: string | Buffer;
  /** Why, for the access log's error field (say "ip_denied", "rate_limited"). */
  reason: string;
}

export type RequestVerdict = LocalAnswer | undefined;

/** A count of the requests one filter answered itself in onRequest (refused, redirected, challenged). */
export interface LocalAnswerTally {
  count: number;
}

/** The result of one try, as onUpstreamResult hears it. */
export interface TryResult {
  /** The backend's status, or 0 when the try failed without an answer. */
  status: number;
  /** How the try failed; undefined when the backend answered. */
  error: ErrorKind | undefined;
  /** A reused keep-alive connection closed under the request before any byte came back. */
  idleRace: boolean;
}

/** What onUpstreamResult may ask for. */
export type TryVerdict = 'retry' | undefined;

export interface Filter {
  /** For logs and the admin API: the middleware's name, or the built-in's. */
  readonly name: string;
  /**
   * Where the lifecycle counts the LocalAnswers this filter's onRequest gave;
   * only the answering path touches it, so a request let through costs nothing.
   * A middleware's comes from its FilterContext (kept across reloads).
   */
  answered?: LocalAnswerTally;
  onRequest?(exchange: Exchange): RequestVerdict | Promise<RequestVerdict>;
  onUpstreamRequest?(exchange: Exchange): void;
  onUpstreamResult?(exchange: Exchange, result: TryResult): TryVerdict;
  onResponse?(exchange: Exchange): void;
  /**
   * After every onResponse, for an answer from a backend (never a local
   * answer or a 101): may still edit the head, and returns a stream the body
   * is to flow through (a zlib Transform), or undefined. The lifecycle
   * writes the backend's chunks into it with backpressure both ways, ends it
   * when the backend's body ends (trailers follow its output), and destroys
   * it when the answer is cut short. Several chain in filter order.
   */
  onResponseTransform?(exchange: Exchange): Duplex | undefined;
  /** Before any transform: returns the chunk to send instead, or undefined to send it as it is. */
  onResponseBody?(exchange: Exchange, chunk: Buffer): Buffer | undefined;
  onDone?(exchange: Exchange): void;
}

type Hook = Exclude<keyof Filter, 'name' | 'answered'>;

/** A route's filters, one array per phase, in chain order. */
export interface CompiledChain {
  readonly filters: readonly Filter[];
  readonly onRequest: readonly Filter[];
  readonly onUpstreamRequest: readonly Filter[];
  readonly onUpstreamResult: readonly Filter[];
  readonly onResponse: readonly Filter[];
  readonly onResponseTransform: readonly Filter[];
  readonly onResponseBody: readonly Filter[];
  readonly onDone: readonly Filter[];
}

function having(filters: readonly Filter[], hook: Hook): Filter[] {
  return filters.filter((f) => typeof f[hook] === 'function');
}

export function compileChain(filters: readonly Filter[]): CompiledChain {
  return {
    filters,
    onRequest: having(filters, 'onRequest'),
    onUpstreamRequest: having(filters, 'onUpstreamRequest'),
    onUpstreamResult: having(filters, 'onUpstreamResult'),
    onResponse: having(filters, 'onResponse'),
    onResponseTransform: having(filters, 'onResponseTransform'),
    onResponseBody: having(filters, 'onResponseBody'),
    onDone: having(filters, 'onDone'),
  };
}
