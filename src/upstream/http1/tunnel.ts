// A tunnel to one backend: an HTTP/1.1 request asking to switch protocols
// (Upgrade: websocket), sent on a fresh connection of its own, never a
// pooled one, since after a 101 the connection belongs to the two ends. On
// 101 the socket and the bytes the backend sent after its head are handed
// over; any other answer is read as a normal response (onHeaders, onData,
// onComplete, as a dispatch is) and the connection closed after it.
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionOwner } from './connection.js';
import { TransportError } from './errors.js';
import { ResponseParser, type ResponseSink } from './response-parser.js';
import type { DispatchHandler } from './types.js';
import { equalsIgnoringCase } from '../../http-syntax/field-syntax.js';

export interface TunnelOptions {
  /** Request target as sent: origin-form path with query. */
  path: string;
  method: string;
  /** The head to send, [name, value, ...]; Connection and Upgrade are written from `protocols`, not taken from here. */
  headers: readonly string[];
  /** What to switch to, as the Upgrade header lists it ("websocket"). */
  protocols: string;
  /** Overrides the pool's headers timeout (ms). */
  headersTimeout?: number | undefined;
}

export interface TunnelHandler extends DispatchHandler {
  /**
   * The backend switched protocols: its 101 head, the connection, and the
   * bytes it sent after the head. Nothing else is called after this: the
   * connection is the handler's to read, write and close.
   */
  onUpgrade(rawHeaders: string[], socket: Duplex, head: Buffer): void;
}

/** What a tunnel needs from its pool. */
export interface TunnelOwner
  extends Pick<ConnectionOwner, 'host' | 'port' | 'hostHeader' | 'connectTimeoutMs' | 'headersTimeoutMs' | 'bodyTimeoutMs' | 'connectFn'> {
  /** The tunnel is over: it failed, its non-101 answer ended, or its switched connection closed. */
  onTunnelEnd(tunnel: TunnelDial): void;
}


/**
 * The request head of a tunnel: `headers` without any Connection or Upgrade
 * of their own, then `Connection: upgrade` and `Upgrade: <protocols>`, and a
 * Host from `defaultHost` when missing. Throws when a line break would
 * smuggle a header or a request.
 */
export function buildTunnelHead(method: string, path: string, headers: readonly string[], protocols: string, defaultHost: string): string {
  let head = `${method} ${path} HTTP/1.1\r\n`;
  let lines = 1;
  let hasHost = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (name.length === 10 && equalsIgnoringCase(name, 'connection')) continue;
    if (name.length === 7 && equalsIgnoringCase(name, 'upgrade')) continue;
    if (name.length === 4 && equalsIgnoringCase(name, 'host')) hasHost = true;
    head += `${name}: ${headers[i + 1]!}\r\n`;
    lines++;
  }
  if (!hasHost) {
    head += `host: ${defaultHost}\r\n`;
    lines++;
  }
  head += `connection: upgrade\r\nupgrade: ${protocols}\r\n\r\n`;
  lines += 3;
  let seen = 0;
  for (let at = head.indexOf('\n'); at !== -1; at = head.indexOf('\n', at + 1)) seen++;
  if (seen !== lines) throw new TransportError('UND_ERR_INVALID_ARG', 'line break in request method, path or header');
  return head;
}

const enum Step {
  Idle = 0,
  Connecting = 1,
  /** The head went out; waiting for the answer's head. */
  Head = 2,
  /** Reading a non-101 answer's body. */
  Body = 3,
  Upgraded = 4,
  Done = 5,
}

export class TunnelDial implements ResponseSink {
  private socket: Socket | undefined;
  private step = Step.Idle;
  private readonly parser: ResponseParser = new ResponseParser(this);
  private timer: NodeJS.Timeout | undefined;
  /** The handler asked to pause the body; `pending` holds bytes read but not yet parsed. */
  private paused = false;
  private pending: Buffer | null = null;
  /** Set by the parser, acted on once it returns. */
  private switchedHeaders: string[] | null = null;
  private completed = false;

  constructor(
    private readonly owner: TunnelOwner,
    private readonly opts: TunnelOptions,
    private readonly handler: TunnelHandler,
  ) {}

  /** Calls handler.onConnect(abort) synchronously, then connects. */
  start(): void {
    this.step = Step.Connecting;
    this.handler.onConnect(this.abort);
    if (this.step !== Step.Connecting) return; // aborted right away
    let head: string;
    try {
      head = buildTunnelHead(this.opts.method, this.opts.path, this.opts.headers, this.opts.protocols, this.owner.hostHeader);
    } catch (err) {
      process.nextTick(() => this.fail(err as Error));
      return;
    }
    this.parser.reset(this.opts.method === 'HEAD');
    const socket = this.owner.connectFn({
      host: this.owner.host,
      port: this.owner.port,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: 60_000,
      allowHalfOpen: true,
    });
    this.socket = socket;
    this.arm(this.owner.connectTimeoutMs, () => new TransportError('UND_ERR_CONNECT_TIMEOUT', `connecting to ${this.owner.hostHeader} timed out`));
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('end', this.onEnd);
    socket.once('connect', () => {
      if (this.step !== Step.Connecting) return;
      this.step = Step.Head;
      const headersMs = this.opts.headersTimeout ?? this.owner.headersTimeoutMs;
      this.arm(headersMs, () => new TransportError('UND_ERR_HEADERS_TIMEOUT', 'no response head from the backend in time'));
      socket.on('data', this.onData);
      socket.write(head, 'latin1');
    });
  }

  /** Ends the tunnel with `reason` before it switched; a switched one is the handler's, and left alone. */
  readonly abort = (reason?: Error): void => {
    if (this.step === Step.Upgraded || this.step === Step.Done) return;
    this.fail(reason ?? new TransportError('UND_ERR_ABORTED', 'request aborted'));
  };

  /** Closes it now, switched or not (the pool is destroyed, the backend removed). */
  destroy(err: Error): void {
    if (this.step === Step.Upgraded) this.socket!.destroy();
    else this.fail(err);
  }

  private arm(ms: number, error: () => Error): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = ms > 0 ? setTimeout(() => this.fail(error()), ms) : undefined;
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  // --- reading ---

  private readonly onData = (chunk: Buffer): void => {
    try {
      this.feed(chunk);
    } catch (err) {
      // A handler callback threw: the tunnel cannot go on.
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  };

  private feed(buf: Buffer): void {
    const left = this.parser.execute(buf, 0, buf.length);
    if (left === -1) return this.fail(this.parser.error!);
    if (this.switchedHeaders !== null) return this.switchOver(this.switchedHeaders, buf.subarray(buf.length - left));
    if (this.completed) return this.complete();
    if (left > 0 && this.paused) this.pending = buf.subarray(buf.length - left);
  }

  onResponseHead(statusCode: number, statusText: string, headers: string[]): boolean {
    if (this.step !== Step.Head) return false;
    this.step = Step.Body;
    this.armBody();
    const go = this.handler.onHeaders(statusCode, headers, this.resume, statusText, true) !== false;
    if (this.step !== Step.Body) return false;
    if (!go) this.pause();
    return go;
  }

  onResponseBody(buf: Buffer, start: number, end: number): boolean {
    if (this.step !== Step.Body) return false;
    this.armBody();
    // Socket chunks are fresh buffers (no shared read buffer here): a view is the handler's to keep.
    const go = this.handler.onData(buf.subarray(start, end)) !== false;
    if (this.step !== Step.Body) return false;
    if (!go) this.pause();
    return go;
  }

  onResponseComplete(): void {
    this.completed = true;
  }

  onSwitchingProtocols(_statusText: string, headers: string[]): void {
    this.switchedHeaders = headers;
  }

  private armBody(): void {
    this.arm(this.owner.bodyTimeoutMs, () => new TransportError('UND_ERR_BODY_TIMEOUT', 'the backend sent no body data in time'));
  }

  private pause(): void {
    this.paused = true;
    // Waiting for our own client is not the backend's silence.
    this.disarm();
    this.socket!.pause();
  }

  private readonly resume = (): void => {
    if (!this.paused || this.step !== Step.Body) return;
    this.paused = false;
    this.armBody();
    const pending = this.pending;
    if (pending !== null) {
      this.pending = null;
      this.onData(pending);
      if (this.paused || this.step !== Step.Body) return;
    }
    this.socket!.resume();
  };

  private readonly onEnd = (): void => {
    if (this.step === Step.Body && this.parser.untilClose) {
      // The end of the connection is the end of this body.
      this.parser.finish();
      this.complete();
      return;
    }
    this.fail(new TransportError('UND_ERR_SOCKET', 'the backend closed the connection before the response was complete'));
  };

  private readonly onError = (err: Error): void => {
    this.fail(err);
  };

  private readonly onClose = (): void => {
    this.fail(new TransportError('UND_ERR_SOCKET', 'the backend closed the connection before the response was complete'));
  };

  // --- endings ---

  private detach(socket: Socket): void {
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
  }

  /** 101: the socket is the handler's from here, paused, with the bytes that followed the head. */
  private switchOver(headers: string[], rest: Buffer): void {
    this.step = Step.Upgraded;
    this.disarm();
    const socket = this.socket!;
    this.detach(socket);
    socket.pause();
    socket.once('close', () => this.owner.onTunnelEnd(this));
    this.handler.onUpgrade(headers, socket, rest);
  }

  /** A non-101 answer ended: the connection is not reused. */
  private complete(): void {
    if (this.step === Step.Done) return;
    this.step = Step.Done;
    this.disarm();
    this.socket!.destroy();
    this.owner.onTunnelEnd(this);
    this.handler.onComplete(null);
  }

  private fail(err: Error): void {
    if (this.step === Step.Done || this.step === Step.Upgraded) return;
    this.step = Step.Done;
    this.disarm();
    const socket = this.socket;
    if (socket !== undefined) {
      this.detach(socket);
      // A late error of a socket already given up must not go unhandled.
      socket.on('error', () => undefined);
      socket.destroy();
    }
    this.owner.onTunnelEnd(this);
    this.handler.onError(err);
  }
}
