// Bounds on what one HTTP/2 client may make us do without asking for
// anything: streams it opens and resets before their answer (the rapid reset
// attack, CVE-2023-44487, where every HEADERS+RST_STREAM pair costs us a
// backend request), SETTINGS frames and PINGs (each owes an ACK). Each is a
// token bucket per connection; a client that empties one is told
// ENHANCE_YOUR_CALM in a GOAWAY and cut off.
import { performance } from 'node:perf_hooks';

/** Events a client may send at once, and how many more each second. */
export interface FloodAllowance {
  burst: number;
  perSecond: number;
}

export const FLOOD_ALLOWANCES = {
  // A browser leaving a page cancels what it no longer needs: tens, not thousands.
  resets: { burst: 200, perSecond: 50 },
  settings: { burst: 20, perSecond: 2 },
  pings: { burst: 20, perSecond: 2 },
} as const satisfies Record<string, FloodAllowance>;

export type FloodKind = keyof typeof FLOOD_ALLOWANCES;

class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(private readonly allowance: FloodAllowance) {
    this.tokens = allowance.burst;
    this.at = performance.now();
  }

  /** Takes one; false when none are left. */
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.allowance.burst, this.tokens + ((now - this.at) / 1000) * this.allowance.perSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One connection's buckets, made as each kind is first seen. */
export class FloodGuard {
  private readonly buckets = new Map<FloodKind, TokenBucket>();

  /** Counts one event of `kind`; false when the client went over its allowance. */
  allow(kind: FloodKind): boolean {
    let bucket = this.buckets.get(kind);
    if (bucket === undefined) {
      bucket = new TokenBucket(FLOOD_ALLOWANCES[kind]);
      this.buckets.set(kind, bucket);
    }
    return bucket.take();
  }
}
