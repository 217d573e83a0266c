// Builds the Upstream a member's requests travel on, from its limit and the
// pool's timeouts, and swaps it when those change. Kept apart from Backend so
// a member is plain data and the transport is chosen in one place.
import type { BackendConfig, UpstreamTimeouts } from '../config/types.js';
import { createUpstream } from '../upstream/create-upstream.js';
import type { Upstream } from '../upstream/upstream.js';
import type { Backend } from './backend.js';

/** What an upstream was built with, to tell whether new settings need a new one. */
interface TransportSettings {
  maxConnections: number;
  timeouts: UpstreamTimeouts;
}

// Keyed by the upstream itself, so the record goes when the upstream does.
const builtWith = new WeakMap<Upstream, TransportSettings>();

/** A new Upstream for a member. Throws a TypeError when no transport speaks its URL's scheme. */
export function transportFor(config: BackendConfig, timeouts: UpstreamTimeouts): Upstream {
  const upstream = createUpstream(config.url, {
    maxConnections: config.maxConnections,
    connectTimeoutMs: timeouts.connectMs,
    responseTimeoutMs: timeouts.responseMs,
    idleTimeoutMs: timeouts.idleMs,
    keepAliveTimeoutMs: 4_000,
  });
  builtWith.set(upstream, { maxConnections: config.maxConnections, timeouts: { ...timeouts } });
  return upstream;
}

/**
 * The upstream a kept member needs for new settings, built before anything
 * changes (building can throw): connection limits and timeouts live in it.
 * Undefined when the one it has fits; an upstream not built by transportFor
 * is replaced, since what it was built with is unknown.
 */
export function transportChange(backend: Backend, config: BackendConfig, timeouts: UpstreamTimeouts): Upstream | undefined {
  const current = builtWith.get(backend.upstream);
  if (current !== undefined && current.maxConnections === config.maxConnections && sameTimeouts(current.timeouts, timeouts)) return undefined;
  return transportFor({ ...config, url: backend.url }, timeouts);
}

function sameTimeouts(a: UpstreamTimeouts, b: UpstreamTimeouts): boolean {
  return a.connectMs === b.connectMs && a.responseMs === b.responseMs && a.idleMs === b.idleMs;
}

/** Puts a new upstream in use; the old one finishes its in-flight requests, then closes. */
export function useTransport(backend: Backend, upstream: Upstream): void {
  const old = backend.upstream;
  backend.upstream = upstream;
  void old.close().catch(() => undefined);
}
