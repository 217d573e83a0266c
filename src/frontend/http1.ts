// The HTTP/1.1 frontend adapter: one node:http request/response pair becomes
// one Downstream. The keep-alive decisions that only HTTP/1.1 has live here:
// close after a client's half-close, and after an answer of our own when an
// unread request body cannot be skipped cheaply.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Downstream } from '../exchange/downstream.js';
import { Http1Request } from './http1-request.js';

/** Most unread request body bytes skipped to keep a connection after an answer of our own. */
const SKIPPABLE_BODY_BYTES = 64 * 1024;

function pairs(raw: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

export class Http1Downstream extends Http1Request implements Downstream {
  constructor(
    req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    super(req);
  }

  get body(): Readable {
    return this.req;
  }

  get trailers(): readonly string[] {
    return this.req.rawTrailers;
  }

  get bodyComplete(): boolean {
    return this.req.complete;
  }

  get responseStarted(): boolean {
    return this.res.headersSent;
  }

  get responseFinished(): boolean {
    return this.res.writableFinished;
  }

  get closed(): boolean {
    return this.res.destroyed;
  }

  respond(status: number, rawHeaders: readonly string[]): void {
    // A client that half-closed (sent FIN) sends no further requests: say so
    // in the answer's Connection header; node:http closes after it either way.
    if (this.res.socket?.readableEnded === true) this.res.shouldKeepAlive = false;
    this.res.writeHead(status, rawHeaders as string[]);
  }

  write(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }

  end(chunk?: string | Buffer, trailers?: readonly string[]): void {
    // node:http sends them only on a chunked answer, which is the only kind a backend's trailers come with.
    if (trailers !== undefined && trailers.length > 0) this.res.addTrailers(pairs(trailers));
    if (chunk === undefined) this.res.end();
    else this.res.end(chunk);
  }

  onDrain(listener: () => void): void {
    this.res.once('drain', listener);
  }

  onClose(listener: () => void): void {
    this.res.on('close', listener);
  }

  offClose(listener: () => void): void {
    this.res.off('close', listener);
  }

  abort(err?: Error): void {
    this.res.destroy(err);
  }

  closeAfterResponse(): void {
    this.res.shouldKeepAlive = false;
  }

  settleUnreadBody(hasBody: boolean, contentLength: number | undefined): void {
    if (!hasBody || this.req.complete) return;
    const short = contentLength !== undefined && contentLength <= SKIPPABLE_BODY_BYTES;
    if (!short) this.res.shouldKeepAlive = false;
    // Read and discard: a short body ends in time for the next request; a long
    // one is cut when the connection closes after the answer.
    this.req.resume();
  }

  closeAfterIfBodyUnread(hasBody: boolean): void {
    // A request without a body is complete even while node:http is still finishing its parse.
    if (hasBody && !this.req.complete) this.res.shouldKeepAlive = false;
  }

  discardBody(): void {
    this.req.unpipe();
    this.req.resume();
  }
}
