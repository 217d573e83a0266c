// fairway's own view of a run's latency: its request-duration histogram
// (GET /metrics on the admin port), read before and after the run. The
// difference is the run's requests as fairway timed them, from the parsed
// head to the answer's last byte handed to the socket. Set beside wrk's
// percentiles, it shows how much of a tail is spent inside the proxy and
// how much outside it (in socket queues, or in the load generator waiting
// for its core).

/** Cumulative counts by upper bound in seconds (+Inf as Infinity), summed over every label set. */
export type DurationBuckets = Map<number, number>;

const BUCKET_LINE = /^fairway_request_duration_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\}\s+(\d+(?:\.\d+)?)/;

/** The histogram in a Prometheus text exposition. */
export function parseDurationBuckets(exposition: string): DurationBuckets {
  const buckets: DurationBuckets = new Map();
  for (const line of exposition.split('\n')) {
    const m = BUCKET_LINE.exec(line);
    if (m === null) continue;
    const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
  }
  return buckets;
}

/** Reads fairway's histogram from its admin listener; undefined when it cannot be read. */
export async function readDurationBuckets(adminPort: number): Promise<DurationBuckets | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${adminPort}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return undefined;
    return parseDurationBuckets(await res.text());
  } catch {
    return undefined;
  }
}

/**
 * The q-quantile (0–1) of the requests counted between two readings, in
 * milliseconds, interpolated linearly inside its bucket (as Prometheus's
 * histogram_quantile does); undefined when no request was counted.
 */
export function quantileBetween(before: DurationBuckets, after: DurationBuckets, q: number): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = (after.get(le) ?? 0) - (before.get(le) ?? 0);
    if (count >= rank) {
      // Past the last finite bound nothing is known but that bound.
      if (le === Infinity) return lower * 1000;
      const inBucket = count - below;
      const share = inBucket > 0 ? (rank - below) / inBucket : 1;
      return (lower + (le - lower) * share) * 1000;
    }
    lower = le;
    below = count;
  }
  return undefined;
}
