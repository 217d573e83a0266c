// Keep-alive connections to one origin. A request takes the most recently
// used idle connection (warm in every cache, and it leaves the cold ones to
// time out), else opens a new one while below `connections`, else waits in
// a FIFO queue for the next connection to come free. Idle connections close
// after `keepAliveTimeoutMs` (or the backend's own Keep-Alive hint, minus a
// margin). An https: origin is the same over TLS (tls-dial.ts).
import { isIP } from 'node:net';
import { Connection, defaultConnect, Job, type ConnectFunction, type ConnectionOwner } from './connection.js';
import { sweeper, type Sweepable } from './deadlines.js';
import { TransportError } from './errors.js';
import { TunnelDial, type TunnelHandler, type TunnelOptions, type TunnelOwner } from './tunnel.js';
import { tlsDialer, type TlsDialOptions } from './tls-dial.js';
import type { DispatchHandler, DispatchOptions } from './types.js';

export interface ConnectionPoolOptions {
  /** Most connections open at once (default 128). */
  connections?: number;
  connectTimeoutMs?: number;
  /** Time from sending a request to its response head (0 = none). */
  headersTimeoutMs?: number;
  /** Longest silence while reading a response body (0 = none). */
  bodyTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** For an https: origin: what the handshake trusts, checks and sends (default: the default CAs, and the host as SNI and name). */
  tls?: TlsDialOptions;
  /** Opens sockets; tests inject one. */
  connect?: ConnectFunction;
}

export class ConnectionPool implements ConnectionOwner, TunnelOwner, Sweepable {
  readonly host: string;
  readonly port: number;
  readonly hostHeader: string;
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly connectFn: ConnectFunction;

  private readonly all = new Set<Connection>();
  /** Tunnels dialing, answering or switched: each on a connection of its own, outside `all`. */
  private readonly tunnels = new Set<TunnelDial>();
  /** Free connections, most recently used last. */
  private readonly idle: Connection[] = [];
  /** Requests waiting for a connection; `queueHead` is the next one. */
  private queue: Job[] = [];
  private queueHead = 0;
  /** Requests started and not yet finished (queued ones included). */
  private running = 0;
  private closing = false;
  private destroyed = false;
  private closeWaiters: (() => void)[] = [];
  private readonly shortestTimeoutMs: number;

  constructor(origin: string | URL, options: ConnectionPoolOptions = {}) {
    const url = typeof origin === 'string' ? new URL(origin) : origin;
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') throw new TypeError(`only http: and https: origins are supported, not ${url.protocol}`);
    this.host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
    this.hostHeader = url.host;
    this.maxConnections = options.connections ?? 128;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.headersTimeoutMs = options.headersTimeoutMs ?? 300_000;
    this.bodyTimeoutMs = options.bodyTimeoutMs ?? 300_000;
    this.keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 4_000;
    // Without options, the host is the SNI and the name checked (tls.connect sends no SNI unless told).
    const tls = options.tls ?? (isIP(this.host) === 0 ? { servername: this.host } : {});
    this.connectFn = options.connect ?? (secure ? tlsDialer(tls) : defaultConnect);
    const timeouts = [this.connectTimeoutMs, this.headersTimeoutMs, this.bodyTimeoutMs, this.keepAliveTimeoutMs].filter((t) => t > 0);
    this.shortestTimeoutMs = Math.min(...timeouts, 1_000);
  }

  /** Open connections (busy, idle and connecting). */
  get size(): number {
    return this.all.size;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /**
   * Sends a request. `handler.onConnect(abort)` is called synchronously;
   * then exactly one of onComplete and onError follows, later.
   */
  dispatch(opts: DispatchOptions, handler: DispatchHandler): boolean {
    const job = new Job(opts, handler, this.cancel);
    if (this.closing || this.destroyed) {
      job.done = true;
      const err = new TransportError(this.destroyed ? 'UND_ERR_DESTROYED' : 'UND_ERR_CLOSED', 'the connection pool is closed');
      process.nextTick(() => handler.onError(err));
      return false;
    }
    this.running++;
    handler.onConnect(job.abort);
    if (job.done) return true; // aborted right away
    const perRequest = opts.headersTimeout;
    if (perRequest !== undefined && perRequest > 0 && perRequest < this.shortestTimeoutMs) sweeper.require(perRequest);
    const conn = this.idle.pop();
    if (conn !== undefined) conn.start(job);
    else if (this.all.size < this.maxConnections) this.open(job);
    else this.queue.push(job);
    return true;
  }

  /**
   * Asks the backend to switch protocols, on a new connection that is never
   * pooled. `handler.onConnect(abort)` is called synchronously; then either
   * onUpgrade (the connection is handed over) or a normal answer or error.
   */
  tunnel(opts: TunnelOptions, handler: TunnelHandler): boolean {
    if (this.closing || this.destroyed) {
      const err = new TransportError(this.destroyed ? 'UND_ERR_DESTROYED' : 'UND_ERR_CLOSED', 'the connection pool is closed');
      process.nextTick(() => handler.onError(err));
      return false;
    }
    const tunnel = new TunnelDial(this, opts, handler);
    this.tunnels.add(tunnel);
    tunnel.start();
    return true;
  }

  onTunnelEnd(tunnel: TunnelDial): void {
    this.tunnels.delete(tunnel);
    this.checkClosed();
  }

  /** Tunnels not over yet, switched ones included. */
  get tunnelCount(): number {
    return this.tunnels.size;
  }

  private open(job: Job): void {
    if (this.all.size === 0) sweeper.add(this, this.shortestTimeoutMs);
    const conn = new Connection(this, job);
    this.all.add(conn);
  }

  private readonly cancel = (job: Job, reason: Error): void => {
    if (job.conn !== null) {
      job.conn.abort(job, reason);
      return;
    }
    // Queued, or waiting for the connection opened for it (which will go idle instead).
    const at = this.queue.indexOf(job, this.queueHead);
    if (at !== -1) this.queue.splice(at, 1);
    job.done = true;
    this.onJobDone(job);
    job.handler.onError(reason);
  };

  // --- ConnectionOwner ---

  onIdle(conn: Connection): void {
    if (this.queueHead < this.queue.length) {
      conn.start(this.nextQueued());
      return;
    }
    if (this.closing) {
      conn.terminate(null);
      return;
    }
    this.idle.push(conn);
  }

  onClosed(conn: Connection, wasConnecting: boolean): void {
    this.all.delete(conn);
    if (!wasConnecting) {
      const at = this.idle.lastIndexOf(conn);
      if (at !== -1) this.idle.splice(at, 1);
    }
    // Room for another connection: give it to the longest waiting request.
    while (this.queueHead < this.queue.length && this.all.size < this.maxConnections && !this.destroyed) {
      this.open(this.nextQueued());
    }
    if (this.all.size === 0) sweeper.delete(this);
    this.checkClosed();
  }

  onJobDone(_job: Job): void {
    this.running--;
    this.checkClosed();
  }

  private nextQueued(): Job {
    const job = this.queue[this.queueHead]!;
    this.queue[this.queueHead++] = undefined as unknown as Job;
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    return job;
  }

  // --- Sweepable ---

  sweep(now: number): void {
    for (const conn of this.all) {
      if (conn.deadline !== 0 && conn.deadline <= now) conn.expire();
    }
  }

  // --- shutdown ---

  /** Stops taking requests, lets running ones (and open tunnels) finish, then closes every connection. */
  close(): Promise<void> {
    this.closing = true;
    for (const conn of this.idle.splice(0)) conn.terminate(null);
    return this.whenClosed();
  }

  /** Closes every connection now, open tunnels too; running and queued requests fail. */
  destroy(): Promise<void> {
    this.closing = true;
    this.destroyed = true;
    const err = new TransportError('UND_ERR_DESTROYED', 'the connection pool was destroyed');
    const queued = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    for (const job of queued) job.abort(err);
    for (const conn of [...this.all]) conn.terminate(err);
    for (const tunnel of [...this.tunnels]) tunnel.destroy(err);
    return this.whenClosed();
  }

  private whenClosed(): Promise<void> {
    if (this.isClosed()) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  private isClosed(): boolean {
    return this.closing && this.running === 0 && this.all.size === 0 && this.tunnels.size === 0;
  }

  private checkClosed(): void {
    if (this.closeWaiters.length > 0 && this.isClosed()) {
      for (const resolve of this.closeWaiters.splice(0)) resolve();
    }
  }
}
