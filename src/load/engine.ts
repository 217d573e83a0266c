// The load generator as a module: `runLoad` sweeps concurrency levels, runs
// rounds at each, and reports progress through callbacks. The CLI's
// `fairway bench` is one caller; the dashboard's load tests are another.
import { Buffer } from 'node:buffer';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { parseHeaderLine, prepareRequest, type PreparedRequest, type RequestSpec } from './request.js';
import { runShard, type ShardCounters, type ShardOptions, type ShardResult } from './shard.js';
import { mergeShards, roundResult, summarizeLevel, type LevelSummary, type RoundResult } from './stats.js';
import type { HistogramData } from './histogram.js';

export interface LoadOptions {
  url: string;
  method?: string;
  /** "name: value" strings or [name, value] pairs. */
  headers?: readonly (string | readonly [string, string])[];
  body?: Buffer;
  /** Connections per level; the sweep runs them in order. Default [50]. */
  concurrency?: readonly number[];
  /** Length of each round. Default 10 s unless `total` is given. */
  durationMs?: number;
  /** Requests per round instead of a duration (both: whichever ends first). */
  total?: number;
  /** Rounds per level. Default 1. */
  rounds?: number;
  /** A request unanswered this long counts as a timeout. Default 5 s. */
  timeoutMs?: number;
  /** Open model: requests per second per level, latency from the intended send time. */
  rate?: number;
  /** Response header naming the backend that answered. Default x-backend. */
  backendHeader?: string;
  /** Worker threads sharing the connections. Default 1 (the calling thread). */
  workers?: number;
  /** How often onProgress is called, ms. Default 250. */
  progressIntervalMs?: number;
  signal?: AbortSignal;
}

export interface LoadProgress {
  concurrency: number;
  /** 1-based. */
  round: number;
  rounds: number;
  /** 1-based position of this level in the sweep. */
  level: number;
  levels: number;
  elapsedMs: number;
  durationMs: number | undefined;
  total: number | undefined;
  requests: number;
  successes: number;
  errorCount: number;
  /** Requests per second since the previous progress call. */
  currentRps: number;
  /** So far in this round, ms. With worker threads: p50 of the first, p99 the highest. */
  p50: number;
  p99: number;
}

export interface LoadHooks {
  onProgress?(progress: LoadProgress): void;
  onRound?(result: RoundResult): void;
  onLevel?(summary: LevelSummary, rounds: readonly RoundResult[]): void;
}

export interface LevelResult {
  concurrency: number;
  rounds: RoundResult[];
  summary: LevelSummary;
}

export interface LoadRunResult {
  url: string;
  method: string;
  headers: [string, string][];
  bodyBytes: number;
  startedAt: string;
  finishedAt: string;
  settings: {
    concurrency: number[];
    durationMs: number | undefined;
    total: number | undefined;
    rounds: number;
    timeoutMs: number;
    rate: number | undefined;
    backendHeader: string;
    workers: number;
  };
  levels: LevelResult[];
  totals: { requests: number; successes: number; errorCount: number; errorRate: number };
  /** The run was stopped early through the signal. */
  aborted: boolean;
}

export const DEFAULT_DURATION_MS = 10_000;
export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_CONCURRENCY = 50;
export const MAX_CONCURRENCY = 20_000;

function positiveInteger(value: number, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new RangeError(`${what} must be a whole number from 1 to ${max}, not ${value}`);
  return value;
}

function positive(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${what} must be a number above 0, not ${value}`);
  return value;
}

interface Plan {
  request: PreparedRequest;
  spec: RequestSpec;
  concurrency: number[];
  durationMs: number | undefined;
  total: number | undefined;
  rounds: number;
  timeoutMs: number;
  rate: number | undefined;
  backendHeader: string;
  workers: number;
  progressIntervalMs: number;
}

/** Checks every option up front, so bad input fails before any traffic. */
export function planLoad(options: LoadOptions): Plan {
  const spec: RequestSpec = { url: options.url, method: options.method, headers: options.headers, body: options.body };
  const request = prepareRequest(spec);
  const concurrency = [...(options.concurrency ?? [DEFAULT_CONCURRENCY])];
  if (concurrency.length === 0) throw new RangeError('concurrency needs at least one level');
  for (const c of concurrency) positiveInteger(c, 'concurrency', MAX_CONCURRENCY);
  const total = options.total === undefined ? undefined : positiveInteger(options.total, 'total');
  const durationMs =
    options.durationMs === undefined ? (total === undefined ? DEFAULT_DURATION_MS : undefined) : positive(options.durationMs, 'duration');
  const backendHeader = options.backendHeader ?? 'x-backend';
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(backendHeader)) throw new RangeError(`"${backendHeader}" is not a header name`);
  return {
    request,
    spec,
    concurrency,
    durationMs,
    total,
    rounds: positiveInteger(options.rounds ?? 1, 'rounds', 1000),
    timeoutMs: positive(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeout'),
    rate: options.rate === undefined ? undefined : positive(options.rate, 'rate'),
    backendHeader,
    workers: positiveInteger(options.workers ?? 1, 'workers', 64),
    progressIntervalMs: positive(options.progressIntervalMs ?? 250, 'progress interval'),
  };
}

/** Splits `n` into `parts` whole shares that differ by at most one. */
function split(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

interface LiveCounters {
  requests: number;
  successes: number;
  errorCount: number;
  p50Micros: number;
  p99Micros: number;
}

export interface WorkerRound {
  spec: { url: string; method?: string; headers: [string, string][]; body?: Uint8Array };
  shard: Omit<ShardOptions, 'request' | 'signal'>;
  progressIntervalMs: number;
}

export type WorkerMessage = ({ type: 'progress' } & LiveCounters) | { type: 'result'; result: ShardResult };

function runInWorker(round: WorkerRound, signal: AbortSignal, onCounters: (c: LiveCounters) => void): Promise<ShardResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: round });
    let result: ShardResult | undefined;
    const stop = () => worker.postMessage('stop');
    signal.addEventListener('abort', stop, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onCounters(m);
      else result = m.result;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      signal.removeEventListener('abort', stop);
      if (result !== undefined) resolve(result);
      else reject(new Error(`load worker exited with code ${code} before reporting`));
    });
  });
}

async function runRound(
  plan: Plan,
  concurrency: number,
  signal: AbortSignal,
  report: (live: readonly LiveCounters[]) => void,
): Promise<ShardResult> {
  const base = {
    connections: concurrency,
    durationMs: plan.durationMs,
    total: plan.total,
    rate: plan.rate,
    timeoutMs: plan.timeoutMs,
    backendHeader: plan.backendHeader,
  };
  const workers = Math.min(plan.workers, concurrency);
  if (workers === 1) {
    let counters: ShardCounters | undefined;
    const timer = setInterval(() => {
      if (counters === undefined) return;
      const h = counters.histogram;
      report([{ ...counters, p50Micros: h.percentile(50), p99Micros: h.percentile(99) }]);
    }, plan.progressIntervalMs);
    try {
      return await runShard({ ...base, request: plan.request, signal }, (c) => (counters = c));
    } finally {
      clearInterval(timer);
    }
  }
  const connections = split(concurrency, workers);
  const totals = plan.total === undefined ? undefined : split(plan.total, workers);
  const live: LiveCounters[] = connections.map(() => ({ requests: 0, successes: 0, errorCount: 0, p50Micros: 0, p99Micros: 0 }));
  const timer = setInterval(() => report(live), plan.progressIntervalMs);
  const spec = plan.spec;
  try {
    const shards = await Promise.all(
      connections.map((n, i) =>
        runInWorker(
          {
            spec: {
              url: spec.url,
              method: spec.method,
              headers: (spec.headers ?? []).map((h) => (typeof h === 'string' ? parseHeaderLine(h) : [h[0], h[1]])),
              body: spec.body,
            },
            shard: {
              ...base,
              connections: n,
              total: totals?.[i],
              rate: plan.rate === undefined ? undefined : (plan.rate * n) / concurrency,
            },
            progressIntervalMs: plan.progressIntervalMs,
          },
          signal,
          (c) => (live[i] = c),
        ),
      ),
    );
    return mergeShards(shards);
  } finally {
    clearInterval(timer);
  }
}

/**
 * Runs the sweep: for every concurrency level, `rounds` rounds; calls the
 * hooks as it goes and resolves with every result. Bad options reject before
 * any request is sent. Aborting the signal ends the current round early and
 * skips the rest; what was measured is still returned.
 */
export async function runLoad(options: LoadOptions, hooks: LoadHooks = {}): Promise<LoadRunResult> {
  const plan = planLoad(options);
  const startedAt = new Date().toISOString();
  const inner = new AbortController();
  const abort = () => inner.abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  if (options.signal?.aborted) inner.abort();
  const levels: LevelResult[] = [];
  try {
    for (let li = 0; li < plan.concurrency.length && !inner.signal.aborted; li++) {
      const concurrency = plan.concurrency[li]!;
      const rounds: (RoundResult & { histogram: HistogramData })[] = [];
      for (let round = 1; round <= plan.rounds && !inner.signal.aborted; round++) {
        const started = performance.now();
        let lastAt = started;
        let lastRequests = 0;
        const shard = await runRound(plan, concurrency, inner.signal, (live) => {
          const now = performance.now();
          const requests = live.reduce((s, c) => s + c.requests, 0);
          hooks.onProgress?.({
            concurrency,
            round,
            rounds: plan.rounds,
            level: li + 1,
            levels: plan.concurrency.length,
            elapsedMs: now - started,
            durationMs: plan.durationMs,
            total: plan.total,
            requests,
            successes: live.reduce((s, c) => s + c.successes, 0),
            errorCount: live.reduce((s, c) => s + c.errorCount, 0),
            currentRps: now > lastAt ? ((requests - lastRequests) * 1000) / (now - lastAt) : 0,
            p50: live[0]!.p50Micros / 1000,
            p99: Math.max(...live.map((c) => c.p99Micros)) / 1000,
          });
          lastAt = now;
          lastRequests = requests;
        });
        const result = roundResult(concurrency, round, shard);
        rounds.push(result);
        hooks.onRound?.(publicRound(result));
      }
      if (rounds.length === 0) break;
      const summary = summarizeLevel(concurrency, rounds);
      const publicRounds = rounds.map(publicRound);
      levels.push({ concurrency, rounds: publicRounds, summary });
      hooks.onLevel?.(summary, publicRounds);
    }
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
  const requests = levels.reduce((s, l) => s + l.summary.requests, 0);
  const errorCount = levels.reduce((s, l) => s + l.summary.errorCount, 0);
  return {
    url: options.url,
    method: plan.request.method,
    headers: plan.request.headers,
    bodyBytes: options.body?.length ?? 0,
    startedAt,
    finishedAt: new Date().toISOString(),
    settings: {
      concurrency: plan.concurrency,
      durationMs: plan.durationMs,
      total: plan.total,
      rounds: plan.rounds,
      timeoutMs: plan.timeoutMs,
      rate: plan.rate,
      backendHeader: plan.backendHeader,
      workers: plan.workers,
    },
    levels,
    totals: {
      requests,
      successes: levels.reduce((s, l) => s + l.summary.successes, 0),
      errorCount,
      errorRate: requests === 0 ? 0 : errorCount / requests,
    },
    aborted: inner.signal.aborted,
  };
}

/** A round without its raw histogram, as callers and the JSON file see it. */
function publicRound(r: RoundResult & { histogram?: HistogramData }): RoundResult {
  const { histogram: _histogram, ...rest } = r;
  return rest;
}
