// One request of an HTTP/1.1 connection of fairway's own front end, as a
// Downstream. The answer is framed here (response-head.ts) and written to
// the connection's socket: the head waits for the first body bytes so that
// a head and a small body leave in one write. The keep-alive decisions that
// only HTTP/1.1 has live here too, as in the node:http adapter: close after
// an answer of our own that leaves a long body unread.
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import type { Downstream, DownstreamUpgrade } from '../../exchange/downstream.js';
import { holdWritesToTurnEnd } from '../../net-io/turn-end-writes.js';
import { giveBackChunk, giveBackOnceWritten } from '../../net-io/body-buffer-pool.js';
import { buildResponseHead, type ResponseHead } from './response-head.js';
import type { ParsedRequestHead } from './request-parser.js';
import { RequestBodyStream, type BodySource } from './request-body-stream.js';
import { latin1Text } from '../../net-io/latin1.js';

/** What a request needs of its connection (connection.ts). */
export interface DownstreamConnection extends BodySource {
  readonly socket: Socket;
  readonly clientAddress: string;
  readonly secure: boolean;
  readonly localPort: number | undefined;
  readonly hsts: string | undefined;
  /** Neither a closing listener nor the client's FIN forbids keeping the connection. */
  mayKeepAlive(): boolean;
  noteActivity(): void;
  /** The answer is out. */
  responseDone(downstream: ConnectionDownstream): void;
  /** The socket becomes a tunnel's client end. */
  handOver(): Duplex;
}

/** Most unread request body bytes skipped to keep a connection after an answer of our own. */
const SKIPPABLE_BODY_BYTES = 64 * 1024;
const LAST_CHUNK = '0\r\n\r\n';
/** A first body chunk up to this size leaves in one Buffer with the head (joinedWithHead). */
const JOINED_BODY_BYTES = 2048;

type Listener = () => void;

export class ConnectionDownstream implements Downstream {
  readonly protocol: string;
  readonly httpVersion: string;
  readonly method: string;
  target: string;
  readonly rawHeaders: readonly string[];
  readonly bodyFollows: boolean;
  upgrade: DownstreamUpgrade | undefined;
  /** The request's trailers, once its chunked body ended with some. */
  trailers: readonly string[] | undefined;
  /** The parser has seen the whole request. */
  bodyComplete: boolean;
  /** The connection takes another request after this answer. */
  keepAlive: boolean;
  /** Body bytes are read and dropped (an answer of our own came first). */
  discarding = false;
  private headerMap: Record<string, string | string[]> | undefined;
  private bodyStream: RequestBodyStream | undefined;
  private head: ResponseHead | undefined;
  /** The head, until it goes out with the first body bytes. */
  private unsentHead: string | undefined;
  private finished = false;
  private gone = false;
  private closeListeners: Listener[] | undefined;
  private drainListener: Listener | undefined;

  constructor(
    private readonly connection: DownstreamConnection,
    parsed: ParsedRequestHead,
    rawHeaders: readonly string[],
  ) {
    this.method = parsed.method;
    this.target = parsed.target;
    this.rawHeaders = rawHeaders;
    this.protocol = parsed.versionMinor === 0 ? 'http/1.0' : 'http/1.1';
    this.httpVersion = parsed.versionMinor === 0 ? '1.0' : '1.1';
    this.bodyFollows = parsed.chunked || parsed.contentLength > 0;
    this.bodyComplete = !this.bodyFollows;
    this.keepAlive = parsed.keepAlive;
  }

  get clientAddress(): string {
    return this.connection.clientAddress;
  }

  get secure(): boolean {
    return this.connection.secure;
  }

  get localPort(): number | undefined {
    return this.connection.localPort;
  }

  get headers(): Readonly<Record<string, string | string[]>> {
    if (this.headerMap === undefined) {
      const map: Record<string, string | string[]> = {};
      const raw = this.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i]!.toLowerCase();
        const seen = map[name];
        if (seen === undefined) map[name] = name === 'set-cookie' ? [raw[i + 1]!] : raw[i + 1]!;
        else if (Array.isArray(seen)) seen.push(raw[i + 1]!);
        else map[name] = `${seen}${name === 'cookie' ? '; ' : ', '}${raw[i + 1]!}`;
      }
      this.headerMap = map;
    }
    return this.headerMap;
  }

  get body(): Readable {
    return (this.bodyStream ??= new RequestBodyStream(this.connection));
  }

  get responseStarted(): boolean {
    return this.head !== undefined;
  }

  get responseFinished(): boolean {
    return this.finished;
  }

  get closed(): boolean {
    return this.finished || this.gone;
  }

  // --- from the connection ---

  /** Body bytes from the parser; false when the reader's buffer is full. */
  pushBody(chunk: Buffer): boolean {
    if (this.discarding) return true;
    return this.body.push(chunk);
  }

  /** The parser saw the end of the body. */
  endBody(trailers: string[] | null): void {
    this.bodyComplete = true;
    if (trailers !== null) this.trailers = trailers;
    // A request without a body never builds the stream.
    if (!this.discarding && this.bodyFollows) this.body.push(null);
  }

  /** The socket can take more. */
  drained(): void {
    const listener = this.drainListener;
    this.drainListener = undefined;
    listener?.();
  }

  /** The socket closed before the answer was done. */
  clientGone(): void {
    if (this.gone) return;
    this.gone = true;
    if (this.bodyStream !== undefined && !this.bodyComplete) this.bodyStream.destroy();
    this.notifyClose();
  }

  // --- Downstream ---

  respond(status: number, rawHeaders: readonly string[], checked?: readonly string[]): void {
    const connection = this.connection;
    const head = buildResponseHead(
      status,
      rawHeaders,
      {
        versionMinor: this.httpVersion === '1.0' ? 0 : 1,
        head: this.method === 'HEAD',
        keepAlive: this.keepAlive && connection.mayKeepAlive(),
        hsts: connection.hsts,
      },
      checked,
    );
    this.head = head;
    this.keepAlive = head.keepAlive;
    this.unsentHead = head.text;
  }

  write(chunk: Buffer): boolean {
    const head = this.head!;
    if (head.bodiless || chunk.length === 0) {
      giveBackChunk(chunk);
      return this.flushHead();
    }
    const socket = this.connection.socket;
    if (!head.chunked) {
      // A lent chunk (body-buffer-pool.ts) goes back to its pool once the socket has it.
      if (this.unsentHead === undefined) return this.countWrite(socket.write(chunk, giveBackOnceWritten(chunk)));
      if (chunk.length <= JOINED_BODY_BYTES) {
        // A connection that closes after this answer sends it now: its close follows at once.
        if (head.keepAlive) holdWritesToTurnEnd(socket);
        const joined = this.joinedWithHead(chunk);
        giveBackChunk(chunk);
        return this.countWrite(socket.write(joined, 'latin1'));
      }
    }
    socket.cork();
    if (this.unsentHead !== undefined) {
      socket.write(this.unsentHead, 'latin1');
      this.unsentHead = undefined;
    }
    if (head.chunked) socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
    let ok = socket.write(chunk, giveBackOnceWritten(chunk));
    if (head.chunked) ok = socket.write('\r\n', 'latin1');
    socket.uncork();
    return this.countWrite(ok);
  }

  /**
   * The unsent head and a small first body chunk as one latin1 string: one
   * plain write costs less than a corked writev of the two, whose
   * bookkeeping Node does in JavaScript, and a string is written from V8's
   * heap, where a joined Buffer would be allocated, filled and copied first.
   */
  private joinedWithHead(chunk: Buffer): string {
    const joined = this.unsentHead! + latin1Text(chunk, 0, chunk.length);
    this.unsentHead = undefined;
    return joined;
  }

  end(chunk?: string | Buffer, trailers?: readonly string[]): void {
    if (this.finished) return;
    const head = this.head!;
    const socket = this.connection.socket;
    let text = this.unsentHead ?? '';
    this.unsentHead = undefined;
    const body = head.bodiless || chunk === undefined || chunk.length === 0 ? undefined : chunk;
    // A proxied answer whose bytes all went through write() has nothing left to send.
    if (body !== undefined || text !== '' || head.chunked) {
      // Sent with the turn's other writes, as write() does; an answer that closes the connection goes at once.
      if (head.keepAlive) holdWritesToTurnEnd(socket);
      // Corked: the head, the last bytes and the end leave in one write.
      socket.cork();
      if (body !== undefined) {
        if (head.chunked) text += `${Buffer.byteLength(body).toString(16)}\r\n`;
        if (text !== '') socket.write(text, 'latin1');
        text = '';
        socket.write(body);
        if (head.chunked) text = '\r\n';
      }
      if (head.chunked) text += lastChunk(trailers);
      if (text !== '') socket.write(text, 'latin1');
      socket.uncork();
    }
    this.finished = true;
    this.connection.responseDone(this);
    this.notifyClose();
  }

  onDrain(listener: () => void): void {
    this.drainListener = listener;
  }

  onClose(listener: () => void): void {
    (this.closeListeners ??= []).push(listener);
  }

  offClose(listener: () => void): void {
    const list = this.closeListeners;
    if (list === undefined) return;
    const at = list.indexOf(listener);
    if (at !== -1) list.splice(at, 1);
  }

  abort(): void {
    // A truncated answer must not look whole: the connection goes with it.
    this.connection.socket.destroy();
  }

  closeAfterResponse(): void {
    this.keepAlive = false;
  }

  settleUnreadBody(hasBody: boolean, contentLength: number | undefined): void {
    if (!hasBody || this.bodyComplete) return;
    const short = contentLength !== undefined && contentLength <= SKIPPABLE_BODY_BYTES;
    if (!short) this.keepAlive = false;
    // Read and drop: a short body ends in time for the next request; a long
    // one is cut when the connection closes after the answer.
    this.discardBody();
  }

  closeAfterIfBodyUnread(hasBody: boolean): void {
    if (hasBody && !this.bodyComplete) this.keepAlive = false;
  }

  refuseBody(): void {
    // Not read on: the connection closes after the answer (bytes after it would be this body's).
    this.keepAlive = false;
  }

  discardBody(): void {
    this.discarding = true;
    if (this.bodyStream !== undefined) {
      this.bodyStream.unpipe();
      this.bodyStream.resume();
    }
    this.connection.resumeBody();
  }

  /** Hands the socket over for a tunnel (see connection.ts). */
  takeSocket(): Duplex {
    this.finished = true;
    return this.connection.handOver();
  }

  private flushHead(): boolean {
    if (this.unsentHead === undefined) return true;
    const text = this.unsentHead;
    this.unsentHead = undefined;
    return this.countWrite(this.connection.socket.write(text, 'latin1'));
  }

  private countWrite(ok: boolean): boolean {
    this.connection.noteActivity();
    return ok;
  }

  private notifyClose(): void {
    const list = this.closeListeners;
    if (list === undefined) return;
    this.closeListeners = undefined;
    for (const listener of list) listener();
  }
}

function lastChunk(trailers: readonly string[] | undefined): string {
  if (trailers === undefined || trailers.length === 0) return LAST_CHUNK;
  let out = '0\r\n';
  for (let i = 0; i < trailers.length; i += 2) out += `${trailers[i]!}: ${trailers[i + 1]!}\r\n`;
  return `${out}\r\n`;
}
