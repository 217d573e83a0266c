// createUpstream: the Upstream for a backend URL, chosen by its scheme;
// https: is the same HTTP/1.1 transport over TLS.
import { backendTlsOptions, type BackendTlsOptions } from './backend-tls.js';
import { ConnectionPool } from './http1/index.js';
import type { Upstream } from './upstream.js';

/** Backend URL schemes there is a transport for. */
export const UPSTREAM_SCHEMES: readonly string[] = ['http:', 'https:'];

export interface UpstreamOptions {
  /** Most connections open to the backend at once. */
  maxConnections: number;
  connectTimeoutMs: number;
  /** Time from sending a request to its response head (0 = none). */
  responseTimeoutMs: number;
  /** Longest silence while reading a response body (0 = none). */
  idleTimeoutMs: number;
  /** How long an unused keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** For https: what the handshake trusts, checks and sends; default: backendTlsOptions without a pool's `tls:`. */
  tls?: BackendTlsOptions;
}

/** Throws a TypeError naming the URL or scheme when there is no transport for it. */
export function createUpstream(url: string | URL, options: UpstreamOptions): Upstream {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new TypeError(`backend URL ${JSON.stringify(url)} is not a URL (expected http://host:port or https://host:port)`);
  }
  switch (parsed.protocol) {
    case 'http:':
    case 'https:':
      return new ConnectionPool(parsed, {
        connections: options.maxConnections,
        connectTimeoutMs: options.connectTimeoutMs,
        headersTimeoutMs: options.responseTimeoutMs,
        bodyTimeoutMs: options.idleTimeoutMs,
        keepAliveTimeoutMs: options.keepAliveTimeoutMs,
        ...(parsed.protocol === 'https:' ? { tls: options.tls ?? backendTlsOptions(parsed, undefined) } : {}),
      });
    default:
      throw new TypeError(
        `backend URL ${JSON.stringify(parsed.href)} has the scheme "${parsed.protocol}", which no upstream transport speaks; only ${UPSTREAM_SCHEMES.join(', ')} origins are supported`,
      );
  }
}
