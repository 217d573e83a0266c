// Process-wide request counters read by /lb/stats. Per-backend counters live
// on the Backend itself.
export class TrafficStats {
  requests = 0;
  errors = 0;
  active = 0;
  retries = 0;
  readonly startedAt = Date.now();
}
