// Maps a request's host and path to what it is routed to. Built once per
// config snapshot; lookups scan a short list pre-sorted so the first match is
// the best one.
import type { RouteConfig } from '../config/types.js';

export interface CompiledRoute<P> {
  /** Lower-cased host, undefined for an any-host route. */
  host: string | undefined;
  prefix: string;
  hostSpecific: boolean;
  value: P;
}

export class Router<P> {
  /** Routes for one host merged with the any-host routes, best first. */
  private readonly byHost = new Map<string, CompiledRoute<P>[]>();
  private readonly anyHost: CompiledRoute<P>[];

  constructor(routes: readonly RouteConfig[], resolve: (route: RouteConfig) => P) {
    const compiled = routes.map((r) => {
      const host = r.host?.toLowerCase();
      return { host, route: { host, prefix: r.pathPrefix, hostSpecific: host !== undefined, value: resolve(r) } };
    });
    const order = (a: CompiledRoute<P>, b: CompiledRoute<P>) =>
      b.prefix.length - a.prefix.length || Number(b.hostSpecific) - Number(a.hostSpecific);
    this.anyHost = compiled.filter((c) => c.host === undefined).map((c) => c.route).sort(order);
    for (const c of compiled) {
      if (c.host === undefined) continue;
      let list = this.byHost.get(c.host);
      if (list === undefined) this.byHost.set(c.host, (list = [...this.anyHost]));
      list.push(c.route);
    }
    for (const list of this.byHost.values()) list.sort(order);
  }

  /** What the best matching route leads to. */
  match(hostHeader: string | undefined, path: string): P | undefined {
    return this.matchRoute(hostHeader, path)?.value;
  }

  /** Longest matching prefix wins; on a tie a host-specific route wins. */
  matchRoute(hostHeader: string | undefined, path: string): CompiledRoute<P> | undefined {
    let list = this.anyHost;
    if (this.byHost.size > 0 && hostHeader !== undefined) {
      list = this.byHost.get(hostName(hostHeader)) ?? this.anyHost;
    }
    for (let i = 0; i < list.length; i++) {
      if (path.startsWith(list[i]!.prefix)) return list[i];
    }
    return undefined;
  }
}

/** Host header without port, lower-cased; handles [v6]:port. */
export function hostName(hostHeader: string): string {
  let end = hostHeader.length;
  if (hostHeader.charCodeAt(0) === 91 /* [ */) {
    const close = hostHeader.indexOf(']');
    if (close !== -1) end = close + 1;
  } else {
    const colon = hostHeader.lastIndexOf(':');
    if (colon !== -1) end = colon;
  }
  return hostHeader.slice(0, end).toLowerCase();
}
