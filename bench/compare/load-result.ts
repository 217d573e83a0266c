// What one measured run of a load generator (wrk or h2load) reports, in the
// shape the tables read.

/** wrk's socket errors by kind, as its summary line names them. */
export interface SocketErrors {
  connect: number;
  read: number;
  write: number;
  /** Requests still unanswered after wrk's --timeout (5 s here). */
  timeout: number;
}

/** How many of the run's client connections got at least one answer (served-connections.ts). */
export interface ServedConnections {
  /** Connections the load generator was asked to keep open. */
  asked: number;
  /** Its sockets to the target seen during the run (more than asked after reconnects). */
  seen: number;
  /** Of those, the ones that received an answer. */
  served: number;
}

export interface LoadResult {
  rps: number;
  /** Requests completed in the run (what CPU time is divided by). */
  requests: number;
  /** Socket errors plus answers that were not 2xx/3xx. */
  errors: number;
  /** wrk's socket errors; h2load fails the run instead. */
  socketErrors?: SocketErrors;
  /** Answers that were not 2xx/3xx. */
  non2xx?: number;
  /** Milliseconds; wrk gives percentiles, h2load only the mean. */
  p50?: number;
  p99?: number;
  meanMs?: number;
  /** The proxy's CPU time per request in microseconds, when it was read. */
  cpuUsPerRequest?: number;
  /** Absent where it cannot be told (a new connection per request). */
  connections?: ServedConnections;
  /** Connections a full accept queue turned away during the run (listen-overflows.ts). */
  listenOverflows?: number;
  /** The VM's steal time during the run, a per cent of all CPUs' time (steal-time.ts). */
  stealPercent?: number;
  /** Runs of this round set aside because the VM's steal time was too high (steal-time.ts). */
  stolenRuns?: number;
}

/** A run that produced no usable measurement, and why. */
export interface FailedRun {
  failure: string;
}

export type RunOutcome = LoadResult | FailedRun;

export const isFailed = (r: RunOutcome): r is FailedRun => 'failure' in r;

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A time as wrk and h2load print it (`812.00us`, `1.81ms`, `2.5s`) in milliseconds. */
export function toMs(text: string, tool: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`${tool}: cannot read the time "${text}"`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}
