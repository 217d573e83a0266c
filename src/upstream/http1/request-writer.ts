// Serializes requests onto a socket. The head is built as one latin1 string
// and written once, corked together with a Buffer body (one writev). Stream
// bodies follow raw when a Content-Length was given (and must match it),
// chunked otherwise, honouring the socket's backpressure.
import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { TransportError } from './errors.js';
import { forwardableTrailer } from './trailer-fields.js';
import { holdWritesToTurnEnd } from '../../net-io/turn-end-writes.js';
import { equalsIgnoringCase } from '../../http-syntax/field-syntax.js';
import { giveBackOnceWritten } from '../../net-io/body-buffer-pool.js';

export type RequestBody = Buffer | Readable | null;

/** What the writer tells its connection about a streamed body. */
export interface BodyListener {
  /** A chunk went out: the backend is still receiving, push the header deadline back. */
  onBodyProgress(): void;
  /** The whole body was handed to the socket. */
  onBodySent(): void;
  /** The body stream failed, ended early or did not match its Content-Length. */
  onBodyError(err: Error): void;
}

/** The head and how to send the body. */
export interface UpstreamRequestHead {
  head: string;
  /** For a stream body: declared length, or -1 to send it chunked. */
  streamLength: number;
}

const METHODS_WITH_PAYLOAD = new Set(['POST', 'PUT', 'PATCH']);


function invalid(message: string): TransportError {
  return new TransportError('UND_ERR_INVALID_ARG', message);
}

/**
 * Builds the request head. `headers` is a flat [name, value, ...] list; a
 * Host header is added from `defaultHost` when missing, Content-Length for
 * a Buffer body (or an empty POST/PUT/PATCH), Transfer-Encoding: chunked
 * for a stream without a length. Throws on values that would break the
 * framing (an LF anywhere but at line ends) or a mismatched Content-Length.
 */
export function buildRequestHead(method: string, path: string, headers: readonly string[], body: RequestBody, defaultHost: string): UpstreamRequestHead {
  // Joined with `+` onto the head, piece by piece: each step is a cheap
  // rope node, where a template literal per line copies short pieces into
  // a string of its own first (about 20 % of this function's time).
  let head = method + ' ' + path + ' HTTP/1.1\r\n';
  let lines = 1;
  let hasHost = false;
  let contentLength: string | undefined;
  let chunked = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    switch (name.length) {
      case 4:
        if (equalsIgnoringCase(name, 'host')) hasHost = true;
        break;
      case 14:
        if (equalsIgnoringCase(name, 'content-length')) {
          if (contentLength !== undefined && contentLength !== value) throw invalid('conflicting content-length headers');
          contentLength = value;
        }
        break;
      case 17:
        if (equalsIgnoringCase(name, 'transfer-encoding')) {
          if (!equalsIgnoringCase(value, 'chunked') || body === null || Buffer.isBuffer(body)) throw invalid('transfer-encoding is set by the transport');
          chunked = true;
        }
        break;
    }
    head = head + name + ': ' + value + '\r\n';
    lines++;
  }
  if (!hasHost) {
    head = head + 'host: ' + defaultHost + '\r\n';
    lines++;
  }
  let streamLength = -1;
  if (body === null) {
    if (contentLength !== undefined && contentLength !== '0') throw invalid('content-length without a body');
    if (contentLength === undefined && METHODS_WITH_PAYLOAD.has(method)) {
      head += 'content-length: 0\r\n';
      lines++;
    }
  } else if (Buffer.isBuffer(body)) {
    if (contentLength === undefined) {
      head += `content-length: ${body.length}\r\n`;
      lines++;
    } else if (Number(contentLength) !== body.length) {
      throw new TransportError('UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', 'content-length does not match the body');
    }
  } else if (contentLength !== undefined) {
    if (chunked) throw invalid('both content-length and transfer-encoding');
    streamLength = Number(contentLength);
    if (!Number.isSafeInteger(streamLength) || streamLength < 0 || !/^\d+$/.test(contentLength)) throw invalid('invalid content-length');
  } else if (!chunked) {
    head += 'transfer-encoding: chunked\r\n';
    lines++;
  }
  head += '\r\n';
  lines++;
  // Every LF must end one of the lines written above: a name, value, method
  // or path carrying its own would smuggle a header or a request.
  let seen = 0;
  for (let at = head.indexOf('\n'); at !== -1; at = head.indexOf('\n', at + 1)) seen++;
  if (seen !== lines) throw invalid('line break in request method, path or header');
  return { head, streamLength };
}

/** Writes the head and a Buffer body in one go, at the end of this turn. */
export function writeHeadAndBuffer(socket: Socket, head: string, body: Buffer | null): void {
  // Head and body go out together at the turn's end, with the turn's other requests (turn-end-writes.ts).
  holdWritesToTurnEnd(socket);
  socket.write(head, 'latin1');
  if (body !== null && body.length > 0) socket.write(body);
}

const LAST_CHUNK = '0\r\n\r\n';

/** The last chunk, with the trailer fields that may be passed on. */
function lastChunk(trailers: readonly string[] | undefined): string {
  if (trailers === undefined || trailers.length === 0) return LAST_CHUNK;
  let out = '0\r\n';
  for (let i = 0; i < trailers.length; i += 2) {
    if (forwardableTrailer(trailers[i]!, trailers[i + 1]!)) out += `${trailers[i]!}: ${trailers[i + 1]!}\r\n`;
  }
  return `${out}\r\n`;
}

/**
 * Copies a stream body to the socket, raw (known length) or chunked. A lent
 * chunk goes back to its pool once written: a streamed body is never
 * replayed, so this is its last holder.
 */
export class StreamBodyWriter {
  private sent = 0;
  private finished = false;
  private waitingForDrain = false;

  constructor(
    private readonly socket: Socket,
    private readonly body: Readable,
    /** Declared length, or -1 for chunked. */
    private readonly length: number,
    private readonly listener: BodyListener,
    /** Read when the body ends: the trailer fields to send after a chunked body. */
    private readonly trailers?: () => readonly string[] | undefined,
  ) {}

  start(): void {
    const body = this.body;
    if (body.destroyed || body.readableAborted) {
      this.fail(new TransportError('UND_ERR_ABORTED', 'request body stream was destroyed'));
      return;
    }
    body.on('data', this.onData);
    body.on('end', this.onEnd);
    body.on('error', this.onError);
    body.on('close', this.onClose);
    if (body.isPaused()) body.resume();
  }

  /** Stops copying; the stream is left alone. */
  detach(): void {
    if (this.finished) return;
    this.finished = true;
    const body = this.body;
    body.off('data', this.onData);
    body.off('end', this.onEnd);
    body.off('error', this.onError);
    body.off('close', this.onClose);
    if (this.waitingForDrain) this.socket.off('drain', this.onDrain);
  }

  get done(): boolean {
    return this.finished;
  }

  private readonly onData = (data: Buffer | string): void => {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    if (chunk.length === 0) return;
    this.sent += chunk.length;
    let ok: boolean;
    if (this.length === -1) {
      this.socket.cork();
      this.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      this.socket.write(chunk, giveBackOnceWritten(chunk));
      ok = this.socket.write('\r\n', 'latin1');
      this.socket.uncork();
    } else {
      if (this.sent > this.length) {
        this.fail(new TransportError('UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', 'request body longer than its content-length'));
        return;
      }
      ok = this.socket.write(chunk, giveBackOnceWritten(chunk));
    }
    this.listener.onBodyProgress();
    if (!ok && !this.finished && !this.waitingForDrain) {
      this.waitingForDrain = true;
      this.body.pause();
      this.socket.once('drain', this.onDrain);
    }
  };

  private readonly onDrain = (): void => {
    this.waitingForDrain = false;
    if (!this.finished) this.body.resume();
  };

  private readonly onEnd = (): void => {
    if (this.finished) return;
    if (this.length === -1) this.socket.write(lastChunk(this.trailers?.()), 'latin1');
    else if (this.sent !== this.length) {
      this.fail(new TransportError('UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', 'request body shorter than its content-length'));
      return;
    }
    this.detach();
    this.listener.onBodySent();
  };

  private readonly onError = (err: Error): void => {
    this.fail(err);
  };

  private readonly onClose = (): void => {
    // 'end' comes before 'close' for a complete body; anything else was cut short.
    if (!this.finished) this.fail(new TransportError('UND_ERR_ABORTED', 'request body stream closed before its end'));
  };

  private fail(err: Error): void {
    if (this.finished) return;
    this.detach();
    this.listener.onBodyError(err);
  }
}
