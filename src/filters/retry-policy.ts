// Which failed tries may be tried again. Failures where nothing reached the
// backend are always safe to retry; others only for idempotent methods and
// the conditions listed in `retries.on`. The budget is checked last, by the
// caller, so it is only spent on retries that would otherwise happen.
import type { RetryConfig } from '../config/types.js';
import type { ErrorKind } from '../exchange/errors.js';

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export class RetryPolicy {
  readonly maxAttempts: number;
  readonly perTryTimeoutMs: number;
  private readonly onReset: boolean;
  private readonly onTimeout: boolean;
  private readonly statuses: ReadonlySet<number>;
  private readonly nonIdempotent: boolean;

  constructor(config: RetryConfig) {
    this.maxAttempts = config.attempts;
    this.perTryTimeoutMs = config.perTryTimeoutMs;
    this.onReset = config.on.includes('reset');
    this.onTimeout = config.on.includes('timeout');
    this.statuses = new Set(config.on.filter((c) => /^\d+$/.test(c)).map(Number));
    this.nonIdempotent = config.retryNonIdempotent;
  }

  /** Whether a status code from the backend could be retried at all (cheap pre-check). */
  retriesStatus(status: number): boolean {
    return this.statuses.has(status);
  }

  private mayResend(method: string): boolean {
    return this.nonIdempotent || IDEMPOTENT.has(method);
  }

  /**
   * A try failed with `kind` before any response byte reached the client.
   * `idleRace`: a reused keep-alive connection closed or reset before any
   * byte of the answer (the backend closed it while idle, as our request
   * crossed), so the backend processed nothing and any method may be re-sent.
   */
  allowsError(kind: ErrorKind, attempts: number, method: string, replayable: boolean, idleRace = false): boolean {
    if (attempts >= this.maxAttempts || !replayable) return false;
    if (idleRace && kind === 'upstream_reset') return true;
    switch (kind) {
      case 'connect_refused':
      case 'connect_timeout':
        return true; // the request never reached the backend
      case 'upstream_reset':
        return this.onReset && this.mayResend(method);
      case 'response_timeout':
        return this.onTimeout && this.mayResend(method);
      default:
        return false;
    }
  }

  /** The backend answered `status` (listed in `on`); may the answer be dropped and the request retried? */
  allowsStatus(status: number, attempts: number, method: string, replayable: boolean): boolean {
    return attempts < this.maxAttempts && replayable && this.statuses.has(status) && this.mayResend(method);
  }
}
