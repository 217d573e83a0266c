// The dispatch contract of the transport: the subset of undici's legacy
// dispatch API that the data path uses, with raw header names and values as
// latin1 strings.
import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';

export interface DispatchOptions {
  /** Request target as sent: origin-form path with query. */
  path: string;
  method: string;
  /** Flat [name, value, name, value, ...]. */
  headers: readonly string[];
  body: Buffer | Readable | null;
  /** Read when a stream body without a length ends: trailer fields ([name, value, ...]) to send after it. */
  trailers?: () => readonly string[] | undefined;
  /** Overrides the pool's headers timeout for this request (ms). */
  headersTimeout?: number | undefined;
}

export interface DispatchHandler {
  /** Called once, synchronously from dispatch(); `abort` ends the request with onError(reason) at any time. */
  onConnect(abort: (reason?: Error) => void): void;
  /**
   * The final response head; return false to pause the body until `resume()`.
   * `checked`: the transport made `rawHeaders` for this answer alone and
   * checked its fields (names are tokens, values free of control characters
   * but tab), so they need no second check before they go to a client.
   */
  onHeaders(statusCode: number, rawHeaders: string[], resume: () => void, statusText: string, checked?: boolean): boolean;
  /** A body chunk (owned by the handler); return false to pause until `resume()`. */
  onData(chunk: Buffer): boolean;
  /** The response ended, with its trailer fields ([name, value, ...]) or null. */
  onComplete(trailers: string[] | null): void;
  /** The request failed; exactly one of onComplete and onError is called, once. */
  onError(err: Error): void;
}
