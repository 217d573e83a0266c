// Process-wide request counters read by /lb/stats. Per-backend counters live
// on the Backend itself.
import { LatencyWindow } from './latency-window.js';

export class TrafficStats {
  /** Recent end-to-end request durations. */
  readonly latency = new LatencyWindow();
  requests = 0;
  errors = 0;
  active = 0;
  retries = 0;
  readonly startedAt = Date.now();
}
