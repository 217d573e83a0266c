// Builds the Upstream a member's requests travel on, from its limit and the
// pool's timeouts and TLS settings, and swaps it when those change. Kept apart
// from Backend so a member is plain data and the transport is chosen in one place.
import type { BackendConfig, PoolConfig, UpstreamTimeouts } from '../config/types.js';
import { backendTlsOptions } from '../upstream/backend-tls.js';
import { createUpstream } from '../upstream/create-upstream.js';
import type { Upstream } from '../upstream/upstream.js';
import type { Backend } from './backend.js';

/** The pool settings a member's transport is built from. */
export type PoolTransportSettings = Pick<PoolConfig, 'timeouts' | 'tls'>;

/** What an upstream was built with, to tell whether new settings need a new one. */
interface TransportSettings {
  maxConnections: number;
  timeouts: UpstreamTimeouts;
  /** The pool's `tls:` as JSON (with the files' contents, so a changed file counts); '' for http. */
  tls: string;
}

// Keyed by the upstream itself, so the record goes when the upstream does.
const builtWith = new WeakMap<Upstream, TransportSettings>();

/** A new Upstream for a member. Throws a TypeError when no transport speaks its URL's scheme. */
export function transportFor(config: BackendConfig, pool: PoolTransportSettings): Upstream {
  const { timeouts } = pool;
  const url = new URL(config.url);
  const upstream = createUpstream(url, {
    maxConnections: config.maxConnections,
    connectTimeoutMs: timeouts.connectMs,
    responseTimeoutMs: timeouts.responseMs,
    idleTimeoutMs: timeouts.idleMs,
    keepAliveTimeoutMs: 4_000,
    ...(url.protocol === 'https:' ? { tls: backendTlsOptions(url, pool.tls) } : {}),
  });
  builtWith.set(upstream, { maxConnections: config.maxConnections, timeouts: { ...timeouts }, tls: tlsKey(url.protocol, pool) });
  return upstream;
}

/**
 * The upstream a kept member needs for new settings, built before anything
 * changes (building can throw): connection limits, timeouts and TLS settings
 * live in it. Undefined when the one it has fits; an upstream not built by
 * transportFor is replaced, since what it was built with is unknown.
 */
export function transportChange(backend: Backend, config: BackendConfig, pool: PoolTransportSettings): Upstream | undefined {
  const current = builtWith.get(backend.upstream);
  if (
    current !== undefined &&
    current.maxConnections === config.maxConnections &&
    sameTimeouts(current.timeouts, pool.timeouts) &&
    current.tls === tlsKey(new URL(backend.url).protocol, pool)
  ) {
    return undefined;
  }
  return transportFor({ ...config, url: backend.url }, pool);
}

function sameTimeouts(a: UpstreamTimeouts, b: UpstreamTimeouts): boolean {
  return a.connectMs === b.connectMs && a.responseMs === b.responseMs && a.idleMs === b.idleMs;
}

/** Only https members depend on the pool's `tls:`. */
function tlsKey(protocol: string, pool: PoolTransportSettings): string {
  return protocol !== 'https:' || pool.tls === undefined ? '' : JSON.stringify(pool.tls);
}

/** Puts a new upstream in use; the old one finishes its in-flight requests, then closes. */
export function useTransport(backend: Backend, upstream: Upstream): void {
  const old = backend.upstream;
  backend.upstream = upstream;
  void old.close().catch(() => undefined);
}
