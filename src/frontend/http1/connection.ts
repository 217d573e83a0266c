// One client connection of fairway's own HTTP/1.1 front end: bytes from the
// socket go through the strict request parser, each request becomes a
// ConnectionDownstream handed to the exchange, and requests are answered in
// order (a pipelined request waits, unparsed, until the answer before it is
// done). Timeouts are not timers: the connection notes when it last moved
// and its listener's sweep closes what overstays (connection-sweep.ts).
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { DownstreamUpgrade } from '../../exchange/downstream.js';
import type { ExchangeHandler } from '../../exchange/serve.js';
import { tunnelledProtocols } from '../../exchange/upgrade.js';
import { rawHeader } from '../../exchange/request-head.js';
import type { SecureServing } from '../secure-serving.js';
import { ConnectionDownstream, type DownstreamConnection } from './connection-downstream.js';
import { clock } from './connection-sweep.js';
import type { RequestLimits } from './request-limits.js';
import { RequestParser, type ParsedRequestHead, type RequestParseError, type RequestSink } from './request-parser.js';
import { isFieldValue } from '../../http-syntax/field-syntax.js';
import { buildResponseHead } from './response-head.js';
import { readIntoSharedBuffer, sharedReadBuffer } from './shared-read-buffer.js';
import { giveBackBuffer, lendChunk, takeBodyBuffer } from '../../net-io/body-buffer-pool.js';

/** Shared by every connection of a listener; changed in place by reloads. */
export interface ConnectionSettings {
  requestHeaderTimeoutMs: number;
  keepAliveTimeoutMs: number;
  socketIdleMs: number;
  /** A client's FIN cancels its request instead of meaning "no more requests". */
  abortOnClientClose: boolean;
}

export interface Http1ConnectionOwner {
  readonly settings: ConnectionSettings;
  /** The parser's limits (request line, head, fields); its defaults when undefined. */
  readonly limits?: Partial<RequestLimits>;
  /** The listener is closing: answers say Connection: close. */
  readonly closing: boolean;
  /** The port the listener is bound to, once it is: saves a getsockname(2) per connection. */
  readonly localPort?: number;
  onConnectionClosed(connection: Http1Connection): void;
  /** The socket now carries a tunnel; the owner tracks it until it closes. */
  onHandOver(connection: Http1Connection, socket: Socket): void;
}

/** Unparsed bytes kept while an answer is pending before the socket is paused. */
const MAX_PENDING_BYTES = 256 * 1024;
/** A read at least this large means a body arrives in bulk: its next reads go to pooled buffers. */
const MIN_BODY_READ_BYTES = 16 * 1024;
/** Most unread request bytes dropped after an answer that closes the connection mid-request (linger()). */
const LINGER_BYTES = 256 * 1024;
/** How long, at most, such a connection stays half-closed for the client to read the answer. */
const LINGER_MS = 2_000;

/** What the client's bytes are for, on a connection reading into the shared buffer. */
const enum Input {
  /** Requests: parsed. */
  Requests,
  /** Nothing any more (refused, or closing): dropped. */
  Dropped,
  /** Dropped after an answer that closed mid-request, up to LINGER_BYTES (linger()). */
  Lingering,
  /** A tunnel's: handed to the socket's Readable, which the tunnel reads. */
  Tunnel,
}

const enum Phase {
  /** Waiting for a request; `since` is when the wait began. */
  Idle,
  /** Reading a request head; `since` is its first byte. */
  Head,
  /** A request is open: socket silence is bounded. */
  Serving,
}

function refusalAnswer(status: number): string {
  return buildResponseHead(status, ['content-length', '0'], { versionMinor: 1, head: false, keepAlive: false, hsts: undefined }).text;
}

export class Http1Connection implements RequestSink, DownstreamConnection {
  readonly clientAddress: string;
  readonly secure: boolean;
  readonly localPort: number | undefined;
  private readonly parser: RequestParser;
  private current: ConnectionDownstream | undefined;
  /** The parser saw the whole current request. */
  private requestDone = false;
  /** Bytes not parsed yet: a pipelined request, or body bytes while the reader is full. */
  private pending: Buffer | undefined;
  private parsing = false;
  /** The answer ended while the parser was running: decide what follows once it returns. */
  private settleAfterParse = false;
  /** The head asked for a switch fairway declines: the parser goes on with it as a plain request. */
  private declineAfterParse = false;
  private readPaused = false;
  private halfClosed = false;
  private handedOver = false;
  private phase = Phase.Idle;
  /** Clock time of the phase's start, or of the last bytes either way while serving. */
  private since = clock.now;
  /** The connection has served a request (a fresh one waits under the header timeout). */
  private served = false;
  /** Reads land in the shared buffer (shared-read-buffer.ts) rather than coming as 'data'. */
  private readonly sharedReads: boolean;
  private input = Input.Requests;
  /** The bytes being parsed are the shared buffer's: what outlives the read is copied. */
  private inputBorrowed = false;
  /** While a body arrives in bulk, the pooled buffer of its next read. */
  private bodyReadBuffer: Buffer | undefined;
  /** Bytes of the latest read. */
  private lastReadBytes = 0;
  /** During onData: the read, when its buffer is a pooled one (lent if the body takes it whole). */
  private lendableRead: Buffer | undefined;
  private lendableBuffer: Buffer | undefined;
  /** Bytes dropped while lingering. */
  private lingered = 0;

  constructor(
    readonly socket: Socket,
    private readonly owner: Http1ConnectionOwner,
    private readonly serve: ExchangeHandler,
    private readonly tls: SecureServing | undefined,
  ) {
    this.clientAddress = socket.remoteAddress ?? '';
    this.secure = (socket as Partial<TLSSocket>).encrypted === true;
    this.localPort = owner.localPort ?? socket.localPort;
    this.parser = new RequestParser(this, owner.limits);
    socket.setNoDelay(true);
    // TLS sockets decline (their bytes come decrypted, as 'data').
    this.sharedReads = readIntoSharedBuffer(socket, this.onSharedRead, this.nextReadBuffer);
    if (!this.sharedReads) socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  get hsts(): string | undefined {
    return this.tls?.hsts;
  }

  /** Whether an answer may keep the connection: not while closing, nor after the client's FIN. */
  mayKeepAlive(): boolean {
    return !this.owner.closing && !this.halfClosed;
  }

  noteActivity(): void {
    this.since = clock.now;
  }

  /** Closes what overstayed its phase; `now` is the sweep's clock. */
  sweep(now: number): void {
    const s = this.owner.settings;
    switch (this.phase) {
      case Phase.Idle:
        if (now - this.since > (this.served ? s.keepAliveTimeoutMs : s.requestHeaderTimeoutMs)) this.socket.destroy();
        return;
      case Phase.Head:
        // Slow headers are cut however steadily they trickle in.
        if (now - this.since > s.requestHeaderTimeoutMs) this.refuse(408);
        return;
      case Phase.Serving:
        if (now - this.since > s.socketIdleMs) this.socket.destroy();
        return;
    }
  }

  /** The listener is closing: an idle connection goes now, a busy one after its answer. */
  closeIfIdle(): void {
    if (this.current === undefined && this.phase === Phase.Idle) this.destroyOnceWritten();
  }

  // --- parser sink ---

  onRequestHead(parsed: ParsedRequestHead): boolean {
    const raw = this.tls?.hasClientSubject === true ? this.tls.requestHeaders(parsed.rawHeaders, this.socket as TLSSocket) : parsed.rawHeaders;
    const downstream = new ConnectionDownstream(this, parsed, raw);
    this.current = downstream;
    this.requestDone = false;
    this.phase = Phase.Serving;
    this.since = clock.now;
    if (!this.mayKeepAlive()) downstream.keepAlive = false;
    if (parsed.upgrade) {
      const protocols = tunnelledProtocols(rawHeader(raw, 'upgrade'));
      if (protocols !== undefined) {
        downstream.upgrade = this.upgradeOf(downstream, protocols);
        // Bytes after a switch request are the tunnel's, never a next request: an answer that declines it closes.
        downstream.keepAlive = false;
      } else {
        // h2c alone: declined, and the request read on as plain HTTP/1.1 once the parser returns.
        this.declineAfterParse = true;
      }
    } else if (parsed.method === 'CONNECT') {
      // Not proxied (it is answered as a bad target); what follows its head is not HTTP.
      downstream.keepAlive = false;
    }
    // node:http answers 100-continue at once when nobody asks to decide; so does this.
    if (parsed.expectContinue && downstream.bodyFollows) this.socket.write('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
    this.serve(downstream);
    return true;
  }

  onRequestBody(buf: Buffer, start: number, end: number): boolean {
    const downstream = this.current;
    if (downstream === undefined) return true;
    this.since = clock.now;
    let chunk: Buffer;
    if (buf === this.lendableRead && start === 0 && end === buf.length) {
      // All of a pooled buffer's read is this one chunk: lent, not copied (body-buffer-pool.ts).
      chunk = buf;
      lendChunk(chunk, this.lendableBuffer!);
      this.lendableRead = undefined;
    } else if (this.inputBorrowed) chunk = Buffer.from(buf.subarray(start, end));
    else chunk = buf.subarray(start, end);
    if (downstream.pushBody(chunk)) return true;
    this.pauseReading();
    return false;
  }

  onRequestComplete(trailers: string[] | null): void {
    this.requestDone = true;
    const downstream = this.current;
    if (downstream === undefined) return;
    downstream.endBody(trailers);
    // The answer went first (an answer of our own, the body skipped): go on now.
    if (downstream.responseFinished) this.settleAfterParse = true;
  }

  // --- from the request's Downstream ---

  /** The reader wants more body bytes. */
  resumeBody(): void {
    if (this.parsing) return;
    if (this.pending !== undefined && this.current !== undefined && !this.requestDone) {
      const pending = this.pending;
      this.pending = undefined;
      this.feed(pending, false);
    }
    if (this.readPaused && (this.pending === undefined || this.pending.length < MAX_PENDING_BYTES)) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  /** The answer is out: go on to the next request, or close. */
  responseDone(downstream: ConnectionDownstream): void {
    if (downstream !== this.current || this.handedOver) return;
    this.since = clock.now;
    // Answered from within the parser (an answer of our own to the head): it may not have seen the end of the request yet.
    if (this.parsing) this.settleAfterParse = true;
    else this.settle(downstream);
  }

  /** After an answer: the next request, or close. */
  private settle(downstream: ConnectionDownstream): void {
    if (!downstream.keepAlive || !this.mayKeepAlive()) return this.closeAfterWrites();
    // The body is still arriving (dropped, or still forwarded to a backend
    // that answered first): the connection goes on once it is in
    // (onRequestComplete). The exchange says when it cannot wait (closeAfterIfBodyUnread).
    if (!this.requestDone) return;
    this.nextRequest();
  }

  /** Ends this connection's HTTP: the socket becomes a tunnel's client end. */
  handOver(): Duplex {
    const socket = this.socket;
    this.handedOver = true;
    if (this.sharedReads) this.input = Input.Tunnel;
    else socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('drain', this.onDrain);
    socket.off('close', this.onClose);
    socket.pause();
    if (this.pending !== undefined) socket.unshift(this.pending);
    this.pending = undefined;
    this.owner.onHandOver(this, socket);
    return socket;
  }

  // --- socket events ---

  private readonly onSharedRead = (bytes: number, buffer: Buffer): boolean => {
    switch (this.input) {
      case Input.Requests: {
        this.lastReadBytes = bytes;
        const read = buffer.subarray(0, bytes);
        if (buffer === sharedReadBuffer) {
          this.onData(read, true);
          return true;
        }
        // A pooled buffer (nextReadBuffer) is read like the shared one, what
        // outlives the read copied, unless the body takes all of it as one
        // chunk: that chunk is lent (onRequestBody), and its writer gives the
        // buffer back once the bytes are written on.
        this.bodyReadBuffer = undefined;
        this.lendableRead = read;
        this.lendableBuffer = buffer;
        this.onData(read, true);
        const lent = this.lendableRead === undefined;
        this.lendableRead = undefined;
        this.lendableBuffer = undefined;
        if (!lent) giveBackBuffer(buffer);
        return true;
      }
      case Input.Tunnel:
        // The tunnel reads the socket as a stream; false stops reads until it wants more.
        return this.socket.push(Buffer.from(buffer.subarray(0, bytes)));
      case Input.Lingering:
        this.lingerOver(bytes);
        return true;
      case Input.Dropped:
        return true;
    }
  };

  /**
   * Where the socket's next read goes: a pooled buffer while a body arrives
   * in bulk (the latest read was large), else the shared one. A body that
   * trickles in stays on the shared buffer, its few bytes copied, so a
   * client sending slowly holds no read buffer between its reads. A pooled
   * buffer is 256 KiB: a fast upload takes a quarter of the reads and
   * writes 64 KiB ones would.
   */
  private readonly nextReadBuffer = (): Buffer => {
    const left = this.input === Input.Requests && this.current !== undefined && this.lastReadBytes >= MIN_BODY_READ_BYTES ? this.parser.bodyBytesLeft : 0;
    if (left === 0) {
      // One armed but not read into by a request (its read was a tunnel's, or dropped): nothing refers to it.
      if (this.bodyReadBuffer !== undefined) giveBackBuffer(this.bodyReadBuffer);
      this.bodyReadBuffer = undefined;
      return sharedReadBuffer;
    }
    // (A chunked body's length is unknown: -1.)
    return (this.bodyReadBuffer ??= takeBodyBuffer());
  };

  /** `borrowed`: chunk is the shared buffer's, valid only until this returns. */
  private readonly onData = (chunk: Buffer, borrowed = false): void => {
    // A head's time runs from its first byte: one that trickles in is not kept alive by its trickle.
    if (this.phase !== Phase.Head) this.since = clock.now;
    if (this.current !== undefined && (this.requestDone || this.pending !== undefined)) {
      // A pipelined request (or more body while the reader is full) waits its turn.
      this.pending = this.pending !== undefined ? Buffer.concat([this.pending, chunk]) : borrowed ? Buffer.from(chunk) : chunk;
      if (this.pending.length >= MAX_PENDING_BYTES) this.pauseReading();
      return;
    }
    if (this.phase === Phase.Idle) this.phase = Phase.Head;
    this.feed(chunk, borrowed);
  };

  private readonly onEnd = (): void => {
    if (this.owner.settings.abortOnClientClose) {
      this.socket.destroy();
      return;
    }
    // No more requests: answer the open one, then close. A body cut short
    // by the FIN can never complete, so that client is gone.
    this.halfClosed = true;
    if (this.current === undefined) this.destroyOnceWritten();
    else if (!this.requestDone) this.socket.destroy();
    else this.current.keepAlive = false;
  };

  private readonly onDrain = (): void => {
    this.current?.drained();
  };

  private readonly onError = (): void => {
    // 'close' follows; the request (if any) sees its client gone there.
  };

  private readonly onClose = (): void => {
    const downstream = this.current;
    this.current = undefined;
    if (downstream !== undefined && !downstream.responseFinished) downstream.clientGone();
    this.owner.onConnectionClosed(this);
  };

  // --- internals ---

  /** `borrowed`: buf is the shared buffer's (see onData). */
  private feed(buf: Buffer, borrowed: boolean): void {
    if (this.pending !== undefined) {
      buf = Buffer.concat([this.pending, buf]);
      this.pending = undefined;
      borrowed = false;
    }
    this.parsing = true;
    const outer = this.inputBorrowed;
    this.inputBorrowed = borrowed;
    let left = this.parser.execute(buf, 0, buf.length);
    if (this.declineAfterParse && left !== -1) {
      this.declineAfterParse = false;
      this.parser.declineUpgrade();
      if (left > 0 && this.parser.inBody) left = this.parser.execute(buf, buf.length - left, buf.length);
    }
    this.inputBorrowed = outer;
    this.parsing = false;
    if (left === -1) return this.parseFailed(this.parser.error!);
    if (left > 0) this.pending = borrowed ? Buffer.from(buf.subarray(buf.length - left)) : buf.subarray(buf.length - left);
    if (this.settleAfterParse) {
      this.settleAfterParse = false;
      const downstream = this.current;
      if (downstream !== undefined && downstream.responseFinished && !this.handedOver) this.settle(downstream);
    }
  }

  private nextRequest(): void {
    this.current = undefined;
    this.served = true;
    this.parser.reset();
    this.phase = Phase.Idle;
    this.since = clock.now;
    if (this.pending !== undefined) {
      const pending = this.pending;
      this.pending = undefined;
      this.phase = Phase.Head;
      this.feed(pending, false);
    }
    if (this.readPaused && this.current === undefined) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  private parseFailed(error: RequestParseError): void {
    const downstream = this.current;
    if (downstream === undefined) return this.refuse(error.status);
    // A broken body: the request cannot go on. Its answer is ours if none started;
    // the exchange sees its client gone (a try in flight is cut).
    if (downstream.responseStarted) {
      this.socket.destroy();
      return;
    }
    this.refuse(error.status);
    downstream.clientGone();
  }

  /** Answers a request we cannot read with `status`, then closes. */
  private refuse(status: number): void {
    this.phase = Phase.Serving;
    this.stopReadingRequests();
    if (this.socket.writable) this.socket.end(refusalAnswer(status), 'latin1');
    this.destroyAfterWrites();
  }

  private closeAfterWrites(): void {
    this.stopReadingRequests();
    // All of the answer is in the kernel already (the usual case): close(2)
    // sends it and the FIN, without a shutdown(2) and a 'finish' to wait for.
    // TLS says close_notify first, so it takes the long way.
    if (this.requestDone && !this.secure && this.socket.writableLength === 0) {
      this.socket.destroy();
      return;
    }
    this.socket.end();
    if (this.requestDone) this.destroyAfterWrites();
    else this.linger();
  }

  // Closing a socket with request bytes still unread makes the kernel send a
  // reset, and a reset can wipe the answer from the client's receive buffer
  // before the client has read it (a 413 to an upload in progress). So such a
  // connection stays half-closed a while: up to LINGER_BYTES more are read and
  // dropped, then reading stops; it goes when the client closes its side
  // (onEnd) or after LINGER_MS.
  private linger(): void {
    const socket = this.socket;
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    socket.once('close', () => clearTimeout(timer));
    if (this.sharedReads) this.input = Input.Lingering;
    else socket.on('data', (chunk: Buffer) => this.lingerOver(chunk.length));
    if (this.readPaused) {
      this.readPaused = false;
      socket.resume();
    }
  }

  /** Counts `bytes` more dropped while lingering; reading stops past LINGER_BYTES. */
  private lingerOver(bytes: number): void {
    this.lingered += bytes;
    if (this.lingered >= LINGER_BYTES) this.socket.pause();
  }

  /** Later bytes from the client are dropped. */
  private stopReadingRequests(): void {
    if (this.sharedReads) this.input = Input.Dropped;
    else this.socket.off('data', this.onData);
  }

  /**
   * Closes an idle connection. Its last answer may still be held in the
   * socket for the turn's end (turn-end-writes.ts), and destroy() would drop
   * it: then the socket ends, and goes once that is written.
   */
  private destroyOnceWritten(): void {
    if (this.socket.writableLength === 0) {
      this.socket.destroy();
      return;
    }
    this.stopReadingRequests();
    this.socket.end();
    this.destroyAfterWrites();
  }

  /** A peer that never closes its side must not hold the socket open. */
  private destroyAfterWrites(): void {
    if (this.socket.writableFinished) this.socket.destroy();
    else this.socket.once('finish', () => this.socket.destroy());
  }

  private pauseReading(): void {
    if (this.readPaused) return;
    this.readPaused = true;
    this.socket.pause();
  }

  private upgradeOf(downstream: ConnectionDownstream, protocols: string): DownstreamUpgrade {
    return {
      protocols,
      accept: (protocol, rawHeaders) => {
        if (!isFieldValue(protocol)) throw new TypeError('invalid Upgrade protocol');
        const kept: string[] = [];
        for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() !== 'upgrade') kept.push(rawHeaders[i]!, rawHeaders[i + 1]!);
        // Connection is ours to write (the backend's was dropped with the other framing fields); Upgrade names the switch once.
        kept.push('upgrade', protocol);
        const text = buildResponseHead(101, kept, { versionMinor: 1, head: true, keepAlive: true, hsts: undefined, connection: 'upgrade' }).text;
        const socket = downstream.takeSocket();
        this.socket.write(text, 'latin1');
        return socket;
      },
    };
  }
}
