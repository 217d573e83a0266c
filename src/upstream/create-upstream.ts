// createUpstream: the Upstream for a backend URL, chosen by its scheme.
import { ConnectionPool } from './http1/index.js';
import type { Upstream } from './upstream.js';

/** Backend URL schemes there is a transport for. */
export const UPSTREAM_SCHEMES: readonly string[] = ['http:'];

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
}

/** Throws a TypeError naming the URL or scheme when there is no transport for it. */
export function createUpstream(url: string | URL, options: UpstreamOptions): Upstream {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new TypeError(`backend URL ${JSON.stringify(url)} is not a URL (expected http://host:port)`);
  }
  switch (parsed.protocol) {
    case 'http:':
      return new ConnectionPool(parsed, {
        connections: options.maxConnections,
        connectTimeoutMs: options.connectTimeoutMs,
        headersTimeoutMs: options.responseTimeoutMs,
        bodyTimeoutMs: options.idleTimeoutMs,
        keepAliveTimeoutMs: options.keepAliveTimeoutMs,
      });
    default:
      throw new TypeError(
        `backend URL ${JSON.stringify(parsed.href)} has the scheme "${parsed.protocol}", which no upstream transport speaks; only ${UPSTREAM_SCHEMES.join(', ')} origins are supported`,
      );
  }
}
