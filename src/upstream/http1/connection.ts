// One keep-alive connection to a backend. It carries one request at a time
// (no pipelining) through the phases connecting → busy → idle → busy ... →
// closed, with one deadline per phase. Responses are read with `onread`
// into one buffer shared by every connection, so reads allocate nothing;
// body bytes are copied out before they reach the handler. A large body
// would cost a copy of every byte that way, so while one arrives in bulk
// (see nextReadBuffer) the reads land in pooled buffers, handed to the
// handler as they are and given back once written on (body-buffer-pool.ts).
import { Buffer } from 'node:buffer';
import { connect as netConnect, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { sweeper } from './deadlines.js';
import { certificateRejection, markReusedConnection, TransportError } from './errors.js';
import { ResponseParser, type ResponseSink } from './response-parser.js';
import { buildRequestHead, StreamBodyWriter, writeHeadAndBuffer, type BodyListener } from './request-writer.js';
import { giveBackBuffer, lendChunk, takeBodyBuffer } from '../../net-io/body-buffer-pool.js';
import type { DispatchHandler, DispatchOptions } from './types.js';

/** Everything a connection needs from its pool. */
export interface ConnectionOwner {
  readonly host: string;
  readonly port: number;
  /** Value of the Host header when a request has none. */
  readonly hostHeader: string;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly connectFn: ConnectFunction;
  /** The connection is ready for another request. */
  onIdle(conn: Connection): void;
  /** The connection closed (its socket is destroyed). */
  onClosed(conn: Connection, wasConnecting: boolean): void;
  /** A request is over on this connection (completed or failed). */
  onJobDone(job: Job): void;
}

export interface ConnectOptions {
  host: string;
  port: number;
  noDelay: boolean;
  keepAlive: boolean;
  keepAliveInitialDelay: number;
  /** Pooled connections read into a shared buffer; a tunnel's socket is read as a plain stream. */
  onread?: { buffer: Buffer | (() => Buffer); callback: (bytes: number, buf: Buffer) => boolean };
  /** A tunnel forwards each direction's end on its own (a half-close), so it keeps writing after the backend's FIN. */
  allowHalfOpen?: boolean;
}

/** Opens the socket; replaceable in tests. */
export type ConnectFunction = (options: ConnectOptions) => Socket;

export const defaultConnect: ConnectFunction = (options) => netConnect(options);

/** One dispatched request, from dispatch() to onComplete/onError. */
export class Job {
  conn: Connection | null = null;
  done = false;

  constructor(
    readonly opts: DispatchOptions,
    readonly handler: DispatchHandler,
    private readonly cancel: (job: Job, reason: Error) => void,
  ) {}

  readonly abort = (reason?: Error): void => {
    if (this.done) return;
    this.cancel(this, reason ?? new TransportError('UND_ERR_ABORTED', 'request aborted'));
  };

  readonly resume = (): void => {
    if (this.conn !== null && this.conn.job === this) this.conn.resume();
  };
}

export const enum Phase {
  Connecting = 0,
  Idle = 1,
  Busy = 2,
  Closed = 3,
}

const enum Wait {
  None = 0,
  Connect = 1,
  Headers = 2,
  Body = 3,
  Idle = 4,
  /** The answer is complete; the rest of the request body is still going out. */
  Send = 5,
}

/** Node's reads go up to 64 KiB at a time; so do these. */
const READ_BYTES = 64 * 1024;
/** Reads from every connection land here; whatever must outlive a read is copied. */
const READ_BUFFER = Buffer.allocUnsafeSlow(READ_BYTES);
/** Body pieces up to this size are copied out of READ_BUFFER byte by byte. */
const SMALL_COPY_BYTES = 32;
/** A read at least this large is bulk: the body's next reads go to pooled buffers. */
const MIN_BULK_READ_BYTES = 16 * 1024;

function discardBody(body: DispatchOptions['body']): void {
  if (body !== null && !Buffer.isBuffer(body) && !body.destroyed) body.destroy();
}

export class Connection implements ResponseSink, BodyListener {
  readonly socket: Socket;
  phase = Phase.Connecting;
  /** performance.now() by which the current phase must be over; 0 = none. */
  deadline = 0;
  job: Job | null = null;
  /** Requests completed on this connection. */
  served = 0;
  private wait = Wait.None;
  /** The request this connection was opened for, started once connected. */
  private opener: Job | null;
  private readonly parser: ResponseParser = new ResponseParser(this);
  private reusable = false;
  private keepAliveMs: number;
  private headersTimeoutMs = 0;
  /** The handler asked to pause; `pending` holds bytes read but not yet parsed. */
  private paused = false;
  private socketPaused = false;
  private pending: Buffer | null = null;
  /** Set by the parser when the response completes, acted on after it returns. */
  private completed: Job | null = null;
  private bodyWriter: StreamBodyWriter | null = null;
  /** The body still being sent after its answer completed (see finishJob). */
  private finishingBody: DispatchOptions['body'] = null;
  private requestSent = false;
  /** The bytes being fed are READ_BUFFER's (or a pooled buffer's), valid only until the read's callback returns. */
  private inputBorrowed = false;
  /** While a body arrives in bulk, the pooled buffer of the next read (see nextReadBuffer). */
  private ownReadBuffer: Buffer | undefined;
  private lastReadBytes = 0;
  /** During a read into a pooled buffer: that buffer (cleared once lent) and the read's size. */
  private lendableBuffer: Buffer | undefined;
  private lendableBytes = 0;

  constructor(
    private readonly owner: ConnectionOwner,
    opener: Job,
  ) {
    this.opener = opener;
    this.keepAliveMs = owner.keepAliveTimeoutMs;
    this.arm(Wait.Connect, owner.connectTimeoutMs);
    const socket = owner.connectFn({
      host: owner.host,
      port: owner.port,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: 60_000,
      onread: { buffer: this.nextReadBuffer, callback: this.onRead },
    });
    this.socket = socket;
    // Over TLS, requests wait for the handshake (and its certificate checks).
    socket.on((socket as Partial<TLSSocket>).encrypted === true ? 'secureConnect' : 'connect', this.onSocketConnect);
    socket.on('error', this.onSocketError);
    socket.on('end', this.onSocketEnd);
    socket.on('close', this.onSocketClose);
  }

  // --- deadlines ---

  private arm(wait: Wait, ms: number): void {
    this.wait = wait;
    this.deadline = ms > 0 ? sweeper.deadlineIn(ms) : 0;
  }

  /** Called by the pool's sweep when the deadline passed. */
  expire(): void {
    switch (this.wait) {
      case Wait.Connect:
        this.terminate(new TransportError('UND_ERR_CONNECT_TIMEOUT', `connecting to ${this.owner.hostHeader} timed out`));
        break;
      case Wait.Headers:
        this.terminate(new TransportError('UND_ERR_HEADERS_TIMEOUT', 'no response head from the backend in time'));
        break;
      case Wait.Body:
        this.terminate(new TransportError('UND_ERR_BODY_TIMEOUT', 'the backend sent no body data in time'));
        break;
      case Wait.Idle:
      case Wait.Send:
        this.terminate(null);
        break;
      default:
        this.deadline = 0;
    }
  }

  // --- requests ---

  /** Sends `job` on this (connected, free) connection. */
  start(job: Job): void {
    this.phase = Phase.Busy;
    this.job = job;
    job.conn = this;
    const opts = job.opts;
    this.parser.reset(opts.method === 'HEAD');
    this.reusable = false;
    this.requestSent = false;
    this.headersTimeoutMs = opts.headersTimeout ?? this.owner.headersTimeoutMs;
    this.arm(Wait.Headers, this.headersTimeoutMs);
    const body = opts.body;
    let head: string;
    let streamLength: number;
    try {
      ({ head, streamLength } = buildRequestHead(opts.method, opts.path, opts.headers, body, this.owner.hostHeader));
    } catch (err) {
      // Nothing was written: the connection stays good for the next request.
      this.job = null;
      job.done = true;
      this.becomeIdle();
      this.owner.onJobDone(job);
      job.handler.onError(err as Error);
      return;
    }
    if (body === null || Buffer.isBuffer(body)) {
      writeHeadAndBuffer(this.socket, head, body);
      this.requestSent = true;
    } else {
      this.socket.write(head, 'latin1');
      this.bodyWriter = new StreamBodyWriter(this.socket, body, streamLength, this, job.opts.trailers);
      this.bodyWriter.start();
    }
  }

  /** Ends the current request with `reason`; the socket is destroyed, never reused half-read. */
  abort(job: Job, reason: Error): void {
    if (this.job === job) this.terminate(reason);
  }

  /** The handler is ready for more body after returning false. */
  resume(): void {
    if (!this.paused || this.job === null) return;
    this.paused = false;
    this.arm(Wait.Body, this.owner.bodyTimeoutMs);
    const pending = this.pending;
    if (pending !== null) {
      this.pending = null;
      const job = this.job;
      try {
        this.feed(pending, 0, pending.length, false);
      } catch (err) {
        this.handlerThrew(job, err);
        return;
      }
      if (this.paused || this.phase !== Phase.Busy) return;
    }
    this.resumeSocket();
  }

  private pause(): void {
    this.paused = true;
    // Waiting for our own client is not the backend's silence.
    this.arm(Wait.None, 0);
    if (!this.socketPaused) {
      this.socketPaused = true;
      this.socket.pause();
    }
  }

  private resumeSocket(): void {
    if (this.socketPaused) {
      this.socketPaused = false;
      this.socket.resume();
    }
  }

  // --- reading ---

  private readonly onRead = (bytes: number, buf: Buffer): boolean => {
    const job = this.job;
    if (job === null) {
      // Bytes nobody asked for: the stream is out of step, never reuse it.
      if (this.phase !== Phase.Closed) this.terminate(null);
      return false;
    }
    this.lastReadBytes = bytes;
    // A pooled buffer (nextReadBuffer) is read like READ_BUFFER, what
    // outlives the read copied, unless the body takes all of it as one
    // chunk: that chunk is lent (onResponseBody), and the client's writer
    // gives the buffer back once the bytes are written on.
    const pooled = buf !== READ_BUFFER;
    if (pooled) {
      this.ownReadBuffer = undefined;
      this.lendableBuffer = buf;
      this.lendableBytes = bytes;
    }
    try {
      this.feed(buf, 0, bytes, true);
    } catch (err) {
      this.handlerThrew(job, err);
    } finally {
      if (pooled) {
        if (this.lendableBuffer !== undefined) giveBackBuffer(buf);
        this.lendableBuffer = undefined;
      }
    }
    return true;
  };

  /**
   * Where the socket's next read goes (onread's buffer function, called
   * after each read): a pooled buffer while a body arrives in bulk (the
   * latest read was large and much of the body is still to come), so its
   * bytes reach the client without a copy; else READ_BUFFER. Never between
   * answers: an idle connection holds no buffer of its own.
   */
  private readonly nextReadBuffer = (): Buffer => {
    let bulk = false;
    if (this.phase === Phase.Busy && this.parser.started && this.lastReadBytes >= MIN_BULK_READ_BYTES) {
      // A chunked or close-delimited body's length is unknown (-1).
      const left = this.parser.bodyBytesLeft;
      bulk = left < 0 || left >= MIN_BULK_READ_BYTES;
    }
    if (bulk) return (this.ownReadBuffer ??= takeBodyBuffer());
    // One armed but not read into (the socket paused, then the answer went another way): nothing refers to it.
    if (this.ownReadBuffer !== undefined) giveBackBuffer(this.ownReadBuffer);
    this.ownReadBuffer = undefined;
    return READ_BUFFER;
  };

  /** `borrowed`: buf is READ_BUFFER (or about to take the next read): what outlives this call is copied. */
  private feed(buf: Buffer, start: number, end: number, borrowed: boolean): void {
    const job = this.job;
    this.inputBorrowed = borrowed;
    const left = this.parser.execute(buf, start, end);
    if (left === -1) {
      this.terminate(this.parser.error!);
      return;
    }
    const done = this.completed;
    if (done !== null) {
      this.completed = null;
      this.finishJob(done, left === 0);
      return;
    }
    if (left > 0 && this.job === job && this.paused) {
      this.pending = Buffer.from(buf.subarray(end - left, end));
    }
  }

  /** A handler callback threw: fail its request if it is still running, else let it surface. */
  private handlerThrew(job: Job, err: unknown): void {
    if (this.job === job && !job.done) this.terminate(err instanceof Error ? err : new Error(String(err)));
    else throw err;
  }

  onResponseHead(statusCode: number, statusText: string, headers: string[], keepAlive: boolean, keepAliveHintMs: number): boolean {
    const job = this.job;
    if (job === null) return false;
    this.reusable = keepAlive;
    if (keepAliveHintMs > 0) {
      // Leave a margin so we never send on a connection the backend is about to close.
      this.keepAliveMs = Math.min(this.owner.keepAliveTimeoutMs, Math.max(keepAliveHintMs - 1000, keepAliveHintMs / 2));
    }
    this.arm(Wait.Body, this.owner.bodyTimeoutMs);
    const go = job.handler.onHeaders(statusCode, headers, job.resume, statusText, true) !== false;
    if (this.job !== job) return false;
    if (!go) this.pause();
    return go;
  }

  onResponseBody(buf: Buffer, start: number, end: number): boolean {
    const job = this.job;
    if (job === null) return false;
    if (this.wait === Wait.Body && this.owner.bodyTimeoutMs > 0) this.deadline = sweeper.deadlineIn(this.owner.bodyTimeoutMs);
    let chunk: Buffer;
    if (buf === this.lendableBuffer && start === 0 && end === this.lendableBytes) {
      // All of a pooled buffer's read is this one chunk: lent, not copied (body-buffer-pool.ts).
      chunk = buf.subarray(0, end);
      lendChunk(chunk, buf);
      this.lendableBuffer = undefined;
    } else if (this.inputBorrowed) {
      const n = end - start;
      chunk = Buffer.allocUnsafe(n);
      // A small answer's few bytes are copied by hand: buf.copy's checks and
      // typed-array view cost more than the copy (130 against 70 ns for 23 bytes).
      if (n <= SMALL_COPY_BYTES) for (let i = 0; i < n; i++) chunk[i] = buf[start + i]!;
      else buf.copy(chunk, 0, start, end);
    } else {
      chunk = buf.subarray(start, end);
    }
    const go = job.handler.onData(chunk) !== false;
    if (this.job !== job) return false;
    if (!go) this.pause();
    return go;
  }

  onResponseComplete(): void {
    if (this.job !== null) this.completed = this.job;
  }

  private finishJob(job: Job, clean: boolean): void {
    // Read before the connection goes idle: the next request resets the parser.
    const trailers = this.parser.trailers;
    this.job = null;
    job.done = true;
    this.served++;
    this.paused = false;
    this.pending = null;
    const writer = this.bodyWriter;
    if (writer !== null && !writer.done) {
      if (this.reusable && clean) {
        // The backend answered before taking the whole body and kept the
        // connection open, so it will read (and drop) the rest, as NGINX and
        // Node servers do. Finish sending it, then reuse the connection,
        // rather than paying for a new connection per request.
        this.finishingBody = job.opts.body;
        this.resumeSocket();
        this.arm(Wait.Send, this.owner.bodyTimeoutMs);
        this.owner.onJobDone(job);
        job.handler.onComplete(trailers);
        return;
      }
      this.bodyWriter = null;
      // The backend will not read the rest: stop sending it.
      writer.detach();
      discardBody(job.opts.body);
    }
    this.bodyWriter = null;
    if (this.reusable && clean && this.requestSent) {
      this.resumeSocket();
      this.becomeIdle();
    } else {
      this.terminate(null);
    }
    this.owner.onJobDone(job);
    job.handler.onComplete(trailers);
  }

  private becomeIdle(): void {
    this.phase = Phase.Idle;
    this.arm(Wait.Idle, this.keepAliveMs);
    this.owner.onIdle(this);
  }

  // --- request body (BodyListener) ---

  onBodyProgress(): void {
    if (this.wait === Wait.Headers && this.headersTimeoutMs > 0) this.deadline = sweeper.deadlineIn(this.headersTimeoutMs);
    else if (this.wait === Wait.Send && this.owner.bodyTimeoutMs > 0) this.deadline = sweeper.deadlineIn(this.owner.bodyTimeoutMs);
  }

  onBodySent(): void {
    this.requestSent = true;
    if (this.wait === Wait.Send && this.phase === Phase.Busy) {
      this.bodyWriter = null;
      this.finishingBody = null;
      this.becomeIdle();
    }
  }

  onBodyError(err: Error): void {
    if (this.job !== null) this.terminate(err);
    else if (this.wait === Wait.Send) this.terminate(null);
  }

  // --- socket events ---

  private readonly onSocketConnect = (): void => {
    if (this.phase !== Phase.Connecting) return;
    const opener = this.opener;
    this.opener = null;
    if (opener !== null && !opener.done) this.start(opener);
    else this.becomeIdle();
  };

  private readonly onSocketError = (err: Error): void => {
    this.socketGone(this.phase === Phase.Connecting ? (certificateRejection(this.socket, err, this.owner.hostHeader) ?? err) : err);
  };

  private readonly onSocketEnd = (): void => {
    if (this.job !== null && this.parser.untilClose) {
      // The end of the connection is the end of this body.
      const job = this.job;
      this.parser.finish();
      this.completed = null;
      this.finishJob(job, false);
      return;
    }
    this.socketGone(null);
  };

  private readonly onSocketClose = (): void => {
    this.socketGone(null);
  };

  /** The socket failed or the backend closed it. */
  private socketGone(err: Error | null): void {
    if (this.phase === Phase.Closed) return;
    if (this.job !== null) {
      err ??= new TransportError('UND_ERR_SOCKET', 'the backend closed the connection before the response was complete');
      // The idle keep-alive race: a reused connection ended before any byte of this answer.
      if (this.served > 0 && !this.parser.started) markReusedConnection(err);
    }
    this.terminate(err);
  }

  /** Closes the connection for good; a request on it fails with `err`. */
  terminate(err: Error | null): void {
    if (this.phase === Phase.Closed) return;
    const wasConnecting = this.phase === Phase.Connecting;
    this.phase = Phase.Closed;
    this.wait = Wait.None;
    this.deadline = 0;
    this.socket.destroy();
    const job = this.job ?? this.opener;
    this.job = null;
    this.opener = null;
    this.completed = null;
    this.pending = null;
    const writer = this.bodyWriter;
    if (writer !== null) {
      this.bodyWriter = null;
      writer.detach();
      discardBody(job !== null ? job.opts.body : this.finishingBody);
    }
    this.finishingBody = null;
    this.owner.onClosed(this, wasConnecting);
    if (job !== null && !job.done) {
      job.done = true;
      this.owner.onJobDone(job);
      job.handler.onError(err ?? new TransportError('UND_ERR_SOCKET', 'connection closed'));
    }
  }
}
