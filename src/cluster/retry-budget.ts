// Retry budget: over a sliding window, retries may not exceed a share of
// requests (plus a small floor), so a failing pool is not hammered with
// retries on top of its failures.
const BUCKET_MS = 1_000;
const BUCKETS = 10;
/** Retries always allowed per window, so a quiet pool can still retry. */
const FLOOR_PER_WINDOW = 10;

export class RetryBudget {
  private readonly requests = new Uint32Array(BUCKETS);
  private readonly retries = new Uint32Array(BUCKETS);
  private bucketStart = 0;
  private index = 0;
  private requestTotal = 0;
  private retryTotal = 0;

  constructor(public percent: number) {}

  private rotate(now: number): void {
    if (now - this.bucketStart < BUCKET_MS) return;
    const steps = Math.min(BUCKETS, Math.floor((now - this.bucketStart) / BUCKET_MS));
    for (let i = 0; i < steps; i++) {
      this.index = (this.index + 1) % BUCKETS;
      this.requestTotal -= this.requests[this.index]!;
      this.retryTotal -= this.retries[this.index]!;
      this.requests[this.index] = 0;
      this.retries[this.index] = 0;
    }
    this.bucketStart = now - ((now - this.bucketStart) % BUCKET_MS);
  }

  /** `now` and tryAcquire's: performance.now() milliseconds. */
  recordRequest(now: number): void {
    this.rotate(now);
    this.requests[this.index]!++;
    this.requestTotal++;
  }

  /** Takes one retry from the budget if it has room. */
  tryAcquire(now: number): boolean {
    this.rotate(now);
    const allowed = Math.max(FLOOR_PER_WINDOW, (this.requestTotal * this.percent) / 100);
    if (this.retryTotal >= allowed) return false;
    this.retries[this.index]!++;
    this.retryTotal++;
    return true;
  }
}
