// One connection to one Redis server, our own small client: RESP2 over TCP
// (or TLS), commands pipelined with their replies matched in order, AUTH and
// SELECT on connect. It is built for a rate limit that must never wait on
// Redis: each command has a short timeout; while no connection is up a
// command fails at once (no offline queue that would release a burst of stale
// decisions later); and the connection comes back by itself with capped
// exponential backoff.
import { Buffer } from 'node:buffer';
import net from 'node:net';
import tls from 'node:tls';
import { encodeCommand, type RedisArgument } from './resp-encoder.js';
import { RespParser, type RespValue } from './resp-parser.js';
import { RedisReplyError, RedisTimeoutError, RedisUnavailableError } from './redis-errors.js';

export interface RedisEndpoint {
  host: string;
  port: number;
  /** TLS (a `rediss://` URL), checked against the system's CAs. */
  tls: boolean;
  username?: string;
  password?: string;
  /** The database SELECTed on connect (0 needs no SELECT). */
  db: number;
}

export interface RedisConnectionOptions extends RedisEndpoint {
  /** How long a command may wait for its reply before it rejects. */
  commandTimeoutMs: number;
  /** How long connecting (TCP, TLS, AUTH, SELECT and a PING) may take. */
  connectTimeoutMs: number;
  /** Waits between attempts: the first, doubled after each failure up to the last. Default 50 ms → 2 s. */
  backoff?: { firstMs: number; maxMs: number };
  /** Told every change of state, with why (the error) when it went down. */
  onStateChange?(state: RedisConnectionState, reason: string | undefined): void;
}

/** connecting: the first attempt; reconnecting: after a failure, between attempts; closed: by close(). */
export type RedisConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** A command sent and not answered yet. */
interface Pending {
  resolve(value: RespValue): void;
  reject(err: Error): void;
  sentAt: number;
  deadline: number;
}

const DEFAULT_BACKOFF = { firstMs: 50, maxMs: 2_000 };

export class RedisConnection {
  private stateNow: RedisConnectionState = 'connecting';
  private socket: net.Socket | undefined;
  private parser = new RespParser();
  /**
   * Replies come in the order commands were sent. The first `expired`
   * entries timed out (their callers got a RedisTimeoutError) but stay, so
   * their late replies are read and dropped rather than given to the wrong
   * caller; deadlines only grow along the queue, so those are always first.
   */
  private pending: Pending[] = [];
  private expired = 0;
  /** One timer for the queue: the next deadline, or the moment the connection counts as dead. */
  private deadlineTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private corked = false;
  private closed: Promise<void> | undefined;
  private whenIdle: (() => void) | undefined;
  /** No reply at all for this long while commands wait: the server is hung or gone; connect again. */
  private readonly staleAfterMs: number;
  private readonly backoff: { firstMs: number; maxMs: number };

  constructor(private readonly options: RedisConnectionOptions) {
    this.staleAfterMs = Math.max(options.connectTimeoutMs, 2 * options.commandTimeoutMs);
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.connect();
  }

  get state(): RedisConnectionState {
    return this.stateNow;
  }

  /** `host:port` for messages. */
  get address(): string {
    const { host, port } = this.options;
    return `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /**
   * Sends one command. Rejects with RedisUnavailableError at once when no
   * connection is up, RedisTimeoutError when the reply takes longer than
   * commandTimeoutMs, RedisReplyError when Redis answers with an error.
   */
  command(args: readonly RedisArgument[]): Promise<RespValue> {
    if (this.stateNow !== 'connected') {
      const why = this.stateNow === 'closed' ? 'the connection is closed' : `not connected (${this.stateNow})`;
      return Promise.reject(new RedisUnavailableError(`redis ${this.address}: ${why}`));
    }
    return this.send(args, this.options.commandTimeoutMs);
  }

  /** Stops reconnecting; commands in flight get their replies (or time out), then the socket closes. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      clearTimeout(this.retryTimer);
      clearTimeout(this.connectTimer);
      const wasUp = this.stateNow === 'connected';
      this.setState('closed', undefined);
      const finish = () => {
        this.drop(new RedisUnavailableError(`redis ${this.address}: the connection is closed`));
        resolve();
      };
      if (wasUp && this.pending.length > this.expired) this.whenIdle = finish;
      else finish();
    });
    return this.closed;
  }

  private setState(state: RedisConnectionState, reason: string | undefined): void {
    if (state === this.stateNow) return;
    this.stateNow = state;
    this.options.onStateChange?.(state, reason);
  }

  private send(args: readonly RedisArgument[], timeoutMs: number): Promise<RespValue> {
    const socket = this.socket!;
    return new Promise<RespValue>((resolve, reject) => {
      const sentAt = Date.now();
      this.pending.push({ resolve, reject, sentAt, deadline: sentAt + timeoutMs });
      // Commands sent in one tick leave in one write (one syscall, often one packet).
      if (!this.corked) {
        this.corked = true;
        socket.cork();
        process.nextTick(() => {
          this.corked = false;
          socket.uncork();
        });
      }
      socket.write(encodeCommand(args));
      // Deadlines grow along the queue, so only a new first live command moves the timer.
      if (this.pending.length - 1 === this.expired) {
        clearTimeout(this.deadlineTimer);
        this.armDeadlineTimer();
      }
    });
  }

  private connect(): void {
    const { host, port } = this.options;
    const socket = this.options.tls
      ? tls.connect({ host, port, servername: net.isIP(host) === 0 ? host : undefined })
      : net.connect({ host, port });
    this.socket = socket;
    this.parser = new RespParser();
    let lastError: Error | undefined;
    this.connectTimer = setTimeout(() => this.fail(socket, `no connection within ${this.options.connectTimeoutMs}ms`), this.options.connectTimeoutMs);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on(this.options.tls ? 'secureConnect' : 'connect', () => void this.handshake(socket));
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', (err) => (lastError = err));
    socket.on('close', () => this.fail(socket, lastError?.message ?? 'the server closed the connection'));
  }

  /** AUTH and SELECT when configured, and a PING, so "connected" means Redis answers. */
  private async handshake(socket: net.Socket): Promise<void> {
    const { username, password, db, connectTimeoutMs } = this.options;
    const steps: Promise<RespValue>[] = [];
    if (password !== undefined) steps.push(this.send(username === undefined ? ['AUTH', password] : ['AUTH', username, password], connectTimeoutMs));
    if (db !== 0) steps.push(this.send(['SELECT', db], connectTimeoutMs));
    steps.push(this.send(['PING'], connectTimeoutMs));
    try {
      await Promise.all(steps);
    } catch (err) {
      this.fail(socket, (err as Error).message);
      return;
    }
    if (socket !== this.socket || this.stateNow === 'closed') return;
    clearTimeout(this.connectTimer);
    this.failures = 0;
    this.setState('connected', undefined);
  }

  private onData(socket: net.Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    let replies: RespValue[];
    try {
      replies = this.parser.push(chunk);
    } catch (err) {
      this.fail(socket, (err as Error).message);
      return;
    }
    for (const reply of replies) {
      const waiting = this.pending.shift();
      if (waiting === undefined) {
        this.fail(socket, 'a reply to no command');
        return;
      }
      if (this.expired > 0) {
        this.expired--;
        continue;
      }
      if (reply instanceof RedisReplyError) waiting.reject(reply);
      else waiting.resolve(reply);
    }
    clearTimeout(this.deadlineTimer);
    this.armDeadlineTimer();
    if (this.whenIdle !== undefined && this.pending.length === this.expired) this.whenIdle();
  }

  private armDeadlineTimer(): void {
    this.deadlineTimer = undefined;
    const oldest = this.pending[0];
    if (oldest === undefined) return;
    const next = this.pending[this.expired];
    const at = Math.min(oldest.sentAt + this.staleAfterMs, next?.deadline ?? Infinity);
    this.deadlineTimer = setTimeout(() => this.onDeadline(), Math.max(0, at - Date.now()));
  }

  private onDeadline(): void {
    this.deadlineTimer = undefined;
    const now = Date.now();
    const oldest = this.pending[0];
    if (oldest !== undefined && now - oldest.sentAt >= this.staleAfterMs && this.socket !== undefined) {
      this.fail(this.socket, `no reply for ${now - oldest.sentAt}ms`);
      return;
    }
    for (let next = this.pending[this.expired]; next !== undefined && next.deadline <= now; next = this.pending[this.expired]) {
      this.expired++;
      next.reject(new RedisTimeoutError(`redis ${this.address}: no reply within ${next.deadline - next.sentAt}ms`));
    }
    if (this.whenIdle !== undefined && this.pending.length === this.expired) {
      this.whenIdle();
      return;
    }
    this.armDeadlineTimer();
  }

  /** The connection `socket` is unusable: everything waiting on it fails, and another attempt is scheduled. */
  private fail(socket: net.Socket, reason: string): void {
    if (socket !== this.socket) return;
    this.drop(new RedisUnavailableError(`redis ${this.address}: ${reason}`));
    if (this.stateNow === 'closed') return;
    this.setState('reconnecting', reason);
    const delay = Math.min(this.backoff.maxMs, this.backoff.firstMs * 2 ** this.failures);
    this.failures++;
    // Some jitter, so instances that lost Redis together do not return in step.
    this.retryTimer = setTimeout(() => this.connect(), delay * (0.8 + 0.4 * Math.random()));
    this.retryTimer.unref();
  }

  /** Destroys the socket and rejects every command still waiting with `err`. */
  private drop(err: Error): void {
    clearTimeout(this.connectTimer);
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    const waiting = this.pending.slice(this.expired);
    this.pending = [];
    this.expired = 0;
    for (const w of waiting) w.reject(err);
    // A close() waiting for replies that will not come now finishes too.
    const closing = this.whenIdle;
    this.whenIdle = undefined;
    closing?.();
  }
}
