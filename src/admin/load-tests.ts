// Load tests started from the dashboard: the load generator's engine, run in
// this process (on worker threads), against fairway's own proxy listener.
// One test at a time; its progress and summary are published as `test`
// events on /api/events and kept for GET /api/tests/current.
import type { AddressInfo } from 'node:net';
import { runLoad, type LoadProgress, type LoadRunResult } from '../load/index.js';
import type { AdminRoute } from './server.js';
import { sendJson, sendProblem } from './http.js';
import { choiceField, FieldCheck, integerField, InputError, numberField, RequestProblem, withJsonBody, type Fields } from './input.js';

export const TEST_KINDS = ['load', 'stress', 'custom'] as const;
export type TestKind = (typeof TEST_KINDS)[number];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const TEST_LIMITS = { requests: 1_000_000, concurrency: 1_000, durationSeconds: 600, rate: 100_000, headers: 20 } as const;

export interface TestSpec {
  kind: TestKind;
  method: string;
  path: string;
  concurrency: number;
  /** Stop after this many requests (load, custom). */
  requests: number | undefined;
  /** Stop after this long (stress, custom). */
  durationSeconds: number | undefined;
  /** Open model: requests per second (custom only). */
  rate: number | undefined;
  headers: [string, string][];
}

export interface TestSummary {
  total: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
  requestsPerSecond: number;
  elapsedMs: number;
  latencyMs: { average: number; p50: number; p99: number; max: number };
  distribution: { backend: string; count: number; share: number }[];
}

export interface TestState {
  id: number;
  kind: TestKind;
  status: 'running' | 'finished' | 'stopped' | 'failed';
  spec: TestSpec;
  target: string;
  startedAt: string;
  finishedAt: string | null;
  progress: {
    requests: number;
    ok: number;
    failed: number;
    requestsPerSecond: number;
    p50: number;
    p99: number;
    elapsedMs: number;
    /** 0..1, from the request count or the elapsed time, whichever is further. */
    fraction: number;
  };
  summary: TestSummary | null;
  error: string | null;
}

function hasControlOrSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return true;
  }
  return false;
}

function pathField(body: Fields): string {
  const path = body['path'] ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/') || path.length > 2000 || hasControlOrSpace(path)) {
    throw new InputError('path', `${JSON.stringify(path)} is not a request path (expected "/" followed by at most 2000 characters, no spaces)`);
  }
  return path;
}

function headersField(given: unknown): [string, string][] {
  const headers: [string, string][] = [];
  if (given === undefined) return headers;
  if (given === null || typeof given !== 'object' || Array.isArray(given)) throw new InputError('headers', 'expected an object of header names to values');
  for (const [name, value] of Object.entries(given as Fields)) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) throw new InputError('headers', `"${name}" is not a header name`);
    if (typeof value !== 'string' || hasControlOrSpace(value.replace(/[ \t]/g, ''))) throw new InputError('headers', `the value of ${name} must be a string on one line`);
    headers.push([name, value]);
  }
  if (headers.length > TEST_LIMITS.headers) throw new InputError('headers', `at most ${TEST_LIMITS.headers} headers`);
  return headers;
}

const KEYS_BY_KIND: Record<TestKind, readonly string[]> = {
  load: ['kind', 'requests', 'concurrency'],
  stress: ['kind', 'durationSeconds', 'concurrency'],
  custom: ['kind', 'method', 'path', 'requests', 'durationSeconds', 'concurrency', 'rate', 'headers'],
};

/** Checks a POST /api/tests body; one 400 names every bad field. */
export function parseTestSpec(body: Fields): TestSpec {
  const check = new FieldCheck(body);
  const kind = check.take(() => choiceField(body, 'kind', TEST_KINDS));
  // With an unknown kind, the fields every kind shares are still checked.
  check.onlyKeys(kind === undefined ? Object.keys(body) : KEYS_BY_KIND[kind]);
  const concurrency = check.take(() => integerField(body, 'concurrency', 1, TEST_LIMITS.concurrency, kind === 'stress' ? 50 : 10));
  const optional = <T>(field: string, read: () => T): T | undefined => (body[field] === undefined ? undefined : check.take(read));
  let spec: TestSpec | undefined;
  if (kind === 'load') {
    const requests = check.take(() => integerField(body, 'requests', 1, TEST_LIMITS.requests, 1_000));
    check.done();
    spec = { kind, method: 'GET', path: '/', requests, concurrency: concurrency!, durationSeconds: undefined, rate: undefined, headers: [] };
  } else if (kind === 'stress') {
    const durationSeconds = check.take(() => integerField(body, 'durationSeconds', 1, TEST_LIMITS.durationSeconds, 10));
    check.done();
    spec = { kind, method: 'GET', path: '/', requests: undefined, durationSeconds, concurrency: concurrency!, rate: undefined, headers: [] };
  } else if (kind === 'custom') {
    const method = check.take(() => choiceField(body, 'method', METHODS, 'GET'));
    const path = check.take(() => pathField(body));
    const requests = optional('requests', () => integerField(body, 'requests', 1, TEST_LIMITS.requests));
    const durationSeconds = optional('durationSeconds', () => integerField(body, 'durationSeconds', 1, TEST_LIMITS.durationSeconds));
    if (body['requests'] === undefined && body['durationSeconds'] === undefined) {
      check.take(() => {
        throw new InputError('requests', 'a custom test needs "requests", "durationSeconds" or both (whichever ends first)');
      });
    }
    const rate = optional('rate', () => numberField(body, 'rate', 1, TEST_LIMITS.rate));
    const headers = check.take(() => headersField(body['headers']));
    check.done();
    spec = { kind, method: method!, path: path!, requests, durationSeconds, concurrency: concurrency!, rate, headers: headers! };
  }
  check.done();
  return spec!;
}

/** The proxy's own address as a client reaches it: a wildcard bind means loopback. */
export function proxyTarget(address: AddressInfo | string | null): string | undefined {
  if (address === null || typeof address === 'string') return undefined;
  let host = address.address;
  if (host === '0.0.0.0' || host === '') host = '127.0.0.1';
  else if (host === '::') host = '::1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

const round = (n: number, places = 3) => Math.round(n * 10 ** places) / 10 ** places;

function summarize(result: LoadRunResult): TestSummary | null {
  const level = result.levels[0];
  if (level === undefined) return null;
  const s = level.summary;
  return {
    total: s.requests,
    ok: s.successes,
    failed: s.errorCount,
    errors: s.errors,
    requestsPerSecond: round(s.rps.mean, 1),
    elapsedMs: round(level.rounds.reduce((sum, r) => sum + r.elapsedMs, 0), 0),
    latencyMs: { average: round(s.latency.mean), p50: round(s.latency.p50), p99: round(s.latency.p99), max: round(s.latency.max) },
    distribution: s.backends.map((b) => ({ backend: b.name, count: b.count, share: round(b.share, 4) })),
  };
}

export class LoadTests {
  private state: TestState | undefined;
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private nextId = 1;

  constructor(
    private readonly target: () => string | undefined,
    private readonly publish: (state: TestState) => void,
  ) {}

  current(): TestState | undefined {
    return this.state;
  }

  /** Starts a test; throws RequestProblem 409 while another runs, 503 before the proxy listens. */
  start(spec: TestSpec): TestState {
    if (this.state?.status === 'running') {
      throw new RequestProblem(409, 'test_running', `test ${this.state.id} (${this.state.kind}) is still running; stop it with DELETE /api/tests/current first`);
    }
    const target = this.target();
    if (target === undefined) throw new RequestProblem(503, 'not_listening', 'the proxy listener is not listening yet');
    const controller = new AbortController();
    const state: TestState = {
      id: this.nextId++,
      kind: spec.kind,
      status: 'running',
      spec,
      target: target + spec.path,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      progress: { requests: 0, ok: 0, failed: 0, requestsPerSecond: 0, p50: 0, p99: 0, elapsedMs: 0, fraction: 0 },
      summary: null,
      error: null,
    };
    this.state = state;
    this.controller = controller;
    const onProgress = (p: LoadProgress) => {
      const byCount = spec.requests === undefined ? 0 : p.requests / spec.requests;
      const byTime = spec.durationSeconds === undefined ? 0 : p.elapsedMs / (spec.durationSeconds * 1000);
      state.progress = {
        requests: p.requests,
        ok: p.successes,
        failed: p.errorCount,
        requestsPerSecond: round(p.currentRps, 1),
        p50: round(p.p50),
        p99: round(p.p99),
        elapsedMs: Math.round(p.elapsedMs),
        fraction: round(Math.min(1, Math.max(byCount, byTime)), 3),
      };
      this.publish(state);
    };
    this.running = runLoad(
      {
        url: state.target,
        method: spec.method,
        headers: spec.headers,
        concurrency: [spec.concurrency],
        total: spec.requests,
        durationMs: spec.durationSeconds === undefined ? undefined : spec.durationSeconds * 1000,
        rate: spec.rate,
        // Worker threads keep the generator off the proxy's event loop.
        workers: Math.min(2, spec.concurrency),
        progressIntervalMs: 500,
        signal: controller.signal,
      },
      { onProgress },
    ).then(
      (result) => {
        state.summary = summarize(result);
        if (state.summary) {
          state.progress = { ...state.progress, requests: state.summary.total, ok: state.summary.ok, failed: state.summary.failed };
        }
        state.status = result.aborted ? 'stopped' : 'finished';
        if (!result.aborted) state.progress.fraction = 1;
      },
      (err: unknown) => {
        state.status = 'failed';
        state.error = (err as Error).message;
      },
    ).finally(() => {
      state.finishedAt = new Date().toISOString();
      this.controller = undefined;
      this.publish(state);
    });
    this.publish(state);
    return state;
  }

  /** Stops the running test; resolves with its final state once it has ended. */
  async stop(): Promise<TestState | undefined> {
    if (this.state?.status !== 'running') return undefined;
    this.controller?.abort();
    await this.running;
    return this.state;
  }
}

export function testRoutes(tests: LoadTests): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/api/tests',
      handle: withJsonBody('{"kind": "load", "requests": 1000}', (request, body) => {
        const state = tests.start(parseTestSpec(body));
        sendJson(request.res, 202, state);
      }),
    },
    { method: 'GET', path: '/api/tests/current', handle: ({ res }) => sendJson(res, 200, { test: tests.current() ?? null }) },
    {
      method: 'DELETE',
      path: '/api/tests/current',
      handle: async ({ res }) => {
        const stopped = await tests.stop();
        if (stopped === undefined) sendProblem(res, 404, 'no_test_running', 'no test is running');
        else sendJson(res, 200, stopped);
      },
    },
  ];
}
