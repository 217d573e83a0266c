// Entry of the per-request lifecycle: accept → route, then hand the request
// to a ProxyRequest for admit → pick → forward → respond → report.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Router } from './router.js';
import type { BackendPool } from './pool.js';
import { upstreamRequestHeaders } from './headers.js';
import { IncomingFacts, readRequestHead } from './request-head.js';
import { sendError } from './errors.js';
import { ProxyRequest, type ProxyContext } from './proxy-request.js';

/** What the data path reads per request; replaced whole on reload. */
export interface RoutingSnapshot {
  router: Router<BackendPool>;
}

export function createRequestHandler(
  snapshot: () => RoutingSnapshot,
  ctx: ProxyContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  return function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const startedAt = performance.now();
    const stats = ctx.stats;
    stats.requests++;
    const raw = req.rawHeaders;
    const head = readRequestHead(raw);
    const requestId = head.requestId ?? randomUUID();
    const url = req.url ?? '/';

    // route
    const pool = snapshot().router.match(head.host, url);
    if (pool === undefined) {
      stats.errors++;
      req.resume();
      sendError(res, 'no_route', requestId, head.accept, `${head.host ?? '(no host)'}${url}`);
      return;
    }

    stats.active++;
    const headers = upstreamRequestHeaders(raw, {
      clientAddress: req.socket.remoteAddress ?? '',
      proto: 'http',
      requestId,
    });
    const facts = new IncomingFacts(req, head.host ?? '');
    new ProxyRequest(ctx, pool, req, res, head, facts, headers, requestId, startedAt).start();
  };
}
