// The forward and respond phases: one request dispatched to one backend over
// undici's dispatch API, the answer streamed back to the client with
// backpressure both ways. undici's raw-header callbacks are used because they
// hand over header buffers without building objects.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Backend } from '../upstream/backend.js';
import { clientResponseHeaders } from './headers.js';
import { classifyUpstreamError, sendError, type ProxyErrorKind } from './errors.js';
import { noteRelayedBytes } from './body-gc-pacer.js';

/** How an exchange ended, for counters and logs. */
export interface ExchangeOutcome {
  status: number;
  errorKind: ProxyErrorKind | undefined;
  error: Error | undefined;
  durationMs: number;
}

export type ExchangeDone = (backend: Backend, outcome: ExchangeOutcome) => void;

class ClientGoneError extends Error {
  readonly code = 'FAIRWAY_CLIENT_GONE';
  constructor() {
    super('client closed the connection');
  }
}

export class Exchange implements Dispatcher.DispatchHandler {
  private abortUpstream: ((err?: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  private waitingForDrain = false;
  private finished = false;
  private clientGone = false;
  private status = 0;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly backend: Backend,
    private readonly requestId: string,
    private readonly accept: string | undefined,
    private readonly startedAt: number,
    private readonly done: ExchangeDone,
  ) {
    res.on('close', this.onClientClose);
  }

  /** The client hung up before the answer was complete: stop the upstream request. */
  private readonly onClientClose = (): void => {
    if (this.finished || this.res.writableFinished) return;
    this.clientGone = true;
    // Aborting destroys the upstream socket, so it is never reused half-read.
    this.abortUpstream?.(new ClientGoneError());
  };

  private readonly onDrain = (): void => {
    this.waitingForDrain = false;
    this.resumeUpstream?.();
  };

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.clientGone) abort(new ClientGoneError());
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx interim answers are not relayed; the final answer follows.
    if (statusCode < 200) return true;
    this.status = statusCode;
    this.resumeUpstream = resume;
    try {
      this.res.writeHead(statusCode, clientResponseHeaders(rawHeaders, this.requestId));
    } catch (err) {
      // A header Node refuses to send (invalid characters): the answer is unusable.
      this.abortUpstream?.(err as Error);
      return false;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    noteRelayedBytes(chunk.length);
    if (this.res.write(chunk)) return true;
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      this.res.once('drain', this.onDrain);
    }
    return false;
  }

  onComplete(): void {
    this.res.end();
    this.finish(undefined, undefined);
  }

  onError(err: Error): void {
    if (this.clientGone || (err as { code?: string }).code === 'FAIRWAY_CLIENT_GONE') {
      this.finish('client_aborted', err);
      return;
    }
    const kind = classifyUpstreamError(err as Error & { code?: string });
    if (this.res.headersSent) {
      // Part of the answer went out: end it abruptly so the client cannot
      // mistake a truncated body for a complete one.
      this.res.destroy(err);
    } else {
      sendError(this.res, kind, this.requestId, this.accept);
    }
    // A request body we were still reading is no longer wanted.
    if (!this.req.complete) this.req.resume();
    this.finish(kind, err);
  }

  private finish(kind: ProxyErrorKind | undefined, err: Error | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.res.off('close', this.onClientClose);
    if (this.waitingForDrain) this.res.off('drain', this.onDrain);
    this.done(this.backend, {
      status: kind === undefined ? this.status : kind === 'client_aborted' ? 499 : this.res.statusCode,
      errorKind: kind,
      error: err,
      durationMs: performance.now() - this.startedAt,
    });
  }
}
