// The life of one client request after routing: admit (maybe wait in the
// queue) → pick a backend → forward → respond, retrying failed tries when
// that is safe → count and report. One object per request; each try is an
// Attempt.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Logger } from '../observability/logger.js';
import type { FairwayEvents } from '../observability/events.js';
import type { Backend } from '../upstream/backend.js';
import type { BackendPool } from './pool.js';
import type { TrafficStats } from './traffic-stats.js';
import type { RequestHead } from './request-head.js';
import { rawHeader, type IncomingFacts } from './request-head.js';
import type { Waiter } from './admission-queue.js';
import { Attempt, type AttemptOwner } from './attempt.js';
import { clientResponseHeaders } from './headers.js';
import { classifyUpstreamError, sendError, statusFor, type ProxyErrorKind } from './errors.js';
import { prepareRequestBody } from './request-body.js';
import { setCookieHeader } from './sticky.js';
import { noteRelayedBytes } from './body-gc-pacer.js';
import { closeAfterIfBodyUnread, closeAfterIfClientFinished } from './client-connection.js';
import { isIdleConnectionRace } from '../upstream/upstream.js';

/** Shared by every request of one balancer. */
export interface ProxyContext {
  stats: TrafficStats;
  logger: Logger;
  events: FairwayEvents;
}

class ClientGoneError extends Error {
  readonly code = 'FAIRWAY_CLIENT_GONE';
}
class DiscardedAnswerError extends Error {
  readonly code = 'FAIRWAY_DISCARDED';
}
const CLIENT_GONE = new ClientGoneError('client closed the connection');
const DISCARDED = new DiscardedAnswerError('answer dropped for a retry');

export class ProxyRequest implements AttemptOwner, Waiter {
  abandoned = false;
  private attempt: Attempt | undefined;
  private attempts = 0;
  private lastBackend: Backend | undefined;
  private body: Buffer | Readable | null = null;
  private replayable = true;
  private responseStarted = false;
  private waitingForDrain = false;
  private finished = false;
  private status = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private upstreamMs = 0;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly pool: BackendPool,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly head: RequestHead,
    private readonly facts: IncomingFacts,
    private readonly upstreamHeaders: string[],
    private readonly requestId: string,
    private readonly startedAt: number,
  ) {}

  start(): void {
    this.res.on('close', this.onClientClose);
    this.pool.retryBudget.recordRequest();
    if (!this.head.hasBody) {
      this.admit();
      return;
    }
    this.req.on('data', this.onBodyChunk);
    prepareRequestBody(this.req, this.head.contentLength, this.pool.config.retries.bufferBytes, (body, replayable) => {
      this.body = body;
      this.replayable = replayable;
      if (!this.abandoned) this.admit();
    });
  }

  private readonly onBodyChunk = (chunk: Buffer): void => {
    this.bytesIn += chunk.length;
    noteRelayedBytes(chunk.length);
  };

  /** The client hung up before the answer was complete. */
  private readonly onClientClose = (): void => {
    if (this.finished || this.res.writableFinished) return;
    this.abandoned = true;
    // Aborting destroys the upstream socket, so it is never reused half-read.
    if (this.attempt !== undefined) this.attempt.abort(CLIENT_GONE);
    else this.finish('client_aborted'); // still reading the body or queued
  };

  private readonly onDrain = (): void => {
    this.waitingForDrain = false;
    this.attempt?.resume?.();
  };

  // --- admit and pick ---

  private admit(): void {
    const got = this.pool.acquire(this.facts, this.lastBackend);
    if (got === 'none') return this.fail('no_healthy_backend');
    if (got === 'busy') {
      if (!this.pool.queue.enqueue(this)) this.fail('queue_full');
      return;
    }
    this.forward(got);
  }

  /** From the queue: a slot freed up somewhere in the pool. */
  retryAdmission(): boolean {
    const got = this.pool.acquire(this.facts, this.lastBackend);
    if (got === 'busy') return false;
    if (got === 'none') this.fail('no_healthy_backend');
    else this.forward(got);
    return true;
  }

  onQueueTimeout(): void {
    this.fail('queue_timeout');
  }

  // --- forward ---

  private forward(backend: Backend): void {
    this.attempts++;
    backend.totalRequests++;
    this.lastBackend = backend;
    const attempt = new Attempt(this, backend);
    this.attempt = attempt;
    const perTry = this.pool.retryPolicy.perTryTimeoutMs;
    backend.upstream.dispatch(
      {
        path: this.req.url ?? '/',
        method: this.req.method ?? 'GET',
        headers: this.upstreamHeaders,
        body: this.body,
        headersTimeout: perTry > 0 ? Math.min(perTry, this.pool.config.timeouts.responseMs) : undefined,
      },
      attempt,
    );
  }

  /** Gives the backend slot back, once per try. */
  private endAttempt(attempt: Attempt): void {
    if (attempt.released) return;
    attempt.released = true;
    this.upstreamMs += performance.now() - attempt.startedAt;
    if (this.attempt === attempt) this.attempt = undefined;
    this.pool.release(attempt.backend);
  }

  // --- respond (transport callbacks through Attempt) ---

  onAttemptHeaders(attempt: Attempt, statusCode: number, rawHeaders: string[]): boolean {
    if (attempt !== this.attempt) return false;
    const backend = attempt.backend;
    if (statusCode >= 500) {
      backend.errors++;
      this.pool.outliers.record(backend, 'server_error');
      if (this.pool.retryPolicy.retriesStatus(statusCode) && this.mayRetryStatus(statusCode)) {
        attempt.discarded = true;
        this.endAttempt(attempt);
        attempt.abort(DISCARDED);
        this.retry(backend, String(statusCode));
        return false;
      }
    } else {
      this.pool.outliers.record(backend, 'success');
    }
    closeAfterIfClientFinished(this.res);
    const headers = clientResponseHeaders(rawHeaders, this.requestId);
    const sticky = this.pool.config.sticky;
    if (sticky !== undefined) {
      const value = this.pool.stickyValueFor(backend)!;
      if (this.facts.cookie(sticky.cookie) !== value) headers.push('set-cookie', setCookieHeader(sticky, value));
    }
    try {
      this.res.writeHead(statusCode, headers);
    } catch (err) {
      // A header Node refuses to send (invalid characters): the answer is unusable.
      attempt.abort(err as Error);
      return false;
    }
    this.status = statusCode;
    this.responseStarted = true;
    return true;
  }

  onAttemptData(attempt: Attempt, chunk: Buffer): boolean {
    if (attempt !== this.attempt) return false;
    this.bytesOut += chunk.length;
    noteRelayedBytes(chunk.length);
    if (this.res.write(chunk)) return true;
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      this.res.once('drain', this.onDrain);
    }
    return false;
  }

  onAttemptComplete(attempt: Attempt): void {
    if (attempt !== this.attempt) return;
    this.res.end();
    attempt.backend.recordLatency(performance.now() - attempt.startedAt);
    this.endAttempt(attempt);
    this.finish(undefined);
  }

  onAttemptError(attempt: Attempt, err: Error): void {
    if (attempt.discarded || attempt !== this.attempt) return;
    this.endAttempt(attempt);
    if (this.abandoned || (err as { code?: string }).code === 'FAIRWAY_CLIENT_GONE') {
      this.finish('client_aborted');
      return;
    }
    const backend = attempt.backend;
    const kind = classifyUpstreamError(err as Error & { code?: string });
    const idleRace = isIdleConnectionRace(err);
    // The idle keep-alive race is how pooled connections end, not a sign of a failing backend.
    if (!idleRace) {
      backend.errors++;
      this.pool.outliers.record(backend, 'gateway_failure');
    }
    this.ctx.logger.debug({ pool: this.pool.name, backend: backend.id, kind, idleRace, err: err.message }, 'upstream try failed');
    if (
      !this.responseStarted &&
      this.pool.retryPolicy.allowsError(kind, this.attempts, this.req.method ?? 'GET', this.replayable, idleRace) &&
      this.pool.retryBudget.tryAcquire()
    ) {
      this.retry(backend, kind);
      return;
    }
    if (this.responseStarted) {
      // Part of the answer went out: end it abruptly so the client cannot
      // mistake a truncated body for a complete one.
      this.res.destroy(err);
      this.finish(kind);
    } else {
      this.fail(kind);
    }
  }

  private mayRetryStatus(status: number): boolean {
    return (
      this.pool.retryPolicy.allowsStatus(status, this.attempts, this.req.method ?? 'GET', this.replayable) &&
      this.pool.retryBudget.tryAcquire()
    );
  }

  private retry(failed: Backend, reason: string): void {
    this.ctx.stats.retries++;
    if (this.ctx.events.listenerCount('retry') > 0) {
      this.ctx.events.emit('retry', { pool: this.pool.name, backend: failed.id, reason });
    }
    this.admit();
  }

  // --- finish ---

  /** Answers with an error of our own (nothing from a backend was sent). */
  private fail(kind: ProxyErrorKind): void {
    if (this.finished) return;
    closeAfterIfBodyUnread(this.req, this.res, this.head);
    sendError(this.res, kind, this.requestId, this.head.accept);
    this.finish(kind);
  }

  private finish(kind: ProxyErrorKind | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.res.off('close', this.onClientClose);
    if (this.waitingForDrain) this.res.off('drain', this.onDrain);
    if (this.head.hasBody) {
      this.req.off('data', this.onBodyChunk);
      // The backend may answer before reading the whole body. Discard the
      // rest so the next request on this keep-alive connection can be read.
      if (!this.req.complete && !this.abandoned) {
        const body = this.body;
        if (kind === undefined && body !== null && !Buffer.isBuffer(body) && !body.destroyed) {
          // A streamed body the upstream connection is still sending (it
          // keeps the connection, or destroys the stream, which drops the
          // rest in request-body.ts).
        } else if (body !== null && !Buffer.isBuffer(body)) {
          body.destroy();
        } else {
          this.req.unpipe();
          this.req.resume();
        }
      }
    }
    const stats = this.ctx.stats;
    stats.active--;
    const status = kind === undefined ? this.status : statusFor(kind);
    if (kind !== 'client_aborted') {
      if (kind !== undefined || status >= 500) stats.errors++;
      stats.latency.record(performance.now() - this.startedAt);
    }
    if (this.ctx.events.listenerCount('request') > 0) {
      this.ctx.events.emit('request', {
        time: Date.now(),
        requestId: this.requestId,
        clientAddress: this.facts.clientAddress,
        method: this.req.method ?? '',
        host: this.head.host ?? '',
        path: this.req.url ?? '',
        status,
        bytesIn: this.bytesIn,
        bytesOut: this.bytesOut,
        durationMs: performance.now() - this.startedAt,
        upstreamDurationMs: this.upstreamMs,
        pool: this.pool.name,
        backend: this.lastBackend?.id ?? '',
        attempts: this.attempts,
        errorKind: kind ?? '',
        referer: rawHeader(this.req.rawHeaders, 'referer'),
        userAgent: rawHeader(this.req.rawHeaders, 'user-agent'),
        httpVersion: this.req.httpVersion,
      });
    }
  }
}
