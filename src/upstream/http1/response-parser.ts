// Incremental HTTP/1.1 response parser. Fed whatever bytes the socket
// delivers, it finds the head (status line and header fields, CRLF only),
// decides the body's framing once, and hands body bytes out as they come.
//
// Strict by design, since a proxy must never forward an answer whose length
// it might read differently from the next hop: bare LF, obsolete line
// folding, whitespace before a colon, Transfer-Encoding together with
// Content-Length, unknown transfer codings, disagreeing Content-Length
// values, bad chunk sizes and heads over 64 KiB are all rejected.
//
// The head is decoded once as latin1 (one byte, one char), so string offsets
// equal byte offsets and header names and values are cheap string slices.
import { Buffer } from 'node:buffer';
import { invalidResponse, TransportError } from './errors.js';
import { bytesEqualLowerCase, equalsIgnoringCase, isFieldName, isFieldValue, isTokenChar } from '../../http-syntax/field-syntax.js';
import { forwardableTrailer } from './trailer-fields.js';
import { latin1Text } from '../../net-io/latin1.js';

/** Largest response head (and trailer section) accepted. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** Longest chunk-size line extension accepted. */
const MAX_CHUNK_EXT_BYTES = 4 * 1024;

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;
const COLON = 58;

/** How the body of the current response ends. */
export const enum Framing {
  None = 0,
  Length = 1,
  Chunked = 2,
  UntilClose = 3,
}

const enum State {
  Head = 0,
  Length = 1,
  UntilClose = 2,
  ChunkSize = 3,
  ChunkExt = 4,
  ChunkSizeLf = 5,
  ChunkData = 6,
  ChunkDataCr = 7,
  ChunkDataLf = 8,
  Trailer = 9,
  TrailerLf = 10,
  Done = 11,
}

/** What the parser reports to; each method returns false to stop feeding (pause or abort). */
export interface ResponseSink {
  /**
   * The final (non-1xx) response head. `headers` is a new array per head,
   * its names tokens and its values free of control characters but tab
   * (checked here), so the answer's writer need not check them again.
   */
  onResponseHead(statusCode: number, statusText: string, headers: string[], keepAlive: boolean, keepAliveHintMs: number): boolean;
  /** Body bytes buf[start, end); the buffer may be reused after the call returns. */
  onResponseBody(buf: Buffer, start: number, end: number): boolean;
  /** The response is complete. */
  onResponseComplete(): void;
  /**
   * A 101 head: the connection now speaks another protocol, and parsing
   * stops. Without it a 101 is an error (a pooled request never asks to switch).
   */
  onSwitchingProtocols?(statusText: string, headers: string[]): void;
}

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/**
 * A head is first looked for in the read's first 1 KiB as text, which the
 * head's parse needs anyway: cheaper than searching the bytes and then
 * making the text. Longer heads, and heads split across reads, are found
 * in the bytes.
 */
const HEAD_WINDOW = 1024;
/** parseHead's answer when its text ends inside the head. */
const INCOMPLETE = -3;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

function isDigits(s: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Parses a Content-Length value ("42", or a list of equal values "42, 42"); -1 when invalid. */
export function parseContentLength(value: string): number {
  // The usual single number, summed as it is read (Number() of a string costs more).
  const length = value.length;
  if (length > 0 && length <= 15) {
    let n = 0;
    let i = 0;
    for (; i < length; i++) {
      const d = value.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === length) return n;
  }
  let result = -1;
  for (const part of value.split(',')) {
    const v = part.trim();
    if (!isDigits(v, 0, v.length) || v.length > 15) return -1;
    const n = Number(v);
    if (result !== -1 && n !== result) return -1;
    result = n;
  }
  return result;
}


/** Why a field line whose name stops at s[at] (not a colon) is refused. */
function badNameProblem(s: string, at: number): string {
  let lineEnd = s.indexOf('\n', at);
  if (lineEnd === -1) lineEnd = s.length;
  const colon = s.indexOf(':', at);
  if (colon === -1 || colon > lineEnd) return 'invalid header line';
  for (let i = at; i < colon; i++) {
    const c = s.charCodeAt(i);
    if (c !== SP && c !== HT) return 'invalid header name';
  }
  return 'whitespace before colon in header';
}

export class ResponseParser {
  /** Set when execute() returns -1. */
  error: TransportError | undefined;
  /** Any byte of the current response arrived. */
  started = false;
  framing: Framing = Framing.None;
  private state: State = State.Done;
  private noBody = false;
  /** Bytes of an incomplete head (or of the head search) kept between reads. */
  private partial: Buffer | null = null;
  private remaining = 0;
  private chunkDigits = 0;
  private lineBytes = 0;
  private trailerBytes = 0;
  private trailerLine = '';
  /** The last response's trailer fields ([name, value, ...]), kept until the next reset(); null when it had none. */
  trailers: string[] | null = null;

  /** The last head's length in bytes, blank line included (set by parseHead). */
  private headLength = 0;

  constructor(private readonly sink: ResponseSink) {}

  /** Expects a new response; `noBody` for the answer to a HEAD request. */
  reset(noBody: boolean): void {
    this.state = State.Head;
    this.noBody = noBody;
    this.started = false;
    this.partial = null;
    this.error = undefined;
    this.framing = Framing.None;
    this.trailers = null;
  }

  /** The response is complete or was never started. */
  get idle(): boolean {
    return this.state === State.Done;
  }

  /** Body bytes still to come: -1 when unknown (chunked, or until the connection closes), 0 outside a body. */
  get bodyBytesLeft(): number {
    switch (this.state) {
      case State.Length:
        return this.remaining;
      case State.Head:
      case State.Done:
        return 0;
      default:
        return -1;
    }
  }

  /** Inside a body that only the end of the connection ends. */
  get untilClose(): boolean {
    return this.state === State.UntilClose;
  }

  /** The connection ended: completes a close-delimited body; false if the response is incomplete. */
  finish(): boolean {
    if (this.state !== State.UntilClose) return false;
    this.state = State.Done;
    this.sink.onResponseComplete();
    return true;
  }

  /**
   * Feeds buf[start, end). Returns how many bytes at the end of the input
   * were not consumed (because the sink paused, aborted, or the response
   * completed before them), or -1 for a malformed response (see `error`).
   */
  execute(buf: Buffer, start: number, end: number): number {
    if (end > start) this.started = true;
    let pos = start;
    while (pos < end) {
      switch (this.state) {
        case State.Head: {
          if (this.partial === null) {
            const next = this.parseHead(latin1Text(buf, pos, end - pos < HEAD_WINDOW ? end : pos + HEAD_WINDOW), buf, pos);
            if (next === -1) return -1;
            if (next !== INCOMPLETE) {
              pos += this.headLength;
              if (next === -2) return end - pos; // stopped by the sink
              if ((this.state as State) === State.Done) return end - pos;
              continue;
            }
          }
          const headEnd = this.findHead(buf, pos, end);
          if (headEnd === -1) return this.error === undefined ? 0 : -1;
          // A kept partial head was joined with this input: continue in that buffer.
          if (this.partial !== null) {
            buf = this.partial;
            this.partial = null;
            end = buf.length;
            pos = 0;
          }
          const next = this.parseHead(latin1Text(buf, pos, headEnd), buf, pos);
          if (next === -1) return -1;
          if (next === -2) return end - headEnd; // stopped by the sink
          pos = headEnd;
          if ((this.state as State) === State.Done) return end - pos;
          continue;
        }
        case State.Length: {
          const n = Math.min(this.remaining, end - pos);
          this.remaining -= n;
          const from = pos;
          pos += n;
          if (this.remaining === 0) {
            this.state = State.Done;
            this.sink.onResponseBody(buf, from, pos);
            this.sink.onResponseComplete();
            return end - pos;
          }
          if (!this.sink.onResponseBody(buf, from, pos)) return end - pos;
          continue;
        }
        case State.UntilClose: {
          const from = pos;
          pos = end;
          if (!this.sink.onResponseBody(buf, from, end)) return 0;
          continue;
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, end - pos);
          this.remaining -= n;
          const from = pos;
          pos += n;
          if (this.remaining === 0) this.state = State.ChunkDataCr;
          if (!this.sink.onResponseBody(buf, from, pos)) return end - pos;
          continue;
        }
        default: {
          const r = this.framingByte(buf[pos]!);
          pos++;
          if (r === -1) return -1;
          if (r === 1) return end - pos; // complete
        }
      }
    }
    return 0;
  }

  /** Chunked framing outside chunk data, one byte at a time: 0 go on, 1 complete, -1 error. */
  private framingByte(c: number): number {
    switch (this.state) {
      case State.ChunkSize: {
        const d = hexValue(c);
        if (d !== -1) {
          // 13 hex digits reach 2^52: plenty, and still an exact number.
          if (++this.chunkDigits > 13) return this.fail('chunk size too large');
          this.remaining = this.remaining * 16 + d;
          return 0;
        }
        if (this.chunkDigits === 0) return this.fail('invalid chunk size');
        if (c === CR) this.state = State.ChunkSizeLf;
        else if (c === 59 /* ; */ || c === SP || c === HT) {
          this.state = State.ChunkExt;
          this.lineBytes = 0;
        } else return this.fail('invalid chunk size');
        return 0;
      }
      case State.ChunkExt:
        if (c === CR) this.state = State.ChunkSizeLf;
        else if ((c < SP && c !== HT) || c === 127) return this.fail('invalid character in chunk extension');
        else if (++this.lineBytes > MAX_CHUNK_EXT_BYTES) return this.fail('chunk extension too long');
        return 0;
      case State.ChunkSizeLf:
        if (c !== LF) return this.fail('expected LF after chunk size');
        this.chunkDigits = 0;
        if (this.remaining === 0) {
          this.state = State.Trailer;
          this.lineBytes = 0;
          this.trailerBytes = 0;
        } else this.state = State.ChunkData;
        return 0;
      case State.ChunkDataCr:
        if (c !== CR) return this.fail('expected CRLF after chunk data');
        this.state = State.ChunkDataLf;
        return 0;
      case State.ChunkDataLf:
        if (c !== LF) return this.fail('expected CRLF after chunk data');
        this.state = State.ChunkSize;
        return 0;
      case State.Trailer:
        // Rare and small (bounded like a head): gathered a byte at a time.
        if (++this.trailerBytes > MAX_HEAD_BYTES) return this.fail('trailer section too large');
        if (c === CR) this.state = State.TrailerLf;
        else if (c === LF) return this.fail('bare LF in trailer section');
        else {
          this.lineBytes++;
          this.trailerLine += String.fromCharCode(c);
        }
        return 0;
      case State.TrailerLf:
        if (c !== LF) return this.fail('bare CR in trailer section');
        if (this.lineBytes === 0) {
          this.state = State.Done;
          this.sink.onResponseComplete();
          return 1;
        }
        if (!this.keepTrailerLine()) return this.fail('malformed trailer field');
        this.lineBytes = 0;
        this.state = State.Trailer;
        return 0;
      default:
        // Done: bytes after a complete response are left to the caller.
        return 1;
    }
  }

  /** Adds the trailer line just read as a field; false when it is not `name: value`. */
  private keepTrailerLine(): boolean {
    const line = this.trailerLine;
    this.trailerLine = '';
    const colon = line.indexOf(':');
    const name = line.slice(0, Math.max(colon, 0));
    const value = line.slice(colon + 1).trim();
    if (colon <= 0 || !isFieldName(name) || !isFieldValue(value)) return false;
    if (forwardableTrailer(name, value)) (this.trailers ??= []).push(name, value);
    return true;
  }

  private fail(message: string): -1 {
    this.error = invalidResponse(message);
    this.state = State.Done;
    return -1;
  }

  /**
   * Finds the end of the head (just after CRLFCRLF) in buf[pos, end), joined
   * with any partial head kept from earlier reads. Returns the offset of the
   * end in the buffer to parse (the joined one when there was a partial), or
   * -1 when the head is incomplete (kept) or too large (error set).
   */
  private findHead(buf: Buffer, pos: number, end: number): number {
    let searchFrom = pos;
    if (this.partial !== null) {
      const kept = this.partial;
      buf = Buffer.concat([kept, buf.subarray(pos, end)]);
      // Earlier bytes were searched already; a match may straddle the join.
      searchFrom = Math.max(0, kept.length - 3);
      pos = 0;
      end = buf.length;
      this.partial = buf;
    }
    const at = buf.indexOf(HEAD_END, searchFrom);
    if (at !== -1 && at + 4 <= end) {
      if (at + 4 - pos > MAX_HEAD_BYTES) {
        this.fail('response head larger than 64 KiB');
        return -1;
      }
      return at + 4;
    }
    if (end - pos > MAX_HEAD_BYTES) {
      this.fail('response head larger than 64 KiB');
      return -1;
    }
    // Keep a copy: the caller's buffer may be reused for the next read.
    if (this.partial === null) this.partial = Buffer.from(buf.subarray(pos, end));
    return -1;
  }

  /**
   * Parses the head at the start of `s`: the input's text from the head's
   * start on, which may hold all of the head (up to its first empty line)
   * and bytes after it, or only part of it; `bytes` from `base` on are the
   * same bytes. Characters are checked in the bytes (reading a string's
   * characters one at a time costs three times as much), one pass per line
   * that also finds its end, and the text is what names and values are cut
   * from. Returns 0 when parsing goes on (body or next head; `headLength`
   * says where), -2 when the sink stopped, -1 on a malformed head, and
   * INCOMPLETE when `s` ends inside the head, with nothing changed.
   */
  private parseHead(s: string, bytes: Buffer, base: number): number {
    // Bytes past the text may be a reused buffer's stale ones: no scan trusts them.
    const limit = base + s.length;
    // Status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF
    const nl = s.indexOf('\n');
    if (nl === -1) return INCOMPLETE;
    if (nl < 13 || s.charCodeAt(nl - 1) !== CR || !s.startsWith('HTTP/1.')) return this.fail('invalid status line');
    const minor = s.charCodeAt(7) - 48;
    if ((minor !== 0 && minor !== 1) || s.charCodeAt(8) !== SP || !isDigits(s, 9, 12)) return this.fail('invalid status line');
    if (nl - 1 > 12 && s.charCodeAt(12) !== SP) return this.fail('invalid status line');
    const statusCode = (s.charCodeAt(9) - 48) * 100 + (s.charCodeAt(10) - 48) * 10 + (s.charCodeAt(11) - 48);
    if (statusCode < 100) return this.fail('invalid status code');
    const statusText = nl - 1 > 13 ? s.slice(13, nl - 1) : '';

    const headers: string[] = [];
    let contentLength = -1;
    let transferEncoding: string | undefined;
    let close = minor === 0;
    let keepAliveHintMs = 0;
    let p = nl + 1;
    for (;;) {
      // The name's characters are checked as the colon is looked for. A scan
      // that ran past the text (into stale bytes) means the head goes on.
      let colon = p;
      while (isTokenChar(bytes[base + colon]!)) colon++;
      if (base + colon >= limit) return INCOMPLETE;
      const stop = bytes[base + colon];
      if (colon === p) {
        if (stop === CR) {
          if (base + p + 1 >= limit) return INCOMPLETE;
          if (bytes[base + p + 1] === LF) break; // the empty line ending the head
        }
        if (stop === SP || stop === HT) return this.fail('obsolete line folding in response head');
        if (stop === LF) return this.fail('bare LF in response head');
        return this.fail('invalid header line');
      }
      if (stop !== COLON) {
        // What is wrong depends on the rest of the line: wait for all of it.
        if (s.indexOf('\n', colon) === -1) return INCOMPLETE;
        return this.fail(badNameProblem(s, colon));
      }
      let vs = base + colon + 1;
      while (vs < limit && (bytes[vs] === SP || bytes[vs] === HT)) vs++;
      // The value runs to the first control character but tab: the line's CR.
      let lineEnd = vs;
      for (;;) {
        if (lineEnd >= limit) return INCOMPLETE;
        const c = bytes[lineEnd]!;
        if ((c < 0x20 && c !== HT) || c === 0x7f) break;
        lineEnd++;
      }
      const c = bytes[lineEnd];
      if (c === CR) {
        if (lineEnd + 1 >= limit) return INCOMPLETE;
        if (bytes[lineEnd + 1] !== LF) return this.fail('invalid character in header value');
      } else {
        return this.fail(c === LF ? 'bare LF in response head' : 'invalid character in header value');
      }
      let ve = lineEnd;
      while (ve > vs && (bytes[ve - 1] === SP || bytes[ve - 1] === HT)) ve--;
      const name = s.slice(p, colon);
      const value = s.slice(vs - base, ve - base);
      headers.push(name, value);
      switch (colon - p) {
        case 14:
          if (bytesEqualLowerCase(bytes, base + p, 'content-length')) {
            const n = parseContentLength(value);
            if (n === -1 || (contentLength !== -1 && n !== contentLength)) return this.fail('invalid or conflicting content-length');
            contentLength = n;
          }
          break;
        case 17:
          if (bytesEqualLowerCase(bytes, base + p, 'transfer-encoding')) {
            transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
          }
          break;
        case 10:
          if (bytesEqualLowerCase(bytes, base + p, 'connection')) {
            // The usual single option without a lower-case copy; a list is split.
            if (equalsIgnoringCase(value, 'close')) close = true;
            else if (!equalsIgnoringCase(value, 'keep-alive') && value.toLowerCase().split(',').some((t) => t.trim() === 'close')) close = true;
          } else if (bytesEqualLowerCase(bytes, base + p, 'keep-alive')) {
            const m = /timeout\s*=\s*(\d+)/i.exec(value);
            if (m !== null) keepAliveHintMs = Number(m[1]) * 1000;
          }
          break;
      }
      p = lineEnd + 2 - base;
    }
    this.headLength = p + 2;

    if (statusCode < 200) {
      if (statusCode === 101) {
        this.state = State.Done;
        if (this.sink.onSwitchingProtocols === undefined) {
          this.error = new TransportError('UND_ERR_NOT_SUPPORTED', 'the backend switched protocols on a request that did not ask to');
          return -1;
        }
        // The bytes after the head belong to the new protocol: execute() leaves them to the caller.
        this.sink.onSwitchingProtocols(statusText, headers);
        return 0;
      }
      // 100 Continue, 103 Early Hints and others: skip, the final answer follows.
      this.state = State.Head;
      return 0;
    }

    let framing: Framing;
    if (this.noBody || statusCode === 204 || statusCode === 304) {
      framing = Framing.None;
    } else if (transferEncoding !== undefined) {
      if (minor === 0) return this.fail('transfer-encoding in an HTTP/1.0 response');
      if (contentLength !== -1) return this.fail('both transfer-encoding and content-length');
      if (!equalsIgnoringCase(transferEncoding, 'chunked')) return this.fail(`unsupported transfer-encoding "${transferEncoding}"`);
      framing = Framing.Chunked;
    } else if (contentLength !== -1) {
      framing = contentLength === 0 ? Framing.None : Framing.Length;
    } else {
      framing = Framing.UntilClose;
    }
    this.framing = framing;
    this.remaining = framing === Framing.Length ? contentLength : 0;
    this.chunkDigits = 0;
    this.state =
      framing === Framing.None ? State.Done
      : framing === Framing.Length ? State.Length
      : framing === Framing.Chunked ? State.ChunkSize
      : State.UntilClose;
    const keepAlive = !close && framing !== Framing.UntilClose;
    const go = this.sink.onResponseHead(statusCode, statusText, headers, keepAlive, keepAliveHintMs);
    if (framing === Framing.None) {
      this.sink.onResponseComplete();
      return 0;
    }
    return go ? 0 : -2;
  }
}
