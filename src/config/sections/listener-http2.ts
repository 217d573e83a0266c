// A listener's `http2:` block. A TLS listener offers h2 through ALPN unless
// `http2: false`; a plain listener speaks h2c with prior knowledge only with
// `http2: { cleartext: true }` (HTTP/1.1 keeps working on the same port). The
// limits are the edge-safe ones a public listener needs, which Node's own
// defaults do not give (unbounded streams, 64 KiB connection window).
import { z } from 'zod';
import * as f from '../fields.js';
import { defined, field, strict } from '../schema-fields.js';

export interface ListenerHttp2Config {
  /** TLS listener: h2 is offered through ALPN. Plain listener: h2c with prior knowledge is accepted. */
  enabled: boolean;
  /** Streams one client may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams: number;
  /** Bytes a client may send on one stream before we read them (SETTINGS_INITIAL_WINDOW_SIZE). */
  streamWindowBytes: number;
  /** Bytes a client may send on the whole connection before we read them. */
  connectionWindowBytes: number;
  /** Largest request header list, decoded; a larger one is answered 431 (SETTINGS_MAX_HEADER_LIST_SIZE advertises twice this: Node resets past it). */
  maxHeaderListBytes: number;
}

export interface FileListenerHttp2 {
  enabled?: boolean;
  cleartext?: boolean;
  maxConcurrentStreams?: number;
  streamWindow?: number;
  connectionWindow?: number;
  maxHeaderListSize?: number;
}

export const LISTENER_HTTP2_DEFAULTS = {
  maxConcurrentStreams: 100,
  streamWindowBytes: 64 * 1024,
  connectionWindowBytes: 1024 * 1024,
  maxHeaderListBytes: 32 * 1024,
} as const;

// HTTP/2's own bounds (RFC 9113 6.5.2, 6.9.1).
const MAX_WINDOW = 2 ** 31 - 1;

const http2Object = strict(
  {
    enabled: field(f.boolean).optional(),
    cleartext: field(f.boolean).optional(),
    maxConcurrentStreams: field(f.integer(1, 10_000, 'stream count')).optional(),
    streamWindow: field(f.byteSize(MAX_WINDOW)).optional(),
    connectionWindow: field(f.byteSize(MAX_WINDOW)).optional(),
    maxHeaderListSize: field(f.byteSize(1024 * 1024)).optional(),
  },
  'http2',
).transform((h): FileListenerHttp2 => defined(h));

/** `http2: false`, `http2: true`, or the block. */
export const listenerHttp2Schema = z.preprocess((v) => (typeof v === 'boolean' || v === 'true' || v === 'false' ? { enabled: v === true || v === 'true' } : v), http2Object);

/** The block as in force; `secure` says whether the listener terminates TLS. */
export function resolveListenerHttp2(given: FileListenerHttp2 | undefined, secure: boolean): ListenerHttp2Config {
  const g = given ?? {};
  return {
    enabled: secure ? g.enabled !== false : g.cleartext === true && g.enabled !== false,
    maxConcurrentStreams: g.maxConcurrentStreams ?? LISTENER_HTTP2_DEFAULTS.maxConcurrentStreams,
    streamWindowBytes: g.streamWindow ?? LISTENER_HTTP2_DEFAULTS.streamWindowBytes,
    connectionWindowBytes: g.connectionWindow ?? LISTENER_HTTP2_DEFAULTS.connectionWindowBytes,
    maxHeaderListBytes: g.maxHeaderListSize ?? LISTENER_HTTP2_DEFAULTS.maxHeaderListBytes,
  };
}
