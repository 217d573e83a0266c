// Incremental HTTP/1.1 request parser (RFC 9112), the client-facing twin of
// the upstream's response parser. Fed whatever bytes the socket delivers,
// it finds the head (request line and header fields, CRLF only), decides the
// body's framing once, and hands body bytes out as slices of the caller's
// buffers.
//
// Strict by design: a proxy must never read a request's length differently
// from the backend it forwards to, so anything two parsers might frame two
// ways is refused with the status the RFC names: bare LF or CR, obsolete
// line folding, whitespace before a colon, Content-Length with
// Transfer-Encoding, repeated Content-Length (identical copies too), codings
// other than a final chunked, a tab after either's value, malformed chunk
// lines, framing fields or Host among trailers, a missing, repeated,
// malformed or (for an origin-form target) empty Host, a `#` in the target,
// an absolute-form target whose authority is not `host[:port]`, and an
// expectation other than 100-continue (417).
//
// One request at a time: after a request completes the parser stops, leaving
// any pipelined bytes to the caller, and waits for reset(), so the
// connection answers requests in order. After the head of a request that
// switches protocols (Upgrade, or CONNECT) it stops too: `upgraded` is set
// and the bytes that follow belong to the tunnel, unless the caller declines
// with declineUpgrade().
//
// The head is decoded once as latin1 (one byte, one char), so string offsets
// equal byte offsets and names and values are cheap slices. A head that
// arrives whole in one read is parsed in place; only an incomplete head is
// copied, into a buffer that grows by doubling and is kept for the next.
import { Buffer } from 'node:buffer';
import { bytesEqualLowerCase, equalsIgnoringCase, isFieldValueBytes, isFieldValueRange, isTokenBytes, isTokenChar, isTokenRange } from '../../http-syntax/field-syntax.js';
import {
  ConnectionOption,
  connectionOptions,
  contentLengthValue,
  Expectation,
  expectationOf,
  isHostValue,
  TransferCodings,
  transferCodingsOf,
} from './head-field-values.js';
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from './request-limits.js';
import { latin1Text } from '../../net-io/latin1.js';

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;
const COLON = 58;
const SEMICOLON = 59;
const EQUALS = 61;
const QUOTE = 34;
const BACKSLASH = 92;
const HASH = 35;

/** Empty lines accepted before a request line (RFC 9112 2.2 asks for at least one). */
const MAX_LEADING_EMPTY_LINES = 4;

export interface ParsedRequestHead {
  /** As sent: a token. */
  method: string;
  /** The request-target as sent: origin-form, absolute-form, `*` (OPTIONS only) or authority-form (CONNECT only). */
  target: string;
  versionMinor: 0 | 1;
  /** [name, value, ...]: names as sent, values without surrounding whitespace. */
  rawHeaders: string[];
  /** The one Host value; undefined only in an HTTP/1.0 request without one. */
  host: string | undefined;
  /** -1 when the request has no Content-Length. */
  contentLength: number;
  /** The body is chunked (Transfer-Encoding: chunked). */
  chunked: boolean;
  /** The client lets the connection carry another request: HTTP/1.1 unless Connection: close; HTTP/1.0 only with Connection: keep-alive. */
  keepAlive: boolean;
  /** An HTTP/1.1 request asking to switch protocols: Connection: upgrade and an Upgrade header. */
  upgrade: boolean;
  /** Expect: 100-continue in an HTTP/1.1 request (HTTP/1.0 ones are ignored, RFC 9110 10.1.1). */
  expectContinue: boolean;
}

/** What the parser reports to. */
export interface RequestSink {
  /**
   * A complete request head; false pauses: execute() returns, leaving the
   * bytes after the head. After a head that switches protocols (the parser
   * is `upgraded`) it stops whatever this returns, and onRequestComplete
   * comes only if the caller declines the switch.
   */
  onRequestHead(head: ParsedRequestHead): boolean;
  /** Body bytes buf[start, end), in the caller's buffer; false pauses, as for the head. */
  onRequestBody(buf: Buffer, start: number, end: number): boolean;
  /**
   * The request is complete (a bodiless one right after its head, a body
   * that ended with the bytes just handed out even if that call paused);
   * trailers of a chunked body as [name, value, ...], every well-formed
   * field as sent (the request writer picks those that cross), or null.
   */
  onRequestComplete(trailers: string[] | null): void;
}

/** Why a request was refused: the status to answer with, and a short reason for logs. */
export interface RequestParseError {
  status: 400 | 414 | 417 | 431 | 501 | 505;
  reason: string;
}

const enum State {
  Head = 0,
  Length = 1,
  ChunkSize = 2,
  /** After a `;`: an extension name starts. */
  ChunkExtNameStart = 3,
  ChunkExtName = 4,
  /** After `=`: a value starts. */
  ChunkExtValueStart = 5,
  ChunkExtToken = 6,
  ChunkExtQuoted = 7,
  ChunkExtQuotedEscape = 8,
  /** After a quoted value's closing quote: `;` or the line's end. */
  ChunkExtQuoteClosed = 9,
  ChunkSizeLf = 10,
  ChunkData = 11,
  ChunkDataCr = 12,
  ChunkDataLf = 13,
  Trailer = 14,
  TrailerLf = 15,
  /** The request is complete: reset() expected. */
  Done = 16,
  /** Stopped after a protocol-switching head. */
  Upgraded = 17,
  Failed = 18,
}

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/** How much of a read is first looked at, as text, for a whole head (readHead). */
const HEAD_WINDOW = 1024;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}


/**
 * A tab among the whitespace after a field value, s[from, to). OWS allows
 * it, but llhttp refuses `3<HT>` as a length and does not read `chunked<HT>`
 * as chunked, so on the two framing fields it is refused: nothing sends it,
 * and parsers disagree on what it means.
 */
function tabAfterValue(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === HT) return true;
  return false;
}

/**
 * A request-target character: visible ASCII (llhttp refuses bytes above it
 * too) but `#`: a fragment is no part of a request-target (RFC 9112 3.2),
 * and routing on "/a#.png" while the backend serves "/a" is how path rules
 * are slipped past (HAProxy refuses it since CVE-2023-45539).
 */
function isTargetChar(c: number): boolean {
  return c > SP && c < 127 && c !== HASH;
}

/** qdtext and quoted-pair characters of a quoted chunk-extension value (RFC 9110 5.6.4). */
function isQuotedChar(c: number): boolean {
  return c === HT || (c >= SP && c !== 127);
}

/**
 * `scheme "://" authority` at the start of `target` (RFC 3986 3.1), the
 * only absolute-form HTTP has (llhttp refuses `urn:x` and its like too),
 * with a host that passes as a Host value does, since the authority
 * replaces Host (RFC 9112 3.2.2). So no userinfo (RFC 9110 4.2.4 asks for
 * it to be treated as an error: "http://a@b/" is host b to one reader and a
 * to another), no empty host (4.2.1), no `\` or second `:` that readers
 * split differently. Which schemes are served is the exchange's to say.
 */
function isAbsoluteForm(target: string): boolean {
  const c0 = target.charCodeAt(0) | 0x20;
  if (c0 < 97 || c0 > 122) return false;
  let i = 1;
  for (; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === COLON) break;
    const lower = c | 0x20;
    const ok = (lower >= 97 && lower <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
    if (!ok) return false;
  }
  if (!target.startsWith('://', i)) return false;
  const from = i + 3;
  let to = from;
  while (to < target.length) {
    const c = target.charCodeAt(to);
    if (c === 47 /* / */ || c === 63 /* ? */) break;
    to++;
  }
  if (to === from || target.charCodeAt(from) === COLON) return false;
  return isHostValue(target.slice(from, to));
}

/** `uri-host ":" port`, the authority-form of a CONNECT target (RFC 9112 3.2.3). */
function isAuthorityForm(target: string): boolean {
  const colon = target.lastIndexOf(':');
  if (colon <= 0 || colon === target.length - 1 || !isHostValue(target)) return false;
  for (let i = colon + 1; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export class RequestParser {
  /** Set when execute() returns -1. */
  error: RequestParseError | undefined;
  /** The head of the current request, once parsed. */
  head: ParsedRequestHead | undefined;
  private state: State = State.Head;
  private readonly maxRequestLine: number;
  private readonly maxHead: number;
  private readonly maxFields: number;
  private readonly maxChunkExt: number;
  /** Bytes of an incomplete head kept between reads: headBuf[0, headLen). */
  private headBuf: Buffer | null = null;
  private headLen = 0;
  /** The last byte kept, to find a bare CR or LF across reads. */
  private prevByte = 0;
  /** The request line of the kept head has ended (and was checked). */
  private lineSeen = false;
  private leadingLines = 0;
  /** A CR arrived where an empty line may start, before any request line. */
  private leadingCr = false;
  /** The head just parsed ends this execute() call. */
  private stopAfterHead = false;
  /** Where the body goes after the head (kept while an upgrade waits for its answer). */
  private bodyState: State = State.Done;
  private remaining = 0;
  private chunkDigits = 0;
  private extBytes = 0;
  private trailerBytes = 0;
  private trailerLine = '';
  private trailers: string[] | null = null;
  // The request line, read by requestLine().
  private method = '';
  private target = '';
  private minor: 0 | 1 = 1;

  constructor(
    private readonly sink: RequestSink,
    limits?: Partial<RequestLimits>,
  ) {
    const l = { ...DEFAULT_REQUEST_LIMITS, ...limits };
    this.maxRequestLine = l.maxRequestLineBytes;
    this.maxHead = l.maxHeadBytes;
    this.maxFields = l.maxHeaderFields;
    this.maxChunkExt = l.maxChunkExtensionBytes;
  }

  /** Expects the next request (after one completed, or to abandon the current one). */
  reset(): void {
    this.state = State.Head;
    this.error = undefined;
    this.head = undefined;
    this.headLen = 0;
    this.prevByte = 0;
    this.lineSeen = false;
    this.leadingLines = 0;
    this.leadingCr = false;
    // Not stopAfterHead: a reset() from inside onRequestComplete must still end that execute() call.
    this.trailers = null;
    this.trailerLine = '';
  }

  /** Between requests: no byte of a request line has arrived (empty lines before one do not count). */
  get idle(): boolean {
    return this.state === State.Head && this.headLen === 0;
  }

  /** Part of a head has arrived, not all of it. */
  get inHead(): boolean {
    return this.state === State.Head && this.headLen > 0;
  }

  /** The head is parsed and the body is still arriving. */
  get inBody(): boolean {
    return this.state > State.Head && this.state < State.Done;
  }

  /**
   * Body bytes still to come: what a Content-Length body lacks, -1 while a
   * chunked body is unfinished (its length is unknown), 0 otherwise. For
   * deciding whether to read an unwanted body to its end or to close.
   */
  get bodyBytesLeft(): number {
    if (this.state === State.Length) return this.remaining;
    return this.inBody ? -1 : 0;
  }

  /** The request completed; bytes after it wait for reset(). */
  get done(): boolean {
    return this.state === State.Done;
  }

  /**
   * The head asked to switch protocols (`head.upgrade`, or CONNECT), and
   * parsing stopped right after it: the bytes that follow are the tunnel's.
   */
  get upgraded(): boolean {
    return this.state === State.Upgraded;
  }

  /**
   * The caller will not switch protocols (h2c, say): the request goes on as
   * a plain one, its body framed as its head says. A bodiless request
   * completes here (onRequestComplete is called before this returns);
   * otherwise feed the bytes after the head to execute().
   */
  declineUpgrade(): void {
    if (this.state !== State.Upgraded) throw new Error('declineUpgrade() without an upgrade request');
    this.state = this.bodyState;
    if (this.state === State.Done) this.sink.onRequestComplete(null);
  }

  /**
   * Feeds buf[start, end). Returns how many bytes at the end of the input
   * were not consumed (the sink paused, or the request completed or switched
   * protocols before them), or -1 for a request to refuse (see `error`).
   */
  execute(buf: Buffer, start: number, end: number): number {
    let pos = start;
    while (pos < end) {
      switch (this.state) {
        case State.Head: {
          const next = this.readHead(buf, pos, end);
          if (next < 0) return next === -1 ? -1 : 0;
          pos = next;
          if (this.stopAfterHead) {
            this.stopAfterHead = false;
            return end - pos;
          }
          continue;
        }
        case State.Length: {
          const n = Math.min(this.remaining, end - pos);
          this.remaining -= n;
          const from = pos;
          pos += n;
          if (this.remaining === 0) {
            this.state = State.Done;
            this.sink.onRequestBody(buf, from, pos);
            this.sink.onRequestComplete(null);
            return end - pos;
          }
          if (!this.sink.onRequestBody(buf, from, pos)) return end - pos;
          continue;
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, end - pos);
          this.remaining -= n;
          const from = pos;
          pos += n;
          if (this.remaining === 0) this.state = State.ChunkDataCr;
          if (!this.sink.onRequestBody(buf, from, pos)) return end - pos;
          continue;
        }
        case State.Trailer: {
          const next = this.readTrailerLine(buf, pos, end);
          if (next === -1) return -1;
          pos = next;
          continue;
        }
        case State.Done:
        case State.Upgraded:
          return end - pos;
        case State.Failed:
          return -1;
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

  private fail(status: RequestParseError['status'], reason: string): -1 {
    this.error = { status, reason };
    this.state = State.Failed;
    this.headLen = 0;
    return -1;
  }

  // ---- the head ----

  /**
   * Reads head bytes from buf[pos, end). Returns -1 on error, -2 when the
   * head is still incomplete (every byte consumed), else the offset after
   * the head, with `stopAfterHead` set when parsing stops there.
   */
  private readHead(buf: Buffer, pos: number, end: number): number {
    if (this.headLen === 0) {
      pos = this.skipEmptyLines(buf, pos, end);
      if (pos < 0) return pos;
      // A head that ends within the read's first 1 KiB is found in the text
      // its parse needs anyway (the bytes after it come along and are not looked at).
      const text = latin1Text(buf, pos, end - pos < HEAD_WINDOW ? end : pos + HEAD_WINDOW);
      const found = text.indexOf('\r\n\r\n');
      if (found !== -1 && found + 4 <= this.maxHead) return this.parseHead(text, buf, pos) === -1 ? -1 : pos + found + 4;
      const at = end === buf.length ? buf.indexOf(HEAD_END, pos) : buf.subarray(0, end).indexOf(HEAD_END, pos);
      if (at === -1) return this.keep(buf, pos, end);
      // The whole head is in this read: parse it in place.
      const headEnd = at + 4;
      if (headEnd - pos > this.maxHead) return this.headTooLarge(buf.indexOf(LF, pos) - pos - 1);
      return this.parseHead(latin1Text(buf, pos, headEnd), buf, pos) === -1 ? -1 : headEnd;
    }
    let headEnd = this.straddlingHeadEnd(buf, pos, end);
    if (headEnd === -1) {
      const at = end === buf.length ? buf.indexOf(HEAD_END, pos) : buf.subarray(0, end).indexOf(HEAD_END, pos);
      if (at === -1) return this.keep(buf, pos, end);
      headEnd = at + 4;
    }
    if (this.headLen + headEnd - pos > this.maxHead) {
      return this.headTooLarge(this.lineSeen ? 0 : this.headLen + buf.indexOf(LF, pos) - pos - 1);
    }
    this.append(buf, pos, headEnd);
    const kept = this.headBuf!;
    const head = latin1Text(kept, 0, this.headLen);
    this.headLen = 0;
    // A large kept head is not held for the connection's lifetime.
    if (kept.length > 4096) this.headBuf = null;
    return this.parseHead(head, kept, 0) === -1 ? -1 : headEnd;
  }

  /** 414 when the request line is what is too long, else 431. */
  private headTooLarge(requestLineBytes: number): -1 {
    if (requestLineBytes > this.maxRequestLine) return this.fail(414, 'request line too long');
    return this.fail(431, 'request head too large');
  }

  /** Skips CRLFs before a request line. Returns the offset of its first byte, -2 when the input ran out, -1 on error. */
  private skipEmptyLines(buf: Buffer, pos: number, end: number): number {
    if (this.leadingCr) {
      if (buf[pos] !== LF) return this.fail(400, 'bare CR before the request line');
      this.leadingCr = false;
      pos++;
    }
    while (pos < end) {
      const c = buf[pos]!;
      if (c === CR) {
        if (++this.leadingLines > MAX_LEADING_EMPTY_LINES) return this.fail(400, 'too many empty lines before the request line');
        if (pos + 1 === end) {
          this.leadingCr = true;
          return -2;
        }
        if (buf[pos + 1] !== LF) return this.fail(400, 'bare CR before the request line');
        pos += 2;
      } else if (c === LF) {
        return this.fail(400, 'bare LF before the request line');
      } else {
        return pos;
      }
    }
    return -2;
  }

  /** The end of a head whose CRLFCRLF starts in the kept bytes and ends in buf[pos, end), or -1. */
  private straddlingHeadEnd(buf: Buffer, pos: number, end: number): number {
    const kept = this.headBuf!;
    const n = this.headLen;
    // Earliest end first: 3 bytes kept and 1 new, then 2 and 2, then 1 and 3.
    for (let back = Math.min(3, n); back >= 1; back--) {
      if (pos + 4 - back > end) continue;
      let match = true;
      for (let j = 0; j < 4 && match; j++) {
        const c = j < back ? kept[n - back + j] : buf[pos + j - back];
        match = c === HEAD_END[j];
      }
      if (match) return pos + 4 - back;
    }
    return -1;
  }

  /**
   * Keeps buf[pos, end), a head that goes on in a later read, after checking
   * what can already be told: a bare CR or LF, a request line that is bad
   * or too long, a head already too large. Returns -2, or -1 on error.
   */
  private keep(buf: Buffer, pos: number, end: number): number {
    const room = this.maxHead - this.headLen;
    const scanEnd = Math.min(end, pos + room);
    let prev = this.prevByte;
    for (let i = pos; i < scanEnd; i++) {
      const c = buf[i]!;
      if (c === LF) {
        if (prev !== CR) return this.fail(400, 'bare LF in request head');
        if (!this.lineSeen) {
          this.lineSeen = true;
          const line = (this.headLen > 0 ? latin1Text(this.headBuf!, 0, this.headLen) : '') + latin1Text(buf, pos, i + 1);
          if (line.length - 2 > this.maxRequestLine) return this.fail(414, 'request line too long');
          if (this.requestLine(line, line.length - 2) === -1) return -1;
        }
      } else if (prev === CR) {
        return this.fail(400, 'bare CR in request head');
      } else if (!this.lineSeen && c !== CR && this.headLen + (i - pos) + 1 > this.maxRequestLine) {
        return this.fail(414, 'request line too long');
      }
      prev = c;
    }
    // The kept bytes are not a whole head, so a head that reaches the limit with them is over it.
    if (end - pos >= room) return this.fail(431, 'request head too large');
    this.prevByte = prev;
    this.append(buf, pos, end);
    return -2;
  }

  private append(buf: Buffer, from: number, to: number): void {
    const need = this.headLen + (to - from);
    let kept = this.headBuf;
    if (kept === null || kept.length < need) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(1024, need * 2), Math.max(need, this.maxHead)));
      if (kept !== null && this.headLen > 0) kept.copy(grown, 0, 0, this.headLen);
      this.headBuf = kept = grown;
    }
    buf.copy(kept, this.headLen, from, to);
    this.headLen = need;
  }

  /**
   * Reads the request line s[0, to) (CRLF after it) into method, target and
   * minor. Returns 0, or -1 on error.
   */
  private requestLine(s: string, to: number): number {
    const sp1 = s.indexOf(' ');
    if (sp1 === -1 || sp1 >= to) return this.fail(400, 'invalid request line');
    if (!isTokenRange(s, 0, sp1)) return this.fail(400, 'invalid method');
    let sp2 = sp1 + 1;
    while (sp2 < to && isTargetChar(s.charCodeAt(sp2))) sp2++;
    if (sp2 === sp1 + 1) return this.fail(400, 'empty request target');
    if (sp2 === to) return this.fail(400, 'no HTTP version (HTTP/0.9 is not served)');
    if (s.charCodeAt(sp2) !== SP) return this.fail(400, 'invalid character in request target');
    // HTTP-version = "HTTP/" DIGIT "." DIGIT, and nothing after it.
    const v = sp2 + 1;
    if (to - v !== 8 || !s.startsWith('HTTP/', v) || s.charCodeAt(v + 6) !== 46) return this.fail(400, 'invalid HTTP version');
    const major = s.charCodeAt(v + 5) - 48;
    const minor = s.charCodeAt(v + 7) - 48;
    if (major < 0 || major > 9 || minor < 0 || minor > 9) return this.fail(400, 'invalid HTTP version');
    if (major !== 1 || minor > 1) return this.fail(505, `HTTP/${major}.${minor} is not supported`);
    const method = s.slice(0, sp1);
    const target = s.slice(sp1 + 1, sp2);
    const first = target.charCodeAt(0);
    if (method === 'CONNECT') {
      if (!isAuthorityForm(target)) return this.fail(400, 'CONNECT target is not host:port');
    } else if (first === 47 /* / */) {
      // origin-form
    } else if (first === 42 /* * */ && target.length === 1) {
      if (method !== 'OPTIONS') return this.fail(400, 'asterisk-form target outside OPTIONS');
    } else if (!isAbsoluteForm(target)) {
      return this.fail(400, 'invalid request target');
    }
    this.method = method;
    this.target = target;
    this.minor = minor as 0 | 1;
    return 0;
  }

  /**
   * Parses a whole head (request line to the empty line, CRLFs included)
   * and tells the sink; sets `stopAfterHead` when parsing stops after it
   * (paused, complete, upgraded). Returns 0, or -1 on error.
   */
  private parseHead(s: string, bytes: Buffer, base: number): number {
    let nl = s.indexOf('\n');
    let lineEnd = nl - 1;
    if (s.charCodeAt(lineEnd) !== CR) return this.fail(400, 'bare LF in request line');
    if (lineEnd > this.maxRequestLine) return this.fail(414, 'request line too long');
    if (this.requestLine(s, lineEnd) === -1) return -1;
    const minor = this.minor;

    const rawHeaders: string[] = [];
    let host: string | undefined;
    let hosts = 0;
    let contentLength = -1;
    let transferEncoding: string | undefined;
    let connection = 0;
    let upgradeHeader = false;
    let expectation = Expectation.None;
    let p = nl + 1;
    for (;;) {
      nl = s.indexOf('\n', p);
      lineEnd = nl - 1;
      // A bare LF: the line before it does not end in CR (an empty one ends at p - 1, the previous LF).
      if (bytes[base + lineEnd] !== CR) return this.fail(400, 'bare LF in request head');
      if (lineEnd === p) break; // the empty line ending the head
      if (rawHeaders.length === this.maxFields * 2) return this.fail(431, 'too many header fields');
      const first = bytes[base + p];
      if (first === SP || first === HT) return this.fail(400, 'obsolete line folding in request head');
      const colon = s.indexOf(':', p);
      if (colon === -1 || colon > lineEnd) return this.fail(400, 'header line without a colon');
      if (colon === p) return this.fail(400, 'empty header name');
      const beforeColon = bytes[base + colon - 1];
      if (beforeColon === SP || beforeColon === HT) return this.fail(400, 'whitespace before colon in header');
      if (!isTokenBytes(bytes, base + p, base + colon)) return this.fail(400, 'invalid header name');
      let vs = colon + 1;
      let ve = lineEnd;
      while (vs < ve && (bytes[base + vs] === SP || bytes[base + vs] === HT)) vs++;
      while (ve > vs && (bytes[base + ve - 1] === SP || bytes[base + ve - 1] === HT)) ve--;
      if (!isFieldValueBytes(bytes, base + vs, base + ve)) return this.fail(400, 'invalid character in header value');
      const name = s.slice(p, colon);
      const value = s.slice(vs, ve);
      rawHeaders.push(name, value);
      // Switch on length first: most names are skipped without lower-casing.
      switch (colon - p) {
        case 4:
          if (bytesEqualLowerCase(bytes, base + p, 'host')) {
            if (++hosts > 1) return this.fail(400, 'more than one Host');
            if (!isHostValue(value)) return this.fail(400, 'invalid Host');
            host = value;
          }
          break;
        case 6:
          if (bytesEqualLowerCase(bytes, base + p, 'expect')) expectation |= expectationOf(value);
          break;
        case 7:
          if (bytesEqualLowerCase(bytes, base + p, 'upgrade') && value !== '') upgradeHeader = true;
          break;
        case 10:
          if (bytesEqualLowerCase(bytes, base + p, 'connection')) connection |= connectionOptions(value);
          break;
        case 14:
          if (bytesEqualLowerCase(bytes, base + p, 'content-length')) {
            if (tabAfterValue(s, ve, lineEnd)) return this.fail(400, 'tab after the Content-Length value');
            // Identical copies too: RFC 9110 8.6 allows folding them, llhttp refuses them, and so do we.
            if (contentLength !== -1) return this.fail(400, 'more than one Content-Length');
            contentLength = contentLengthValue(value);
            if (contentLength === -1) return this.fail(400, 'invalid Content-Length');
          }
          break;
        case 17:
          if (bytesEqualLowerCase(bytes, base + p, 'transfer-encoding')) {
            if (tabAfterValue(s, ve, lineEnd)) return this.fail(400, 'tab after the Transfer-Encoding value');
            transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
          }
          break;
      }
      p = nl + 1;
    }

    if (hosts === 0 && minor === 1) return this.fail(400, 'missing Host');
    // An http URI with an empty host is invalid (RFC 9110 4.2.1); only an absolute-form (or CONNECT) target brings its own.
    const targetStart = this.target.charCodeAt(0);
    if (host === '' && (targetStart === 47 /* / */ || targetStart === 42 /* * */)) return this.fail(400, 'empty Host');
    let chunked = false;
    if (transferEncoding !== undefined) {
      if (minor === 0) return this.fail(400, 'Transfer-Encoding in an HTTP/1.0 request');
      if (contentLength !== -1) return this.fail(400, 'both Transfer-Encoding and Content-Length');
      switch (transferCodingsOf(transferEncoding)) {
        case TransferCodings.Chunked:
          chunked = true;
          break;
        case TransferCodings.Malformed:
          return this.fail(400, 'invalid Transfer-Encoding');
        case TransferCodings.NotChunkedLast:
          return this.fail(400, 'Transfer-Encoding does not end in chunked, or has it twice');
        case TransferCodings.Unsupported:
          return this.fail(501, 'transfer coding not implemented');
      }
    }
    // HTTP/1.0 expectations are ignored (RFC 9110 10.1.1); an unknown one may be refused with 417, and is: it cannot be met.
    if ((expectation & Expectation.Other) !== 0 && minor === 1) return this.fail(417, 'unsupported expectation');
    const close = (connection & ConnectionOption.Close) !== 0;
    const keepAlive = minor === 1 ? !close : !close && (connection & ConnectionOption.KeepAlive) !== 0;
    const upgrade = minor === 1 && upgradeHeader && (connection & ConnectionOption.Upgrade) !== 0;
    const head: ParsedRequestHead = {
      method: this.method,
      target: this.target,
      versionMinor: minor,
      rawHeaders,
      host,
      contentLength,
      chunked,
      keepAlive,
      upgrade,
      expectContinue: (expectation & Expectation.Continue) !== 0 && minor === 1,
    };
    this.head = head;
    this.chunkDigits = 0;
    this.remaining = contentLength > 0 ? contentLength : 0;
    this.bodyState = chunked ? State.ChunkSize : contentLength > 0 ? State.Length : State.Done;
    if (upgrade || head.method === 'CONNECT') {
      this.state = State.Upgraded;
      this.stopAfterHead = true;
      this.sink.onRequestHead(head);
      return 0;
    }
    this.state = this.bodyState;
    const go = this.sink.onRequestHead(head);
    if (this.bodyState === State.Done) {
      this.stopAfterHead = true;
      this.sink.onRequestComplete(null);
    } else if (!go) this.stopAfterHead = true;
    return 0;
  }

  // ---- chunked framing ----

  /** Chunked framing outside chunk data and trailers, one byte at a time: 0 go on, 1 complete, -1 error. */
  private framingByte(c: number): number {
    switch (this.state) {
      case State.ChunkSize: {
        const d = hexValue(c);
        if (d !== -1) {
          this.remaining = this.remaining * 16 + d;
          if (++this.chunkDigits > 16 || this.remaining > Number.MAX_SAFE_INTEGER) return this.fail(400, 'chunk size too large');
          return 0;
        }
        if (this.chunkDigits === 0) return this.fail(400, 'invalid chunk size');
        this.extBytes = 0;
        if (c === CR) this.state = State.ChunkSizeLf;
        else if (c === SEMICOLON) this.state = State.ChunkExtNameStart;
        else return this.fail(400, 'invalid chunk size');
        return 0;
      }
      case State.ChunkSizeLf:
        if (c !== LF) return this.fail(400, 'expected LF after chunk size');
        this.chunkDigits = 0;
        if (this.remaining === 0) {
          this.state = State.Trailer;
          this.trailerBytes = 0;
        } else this.state = State.ChunkData;
        return 0;
      case State.ChunkDataCr:
        if (c !== CR) return this.fail(400, 'expected CRLF after chunk data');
        this.state = State.ChunkDataLf;
        return 0;
      case State.ChunkDataLf:
        if (c !== LF) return this.fail(400, 'expected CRLF after chunk data');
        this.state = State.ChunkSize;
        return 0;
      case State.TrailerLf:
        if (c !== LF) return this.fail(400, 'bare CR in trailer section');
        if (this.trailerLine === '') {
          this.state = State.Done;
          this.sink.onRequestComplete(this.trailers);
          return 1;
        }
        if (this.keepTrailerLine() === -1) return -1;
        this.state = State.Trailer;
        return 0;
      default:
        return this.chunkExtensionByte(c);
    }
  }

  /**
   * chunk-ext = *( ";" ext-name [ "=" ext-val ] ), ext-val a token or a
   * quoted-string (RFC 9112 7.1.1): checked, bounded, and dropped. The
   * grammar's BWS around `;` and `=` is refused, as llhttp refuses it:
   * senders must not send it, and a reader that skips it where the next hop
   * does not could split the body differently.
   */
  private chunkExtensionByte(c: number): number {
    if (++this.extBytes > this.maxChunkExt) return this.fail(400, 'chunk extension too long');
    switch (this.state) {
      case State.ChunkExtNameStart:
        if (!isTokenChar(c)) return this.fail(400, 'invalid chunk extension');
        this.state = State.ChunkExtName;
        return 0;
      case State.ChunkExtName:
        if (c === CR) this.state = State.ChunkSizeLf;
        else if (c === SEMICOLON) this.state = State.ChunkExtNameStart;
        else if (c === EQUALS) this.state = State.ChunkExtValueStart;
        else if (!isTokenChar(c)) return this.fail(400, 'invalid chunk extension');
        return 0;
      case State.ChunkExtValueStart:
        if (c === QUOTE) this.state = State.ChunkExtQuoted;
        else if (isTokenChar(c)) this.state = State.ChunkExtToken;
        else return this.fail(400, 'invalid chunk extension value');
        return 0;
      case State.ChunkExtToken:
        if (c === CR) this.state = State.ChunkSizeLf;
        else if (c === SEMICOLON) this.state = State.ChunkExtNameStart;
        else if (!isTokenChar(c)) return this.fail(400, 'invalid chunk extension value');
        return 0;
      case State.ChunkExtQuoted:
        if (c === QUOTE) this.state = State.ChunkExtQuoteClosed;
        else if (c === BACKSLASH) this.state = State.ChunkExtQuotedEscape;
        else if (!isQuotedChar(c)) return this.fail(400, 'invalid chunk extension value');
        return 0;
      case State.ChunkExtQuotedEscape:
        if (!isQuotedChar(c)) return this.fail(400, 'invalid chunk extension value');
        this.state = State.ChunkExtQuoted;
        return 0;
      case State.ChunkExtQuoteClosed:
        if (c === CR) this.state = State.ChunkSizeLf;
        else if (c === SEMICOLON) this.state = State.ChunkExtNameStart;
        else return this.fail(400, 'invalid chunk extension');
        return 0;
      default:
        return this.fail(400, 'invalid chunked body');
    }
  }

  // ---- trailers ----

  /** Gathers a trailer line up to its CR. Returns the offset after what it read, or -1 on error. */
  private readTrailerLine(buf: Buffer, pos: number, end: number): number {
    let i = pos;
    while (i < end) {
      const c = buf[i]!;
      if (c === CR) break;
      if (c === LF) return this.fail(400, 'bare LF in trailer section');
      i++;
    }
    this.trailerBytes += i - pos + (i < end ? 2 : 0);
    if (this.trailerBytes > this.maxHead) return this.fail(431, 'trailer section too large');
    if (i > pos) this.trailerLine += latin1Text(buf, pos, i);
    if (i === end) return end;
    this.state = State.TrailerLf;
    return i + 1;
  }

  /** Adds the trailer line just read as a field. Returns 0, or -1 when it is not `name: value`. */
  private keepTrailerLine(): number {
    const line = this.trailerLine;
    this.trailerLine = '';
    const first = line.charCodeAt(0);
    if (first === SP || first === HT) return this.fail(400, 'obsolete line folding in trailer section');
    const colon = line.indexOf(':');
    if (colon <= 0) return this.fail(400, 'invalid trailer field');
    const beforeColon = line.charCodeAt(colon - 1);
    if (beforeColon === SP || beforeColon === HT) return this.fail(400, 'whitespace before colon in trailer field');
    if (!isTokenRange(line, 0, colon)) return this.fail(400, 'invalid trailer field name');
    let vs = colon + 1;
    let ve = line.length;
    while (vs < ve && (line.charCodeAt(vs) === SP || line.charCodeAt(vs) === HT)) vs++;
    while (ve > vs && (line.charCodeAt(ve - 1) === SP || line.charCodeAt(ve - 1) === HT)) ve--;
    if (!isFieldValueRange(line, vs, ve)) return this.fail(400, 'invalid character in trailer field');
    const name = line.slice(0, colon);
    // Framing after the body is a contradiction no sender may write (RFC 9110 6.5.1); llhttp refuses it too.
    if ((colon === 14 && equalsIgnoringCase(name, 'content-length')) || (colon === 17 && equalsIgnoringCase(name, 'transfer-encoding'))) {
      return this.fail(400, 'framing field in trailer section');
    }
    // So is a second Host: the route was chosen on the head's (RFC 9110 6.5.1 names routing among what trailers cannot carry).
    if (colon === 4 && equalsIgnoringCase(name, 'host')) return this.fail(400, 'Host in trailer section');
    const trailers = (this.trailers ??= []);
    if (trailers.length === this.maxFields * 2) return this.fail(431, 'too many trailer fields');
    trailers.push(name, line.slice(vs, ve));
    return 0;
  }
}
