// The `limits` middleware: bounds on one request of its routes. The head's
// (target, header fields) are checked here, in onRequest, before any backend
// is picked; the body's are handed to the lifecycle on the exchange
// (maxBodyBytes, bodyTimeoutMs), which enforces them while it streams the
// body (413 / 408, the upstream try aborted, the connection closed). Where
// the route sets a limit it replaces the listener's; where not, the
// listener's stays.
import type { RequestLimitsConfig } from '../config/types.js';
import { errorAnswer } from '../exchange/errors.js';
import type { Exchange } from '../exchange/exchange.js';
import { headLimitExceeded } from '../exchange/head-limits.js';
import type { Filter, RequestVerdict } from '../exchange/phases.js';

export class LimitsFilter implements Filter {
  private readonly checksHead: boolean;

  constructor(
    readonly name: string,
    private readonly limits: RequestLimitsConfig,
  ) {
    this.checksHead = limits.maxUrlBytes !== undefined || limits.maxHeaderBytes !== undefined;
  }

  onRequest(ex: Exchange): RequestVerdict {
    const l = this.limits;
    if (this.checksHead) {
      const broken = headLimitExceeded(l, ex.path, ex.downstream.rawHeaders);
      if (broken !== undefined) {
        const answer = errorAnswer(broken.kind, ex.requestId, ex.head.accept, broken.detail);
        return { status: answer.status, headers: answer.headers, body: answer.body, reason: broken.kind };
      }
    }
    if (l.maxBodyBytes !== undefined) ex.maxBodyBytes = l.maxBodyBytes;
    if (l.bodyTimeoutMs !== undefined) ex.bodyTimeoutMs = l.bodyTimeoutMs;
    return undefined;
  }
}
