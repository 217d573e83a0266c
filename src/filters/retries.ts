// The retries filter: a failed try is tried again on another backend when
// the pool's retry policy allows it (method, body, condition, attempts) and
// the cluster's retry budget has room. The budget belongs to the cluster, not
// the filter, so it outlives routing snapshots: a reload does not refill it.
import { performance } from 'node:perf_hooks';
import type { RetryConfig } from '../config/types.js';
import type { Exchange } from '../exchange/exchange.js';
import type { Filter, RequestVerdict, TryResult, TryVerdict } from '../exchange/phases.js';
import { RetryPolicy } from './retry-policy.js';

export class Retries implements Filter {
  readonly name = 'retries';
  private readonly policy: RetryPolicy;

  constructor(config: RetryConfig) {
    this.policy = new RetryPolicy(config);
  }

  onRequest(ex: Exchange): RequestVerdict {
    // The request's start stands for now: no clock read per request.
    ex.cluster!.retryBudget.recordRequest(ex.startedAt);
    ex.perTryTimeoutMs = this.policy.perTryTimeoutMs;
    return undefined;
  }

  onUpstreamResult(ex: Exchange, result: TryResult): TryVerdict {
    const policy = this.policy;
    if (result.error === undefined) {
      // Cheap pre-check first: most statuses are never retried.
      if (!policy.retriesStatus(result.status) || !policy.allowsStatus(result.status, ex.attempts, ex.method, ex.replayable)) return undefined;
    } else if (ex.responseStarted || !policy.allowsError(result.error, ex.attempts, ex.method, ex.replayable, result.idleRace)) {
      return undefined;
    }
    // Spent last, only on retries that would otherwise happen.
    return ex.cluster!.retryBudget.tryAcquire(performance.now()) ? 'retry' : undefined;
  }
}
