// Entry of every exchange, whatever the protocol: read the head, route, then
// hand the request to its Lifecycle. Requests no route can take (a bad
// target, no matching route, a protocol switch that cannot be tunnelled, a
// listener that redirects to HTTPS, a head over the listener's limits) are
// answered here, and still logged and counted through the snapshot's
// `unrouted` chain.
import { performance } from 'node:perf_hooks';
import type { Downstream } from './downstream.js';
import { Lifecycle, type ExchangeContext } from './lifecycle.js';
import { headLimitExceeded } from './head-limits.js';
import { httpsRedirect } from './https-redirect.js';
import { newRequestId } from './request-id.js';
import { readRequestHead } from './request-head.js';
import { readRequestTarget } from './request-target.js';
import type { RoutingSnapshot } from './route.js';

export type ExchangeHandler = (downstream: Downstream) => void;

export function createExchangeHandler(snapshot: () => RoutingSnapshot, ctx: ExchangeContext): ExchangeHandler {
  return function serve(downstream: Downstream): void {
    const startedAt = performance.now();
    ctx.stats.requests++;
    const current = snapshot();
    const head = readRequestHead(downstream.rawHeaders);
    if (downstream.bodyFollows !== undefined) head.hasBody = downstream.bodyFollows;
    const requestId = head.requestId ?? newRequestId();

    let target = downstream.target;
    // Origin-form ("/path") is the everyday case and needs no parsing. An
    // absolute-form target (RFC 9112 3.2.2) names the host itself: its
    // authority replaces Host, and its path is what is routed and forwarded.
    if (target.charCodeAt(0) !== 47 /* / */) {
      const parsed = readRequestTarget(target);
      if (!parsed.ok) {
        return new Lifecycle(ctx, downstream, head, undefined, current.unrouted, requestId, startedAt, current.trustedProxies).answerError('bad_target', parsed.problem);
      }
      if (parsed.authority !== undefined) {
        head.host = parsed.authority;
        head.authority = parsed.authority;
      }
      target = parsed.path;
      downstream.target = target;
    }

    // The listener's head limits hold for every request, routed or not.
    const limits = current.limits;
    if (limits !== undefined) {
      const broken = headLimitExceeded(limits, target, downstream.rawHeaders);
      if (broken !== undefined) {
        return new Lifecycle(ctx, downstream, head, undefined, current.unrouted, requestId, startedAt, current.trustedProxies).answerError(broken.kind, broken.detail);
      }
    }

    if (current.redirectToHttps !== undefined) {
      const redirect = new Lifecycle(ctx, downstream, head, undefined, current.unrouted, requestId, startedAt, current.trustedProxies);
      const answer = httpsRedirect(head.host, target, current.redirectToHttps.port);
      return answer === undefined ? redirect.answerError('bad_target', 'no usable Host to redirect to') : redirect.answerLocally(answer);
    }

    const match = current.router.matchRoute(head.host, target);
    if (match === undefined) {
      const unrouted = new Lifecycle(ctx, downstream, head, undefined, current.unrouted, requestId, startedAt, current.trustedProxies);
      return unrouted.answerError('no_route', `${head.host ?? '(no host)'}${target}`);
    }
    const route = match.value;

    // A tunnel's bytes follow its head raw: a body before the switch would
    // need framing of its own, which no WebSocket client sends.
    if (downstream.upgrade !== undefined && head.hasBody) {
      const refused = new Lifecycle(ctx, downstream, head, route, current.unrouted, requestId, startedAt, current.trustedProxies);
      return refused.answerError('upgrade_unsupported', `an Upgrade request (${downstream.upgrade.protocols}) with a body`);
    }

    const exchange = new Lifecycle(ctx, downstream, head, route, current.unrouted, requestId, startedAt, current.trustedProxies);
    // The listener's body limits, which a route's limits middleware may replace in onRequest.
    if (limits?.maxBodyBytes !== undefined) exchange.maxBodyBytes = limits.maxBodyBytes;
    if (limits?.bodyTimeoutMs !== undefined) exchange.bodyTimeoutMs = limits.bodyTimeoutMs;
    exchange.start();
  };
}
