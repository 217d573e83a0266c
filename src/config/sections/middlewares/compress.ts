// The `compress` middleware kind: answers compressed on their way to the
// client, in the encoding the client's Accept-Encoding and the configured
// preference agree on.
//
//   compress:
//     encodings: [zstd, br, gzip]   # preference order; zstd only where node:zlib has it
//     minBytes: 1KiB                # an answer whose Content-Length says less goes as it is
//     types: [text/*, application/json, application/*+json, ...]
//     brotliQuality: 4
//     gzipLevel: 6
//     zstdLevel: 3
//
// zstd needs Node 22.15 / 23.8 or later. Listed on an older Node, it is
// skipped with a warning (not an error), so one config serves both.
import zlib from 'node:zlib';
import { z } from 'zod';
import * as f from '../../fields.js';
import { closest } from '../../problems.js';
import { field, strict } from '../../schema-fields.js';
import { defineMiddlewareKind } from './kind.js';

// This kind's entry in the union of middleware definitions (kind.ts).
declare module './kind.js' {
  interface MiddlewareKinds {
    compress: CompressMiddleware;
  }
}

export const COMPRESSION_ENCODINGS = ['zstd', 'br', 'gzip'] as const;
export type CompressionEncoding = (typeof COMPRESSION_ENCODINGS)[number];

/** node:zlib has zstd (Node 22.15 / 23.8 and later). */
export const ZSTD_AVAILABLE = typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === 'function';

export interface CompressMiddlewareConfig {
  /** The encodings offered, in preference order (ties in the client's q-values go to the earlier). */
  encodings: CompressionEncoding[];
  /** Listed, but this Node cannot produce them (zstd before Node 22.15): skipped, with a warning. */
  unsupported: CompressionEncoding[];
  /** An answer whose Content-Length is below this is sent as it is. */
  minBytes: number;
  /** Media type patterns, lower case: `text/*`, `application/json`, `application/*+json`. */
  types: string[];
  brotliQuality: number;
  gzipLevel: number;
  zstdLevel: number;
}

export interface CompressMiddleware {
  name: string;
  kind: 'compress';
  compress: CompressMiddlewareConfig;
}

/** Text-like types worth compressing; images, video, archives and fonts in woff/woff2 are compressed already. */
export const DEFAULT_COMPRESSED_TYPES: readonly string[] = [
  'text/*',
  'application/json',
  'application/*+json',
  'application/x-ndjson',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/xml',
  'application/*+xml',
  'application/yaml',
  'application/wasm',
  'image/svg+xml',
  'image/x-icon',
  'image/bmp',
  'font/ttf',
  'font/otf',
  'application/vnd.ms-fontobject',
];

const DEFAULTS = { minBytes: 1024, brotliQuality: 4, gzipLevel: 6, zstdLevel: 3 };

const ENCODINGS_HINT = `accepted: ${COMPRESSION_ENCODINGS.join(', ')}`;

function encodingProblem(name: string): string {
  if (name === 'brotli') return `"brotli" is spelled br, as HTTP names it (${ENCODINGS_HINT})`;
  if (name === 'deflate' || name === 'x-gzip' || name === 'identity') {
    const why =
      name === 'deflate'
        ? 'deflate is not offered: clients disagree on its framing, and every client that takes deflate takes gzip'
        : name === 'x-gzip'
          ? 'x-gzip is an old name of gzip: list gzip (a client asking for x-gzip gets gzip)'
          : 'identity (no compression) needs no listing: it is what a client gets when no listed encoding suits it';
    return `${why} (${ENCODINGS_HINT})`;
  }
  const guess = closest(name, COMPRESSION_ENCODINGS);
  const hint = guess === undefined ? '' : `did you mean "${guess}"? `;
  return `${JSON.stringify(name)} is not an encoding fairway compresses with (${hint}${ENCODINGS_HINT})`;
}

const encodingsSchema = z.unknown().transform((input, ctx): CompressionEncoding[] => {
  if (!Array.isArray(input) || input.length === 0) {
    const what = Array.isArray(input) ? 'an empty list' : f.show(input);
    ctx.addIssue({ code: 'custom', message: `${what} is not a list of encodings (expected some of ${COMPRESSION_ENCODINGS.join(', ')} in preference order, e.g. [br, gzip])` });
    return z.NEVER;
  }
  const out: CompressionEncoding[] = [];
  input.forEach((item: unknown, i) => {
    const name = typeof item === 'string' ? item.trim().toLowerCase() : undefined;
    let problem: string | undefined;
    if (name === undefined) problem = `${f.show(item)} is not an encoding (${ENCODINGS_HINT})`;
    else if (!(COMPRESSION_ENCODINGS as readonly string[]).includes(name)) problem = encodingProblem(name);
    else if (out.includes(name as CompressionEncoding)) problem = `${name} is listed twice (the list is an order of preference; keep one)`;
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [i], message: problem });
    else out.push(name as CompressionEncoding);
  });
  return out;
});

// RFC 9110 section 5.6.2: type and subtype are tokens.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const TYPE_HINT = 'expected a media type such as application/json, a family such as text/*, or a suffix such as application/*+json';

/** A media type pattern as the filter matches it, or the problem with it. */
function typePattern(input: unknown): { pattern: string } | { problem: string } {
  if (typeof input !== 'string') return { problem: `${f.show(input)} is not a media type (${TYPE_HINT})` };
  const text = input.trim().toLowerCase();
  if (text.includes(';')) {
    return { problem: `${JSON.stringify(input)} has parameters; types are matched without them (write ${JSON.stringify(text.slice(0, text.indexOf(';')).trim())})` };
  }
  const slash = text.indexOf('/');
  const type = slash === -1 ? text : text.slice(0, slash);
  const subtype = slash === -1 ? '' : text.slice(slash + 1);
  if (type === '*') {
    return { problem: `${JSON.stringify(input)} would compress every type, images and archives included, which are compressed already (${TYPE_HINT})` };
  }
  const subtypeOk = subtype === '*' || (subtype.startsWith('*+') ? TOKEN.test(subtype.slice(2)) && !subtype.slice(2).includes('*') : TOKEN.test(subtype) && !subtype.includes('*'));
  if (!TOKEN.test(type) || type.includes('*') || !subtypeOk) return { problem: `${JSON.stringify(input)} is not a media type (${TYPE_HINT})` };
  return { pattern: text };
}

const typesSchema = z.unknown().transform((input, ctx): string[] => {
  if (!Array.isArray(input) || input.length === 0) {
    const what = Array.isArray(input) ? 'an empty list (it would compress nothing)' : f.show(input);
    ctx.addIssue({ code: 'custom', message: `${what} is not a list of media types (${TYPE_HINT}; leave types out for the default list)` });
    return z.NEVER;
  }
  const out: string[] = [];
  input.forEach((item: unknown, i) => {
    const checked = typePattern(item);
    let problem = 'problem' in checked ? checked.problem : undefined;
    if ('pattern' in checked && out.includes(checked.pattern)) problem = `${checked.pattern} is listed twice`;
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [i], message: problem });
    else if ('pattern' in checked) out.push(checked.pattern);
  });
  return out;
});

const level = (min: number, max: number, what: string) => field(f.integer(min, max, what)).optional();

export const compressKind = defineMiddlewareKind({
  kind: 'compress',
  // `compress: {}` and a bare `compress:` (null) both take every default.
  schema: z
    .preprocess(
      (input) => input ?? {},
      strict(
        {
          encodings: encodingsSchema.optional(),
          minBytes: field(f.byteSize(1024 * 1024 * 1024)).optional(),
          types: typesSchema.optional(),
          brotliQuality: level(0, 11, 'brotli quality'),
          gzipLevel: level(1, 9, 'gzip level'),
          zstdLevel: level(1, 22, 'zstd level'),
        },
        'compress',
      ),
    )
    .transform((c): CompressMiddlewareConfig => {
      const wanted = c.encodings ?? COMPRESSION_ENCODINGS.filter((e) => e !== 'zstd' || ZSTD_AVAILABLE);
      return {
        encodings: wanted.filter((e) => e !== 'zstd' || ZSTD_AVAILABLE),
        unsupported: wanted.filter((e) => e === 'zstd' && !ZSTD_AVAILABLE),
        minBytes: c.minBytes ?? DEFAULTS.minBytes,
        types: c.types ?? DEFAULT_COMPRESSED_TYPES.slice(),
        brotliQuality: c.brotliQuality ?? DEFAULTS.brotliQuality,
        gzipLevel: c.gzipLevel ?? DEFAULTS.gzipLevel,
        zstdLevel: c.zstdLevel ?? DEFAULTS.zstdLevel,
      };
    }),
  warnings: (c) => {
    if (c.unsupported.length === 0) return [];
    const left = c.encodings.length === 0 ? 'no listed encoding is left, so this middleware compresses nothing' : `answers are compressed with ${c.encodings.join(', ')}`;
    return [`encodings: zstd is skipped: node:zlib of this Node (${process.version}) has no zstd, which needs Node 22.15 or 23.8 or later; ${left}`];
  },
});
