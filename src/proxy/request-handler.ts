// Entry of the per-request lifecycle: accept → route, then hand the request
// to a ProxyRequest for admit → pick → forward → respond → report.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Router } from './router.js';
import type { BackendPool } from './pool.js';
import { upstreamRequestHeaders } from './headers.js';
import { IncomingFacts, rawHeader, readRequestHead, type RequestHead } from './request-head.js';
import { readRequestTarget } from './request-target.js';
import { refusedUpgrade, UpgradeWarnings } from './upgrade.js';
import { settleUnreadBody } from './client-connection.js';
import { sendError, statusFor, type ProxyErrorKind } from './errors.js';
import { ProxyRequest, type ProxyContext } from './proxy-request.js';

/** What the data path reads per request; replaced whole on reload. */
export interface RoutingSnapshot {
  router: Router<BackendPool>;
}

export function createRequestHandler(
  snapshot: () => RoutingSnapshot,
  ctx: ProxyContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  const upgradeWarnings = new UpgradeWarnings(ctx.logger);

  /** Answers a request ourselves before any backend is involved; it is logged and counted like any other. */
  function answerLocally(
    req: IncomingMessage,
    res: ServerResponse,
    head: RequestHead,
    requestId: string,
    startedAt: number,
    pool: string,
    kind: ProxyErrorKind,
    detail: string,
  ): void {
    ctx.stats.errors++;
    settleUnreadBody(req, res, head);
    sendError(res, kind, requestId, head.accept, detail);
    const durationMs = performance.now() - startedAt;
    ctx.stats.latency.record(durationMs);
    if (ctx.events.listenerCount('request') > 0) {
      ctx.events.emit('request', {
        time: Date.now(),
        requestId,
        clientAddress: req.socket.remoteAddress ?? '',
        method: req.method ?? '',
        host: head.host ?? '',
        path: req.url ?? '',
        status: statusFor(kind),
        bytesIn: 0,
        bytesOut: 0,
        durationMs,
        upstreamDurationMs: 0,
        pool,
        backend: '',
        attempts: 0,
        errorKind: kind,
        referer: rawHeader(req.rawHeaders, 'referer'),
        userAgent: rawHeader(req.rawHeaders, 'user-agent'),
        httpVersion: req.httpVersion,
      });
    }
  }

  return function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const startedAt = performance.now();
    const stats = ctx.stats;
    stats.requests++;
    const raw = req.rawHeaders;
    const head = readRequestHead(raw);
    const requestId = head.requestId ?? randomUUID();

    let url = req.url ?? '/';
    let authority: string | undefined;
    // Origin-form ("/path") is the everyday case and needs no parsing. An
    // absolute-form target (RFC 9112 3.2.2) names the host itself: its
    // authority replaces Host, and its path is what is routed and forwarded.
    if (url.charCodeAt(0) !== 47 /* / */) {
      const target = readRequestTarget(url);
      if (!target.ok) return answerLocally(req, res, head, requestId, startedAt, '', 'bad_target', target.problem);
      authority = target.authority;
      if (authority !== undefined) {
        req.url = target.path;
        head.host = authority;
        req.headers.host = authority;
      }
      url = target.path;
    }

    // route
    const route = snapshot().router.matchRoute(head.host, url);
    if (route === undefined) return answerLocally(req, res, head, requestId, startedAt, '', 'no_route', `${head.host ?? '(no host)'}${url}`);

    const upgrade = refusedUpgrade(head);
    if (upgrade !== undefined) {
      upgradeWarnings.note(route, route.pool.name, upgrade);
      // node:http stops reading a connection at a request asking to switch
      // protocols (bytes pipelined after it are dropped): close after answering.
      res.shouldKeepAlive = false;
      return answerLocally(req, res, head, requestId, startedAt, route.pool.name, 'upgrade_unsupported', `Upgrade: ${upgrade}`);
    }

    stats.active++;
    const headers = upstreamRequestHeaders(raw, {
      clientAddress: req.socket.remoteAddress ?? '',
      proto: 'http',
      requestId,
      host: authority,
    });
    const facts = new IncomingFacts(req, head.host ?? '');
    new ProxyRequest(ctx, route.pool, req, res, head, facts, headers, requestId, startedAt).start();
  };
}
