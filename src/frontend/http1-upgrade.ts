// The HTTP/1.1 frontend adapter for a request asking to switch protocols
// (Upgrade): node:http hands such a request over with its socket instead of
// a response, and parses nothing more on that connection. So this
// Downstream answers on the socket itself: a 101 hands the socket over as
// the tunnel's client end; any other answer is framed here and the
// connection closed after it, since bytes after the request are not parsed
// as requests.
import { STATUS_CODES, validateHeaderName, validateHeaderValue, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { Http1Request } from './http1-request.js';
import type { Downstream, DownstreamUpgrade } from '../exchange/downstream.js';

function noop(): void {}

function lowerEquals(s: string, lower: string): boolean {
  return s === lower || s.toLowerCase() === lower;
}

/** Framing headers this adapter writes itself: any copy in the answer is dropped. */
function framedHere(name: string): boolean {
  return (
    (name.length === 10 && lowerEquals(name, 'connection')) ||
    (name.length === 7 && lowerEquals(name, 'upgrade')) ||
    (name.length === 17 && lowerEquals(name, 'transfer-encoding')) ||
    (name.length === 10 && lowerEquals(name, 'keep-alive'))
  );
}

/** Header lines for `rawHeaders`, checked as node:http checks them; throws before anything is written. */
function headerLines(rawHeaders: readonly string[]): { lines: string; hasLength: boolean } {
  let lines = '';
  let hasLength = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    validateHeaderName(name);
    validateHeaderValue(name, value);
    if (framedHere(name)) continue;
    if (name.length === 14 && lowerEquals(name, 'content-length')) hasLength = true;
    lines += `${name}: ${value}\r\n`;
  }
  return { lines, hasLength };
}

export class Http1UpgradeDownstream extends Http1Request implements Downstream {
  readonly upgrade: DownstreamUpgrade;
  private started = false;
  /** The answer is chunked (no Content-Length from the backend, an HTTP/1.1 client). */
  private chunked = false;
  /** The answer has no body (HEAD, 204, 304): writes are dropped. */
  private bodiless = false;

  constructor(
    req: IncomingMessage,
    private readonly socket: Socket,
    /** Bytes the client sent after its request head. */
    private readonly early: Buffer,
    protocols: string,
  ) {
    super(req);
    // node:http took its listeners off the socket: a late error must not go unhandled.
    socket.on('error', noop);
    this.upgrade = { protocols, accept: (protocol, rawHeaders) => this.accept(protocol, rawHeaders) };
  }

  /** Never read: a tunnel's bytes are the socket's, and an Upgrade request with a body is refused. */
  get body(): Readable {
    return this.req;
  }

  get bodyComplete(): boolean {
    return true;
  }

  get responseStarted(): boolean {
    return this.started;
  }

  get responseFinished(): boolean {
    return this.started && this.socket.writableFinished;
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  private accept(protocol: string, rawHeaders: readonly string[]): Duplex {
    if (this.started) throw new Error('the answer already started');
    validateHeaderValue('upgrade', protocol);
    const { lines } = headerLines(rawHeaders);
    this.started = true;
    const socket = this.socket;
    // The server's socket timeout is a request's; a tunnel has its own.
    socket.setTimeout(0);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\n${lines}connection: upgrade\r\nupgrade: ${protocol}\r\n\r\n`, 'latin1');
    if (this.early.length > 0) socket.unshift(this.early);
    return socket;
  }

  respond(status: number, rawHeaders: readonly string[]): void {
    if (this.started) throw new Error('the answer already started');
    const { lines, hasLength } = headerLines(rawHeaders);
    this.started = true;
    this.bodiless = this.method === 'HEAD' || status < 200 || status === 204 || status === 304;
    // Without a length, an HTTP/1.0 client reads to the close.
    this.chunked = !hasLength && !this.bodiless && this.req.httpVersion !== '1.0';
    const reason = STATUS_CODES[status] ?? 'Unknown';
    const framing = this.chunked ? 'transfer-encoding: chunked\r\n' : '';
    this.socket.write(`HTTP/1.1 ${status} ${reason}\r\n${lines}${framing}connection: close\r\n\r\n`, 'latin1');
  }

  write(chunk: Buffer): boolean {
    if (this.bodiless || chunk.length === 0) return true;
    if (!this.chunked) return this.socket.write(chunk);
    const socket = this.socket;
    socket.cork();
    socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    socket.write(chunk);
    const ok = socket.write('\r\n', 'latin1');
    socket.uncork();
    return ok;
  }

  end(chunk?: string | Buffer): void {
    if (chunk !== undefined) this.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (this.chunked) this.socket.write('0\r\n\r\n', 'latin1');
    // node:http parses nothing more on this connection: close it after the answer.
    this.socket.end();
  }

  onDrain(listener: () => void): void {
    this.socket.once('drain', listener);
  }

  onClose(listener: () => void): void {
    this.socket.on('close', listener);
  }

  offClose(listener: () => void): void {
    this.socket.off('close', listener);
  }

  abort(): void {
    this.socket.destroy();
  }

  // The connection closes after any answer: there is no next request to keep it for.
  closeAfterResponse(): void {}

  settleUnreadBody(): void {}

  closeAfterIfBodyUnread(): void {}

  discardBody(): void {}
}

/**
 * Declines a switch no tunnel is made for (h2c): the request is given back
 * to the server as plain HTTP/1.1, its head rewritten without the Upgrade
 * headers, so node:http reads it, and every request after it, as usual.
 */
export function declineUpgrade(server: Server, req: IncomingMessage, socket: Socket, early: Buffer): void {
  const raw = req.rawHeaders;
  let head = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}\r\n`;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (lower === 'upgrade' || lower === 'http2-settings') continue;
    let value = raw[i + 1]!;
    if (lower === 'connection') {
      value = value
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '' && !/^(upgrade|http2-settings)$/i.test(t))
        .join(', ');
      if (value === '') continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  socket.unshift(Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), early]));
  // Documented for injecting connections: the server parses the socket anew.
  server.emit('connection', socket);
}
