// The per-request lifecycle: accept → route → pick → forward → respond → count.
// Each phase is one step here; features plug into a phase rather than
// weaving through the forwarding code.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Backend } from '../upstream/backend.js';
import type { Router } from './router.js';
import type { BackendPool } from './pool.js';
import { upstreamRequestHeaders } from './headers.js';
import { IncomingFacts, readRequestHead } from './request-head.js';
import { sendError } from './errors.js';
import { Exchange, type ExchangeOutcome } from './forward.js';
import { noteRelayedBytes } from './body-gc-pacer.js';
import type { TrafficStats } from './traffic-stats.js';

/** What the data path reads per request; replaced whole on reload. */
export interface RoutingSnapshot {
  router: Router<BackendPool>;
}

function countBodyChunk(chunk: Buffer): void {
  noteRelayedBytes(chunk.length);
}

export function createRequestHandler(
  snapshot: () => RoutingSnapshot,
  stats: TrafficStats,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  const onExchangeDone = (backend: Backend, outcome: ExchangeOutcome): void => {
    backend.inFlight--;
    stats.active--;
    if (outcome.errorKind === 'client_aborted') return;
    if (outcome.errorKind !== undefined || outcome.status >= 500) {
      backend.errors++;
      stats.errors++;
    }
    if (outcome.errorKind === undefined) backend.recordLatency(outcome.durationMs);
    else logger.debug({ backend: backend.id, kind: outcome.errorKind, err: outcome.error?.message }, 'upstream request failed');
  };

  return function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const startedAt = performance.now();
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

    // pick
    const backend = pool.pick(new IncomingFacts(req, head.host ?? ''));
    if (backend === undefined) {
      stats.errors++;
      req.resume();
      sendError(res, 'no_healthy_backend', requestId, head.accept, `pool ${pool.name}`);
      return;
    }

    // forward, then respond (streamed by the Exchange)
    backend.inFlight++;
    backend.totalRequests++;
    stats.active++;
    const headers = upstreamRequestHeaders(raw, {
      clientAddress: req.socket.remoteAddress ?? '',
      proto: 'http',
      requestId,
    });
    // Request bodies are counted too; undici reads the same 'data' events.
    if (head.hasBody) req.on('data', countBodyChunk);
    const exchange = new Exchange(req, res, backend, requestId, head.accept, startedAt, onExchangeDone);
    backend.dispatcher.dispatch(
      {
        path: url,
        method: req.method as 'GET',
        headers,
        body: head.hasBody ? req : null,
      },
      exchange,
    );
  };
}
