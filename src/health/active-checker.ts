// Active health checks: a request (GET healthCheck.path by default) to every
// backend of a pool at a fixed interval, with rise/fall thresholds. Checks of
// different backends are spread across the interval rather than fired together.
// An https backend is checked over TLS, verified as its requests are
// (backendTlsOptions), on connections of the checker's own.
import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { BackendTlsConfig, HealthCheckConfig } from '../config/types.js';
import type { CheckedMember } from './health-member.js';
import { backendTlsOptions } from '../upstream/backend-tls.js';
import { ProbeClient, discard } from './probe-client.js';

export interface HealthResult {
  ok: boolean;
  /** e.g. "HTTP 200", "HTTP 503", "timeout", "connection refused", "cannot resolve HOST". */
  reason: string;
}

export type HealthTransition<M extends CheckedMember> = (backend: M, healthy: boolean, reason: string) => void;
/** Every check's result, for metrics. */
export type HealthCheckObserver<M extends CheckedMember> = (backend: M, result: HealthResult) => void;

interface Probe<M extends CheckedMember> {
  backend: M;
  client: ProbeClient;
  timer: NodeJS.Timeout | undefined;
  successes: number;
  failures: number;
  last: HealthResult | undefined;
}

/** How much of a body is read: searched for healthCheck.expectBody, or else read to reuse the connection; the rest is not read. */
export const HEALTH_BODY_LIMIT_BYTES = 64 * 1024;

/** `hostname` is the backend URL's host, which is what was looked up. */
function describeFailure(err: unknown, hostname: string): string {
  const code = (err as { code?: string }).code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
      return `cannot resolve ${hostname}`;
    case 'EAI_AGAIN':
      return `cannot resolve ${hostname} (temporary DNS failure)`;
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset';
    default:
      if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') return 'timeout';
      return code ?? (err as Error).message ?? String(err);
  }
}

export class ActiveHealthChecker<M extends CheckedMember> {
  private probes: Probe<M>[];
  private stopped = false;
  private started = false;

  constructor(
    backends: readonly M[],
    private readonly config: HealthCheckConfig,
    private readonly onTransition: HealthTransition<M>,
    private readonly onResult?: HealthCheckObserver<M>,
    /** The pool's `tls:`, for its https backends. */
    private readonly tls?: BackendTlsConfig,
  ) {
    this.probes = backends.map((backend) => this.newProbe(backend));
  }

  private newProbe(backend: M): Probe<M> {
    const url = new URL(backend.url);
    return {
      backend,
      client: new ProbeClient(url, url.protocol === 'https:' ? backendTlsOptions(url, this.tls) : undefined),
      timer: undefined,
      successes: 0,
      failures: 0,
      last: undefined,
    };
  }

  /** Starts checking a backend added at run time; its first check comes at once. */
  add(backend: M): void {
    const probe = this.newProbe(backend);
    this.probes.push(probe);
    if (this.started) this.schedule(probe, 0);
  }

  /** Stops checking a backend that left the pool. */
  remove(backend: M): void {
    const probe = this.probes.find((p) => p.backend === backend);
    if (probe === undefined) return;
    this.probes = this.probes.filter((p) => p !== probe);
    clearTimeout(probe.timer);
    probe.client.destroy();
  }

  start(): void {
    this.started = true;
    const n = this.probes.length;
    this.probes.forEach((probe, i) => {
      // Spread first checks over the interval; the first backend is checked at once.
      this.schedule(probe, Math.floor((this.config.intervalMs * i) / n));
    });
  }

  lastResult(backend: M): HealthResult | undefined {
    return this.probes.find((p) => p.backend === backend)?.last;
  }

  private schedule(probe: Probe<M>, delayMs: number): void {
    if (this.stopped) return;
    probe.timer = setTimeout(() => {
      void this.runCheck(probe);
    }, delayMs);
    probe.timer.unref();
  }

  private async runCheck(probe: Probe<M>): Promise<void> {
    const result = await this.check(probe);
    if (this.stopped || !this.probes.includes(probe)) return;
    probe.last = result;
    probe.backend.lastCheck = { ok: result.ok, reason: result.reason, at: Date.now() };
    this.onResult?.(probe.backend, result);
    this.apply(probe, result);
    this.schedule(probe, this.config.intervalMs);
  }

  /** One check: pass when the status is in the expected range and the body holds expectBody, if set. */
  private async check(probe: Probe<M>): Promise<HealthResult> {
    const { method, path, headers, expectBody, expectedStatus, timeoutMs } = this.config;
    try {
      const body = await probe.client.request({ path, method, headers: { 'user-agent': 'fairway-health-check', ...headers }, timeoutMs });
      const statusCode = body.statusCode!;
      const reason = `HTTP ${statusCode}`;
      if (statusCode < expectedStatus.min || statusCode > expectedStatus.max) {
        await discard(body, HEALTH_BODY_LIMIT_BYTES);
        return { ok: false, reason };
      }
      if (expectBody === undefined) {
        await discard(body, HEALTH_BODY_LIMIT_BYTES);
        return { ok: true, reason };
      }
      if (await bodyContains(body, expectBody, HEALTH_BODY_LIMIT_BYTES)) return { ok: true, reason };
      return { ok: false, reason: `${reason} but body lacks ${JSON.stringify(expectBody)}` };
    } catch (err) {
      return { ok: false, reason: describeFailure(err, new URL(probe.backend.url).hostname) };
    }
  }

  /** Rise/fall thresholds: a state flips only after enough results in a row. */
  private apply(probe: Probe<M>, result: HealthResult): void {
    const backend = probe.backend;
    if (result.ok) {
      probe.successes++;
      probe.failures = 0;
      if (!backend.healthy && probe.successes >= this.config.healthyThreshold) {
        this.onTransition(backend, true, `${probe.successes} checks passed (${result.reason})`);
      }
    } else {
      probe.failures++;
      probe.successes = 0;
      if (backend.healthy && probe.failures >= this.config.unhealthyThreshold) {
        this.onTransition(backend, false, `${probe.failures} checks failed (${result.reason})`);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const probe of this.probes) clearTimeout(probe.timer);
    for (const probe of this.probes) probe.client.destroy();
  }
}

/**
 * Reads the body until `text` shows up or `limit` bytes have been read, so a
 * huge or endless body costs at most `limit`. Stopping early closes the body.
 */
async function bodyContains(body: Readable, text: string, limit: number): Promise<boolean> {
  const needle = Buffer.from(text);
  let seen = Buffer.alloc(0);
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const searchFrom = Math.max(0, seen.length - needle.length + 1);
    seen = Buffer.concat([seen, chunk.subarray(0, limit - seen.length)]);
    if (seen.includes(needle, searchFrom)) return true;
    if (seen.length >= limit) return false;
  }
  return false;
}
