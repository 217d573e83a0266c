// One try of a request against one backend: the transport's dispatch
// handler (and tunnel handler, for a request asking to switch protocols). It only relays callbacks to its ProxyRequest, tagged with itself,
// so late callbacks from an abandoned try can be told apart and ignored. The
// transport hands over raw header names and values as latin1 strings,
// without building objects.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { TunnelHandler } from '../upstream/upstream.js';
import type { Backend } from '../cluster/backend.js';

export interface AttemptOwner {
  readonly abandoned: boolean;
  onAttemptHeaders(attempt: Attempt, statusCode: number, rawHeaders: string[], checked: boolean): boolean;
  onAttemptData(attempt: Attempt, chunk: Buffer): boolean;
  onAttemptComplete(attempt: Attempt, trailers: string[] | null): void;
  onAttemptError(attempt: Attempt, err: Error): void;
  /** The backend switched protocols: the connection is the owner's now. */
  onAttemptUpgrade(attempt: Attempt, rawHeaders: string[], socket: Duplex, head: Buffer): void;
}

export class Attempt implements TunnelHandler {
  private abortUpstream: ((err?: Error) => void) | undefined;
  private abortReason: Error | undefined;
  /** Resumes reading the upstream body after backpressure. */
  resume: (() => void) | undefined;
  /** The owner moved on (retry after a discarded answer); ignore what follows. */
  discarded = false;
  /** The backend slot was given back. */
  released = false;
  readonly startedAt = performance.now();

  constructor(
    readonly owner: AttemptOwner,
    readonly backend: Backend,
  ) {}

  /** Stops this try; the upstream socket is destroyed, never reused half-read. */
  abort(reason: Error): void {
    if (this.abortUpstream !== undefined) this.abortUpstream(reason);
    else this.abortReason = reason; // not connected yet: abort as soon as it is
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.abortReason !== undefined) abort(this.abortReason);
  }

  onHeaders(statusCode: number, rawHeaders: string[], resume: () => void, _statusText: string, checked = false): boolean {
    this.resume = resume;
    return this.owner.onAttemptHeaders(this, statusCode, rawHeaders, checked);
  }

  onData(chunk: Buffer): boolean {
    return this.owner.onAttemptData(this, chunk);
  }

  onComplete(trailers: string[] | null): void {
    this.owner.onAttemptComplete(this, trailers);
  }

  onError(err: Error): void {
    this.owner.onAttemptError(this, err);
  }

  onUpgrade(rawHeaders: string[], socket: Duplex, head: Buffer): void {
    this.owner.onAttemptUpgrade(this, rawHeaders, socket, head);
  }
}
