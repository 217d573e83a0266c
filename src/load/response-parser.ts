// An incremental HTTP/1.1 response parser for the load generator. It reads
// only what a load test needs (status, framing, Connection and one named
// header) and skips bodies without copying them. One parser serves one
// connection, which has at most one request in flight.
import { Buffer } from 'node:buffer';

const IN_HEAD = 0;
const IN_LENGTH_BODY = 1;
const IN_CHUNK_SIZE = 2;
const IN_CHUNK_DATA = 3;
const IN_CHUNK_END = 4;
const IN_TRAILERS = 5;
const UNTIL_CLOSE = 6;
const IDLE = 7;

/** A response head larger than this is treated as a protocol error. */
const MAX_HEAD_BYTES = 64 * 1024;

const CR = 13;
const LF = 10;

export interface LoadResponseSink {
  /** A full response was read. `close`: the server will close the connection. */
  onResponse(status: number, backend: string | undefined, close: boolean): void;
  /** The bytes are not a valid response; the connection must be dropped. */
  onProtocolError(message: string): void;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export class LoadResponseParser {
  private state = IDLE;
  private pending: Buffer | undefined;
  private remaining = 0;
  private chunkSize = 0;
  private chunkSizeDigits = 0;
  private inChunkExtension = false;
  private trailerLineLength = 0;
  private status = 0;
  private backend: string | undefined;
  private close = false;
  private bodyless = false;
  private readonly backendHeader: string;

  constructor(
    backendHeader: string,
    private readonly sink: LoadResponseSink,
  ) {
    this.backendHeader = backendHeader.toLowerCase();
  }

  /** Call before each request is sent; `bodyless` for HEAD requests. */
  expect(bodyless: boolean): void {
    this.state = IN_HEAD;
    this.pending = undefined;
    this.bodyless = bodyless;
  }

  /** True when the response is framed by the connection closing. */
  get readsUntilClose(): boolean {
    return this.state === UNTIL_CLOSE;
  }

  /** The connection closed: completes a response framed by the close; false if none. */
  closed(): boolean {
    if (this.state !== UNTIL_CLOSE) return false;
    this.state = IDLE;
    this.sink.onResponse(this.status, this.backend, true);
    return true;
  }

  execute(data: Buffer): void {
    let offset = 0;
    const end = data.length;
    while (offset < end) {
      switch (this.state) {
        case IN_HEAD: {
          let buf = data;
          let from = offset;
          let searchFrom = offset;
          if (this.pending !== undefined) {
            searchFrom = Math.max(0, this.pending.length - 3);
            buf = Buffer.concat([this.pending, data.subarray(offset)]);
            from = 0;
            this.pending = undefined;
          }
          const headEnd = buf.indexOf('\r\n\r\n', searchFrom, 'latin1');
          if (headEnd === -1) {
            if (buf.length - from > MAX_HEAD_BYTES) return this.fail('response head too large');
            this.pending = Buffer.from(buf.subarray(from));
            return;
          }
          if (!this.readHead(buf.toString('latin1', from, headEnd))) return;
          // Continue in `buf` after the head; when it was joined from pieces,
          // the rest of it is the rest of `data`.
          const consumed = headEnd + 4 - from;
          if (buf === data) offset = headEnd + 4;
          else {
            const fromPending = buf.length - (end - offset);
            offset += consumed - fromPending;
          }
          continue;
        }
        case IN_LENGTH_BODY: {
          const take = Math.min(this.remaining, end - offset);
          this.remaining -= take;
          offset += take;
          if (this.remaining === 0) this.complete();
          continue;
        }
        case IN_CHUNK_SIZE: {
          const c = data[offset++]!;
          if (c === LF) {
            if (this.chunkSizeDigits === 0) return this.fail('chunk size missing');
            if (this.chunkSize === 0) {
              this.state = IN_TRAILERS;
              this.trailerLineLength = 0;
            } else {
              this.state = IN_CHUNK_DATA;
              this.remaining = this.chunkSize;
            }
            continue;
          }
          if (c === CR || this.inChunkExtension) continue;
          if (c === 59 /* ; */) {
            this.inChunkExtension = true;
            continue;
          }
          const v = hexValue(c);
          if (v < 0 || this.chunkSizeDigits >= 12) return this.fail('invalid chunk size');
          this.chunkSize = this.chunkSize * 16 + v;
          this.chunkSizeDigits++;
          continue;
        }
        case IN_CHUNK_DATA: {
          const take = Math.min(this.remaining, end - offset);
          this.remaining -= take;
          offset += take;
          if (this.remaining === 0) this.state = IN_CHUNK_END;
          continue;
        }
        case IN_CHUNK_END: {
          const c = data[offset++]!;
          if (c === LF) this.startChunk();
          else if (c !== CR) return this.fail('chunk data longer than its size');
          continue;
        }
        case IN_TRAILERS: {
          const c = data[offset++]!;
          if (c === LF) {
            if (this.trailerLineLength === 0) this.complete();
            this.trailerLineLength = 0;
          } else if (c !== CR) this.trailerLineLength++;
          continue;
        }
        case UNTIL_CLOSE:
          return;
        default:
          // Bytes with no request in flight: a server speaking out of turn.
          return this.fail('unexpected data with no request in flight');
      }
    }
  }

  private startChunk(): void {
    this.state = IN_CHUNK_SIZE;
    this.chunkSize = 0;
    this.chunkSizeDigits = 0;
    this.inChunkExtension = false;
  }

  private fail(message: string): void {
    this.state = IDLE;
    this.pending = undefined;
    this.sink.onProtocolError(message);
  }

  private complete(): void {
    this.state = IDLE;
    this.sink.onResponse(this.status, this.backend, this.close);
  }

  /** Reads the status line and the headers that matter; sets the next state. */
  private readHead(head: string): boolean {
    // "HTTP/1.1 200 OK": the status code sits at 9..11.
    if (!head.startsWith('HTTP/1.') || head.length < 12) {
      this.fail('not an HTTP/1.x response');
      return false;
    }
    const status = Number(head.slice(9, 12));
    if (!Number.isInteger(status) || status < 100) {
      this.fail('invalid status line');
      return false;
    }
    const http10 = head.charCodeAt(7) === 48; /* HTTP/1.0 */
    let contentLength = -1;
    let chunked = false;
    let close = http10;
    let backend: string | undefined;
    const wanted = this.backendHeader;
    let lineStart = head.indexOf('\r\n') + 2;
    while (lineStart > 1 && lineStart < head.length) {
      let lineEnd = head.indexOf('\r\n', lineStart);
      if (lineEnd === -1) lineEnd = head.length;
      const colon = head.indexOf(':', lineStart);
      if (colon !== -1 && colon < lineEnd) {
        const nameLength = colon - lineStart;
        if (nameLength === 14 || nameLength === 17 || nameLength === 10 || nameLength === wanted.length) {
          const name = head.slice(lineStart, colon).toLowerCase();
          const value = head.slice(colon + 1, lineEnd).trim();
          if (name === wanted) backend = value;
          else if (name === 'content-length') contentLength = Number(value);
          else if (name === 'transfer-encoding') chunked = value.toLowerCase().endsWith('chunked');
          else if (name === 'connection') {
            const v = value.toLowerCase();
            if (v.includes('close')) close = true;
            else if (http10 && v.includes('keep-alive')) close = false;
          }
        }
      }
      lineStart = lineEnd + 2;
    }
    if (status < 200) {
      // 100 Continue and other interim answers: the real one follows.
      this.state = IN_HEAD;
      return true;
    }
    this.status = status;
    this.backend = backend;
    this.close = close;
    if (this.bodyless || status === 204 || status === 304) {
      this.complete();
    } else if (chunked) {
      this.startChunk();
    } else if (contentLength >= 0) {
      if (!Number.isSafeInteger(contentLength)) {
        this.fail('invalid content-length');
        return false;
      }
      this.remaining = contentLength;
      if (contentLength === 0) this.complete();
      else this.state = IN_LENGTH_BODY;
    } else {
      this.close = true;
      this.state = UNTIL_CLOSE;
    }
    return true;
  }
}
