// The life of one exchange after routing, phase by phase:
//
//   admit    the route's onRequest filters (deny, answer, or let through),
//            then the body is buffered for replay or streamed (within
//            the request's body limits: past maxBodyBytes, or silent for
//            bodyTimeoutMs, it is cut: 413 / 408, the try aborted)
//   pick     the cluster hands out a backend with room, or the request
//            waits in its queue, or is answered 503
//   forward  onUpstreamRequest filters (before the first try), then one
//            Attempt per try through the backend's Upstream
//   respond  onUpstreamResult filters hear every try and may ask for a
//            retry (back to pick); onResponse, onResponseTransform and
//            onResponseBody filters shape what goes to the client (a
//            transform's stream, when one asks, carries the body: see
//            transformed-body.ts)
//   done     onDone filters, always and once: local answers, errors and
//            clients that left included
//
// A request asking to switch protocols (Downstream.upgrade) takes the same
// path with a tunnel instead of a dispatch: on the backend's 101 the
// onResponse filters see its head, the client is told, and the two
// connections are joined (tunnel-pipe.ts), holding the backend's slot until
// the tunnel closes; then done. Any other answer is relayed as usual.
//
// One object per request: the Exchange the filters see, driven from here.
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { Readable, type Duplex } from 'node:stream';
import type { Logger } from '../observability/logger.js';
import type { FairwayEvents } from '../observability/events.js';
import type { TrafficStats } from '../observability/traffic-stats.js';
import type { Backend } from '../cluster/backend.js';
import type { Waiter } from '../cluster/admission-queue.js';
import { isIdleConnectionRace } from '../upstream/upstream.js';
import { Attempt, type AttemptOwner } from './attempt.js';
import { noteRelayedBytes } from './body-gc-pacer.js';
import { forgetLentChunk, isLentChunk } from '../net-io/body-buffer-pool.js';
import type { TrustedProxies } from './client-address.js';
import type { Downstream } from './downstream.js';
import { CLIENT_GONE, classifyUpstreamError, DISCARDED, sendError, statusFor, type ErrorKind } from './errors.js';
import { Exchange } from './exchange.js';
import type { CompiledChain, LocalAnswer, RequestVerdict, TryResult, TryVerdict } from './phases.js';
import { cutRequestBody, prepareRequestBody } from './request-body.js';
import { rawHeader, type RequestHead } from './request-head.js';
import type { Route } from './route.js';
import { TransformedBody, type TransformedBodyOwner } from './transformed-body.js';
import { TunnelPipe } from './tunnel-pipe.js';

/** Shared by every exchange of one balancer. */
export interface ExchangeContext {
  stats: TrafficStats;
  logger: Logger;
  events: FairwayEvents;
}

function isPromise(value: RequestVerdict | Promise<RequestVerdict>): value is Promise<RequestVerdict> {
  return typeof (value as Promise<RequestVerdict> | undefined)?.then === 'function';
}

/** Fills in the headers every answer of our own carries. */
function localAnswerHeaders(answer: LocalAnswer, body: string | Buffer, requestId: string): string[] {
  const headers = answer.headers === undefined ? [] : answer.headers.slice();
  let type = false;
  let length = false;
  let id = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    if (name === 'content-type') type = true;
    else if (name === 'content-length') length = true;
    else if (name === 'x-request-id') id = true;
  }
  if (!type && body.length > 0) headers.push('content-type', 'text/plain; charset=utf-8');
  if (!length) headers.push('content-length', String(Buffer.byteLength(body)));
  if (!id) headers.push('x-request-id', requestId);
  return headers;
}

export class Lifecycle extends Exchange implements AttemptOwner, Waiter, TransformedBodyOwner {
  private attempt: Attempt | undefined;
  /** The body's way through the streams onResponseTransform filters gave; undefined without any. */
  private transformed: TransformedBody | undefined;
  private body: Buffer | Readable | null = null;
  private waitingForDrain = false;
  /** Stops buffering the body (a cut before it was known to fit); undefined when not buffering. */
  private cancelBodyBuffer: (() => void) | undefined;
  /** Armed while a body timeout applies and the body is arriving. */
  private bodyTimer: NodeJS.Timeout | undefined;
  /** When the latest body chunk came (performance.now()), for the body timeout. */
  private lastBodyAt = 0;
  /** A request limit cut the body: the rest is never read. */
  private bodyCut = false;
  /** Waiting in the cluster's queue for a backend with room. */
  private queued = false;
  private started = false;
  private finished = false;
  private readonly chain: CompiledChain;

  constructor(
    private readonly ctx: ExchangeContext,
    downstream: Downstream,
    head: RequestHead,
    route: Route | undefined,
    /** The chain of requests answered before a route applies. */
    unrouted: CompiledChain,
    requestId: string,
    startedAt: number,
    trustedProxies: TrustedProxies | undefined,
  ) {
    super(downstream, head, route?.cluster, requestId, startedAt, trustedProxies);
    this.chain = route === undefined ? unrouted : route.chain;
  }

  /** admit → pick → forward → respond → done. */
  start(): void {
    this.started = true;
    this.ctx.stats.active++;
    this.downstream.onClose(this.onClientClose);
    this.runRequestHooks(0);
  }

  /** Answers with an error of our own before (or without) a route. */
  answerError(kind: ErrorKind, detail: string): void {
    this.downstream.settleUnreadBody(this.head.hasBody, this.head.contentLength);
    sendError(this.downstream, kind, this.requestId, this.head.accept, detail);
    this.finish(kind, statusFor(kind));
  }

  // --- admit ---

  private runRequestHooks(from: number): void {
    const hooks = this.chain.onRequest;
    for (let i = from; i < hooks.length; i++) {
      let verdict: RequestVerdict | Promise<RequestVerdict>;
      try {
        verdict = hooks[i]!.onRequest!(this);
      } catch (err) {
        return this.filterFailed(hooks[i]!.name, err);
      }
      if (verdict === undefined) continue;
      const filter = hooks[i]!;
      if (isPromise(verdict)) {
        const next = i + 1;
        verdict.then(
          (v) => {
            if (this.finished) return; // the client left while the filter worked
            if (v === undefined) return this.runRequestHooks(next);
            if (filter.answered !== undefined) filter.answered.count++;
            this.answerLocally(v);
          },
          (err: unknown) => this.filterFailed(filter.name, err),
        );
        return;
      }
      if (filter.answered !== undefined) filter.answered.count++;
      return this.answerLocally(verdict);
    }
    this.readBody();
  }

  /**
   * A filter threw (or its promise rejected): answer 500 when nothing went
   * out yet, cut the answer when part of it did. The backend is not blamed.
   */
  private filterFailed(name: string, err: unknown): void {
    if (this.finished) return;
    this.ctx.logger.error({ filter: name, err: (err as Error)?.message ?? String(err) }, 'filter failed');
    if (this.body === null) this.downstream.settleUnreadBody(this.head.hasBody, this.head.contentLength);
    else this.downstream.closeAfterIfBodyUnread(this.head.hasBody);
    sendError(this.downstream, 'filter_failed', this.requestId, this.head.accept, name);
    this.finish('filter_failed', statusFor('filter_failed'));
  }

  /** Drops a try whose answer a filter failed on; its late callbacks are ignored. */
  private dropAttempt(attempt: Attempt): void {
    attempt.discarded = true;
    this.endAttempt(attempt);
    attempt.abort(DISCARDED);
  }

  /** An answer of our own (a filter's in onRequest, a redirect to HTTPS); the body was not read. */
  answerLocally(answer: LocalAnswer): void {
    const body = answer.body ?? '';
    this.downstream.settleUnreadBody(this.head.hasBody, this.head.contentLength);
    try {
      this.downstream.respond(answer.status, localAnswerHeaders(answer, body, this.requestId));
      this.downstream.end(this.method === 'HEAD' ? undefined : body);
    } catch (err) {
      return this.filterFailed(`${answer.reason} answer`, err);
    }
    this.finish(answer.reason, answer.status);
  }

  private readBody(): void {
    if (!this.head.hasBody) return this.admit();
    // Declared too large: refused before any backend is picked.
    const declared = this.head.contentLength;
    if (declared !== undefined && declared > this.maxBodyBytes) return this.cutBody('body_too_large', `Content-Length ${declared}, at most ${this.maxBodyBytes}`);
    this.downstream.body.on('data', this.onBodyChunk);
    if (this.bodyTimeoutMs > 0) {
      this.lastBodyAt = performance.now();
      this.bodyTimer = setTimeout(this.onBodyTimer, this.bodyTimeoutMs);
    }
    const cancel = prepareRequestBody(this.downstream, declared, this.cluster!.config.retries.bufferBytes, (body, replayable) => {
      this.cancelBodyBuffer = undefined;
      this.body = body;
      this.replayable = replayable;
      if (!this.abandoned && !this.finished) this.admit();
    });
    if (this.body === null) this.cancelBodyBuffer = cancel;
  }

  private readonly onBodyChunk = (chunk: Buffer): void => {
    this.bytesIn += chunk.length;
    // A lent chunk's buffer comes back for another read: it is not garbage.
    if (!isLentChunk(chunk)) noteRelayedBytes(chunk.length);
    // Infinity without a limit: one comparison per chunk.
    if (this.bytesIn > this.maxBodyBytes) return this.cutBody('body_too_large', `more than ${this.maxBodyBytes} bytes`);
    if (this.bodyTimer !== undefined) this.lastBodyAt = performance.now();
  };

  /**
   * The body timeout's check: one timer per request, re-armed for what is
   * left of the gap rather than per chunk. Time the body waits on us (its
   * stream paused or full: a slow backend, the queue) is not the client's.
   */
  private readonly onBodyTimer = (): void => {
    this.bodyTimer = undefined;
    if (this.finished || this.downstream.bodyComplete) return;
    const body = this.downstream.body;
    const now = performance.now();
    if (body.isPaused() || body.readableLength >= body.readableHighWaterMark) this.lastBodyAt = now;
    const left = this.bodyTimeoutMs - (now - this.lastBodyAt);
    if (left <= 0) return this.cutBody('body_timeout', `no body bytes for ${this.bodyTimeoutMs} ms`);
    this.bodyTimer = setTimeout(this.onBodyTimer, Math.ceil(left));
  };

  /**
   * A body limit is broken: nothing more of the body is read or forwarded,
   * the try in flight (or the place in the queue) is given up, the client
   * gets `kind`'s answer if no answer started (else the answer is cut), and
   * its connection closes after it (HTTP/2: the stream is reset).
   */
  private cutBody(kind: 'body_too_large' | 'body_timeout', detail: string): void {
    if (this.finished || this.bodyCut) return;
    this.bodyCut = true;
    clearTimeout(this.bodyTimer);
    this.bodyTimer = undefined;
    this.downstream.body.off('data', this.onBodyChunk);
    this.cancelBodyBuffer?.();
    this.cancelBodyBuffer = undefined;
    const body = this.body;
    if (this.attempt !== undefined) this.dropAttempt(this.attempt);
    if (this.queued) {
      this.queued = false;
      this.cluster!.queue.leave(this);
    }
    cutRequestBody(this.downstream, body !== null && !Buffer.isBuffer(body) ? body : undefined);
    this.downstream.refuseBody();
    sendError(this.downstream, kind, this.requestId, this.head.accept, detail);
    this.finish(kind, statusFor(kind));
  }

  /** The client hung up before the answer was complete. */
  private readonly onClientClose = (): void => {
    if (this.finished || this.downstream.responseFinished) return;
    this.abandoned = true;
    // Aborting destroys the upstream socket, so it is never reused half-read.
    // (A transformed body still flowing after the try ended is destroyed in finish.)
    if (this.attempt !== undefined) {
      this.attempt.abort(CLIENT_GONE);
      return;
    }
    // In a filter, reading the body or queued: a queued one frees its place now.
    if (this.queued) {
      this.queued = false;
      this.cluster!.queue.leave(this);
    }
    this.finish('client_aborted', statusFor('client_aborted'));
  };

  private readonly onDrain = (): void => {
    this.waitingForDrain = false;
    this.attempt?.resume?.();
  };

  // --- pick ---

  private admit(): void {
    const cluster = this.cluster!;
    const got = cluster.acquire(this, this.backend, this.pinned);
    if (got === 'none') return this.fail('no_healthy_backend');
    if (got === 'busy') {
      if (cluster.queue.enqueue(this)) this.queued = true;
      else this.fail('queue_full');
      return;
    }
    this.forward(got);
  }

  /** From the queue: a slot freed up somewhere in the cluster. */
  retryAdmission(): boolean {
    const got = this.cluster!.acquire(this, this.backend, this.pinned);
    if (got === 'busy') return false;
    this.queued = false;
    if (got === 'none') this.fail('no_healthy_backend');
    else this.forward(got);
    return true;
  }

  onQueueTimeout(): void {
    this.queued = false;
    this.fail('queue_timeout');
  }

  // --- forward ---

  private forward(backend: Backend): void {
    this.attempts++;
    backend.totalRequests++;
    this.backend = backend;
    if (this.attempts === 1) {
      const hooks = this.chain.onUpstreamRequest;
      for (let i = 0; i < hooks.length; i++) {
        try {
          hooks[i]!.onUpstreamRequest!(this);
        } catch (err) {
          this.cluster!.release(backend);
          return this.filterFailed(hooks[i]!.name, err);
        }
      }
    }
    const attempt = new Attempt(this, backend);
    this.attempt = attempt;
    const perTry = this.perTryTimeoutMs;
    const headersTimeout = perTry > 0 ? Math.min(perTry, this.cluster!.config.timeouts.responseMs) : undefined;
    const upgrade = this.downstream.upgrade;
    if (upgrade !== undefined) return this.forwardTunnel(attempt, upgrade.protocols, headersTimeout);
    backend.upstream.dispatch(
      {
        path: this.downstream.target,
        method: this.downstream.method,
        headers: this.upstreamHeaders ?? (this.downstream.rawHeaders as string[]),
        body: this.bodyForTry(),
        trailers: this.requestTrailers,
        headersTimeout,
      },
      attempt,
    );
  }

  /** A try that asks the backend to switch protocols, on a connection of its own. */
  private forwardTunnel(attempt: Attempt, protocols: string, headersTimeout: number | undefined): void {
    const upstream = attempt.backend.upstream;
    if (upstream.tunnel === undefined) {
      this.endAttempt(attempt);
      return this.fail('upgrade_unsupported');
    }
    upstream.tunnel(
      {
        path: this.downstream.target,
        method: this.downstream.method,
        headers: this.upstreamHeaders ?? (this.downstream.rawHeaders as string[]),
        protocols,
        headersTimeout,
      },
      attempt,
    );
  }

  /** Gives the backend slot back, once per try. */
  private endAttempt(attempt: Attempt, now = performance.now()): void {
    if (attempt.released) return;
    attempt.released = true;
    this.upstreamMs += now - attempt.startedAt;
    if (this.attempt === attempt) this.attempt = undefined;
    this.cluster!.release(attempt.backend);
  }

  /** Runs the onResponse filters; what threw, if one did (the caller answers filter_failed). */
  private runResponseHooks(): { filter: string; err: unknown } | undefined {
    const hooks = this.chain.onResponse;
    for (let i = 0; i < hooks.length; i++) {
      try {
        hooks[i]!.onResponse!(this);
      } catch (err) {
        return { filter: hooks[i]!.name, err };
      }
    }
    return undefined;
  }

  private runResultHooks(result: TryResult): TryVerdict {
    const hooks = this.chain.onUpstreamResult;
    let verdict: TryVerdict;
    for (let i = 0; i < hooks.length; i++) {
      try {
        if (hooks[i]!.onUpstreamResult!(this, result) === 'retry') verdict = 'retry';
      } catch (err) {
        // A listener that fails must not change the try's fate: go on without its say.
        this.ctx.logger.error({ filter: hooks[i]!.name, err: (err as Error)?.message ?? String(err) }, 'filter failed in onUpstreamResult');
      }
    }
    return verdict;
  }

  // --- respond (transport callbacks through Attempt) ---

  onAttemptHeaders(attempt: Attempt, statusCode: number, rawHeaders: string[], checked: boolean): boolean {
    if (attempt !== this.attempt) return false;
    const backend = attempt.backend;
    if (statusCode >= 500) backend.errors++;
    if (this.runResultHooks({ status: statusCode, error: undefined, idleRace: false }) === 'retry') {
      this.dropAttempt(attempt);
      this.retry(backend, String(statusCode));
      return false;
    }
    this.status = statusCode;
    let checkedHeaders: string[] | undefined;
    if (checked) {
      // The filters change a copy; the transport's checked original, with
      // the request id (valid by construction) the answer may gain, spares
      // the client's writer a second check of the fields they leave alone.
      this.responseHeaders = rawHeaders.slice();
      checkedHeaders = rawHeaders;
      checkedHeaders.push('x-request-id', this.requestId);
    } else {
      this.responseHeaders = rawHeaders;
    }
    const failed = this.runResponseHooks() ?? this.runTransformHooks();
    if (failed !== undefined) {
      this.dropAttempt(attempt);
      this.filterFailed(failed.filter, failed.err);
      return false;
    }
    try {
      this.downstream.respond(this.status, this.responseHeaders, checkedHeaders);
    } catch (err) {
      // A header the client protocol refuses (invalid characters): the answer is
      // unusable. (The try's error ends in finish, which destroys a transform.)
      attempt.abort(err as Error);
      return false;
    }
    return true;
  }

  /**
   * Runs the onResponseTransform filters and joins the streams they give
   * (this.transformed); what threw, if one did, its streams destroyed.
   */
  private runTransformHooks(): { filter: string; err: unknown } | undefined {
    const hooks = this.chain.onResponseTransform;
    if (hooks.length === 0) return undefined;
    const streams: Duplex[] = [];
    const names: string[] = [];
    for (let i = 0; i < hooks.length; i++) {
      try {
        const stream = hooks[i]!.onResponseTransform!(this);
        if (stream === undefined) continue;
        streams.push(stream);
        names.push(hooks[i]!.name);
      } catch (err) {
        for (const stream of streams) stream.destroy();
        return { filter: hooks[i]!.name, err };
      }
    }
    if (streams.length > 0) this.transformed = new TransformedBody(streams, names, this.downstream, this);
    return undefined;
  }

  onAttemptData(attempt: Attempt, chunk: Buffer): boolean {
    if (attempt !== this.attempt) return false;
    // A transformed body counts what leaves its last stream instead.
    if (this.transformed === undefined) this.bytesOut += chunk.length;
    const hooks = this.chain.onResponseBody;
    // A lent chunk's buffer comes back for another read: not garbage, unless
    // a filter or a transform may keep the chunk, which then stays theirs.
    if (!isLentChunk(chunk)) noteRelayedBytes(chunk.length);
    else if (hooks.length > 0 || this.transformed !== undefined) {
      forgetLentChunk(chunk);
      noteRelayedBytes(chunk.length);
    }
    for (let i = 0; i < hooks.length; i++) {
      try {
        chunk = hooks[i]!.onResponseBody!(this, chunk) ?? chunk;
      } catch (err) {
        this.dropAttempt(attempt);
        this.filterFailed(hooks[i]!.name, err); // the head went out: this cuts the answer
        return false;
      }
    }
    // A transformed body asks for more itself when its first stream drains.
    if (this.transformed !== undefined) return this.transformed.write(chunk);
    if (this.downstream.write(chunk)) return true;
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      this.downstream.onDrain(this.onDrain);
    }
    return false;
  }

  private readonly requestTrailers = (): readonly string[] | undefined => this.downstream.trailers;

  /**
   * The body as one try sends it. A buffered body whose request ended in
   * trailers goes as a one-chunk stream, fresh per try: HTTP/1.1 carries
   * trailers only after a chunked body, and a Buffer goes with a Content-Length.
   */
  private bodyForTry(): Buffer | Readable | null {
    const body = this.body;
    const trailers = this.downstream.trailers;
    if (!Buffer.isBuffer(body) || trailers === undefined || trailers.length === 0) return body;
    return Readable.from([body], { objectMode: false });
  }

  onAttemptComplete(attempt: Attempt, trailers: string[] | null): void {
    if (attempt !== this.attempt) return;
    const transformed = this.transformed;
    if (transformed === undefined) {
      if (trailers === null) this.downstream.end();
      else this.downstream.end(undefined, trailers);
    }
    // One clock read for the backend's latency, the try's time and the exchange's.
    const now = performance.now();
    attempt.backend.recordLatency(now - attempt.startedAt, now);
    // The backend is done with this request: its slot goes back now, even
    // while a transform still lets out the end of the body.
    this.endAttempt(attempt, now);
    if (transformed === undefined) this.finish(undefined, this.status, now);
    else transformed.end(trailers);
  }

  // --- a transformed body (TransformedBodyOwner) ---

  onTransformDrain(): void {
    this.attempt?.resume?.();
  }

  onTransformEnd(): void {
    this.finish(undefined, this.status);
  }

  onTransformError(filter: string, err: Error): void {
    if (this.finished) return;
    const attempt = this.attempt;
    if (attempt !== undefined) this.dropAttempt(attempt);
    this.filterFailed(filter, err); // the head went out: this cuts the answer
  }

  onAttemptUpgrade(attempt: Attempt, rawHeaders: string[], socket: Duplex, head: Buffer): void {
    if (attempt !== this.attempt || this.finished) {
      socket.destroy();
      return;
    }
    const backend = attempt.backend;
    // A switch is an answer: passive health hears a success; there is nothing to retry.
    this.runResultHooks({ status: 101, error: undefined, idleRace: false });
    // Read before the filters, which take hop-by-hop headers (Upgrade among them) out.
    const protocol = rawHeader(rawHeaders, 'upgrade') || this.downstream.upgrade!.protocols;
    this.status = 101;
    this.responseHeaders = rawHeaders;
    const failed = this.runResponseHooks();
    if (failed !== undefined) {
      socket.destroy();
      this.endAttempt(attempt);
      return this.filterFailed(failed.filter, failed.err);
    }
    let client: Duplex;
    try {
      client = this.downstream.upgrade!.accept(protocol, this.responseHeaders);
    } catch {
      // A header the client protocol refuses: the switch cannot be passed on.
      socket.destroy();
      this.endAttempt(attempt);
      return this.fail('upstream_error');
    }
    // The tunnel handles its own closes from here.
    this.downstream.offClose(this.onClientClose);
    backend.recordLatency(performance.now() - attempt.startedAt);
    backend.openTunnels++;
    new TunnelPipe(client, socket, head, this.cluster!.config.timeouts.tunnelMs, (pipe) => {
      backend.openTunnels--;
      this.bytesIn += pipe.bytesIn;
      this.bytesOut += pipe.bytesOut;
      // The backend's slot was held while the tunnel was open.
      this.endAttempt(attempt);
      this.finish(undefined, 101);
    });
  }

  onAttemptError(attempt: Attempt, err: Error): void {
    if (attempt.discarded || attempt !== this.attempt) return;
    this.endAttempt(attempt);
    if (this.abandoned || (err as { code?: string }).code === CLIENT_GONE.code) {
      this.finish('client_aborted', statusFor('client_aborted'));
      return;
    }
    const backend = attempt.backend;
    const kind = classifyUpstreamError(err as Error & { code?: string });
    const idleRace = isIdleConnectionRace(err);
    // The idle keep-alive race is how pooled connections end, not a sign of a failing backend.
    if (!idleRace) backend.errors++;
    this.ctx.logger.debug({ pool: this.cluster!.name, backend: backend.id, kind, idleRace, err: err.message }, 'upstream try failed');
    const verdict = this.runResultHooks({ status: 0, error: kind, idleRace });
    if (verdict === 'retry' && !this.responseStarted) {
      this.retry(backend, kind);
      return;
    }
    if (this.responseStarted) {
      // Part of the answer went out: end it abruptly so the client cannot
      // mistake a truncated body for a complete one.
      this.downstream.abort(err);
      this.finish(kind, statusFor(kind));
    } else {
      this.fail(kind);
    }
  }

  private retry(failed: Backend, reason: string): void {
    this.ctx.stats.retries++;
    if (this.ctx.events.listenerCount('retry') > 0) {
      this.ctx.events.emit('retry', { pool: this.cluster!.name, backend: failed.id, reason });
    }
    this.admit();
  }

  // --- done ---

  /** Answers with an error of our own (nothing from a backend was sent). */
  private fail(kind: ErrorKind): void {
    if (this.finished) return;
    this.downstream.closeAfterIfBodyUnread(this.head.hasBody);
    sendError(this.downstream, kind, this.requestId, this.head.accept);
    this.finish(kind, statusFor(kind));
  }

  /** Ends the exchange once; `now` saves a clock read where the caller has just made one. */
  private finish(kind: ErrorKind | string | undefined, status: number, now = performance.now()): void {
    if (this.finished) return;
    this.finished = true;
    this.finishedAt = now;
    this.downstream.offClose(this.onClientClose);
    if (this.bodyTimer !== undefined) {
      clearTimeout(this.bodyTimer);
      this.bodyTimer = undefined;
    }
    // Cut short (client gone, backend failed, a filter threw): nothing more flows through it.
    this.transformed?.destroy();
    if (this.head.hasBody) this.settleBody(kind);
    if (this.started) this.ctx.stats.active--;
    this.errorKind = kind;
    this.status = status;
    const hooks = this.chain.onDone;
    for (let i = 0; i < hooks.length; i++) {
      try {
        hooks[i]!.onDone!(this);
      } catch (err) {
        this.ctx.logger.error({ filter: hooks[i]!.name, err: (err as Error)?.message ?? String(err) }, 'filter failed in onDone');
      }
    }
  }

  /**
   * The backend may answer before reading the whole body. Discard the rest
   * so the next request on this keep-alive connection can be read.
   */
  private settleBody(kind: ErrorKind | string | undefined): void {
    this.downstream.body.off('data', this.onBodyChunk);
    // A cut body stays unread: the connection closes after the answer instead.
    if (this.downstream.bodyComplete || this.abandoned || this.bodyCut) return;
    const body = this.body;
    if (kind === undefined && body !== null && !Buffer.isBuffer(body) && !body.destroyed) {
      // A streamed body the upstream connection is still sending (it keeps
      // the connection, or destroys the stream, which drops the rest in
      // request-body.ts).
    } else if (body !== null && !Buffer.isBuffer(body)) {
      body.destroy();
    } else {
      this.downstream.discardBody();
    }
  }
}
