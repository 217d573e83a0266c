// One round of load from one thread: a fixed set of keep-alive connections,
// each with at most one request in flight, driven either as a closed loop
// (send the next request when the answer arrives) or an open model (requests
// due at fixed intended times, latency counted from that time, so a stalled
// server is charged for the requests it kept waiting).
import { Buffer } from 'node:buffer';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Histogram, type HistogramData } from './histogram.js';
import { LoadResponseParser, type LoadResponseSink } from './response-parser.js';
import type { PreparedRequest } from './request.js';

export interface ShardOptions {
  request: PreparedRequest;
  connections: number;
  /** Stop sending after this long; in-flight requests are abandoned, not counted. */
  durationMs?: number;
  /** Stop after this many requests have finished (answered or failed). */
  total?: number;
  /** Open model: requests per second, spread evenly over time. */
  rate?: number;
  timeoutMs: number;
  backendHeader: string;
  signal?: AbortSignal;
}

/** Plain data, so it can cross a worker boundary and be merged. */
export interface ShardResult {
  elapsedMs: number;
  /** Requests that finished: answered (any status) or failed. */
  requests: number;
  /** 2xx answers. */
  successes: number;
  /** Failures by kind: timeout, refused, reset, protocol, other, http_<status>. */
  errors: Record<string, number>;
  /** Answers per value of the backend header. */
  backends: Record<string, number>;
  /** Latency of every answered request, µs. */
  histogram: HistogramData;
  /** Open model only: requests that were due but never sent before the end. */
  unsent: number;
}

/** A live view for progress reports, read by the caller between events. */
export interface ShardCounters {
  readonly requests: number;
  readonly successes: number;
  readonly errorCount: number;
  readonly histogram: Histogram;
}

function errorKind(error: NodeJS.ErrnoException | undefined): string {
  switch (error?.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case undefined:
      return 'reset';
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      return 'other';
  }
}

class Connection implements LoadResponseSink {
  socket: Socket | undefined;
  readonly parser: LoadResponseParser;
  inFlight = false;
  sentAt = 0;
  intendedAt = 0;
  lastError: NodeJS.ErrnoException | undefined;

  constructor(
    private readonly shard: Shard,
    backendHeader: string,
  ) {
    this.parser = new LoadResponseParser(backendHeader, this);
  }

  onResponse(status: number, backend: string | undefined, close: boolean): void {
    this.inFlight = false;
    if (close || this.shard.request.closes) this.drop();
    this.shard.answered(this, status, backend);
  }

  onProtocolError(message: string): void {
    if (!this.inFlight) {
      this.drop();
      return;
    }
    this.inFlight = false;
    this.drop();
    this.shard.failed(this, 'protocol', message);
  }

  /** Closes the socket without reporting its close as a failure. */
  drop(): void {
    const socket = this.socket;
    if (socket === undefined) return;
    this.socket = undefined;
    socket.destroy();
  }

  send(intendedAt: number): void {
    if (this.socket === undefined) this.open();
    this.parser.expect(this.shard.request.bodyless);
    this.inFlight = true;
    this.intendedAt = intendedAt;
    this.sentAt = performance.now();
    this.socket!.write(this.shard.request.bytes);
  }

  private open(): void {
    const { host, port } = this.shard.request;
    const socket = connect({ host, port, noDelay: true });
    this.socket = socket;
    this.lastError = undefined;
    socket.on('data', (data: Buffer) => {
      if (this.socket === socket) this.parser.execute(data);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.socket === socket) this.lastError = error;
    });
    socket.on('close', () => this.closed(socket));
  }

  private closed(socket: Socket): void {
    if (this.socket !== socket) return; // dropped on purpose
    this.socket = undefined;
    if (!this.inFlight) return; // an idle keep-alive connection went away
    if (this.parser.closed()) return; // the close ended the response
    this.inFlight = false;
    const error = this.lastError;
    this.shard.failed(this, errorKind(error), error?.message ?? 'connection closed before the response completed');
  }
}

class Shard implements ShardCounters {
  requests = 0;
  successes = 0;
  errorCount = 0;
  readonly histogram = new Histogram();
  private readonly errors = new Map<string, number>();
  private readonly backends = new Map<string, number>();
  private readonly connections: Connection[] = [];
  private readonly idle: Connection[] = [];
  private started = 0;
  private sent = 0;
  private stopped = false;
  private finishedAt = 0;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private resolve: (() => void) | undefined;
  readonly request: PreparedRequest;

  constructor(private readonly options: ShardOptions) {
    this.request = options.request;
  }

  run(): Promise<ShardResult> {
    const o = this.options;
    return new Promise<void>((resolve) => {
      this.resolve = resolve;
      this.started = performance.now();
      for (let i = 0; i < o.connections; i++) this.connections.push(new Connection(this, o.backendHeader));
      const sweep = Math.max(10, Math.min(250, Math.floor(o.timeoutMs / 10)));
      this.timers.push(setInterval(() => this.sweepTimeouts(), sweep));
      if (o.durationMs !== undefined) {
        const timer = setTimeout(() => this.stop(), o.durationMs);
        this.timers.push(timer as unknown as ReturnType<typeof setInterval>);
      }
      o.signal?.addEventListener('abort', this.stopOnAbort, { once: true });
      if (o.signal?.aborted) {
        this.stop();
        return;
      }
      if (o.rate === undefined) {
        for (const c of this.connections) this.next(c);
      } else {
        this.idle.push(...this.connections);
        this.timers.push(setInterval(() => this.release(), 1));
        this.release();
      }
    }).then(() => this.result());
  }

  private readonly stopOnAbort = (): void => this.stop();

  /** Open model: how many requests are due by now. */
  private due(now: number): number {
    const o = this.options;
    let due = Math.floor(((now - this.started) * o.rate!) / 1000) + 1;
    if (o.total !== undefined && due > o.total) due = o.total;
    if (o.durationMs !== undefined) {
      const last = Math.ceil((o.durationMs * o.rate!) / 1000);
      if (due > last) due = last;
    }
    return due;
  }

  private intendedTime(index: number): number {
    return this.started + (index * 1000) / this.options.rate!;
  }

  /** Open model: hand due requests to idle connections. */
  private release(): void {
    if (this.stopped) return;
    const due = this.due(performance.now());
    while (this.sent < due && this.idle.length > 0) {
      const c = this.idle.pop()!;
      c.send(this.intendedTime(this.sent++));
    }
    this.checkDone();
  }

  /** A connection is free: give it the next request, if any. */
  next(c: Connection): void {
    if (this.stopped) return;
    const o = this.options;
    if (o.rate !== undefined) {
      if (this.sent < this.due(performance.now())) c.send(this.intendedTime(this.sent++));
      else this.idle.push(c);
      this.checkDone();
      return;
    }
    if (o.total !== undefined && this.sent >= o.total) {
      this.checkDone();
      return;
    }
    this.sent++;
    c.send(performance.now());
  }

  private checkDone(): void {
    const total = this.options.total;
    if (total !== undefined && this.requests >= total) this.stop();
  }

  answered(c: Connection, status: number, backend: string | undefined): void {
    if (this.stopped) return;
    this.histogram.record((performance.now() - c.intendedAt) * 1000);
    this.requests++;
    if (status >= 200 && status < 300) this.successes++;
    else this.count(`http_${status}`);
    if (backend !== undefined) this.backends.set(backend, (this.backends.get(backend) ?? 0) + 1);
    this.next(c);
  }

  failed(c: Connection, kind: string, _message: string): void {
    if (this.stopped) return;
    this.requests++;
    this.count(kind);
    // Connect errors arrive on a later tick already; reset loops must not
    // recurse, so the retry always waits for one.
    setImmediate(() => this.next(c));
  }

  private count(kind: string): void {
    this.errorCount++;
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }

  private sweepTimeouts(): void {
    const now = performance.now();
    const limit = this.options.timeoutMs;
    for (const c of this.connections) {
      if (c.inFlight && now - c.sentAt >= limit) {
        c.inFlight = false;
        c.drop();
        this.failed(c, 'timeout', `no response within ${limit} ms`);
      }
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.finishedAt = performance.now();
    for (const t of this.timers) clearInterval(t);
    this.options.signal?.removeEventListener('abort', this.stopOnAbort);
    for (const c of this.connections) {
      c.inFlight = false;
      c.drop();
    }
    this.resolve?.();
  }

  private result(): ShardResult {
    const unsent = this.options.rate === undefined ? 0 : Math.max(0, this.due(this.finishedAt) - this.sent);
    return {
      elapsedMs: this.finishedAt - this.started,
      requests: this.requests,
      successes: this.successes,
      errors: Object.fromEntries([...this.errors].sort(([a], [b]) => a.localeCompare(b))),
      backends: Object.fromEntries([...this.backends].sort(([a], [b]) => a.localeCompare(b))),
      histogram: this.histogram.toData(),
      unsent,
    };
  }
}

/**
 * Runs one round. `watch` receives live counters as soon as the round starts,
 * for progress reports.
 */
export function runShard(options: ShardOptions, watch?: (counters: ShardCounters) => void): Promise<ShardResult> {
  if (options.durationMs === undefined && options.total === undefined) {
    throw new Error('a load run needs a duration or a total number of requests');
  }
  const shard = new Shard(options);
  const done = shard.run();
  watch?.(shard);
  return done;
}
