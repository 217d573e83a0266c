// The `compress` middleware: compresses a backend's answer on its way to the
// client, streaming through a zlib stream (onResponseTransform), never
// holding the whole body. An answer is left alone when it is already
// encoded, says Cache-Control: no-transform, is a 206, has no body (HEAD,
// 204, 304, 1xx), has a type not listed, or a Content-Length below minBytes
// (one of unknown length is compressed: it is not held back to be measured).
// Every answer that would be compressed for a client that asks gets
// `Vary: Accept-Encoding`, compressed or not, so caches keep the variants
// apart. Compressing drops Content-Length and Accept-Ranges (the front end
// frames the body: chunked on HTTP/1.1, by frames on HTTP/2), sets
// Content-Encoding and weakens a strong ETag, since the bytes differ.
// An event stream (text/event-stream) is flushed after every chunk, so each
// event reaches the client when the backend sends it.
import { Buffer } from 'node:buffer';
import type { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import type { CompressionEncoding, CompressMiddlewareConfig } from '../config/types.js';
import type { Exchange } from '../exchange/exchange.js';
import type { Filter } from '../exchange/phases.js';
import { EncodingNegotiator } from './accept-encoding.js';
import { SMALL_ANSWER_BYTES, SmallAnswerCompressor, type CompressWhole } from './small-answer-compressor.js';
import { equalsIgnoringCase } from '../http-syntax/field-syntax.js';

/** node:zlib's zstd, typed here: @types/node for Node 20 does not declare it. */
interface ZstdZlib {
  createZstdCompress(options: { flush?: number; params?: Record<number, number> }): Duplex;
  zstdCompressSync(body: Buffer, options: { params?: Record<number, number> }): Buffer;
  constants: { ZSTD_e_continue: number; ZSTD_e_flush: number; ZSTD_c_compressionLevel: number };
}

/** Brotli's window: 512KiB (as NGINX's brotli module), not 4MiB, bounds the memory of each stream. */
const BROTLI_WINDOW_BITS = 19;

// The slowest settings compressed in one call (SmallAnswerCompressor): above
// these a 32 KiB answer could hold the event loop for milliseconds.
const ONE_CALL_MAX_BROTLI_QUALITY = 6;
const ONE_CALL_MAX_ZSTD_LEVEL = 12;

/** Which answers' types are compressed: exact types, `type/*` families and `type/*+suffix` patterns. */
export class MediaTypeSet {
  private readonly exact = new Set<string>();
  private readonly families = new Set<string>();
  private readonly suffixes: { type: string; suffix: string }[] = [];

  constructor(patterns: readonly string[]) {
    for (const p of patterns) {
      const slash = p.indexOf('/');
      const type = p.slice(0, slash);
      const subtype = p.slice(slash + 1);
      if (subtype === '*') this.families.add(type);
      else if (subtype.startsWith('*+')) this.suffixes.push({ type, suffix: subtype.slice(1) });
      else this.exact.add(p);
    }
  }

  /** `contentType` as the header gives it (parameters and any case allowed). */
  has(contentType: string): boolean {
    const semicolon = contentType.indexOf(';');
    const media = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
    if (this.exact.has(media)) return true;
    const slash = media.indexOf('/');
    if (slash <= 0) return false;
    const type = media.slice(0, slash);
    if (this.families.has(type)) return true;
    for (const s of this.suffixes) if (s.type === type && media.endsWith(s.suffix)) return true;
    return false;
  }
}

/** What one pass over the answer's head finds. */
interface AnswerFacts {
  type: string;
  /** -1 when the head gives no (readable) length. */
  length: number;
  encoded: boolean;
  noTransform: boolean;
}

function readHead(headers: readonly string[]): AnswerFacts {
  const facts: AnswerFacts = { type: '', length: -1, encoded: false, noTransform: false };
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    switch (name.length) {
      case 12:
        if (equalsIgnoringCase(name, 'content-type')) facts.type = headers[i + 1]!;
        break;
      case 13:
        if (equalsIgnoringCase(name, 'cache-control') && /(?:^|[\s,])no-transform(?:$|[\s,])/i.test(headers[i + 1]!)) facts.noTransform = true;
        break;
      case 14:
        if (equalsIgnoringCase(name, 'content-length')) {
          const value = headers[i + 1]!.trim();
          facts.length = /^\d+$/.test(value) ? Number(value) : -1;
        }
        break;
      case 16:
        if (equalsIgnoringCase(name, 'content-encoding') && headers[i + 1]!.trim() !== '') facts.encoded = true;
        break;
    }
  }
  return facts;
}

/** The request's Accept-Encoding, its fields joined when it came in several (RFC 9110 section 5.3). */
function acceptEncoding(raw: readonly string[]): string {
  let value = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 15 || !equalsIgnoringCase(name, 'accept-encoding')) continue;
    value = value === '' ? raw[i + 1]! : `${value}, ${raw[i + 1]!}`;
  }
  return value;
}

/** Adds Accept-Encoding to the answer's Vary, unless it is there already (or Vary is `*`). */
function addVary(headers: string[]): void {
  let first = -1;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.length !== 4 || !equalsIgnoringCase(headers[i]!, 'vary')) continue;
    const value = headers[i + 1]!;
    for (const token of value.split(',')) {
      const t = token.trim().toLowerCase();
      if (t === '*' || t === 'accept-encoding') return;
    }
    if (first === -1) first = i;
  }
  if (first === -1) headers.push('Vary', 'Accept-Encoding');
  else headers[first + 1] = headers[first + 1]!.trim() === '' ? 'Accept-Encoding' : `${headers[first + 1]!}, Accept-Encoding`;
}

/** The head of the compressed answer: no length or ranges, the encoding named, a strong ETag made weak. */
function rewriteHead(headers: string[], encoding: CompressionEncoding): void {
  let kept = 0;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    let value = headers[i + 1]!;
    const lower = name.length === 14 || name.length === 13 || name.length === 4 ? name.toLowerCase() : '';
    if (lower === 'content-length' || lower === 'accept-ranges') continue;
    if (lower === 'etag' && value.trimStart().startsWith('"')) value = `W/${value.trimStart()}`;
    headers[kept] = name;
    headers[kept + 1] = value;
    kept += 2;
  }
  headers.length = kept;
  headers.push('Content-Encoding', encoding);
}

export class CompressFilter implements Filter {
  /** Absent when no encoding is left (zstd alone, on a Node without it): then it touches nothing, Vary included. */
  onResponseTransform?: (ex: Exchange) => Duplex | undefined;
  private readonly negotiator: EncodingNegotiator<CompressionEncoding>;
  private readonly types: MediaTypeSet;

  constructor(
    readonly name: string,
    private readonly config: CompressMiddlewareConfig,
  ) {
    this.negotiator = new EncodingNegotiator(config.encodings);
    this.types = new MediaTypeSet(config.types);
    if (config.encodings.length > 0) this.onResponseTransform = (ex) => this.transformFor(ex);
  }

  private transformFor(ex: Exchange): Duplex | undefined {
    const status = ex.status;
    if (status < 200 || status === 204 || status === 206 || status === 304) return undefined;
    const headers = ex.responseHeaders;
    const facts = readHead(headers);
    if (facts.encoded || facts.noTransform || facts.type === '' || !this.types.has(facts.type)) return undefined;
    if (facts.length !== -1 && (facts.length === 0 || facts.length < this.config.minBytes)) return undefined;
    // From here the answer depends on the request's Accept-Encoding.
    addVary(headers);
    if (ex.method === 'HEAD') return undefined;
    const encoding = this.negotiator.choose(acceptEncoding(ex.downstream.rawHeaders));
    if (encoding === undefined) return undefined;
    rewriteHead(headers, encoding);
    const eventStream = facts.type.trimStart().toLowerCase().startsWith('text/event-stream');
    return this.compressor(encoding, eventStream, facts.length);
  }

  /** A fresh stream per answer; `flushEach` makes every written chunk come out whole at once. */
  private compressor(encoding: CompressionEncoding, flushEach: boolean, length: number): Duplex {
    if (!flushEach && length > 0 && length <= SMALL_ANSWER_BYTES) {
      const whole = this.wholeCompressor(encoding);
      if (whole !== undefined) return new SmallAnswerCompressor(whole);
    }
    const c = zlib.constants;
    switch (encoding) {
      case 'gzip':
        return zlib.createGzip({ level: this.config.gzipLevel, flush: flushEach ? c.Z_SYNC_FLUSH : c.Z_NO_FLUSH });
      case 'br': {
        const params: Record<number, number> = {
          [c.BROTLI_PARAM_QUALITY]: this.config.brotliQuality,
          [c.BROTLI_PARAM_MODE]: c.BROTLI_MODE_TEXT,
          [c.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
        };
        if (length > 0) params[c.BROTLI_PARAM_SIZE_HINT] = length;
        return zlib.createBrotliCompress({ flush: flushEach ? c.BROTLI_OPERATION_FLUSH : c.BROTLI_OPERATION_PROCESS, params });
      }
      case 'zstd': {
        // Configured only where node:zlib has it (the config drops it otherwise).
        const z = zlib as unknown as ZstdZlib;
        return z.createZstdCompress({
          flush: flushEach ? z.constants.ZSTD_e_flush : z.constants.ZSTD_e_continue,
          params: { [z.constants.ZSTD_c_compressionLevel]: this.config.zstdLevel },
        });
      }
    }
  }

  /** One call that compresses a whole small body with this middleware's settings; none where that would be slow. */
  private wholeCompressor(encoding: CompressionEncoding): CompressWhole | undefined {
    const c = zlib.constants;
    switch (encoding) {
      case 'gzip': {
        const options = { level: this.config.gzipLevel };
        return (body) => zlib.gzipSync(body, options);
      }
      case 'br': {
        if (this.config.brotliQuality > ONE_CALL_MAX_BROTLI_QUALITY) return undefined;
        return (body) =>
          zlib.brotliCompressSync(body, {
            params: {
              [c.BROTLI_PARAM_QUALITY]: this.config.brotliQuality,
              [c.BROTLI_PARAM_MODE]: c.BROTLI_MODE_TEXT,
              [c.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
              [c.BROTLI_PARAM_SIZE_HINT]: body.length,
            },
          });
      }
      case 'zstd': {
        if (this.config.zstdLevel > ONE_CALL_MAX_ZSTD_LEVEL) return undefined;
        const z = zlib as unknown as ZstdZlib;
        const options = { params: { [z.constants.ZSTD_c_compressionLevel]: this.config.zstdLevel } };
        return (body) => z.zstdCompressSync(body, options);
      }
    }
  }
}
