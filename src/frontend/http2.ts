// The HTTP/2 frontend adapter: one stream of a client's HTTP/2 connection
// becomes one Downstream, whose head reads as the HTTP/1.1 request the
// backend gets (RFC 9113 8.3.1): `:authority` becomes Host, cookie fields are
// joined into one header, pseudo-headers stay here. Answers lose HTTP/1.1's
// connection-specific headers, which HTTP/2 forbids. The connection's
// keep-alive decisions have no meaning per stream, so those calls do nothing.
import { Buffer } from 'node:buffer';
import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Readable } from 'node:stream';
import type { Downstream } from '../exchange/downstream.js';

/** What every stream of one client connection shares, read once per connection. */
export interface Http2Client {
  readonly clientAddress: string;
  readonly secure: boolean;
  readonly localPort: number | undefined;
  /** HSTS value for every answer, on a TLS listener that sends it. */
  readonly hsts: string | undefined;
  /** The request head as it goes on: the verified client subject set, on a TLS listener that asks for one. */
  requestHeaders(raw: string[]): string[];
}

/** Response headers HTTP/2 forbids (RFC 9113 8.2.2); the backend's HTTP/1.1 may send them. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/**
 * The HTTP/1.1 view of an HTTP/2 request head: regular fields in order,
 * Host from `:authority` when the client sent no Host, and one Cookie.
 */
export function http1View(raw: readonly string[]): { rawHeaders: string[]; method: string; path: string } {
  const out: string[] = [];
  let method = 'GET';
  let path = '';
  let authority: string | undefined;
  let hasHost = false;
  let cookie: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (name.charCodeAt(0) === 58 /* : */) {
      if (name === ':method') method = value;
      else if (name === ':path') path = value;
      else if (name === ':authority') authority = value;
      continue;
    }
    if (name === 'cookie') {
      // Split into several fields for compression; one header again for HTTP/1.1 (RFC 9113 8.2.3).
      cookie = cookie === undefined ? value : `${cookie}; ${value}`;
      continue;
    }
    if (name === 'host') hasHost = true;
    out.push(name, value);
  }
  if (!hasHost && authority !== undefined) out.unshift('host', authority);
  if (cookie !== undefined) out.push('cookie', cookie);
  return { rawHeaders: out, method, path };
}

/** The answer's head as HTTP/2 sends it: lower-case names, repeated fields as lists, no connection-specific ones. */
function http2Head(status: number, raw: readonly string[], hsts: string | undefined): OutgoingHttpHeaders {
  const head: OutgoingHttpHeaders = { ':status': status };
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (CONNECTION_SPECIFIC.has(name)) continue;
    const value = raw[i + 1]!;
    const seen = head[name];
    if (seen === undefined) head[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else head[name] = [seen as string, value];
  }
  if (hsts !== undefined) head['strict-transport-security'] = hsts;
  return head;
}

/** Trailer fields as HTTP/2 sends them. */
function trailerFields(raw: readonly string[]): OutgoingHttpHeaders {
  const fields: OutgoingHttpHeaders = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (CONNECTION_SPECIFIC.has(name) || name.charCodeAt(0) === 58) continue;
    const seen = fields[name];
    fields[name] = seen === undefined ? raw[i + 1]! : `${String(seen)}, ${raw[i + 1]!}`;
  }
  return fields;
}

export class Http2Downstream implements Downstream {
  readonly protocol = 'h2';
  readonly httpVersion = '2.0';
  readonly method: string;
  target: string;
  readonly rawHeaders: string[];
  readonly bodyFollows: boolean;
  /** We reset the stream ourselves (a broken answer), so it does not count as the client's reset. */
  abortedHere = false;
  private headerMap: IncomingHttpHeaders | undefined;
  /** The request's trailers, when the client sent some. */
  trailers: string[] | undefined;
  /** Trailers the answer ends with, once known; sent when the stream asks for them. */
  private answerTrailers: OutgoingHttpHeaders = {};

  constructor(
    private readonly stream: ServerHttp2Stream,
    raw: readonly string[],
    private readonly client: Http2Client,
  ) {
    const view = http1View(raw);
    this.method = view.method;
    this.target = view.path;
    this.rawHeaders = client.requestHeaders(view.rawHeaders);
    // HTTP/2 frames the body itself: a request without one ends with its HEADERS frame.
    this.bodyFollows = !stream.endAfterHeaders;
    if (this.bodyFollows) stream.once('trailers', this.keepTrailers);
  }

  get clientAddress(): string {
    return this.client.clientAddress;
  }

  get secure(): boolean {
    return this.client.secure;
  }

  get localPort(): number | undefined {
    return this.client.localPort;
  }

  get headers(): IncomingHttpHeaders {
    if (this.headerMap === undefined) {
      const map: Record<string, string | string[]> = {};
      const raw = this.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i]!;
        const seen = map[name];
        if (seen === undefined) map[name] = name === 'set-cookie' ? [raw[i + 1]!] : raw[i + 1]!;
        else if (Array.isArray(seen)) seen.push(raw[i + 1]!);
        else map[name] = `${seen}, ${raw[i + 1]!}`;
      }
      this.headerMap = map;
    }
    return this.headerMap;
  }

  get body(): Readable {
    return this.stream;
  }

  get bodyComplete(): boolean {
    return this.stream.endAfterHeaders || this.stream.readableEnded;
  }

  get responseStarted(): boolean {
    return this.stream.headersSent;
  }

  get responseFinished(): boolean {
    return this.stream.writableFinished;
  }

  get closed(): boolean {
    return this.stream.destroyed;
  }

  respond(status: number, rawHeaders: readonly string[]): void {
    const head = http2Head(status, rawHeaders, this.client.hsts);
    // Only an answer of unknown length (chunked from the backend) can end in
    // trailers; waiting for them costs a frame, so the others do not.
    const waitForTrailers = head['content-length'] === undefined && status !== 204 && status !== 304 && this.method !== 'HEAD';
    if (waitForTrailers) this.stream.once('wantTrailers', this.sendTrailers);
    this.stream.respond(head, { waitForTrailers });
  }

  write(chunk: Buffer): boolean {
    return this.stream.write(chunk);
  }

  end(chunk?: string | Buffer, trailers?: readonly string[]): void {
    if (trailers !== undefined && trailers.length > 0) this.answerTrailers = trailerFields(trailers);
    if (chunk === undefined) this.stream.end();
    else this.stream.end(chunk);
  }

  onDrain(listener: () => void): void {
    this.stream.once('drain', listener);
  }

  onClose(listener: () => void): void {
    this.stream.on('close', listener);
  }

  offClose(listener: () => void): void {
    this.stream.off('close', listener);
  }

  abort(): void {
    // RST_STREAM: the client sees this stream fail, the others go on.
    this.abortedHere = true;
    if (!this.stream.destroyed) this.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  }

  /** The client waits for 100 Continue before it sends the body. */
  get expectsContinue(): boolean {
    const expect = this.headers['expect'];
    return typeof expect === 'string' && expect.toLowerCase() === '100-continue';
  }

  closeAfterResponse(): void {
    // The connection carries other streams; only shutdown's GOAWAY ends it.
  }

  settleUnreadBody(hasBody: boolean): void {
    // Flow control holds an unread body back; reading and dropping it lets
    // the client finish its stream (the connection goes on regardless).
    if (hasBody && !this.bodyComplete) this.stream.resume();
  }

  closeAfterIfBodyUnread(): void {
    // Nothing to close: an unread body ties up one stream, not the connection.
  }

  refuseBody(): void {
    if (this.bodyComplete) return;
    // RFC 9113 8.1: an answer before the whole request, then RST_STREAM(NO_ERROR) tells the client to stop sending.
    const reset = (): void => {
      this.abortedHere = true;
      if (!this.stream.destroyed) this.stream.close(constants.NGHTTP2_NO_ERROR);
    };
    if (this.stream.writableFinished) reset();
    else this.stream.once('finish', reset);
  }

  discardBody(): void {
    this.stream.unpipe();
    this.stream.resume();
  }

  private readonly keepTrailers = (fields: IncomingHttpHeaders): void => {
    const raw: string[] = [];
    for (const [name, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) raw.push(name, v);
    }
    this.trailers = raw;
  };

  private readonly sendTrailers = (): void => {
    this.stream.sendTrailers(this.answerTrailers);
  };
}
