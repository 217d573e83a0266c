// Requests to switch protocols (Upgrade, RFC 9110 7.8). fairway does not
// relay upgraded connections yet, so a WebSocket handshake is refused with
// 501 rather than forwarded as a plain request the backend answers
// meaninglessly. node:http hands such requests to 'request' as long as the
// server has no 'upgrade' listener, so they are answered here like any other.
import type { Logger } from '../observability/logger.js';
import type { RequestHead } from './request-head.js';
import type { Route } from './route.js';

function listsToken(list: string, token: string): boolean {
  for (const part of list.split(',')) {
    if (part.trim().toLowerCase() === token) return true;
  }
  return false;
}

/**
 * The protocols a request asks to switch to that fairway must refuse, or
 * undefined. An Upgrade header without the "upgrade" Connection option is not
 * a request to switch (RFC 9110 7.8). h2c alone is declined silently, as a
 * server may: the client carries on in HTTP/1.1 and is proxied as usual.
 */
export function refusedUpgrade(head: RequestHead): string | undefined {
  if (head.upgrade === undefined || head.connection === undefined || !listsToken(head.connection, 'upgrade')) return undefined;
  const refused = head.upgrade
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '' && p.toLowerCase() !== 'h2c');
  return refused.length > 0 ? refused.join(', ') : undefined;
}

/** Warns once per route (per loaded config) that its Upgrade requests are refused. */
export class UpgradeWarnings {
  private readonly warned = new WeakSet<object>();

  constructor(private readonly logger: Logger) {}

  note(route: Route, protocols: string): void {
    if (this.warned.has(route)) return;
    this.warned.add(route);
    this.logger.warn(
      { route: { host: route.host ?? '*', pathPrefix: route.pathPrefix }, pool: route.cluster.name, upgrade: protocols },
      'Upgrade requests on this route are answered 501: fairway does not proxy them yet (logged once per route)',
    );
  }
}
