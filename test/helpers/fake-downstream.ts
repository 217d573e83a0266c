// A Downstream without a socket: it records what the lifecycle sends the
// client (respond, write, end, abort and the keep-alive calls), and lets a
// test play the client: close it, make it slow (write returns false) and
// fire its drain.
import { PassThrough } from 'node:stream';
import type { Downstream } from '../../src/exchange/downstream.js';

export interface FakeRequest {
  method?: string;
  target?: string;
  /** [name, value, ...] as the client sent them. */
  headers?: string[];
  /** A request body; Content-Length is added when the headers lack it. */
  body?: string | Buffer;
  clientAddress?: string;
  secure?: boolean;
}

export class FakeDownstream implements Downstream {
  readonly protocol = 'http/1.1';
  readonly httpVersion = '1.1';
  readonly clientAddress: string;
  readonly secure: boolean;
  readonly method: string;
  target: string;
  readonly rawHeaders: string[];
  readonly body = new PassThrough();
  bodyComplete: boolean;
  responseStarted = false;
  responseFinished = false;
  closed = false;

  /** Every call the lifecycle made, in order: 'respond 200', 'write', 'end', 'abort', ... */
  readonly calls: string[] = [];
  status: number | undefined;
  responseHeaders: string[] | undefined;
  readonly written: Buffer[] = [];
  abortedWith: Error | undefined;
  /** The trailer fields the answer ended with, if any. */
  endTrailers: string[] | undefined;
  /** What write() answers: false plays a slow client. */
  writeReturns = true;

  private closeEmitted = false;
  private readonly closeListeners = new Set<() => void>();
  private drainListeners: (() => void)[] = [];

  constructor(request: FakeRequest = {}) {
    this.method = request.method ?? 'GET';
    this.target = request.target ?? '/';
    this.clientAddress = request.clientAddress ?? '10.0.0.7';
    this.secure = request.secure ?? false;
    const headers = request.headers ?? ['Host', 'example.test'];
    const body = request.body;
    if (body === undefined) {
      this.bodyComplete = true;
      this.body.end();
    } else {
      if (!headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'content-length')) {
        headers.push('Content-Length', String(Buffer.byteLength(body)));
      }
      this.bodyComplete = false;
      this.body.once('end', () => (this.bodyComplete = true));
      this.body.end(body);
    }
    this.rawHeaders = headers;
  }

  get headers(): Record<string, string | string[] | undefined> {
    const out: Record<string, string | string[] | undefined> = {};
    for (let i = 0; i < this.rawHeaders.length; i += 2) {
      const name = this.rawHeaders[i]!.toLowerCase();
      const value = this.rawHeaders[i + 1]!;
      const had = out[name];
      out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
    }
    return out;
  }

  /** The response body as the client got it. */
  get bodyText(): string {
    return Buffer.concat(this.written).toString('latin1');
  }

  /** Listeners waiting for the client to take more bytes. */
  get drainWaiting(): number {
    return this.drainListeners.length;
  }

  respond(status: number, rawHeaders: readonly string[]): void {
    if (this.responseStarted) throw new Error('the response head was already sent');
    this.calls.push(`respond ${status}`);
    this.responseStarted = true;
    this.status = status;
    this.responseHeaders = rawHeaders.slice();
  }

  write(chunk: Buffer): boolean {
    this.calls.push('write');
    this.written.push(Buffer.from(chunk));
    return this.writeReturns;
  }

  end(chunk?: string | Buffer, trailers?: readonly string[]): void {
    this.calls.push('end');
    if (chunk !== undefined) this.written.push(Buffer.from(chunk));
    this.endTrailers = trailers?.slice();
    this.responseFinished = true;
    // As node:http's response does: 'close' follows the finish, later.
    process.nextTick(this.emitClose);
  }

  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  onClose(listener: () => void): void {
    this.closeListeners.add(listener);
  }

  offClose(listener: () => void): void {
    this.closeListeners.delete(listener);
  }

  abort(err?: Error): void {
    this.calls.push('abort');
    this.abortedWith = err;
    this.closed = true;
    process.nextTick(this.emitClose);
  }

  closeAfterResponse(): void {
    this.calls.push('closeAfterResponse');
  }

  settleUnreadBody(hasBody: boolean): void {
    this.calls.push(`settleUnreadBody ${hasBody}`);
  }

  closeAfterIfBodyUnread(hasBody: boolean): void {
    this.calls.push(`closeAfterIfBodyUnread ${hasBody}`);
  }

  refuseBody(): void {
    this.calls.push('refuseBody');
  }

  discardBody(): void {
    this.calls.push('discardBody');
    this.body.resume();
  }

  /** The test plays the client hanging up: close listeners run now. */
  clientCloses(): void {
    this.emitClose();
  }

  /** The test plays the client catching up: each drain listener runs once. */
  drain(): void {
    const listeners = this.drainListeners;
    this.drainListeners = [];
    for (const listener of listeners) listener();
  }

  /** 'close' happens once, whatever caused it. */
  private readonly emitClose = (): void => {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.closed = true;
    for (const listener of [...this.closeListeners]) listener();
  };
}
