// The request lifecycle without sockets: a fake client (FakeDownstream) and
// fake backends (FakeUpstream in a real Cluster) drive the real routing
// snapshot, filter chains and Lifecycle, so each phase's outcome — retries,
// local answers, async filters, header rewrites, hook order, clients that
// leave, backpressure — is checked call by call.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../src/cluster/cluster.js';
import type { FairwayConfig, PoolConfig, RouteConfig } from '../src/config/types.js';
import type { Exchange } from '../src/exchange/exchange.js';
import type { Filter, LocalAnswer, RequestVerdict, TryResult, TryVerdict } from '../src/exchange/phases.js';
import type { Route, RoutingSnapshot } from '../src/exchange/route.js';
import { Router } from '../src/exchange/router.js';
import { createExchangeHandler, type ExchangeHandler } from '../src/exchange/serve.js';
import { RouteChains } from '../src/filters/route-chains.js';
import { FairwayEvents, type RequestRecord } from '../src/observability/events.js';
import { TrafficStats } from '../src/observability/traffic-stats.js';
import { buildRoutingSnapshot } from '../src/routing-snapshot.js';
import { FakeDownstream, type FakeRequest } from './helpers/fake-downstream.js';
import { fakeUpstreams, type FakeDispatch, type FakeUpstream } from './helpers/fake-upstream.js';
import { poolConfig, silentLogger, testConfig, waitFor } from './helpers/fixtures.js';

/** A pool of `size` backends that are never dialled, without active health checks. */
function pool(size: number, overrides: Partial<PoolConfig> = {}): PoolConfig {
  const urls = Array.from({ length: size }, (_, i) => `http://192.0.2.${i + 1}:8080`);
  const p = poolConfig(urls, overrides);
  p.healthCheck = { ...p.healthCheck, enabled: false };
  return p;
}

function retryingOn(...on: PoolConfig['retries']['on']): Partial<PoolConfig> {
  return { retries: { ...poolConfig([]).retries, on } };
}

interface Rig {
  cluster: Cluster;
  upstreams: FakeUpstream[];
  stats: TrafficStats;
  records: RequestRecord[];
  serve: ExchangeHandler;
  /** Serves a request from a new fake client. */
  request(request?: FakeRequest): FakeDownstream;
  /** Every dispatch to any backend, in order. */
  dispatches(): FakeDispatch[];
  /** The one dispatch still waiting for an answer. */
  pending(): FakeDispatch;
}

interface RigOptions {
  config?: FairwayConfig;
  /** Filters of the route, compiled by hand instead of from the config's routes. */
  filters?: Filter[];
}

/**
 * A real Cluster (with fake upstreams), routing snapshot and exchange handler
 * for the first pool of the config; the cluster closes when the test ends.
 */
async function rig(t: TestContext, p: PoolConfig, options: RigOptions = {}): Promise<Rig> {
  const config = options.config ?? testConfig([p]);
  const stats = new TrafficStats();
  const events = new FairwayEvents();
  const cluster = new Cluster(config.pools[0]!, silentLogger, events);
  t.after(() => cluster.close());
  void cluster.setMembers(config.pools[0]!.backends, 0);
  const upstreams = await fakeUpstreams(cluster);
  const chains = new RouteChains(stats, events);
  let snapshot: RoutingSnapshot;
  if (options.filters === undefined) {
    snapshot = buildRoutingSnapshot(config, [cluster], chains);
  } else {
    const route: Route = { cluster, chain: chains.compile(config.pools[0]!, options.filters), host: undefined, pathPrefix: '/' };
    const routes: RouteConfig[] = [{ pathPrefix: '/', pool: cluster.name, middlewares: [] }];
    snapshot = { router: new Router<Route>(routes, () => route), unrouted: chains.unrouted };
  }
  const records: RequestRecord[] = [];
  events.on('request', (r) => records.push(r));
  const serve = createExchangeHandler(() => snapshot, { stats, logger: silentLogger, events });
  const dispatches = () => {
    // Backend order, then arrival order within each: enough for counting and for the one pending.
    return upstreams.flatMap((u) => u.dispatches);
  };
  return {
    cluster,
    upstreams,
    stats,
    records,
    serve,
    request(request) {
      const downstream = new FakeDownstream(request);
      serve(downstream);
      return downstream;
    },
    dispatches,
    pending() {
      const open = dispatches().filter((d) => !d.done);
      assert.equal(open.length, 1, `expected one pending dispatch, got ${open.length}`);
      return open[0]!;
    },
  };
}

/** Lets timers, promise callbacks and nextTick work of `ms` run. */
const settle = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** Which fake (by index, = backend order) received `d`. */
function backendOf(r: Rig, d: FakeDispatch): string {
  const at = r.upstreams.findIndex((u) => u.dispatches.includes(d));
  return r.cluster.backends[at]!.id;
}

/** Counts onDone per exchange and keeps what each saw. */
class DoneWatcher implements Filter {
  readonly name = 'done-watcher';
  readonly seen: { errorKind: string | undefined; status: number }[] = [];

  onDone(ex: Exchange): void {
    this.seen.push({ errorKind: ex.errorKind, status: ex.status });
  }
}

/** Pushes the name of every hook as it runs. */
class HookRecorder implements Filter {
  readonly name = 'hook-recorder';
  readonly hooks: string[] = [];
  readonly results: TryResult[] = [];

  onRequest(): RequestVerdict {
    this.hooks.push('onRequest');
    return undefined;
  }
  onUpstreamRequest(): void {
    this.hooks.push('onUpstreamRequest');
  }
  onUpstreamResult(_ex: Exchange, result: TryResult): TryVerdict {
    this.hooks.push('onUpstreamResult');
    this.results.push(result);
    return undefined;
  }
  onResponse(): void {
    this.hooks.push('onResponse');
  }
  onResponseBody(): Buffer | undefined {
    this.hooks.push('onResponseBody');
    return undefined;
  }
  onDone(): void {
    this.hooks.push('onDone');
  }
}

/** An onRequest that lets the request through after `ms`. */
class SlowFilter implements Filter {
  readonly name = 'slow';
  resolved = false;

  constructor(private readonly ms: number) {}

  onRequest(): Promise<RequestVerdict> {
    return new Promise((resolve) =>
      setTimeout(() => {
        this.resolved = true;
        resolve(undefined);
      }, this.ms),
    );
  }
}

// --- retries ---

test('a 503 from the first backend is retried on the other one when retries.on lists 503', async (t) => {
  const r = await rig(t, pool(2, retryingOn('503')));
  const client = r.request();
  const first = r.pending();
  assert.equal(first.respond(503, ['Content-Length', '0']), false, 'the 503 is not relayed');
  assert.equal(client.responseStarted, false);
  assert.deepEqual(
    first.aborts.map((e) => (e as Error & { code?: string }).code),
    ['FAIRWAY_DISCARDED'],
    'the discarded try was aborted, once',
  );

  const second = r.pending();
  assert.notEqual(backendOf(r, second), backendOf(r, first));
  second.answer(200, 'second answer');

  assert.equal(client.status, 200);
  assert.equal(client.bodyText, 'second answer');
  assert.deepEqual(client.calls, ['respond 200', 'write', 'end']);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0]!.attempts, 2);
  assert.equal(r.records[0]!.status, 200);
  assert.equal(r.records[0]!.errorKind, '');
  assert.equal(r.records[0]!.backend, backendOf(r, second));
  assert.equal(r.stats.retries, 1);
  assert.deepEqual(r.cluster.backends.map((b) => b.inFlight), [0, 0]);
});

test('a refused connection is retried until the attempts run out, then the client gets 502 connect_refused', async (t) => {
  const r = await rig(t, pool(2));
  const client = r.request();
  const tried: string[] = [];
  for (let i = 0; i < 3; i++) {
    const d = r.pending();
    tried.push(backendOf(r, d));
    d.error('ECONNREFUSED');
  }
  assert.equal(r.dispatches().length, 3, 'retries.attempts (3) tries, no more');
  assert.notEqual(tried[1], tried[0], 'a retry avoids the backend that just failed');
  assert.notEqual(tried[2], tried[1]);

  assert.equal(client.status, 502);
  assert.match(client.bodyText, /connect_refused/);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0]!.status, 502);
  assert.equal(r.records[0]!.errorKind, 'connect_refused');
  assert.equal(r.records[0]!.attempts, 3);
  assert.equal(r.stats.retries, 2);
  assert.deepEqual(r.cluster.backends.map((b) => b.inFlight), [0, 0]);
});

test('a refused connection is not retried once the retry budget is spent', async (t) => {
  const r = await rig(t, pool(2));
  let spent = 0;
  while (r.cluster.retryBudget.tryAcquire(performance.now())) spent++;
  assert.ok(spent > 0, 'the budget had room to spend');
  const client = r.request();
  r.pending().error('ECONNREFUSED');

  assert.equal(r.dispatches().length, 1);
  assert.equal(client.status, 502);
  assert.equal(r.records[0]!.errorKind, 'connect_refused');
  assert.equal(r.records[0]!.attempts, 1);
  assert.equal(r.stats.retries, 0);
});

// --- local answers and async filters ---

test("a filter's local answer in onRequest is sent without a backend, and onDone still runs", async (t) => {
  const watcher = new DoneWatcher();
  const deny: Filter = {
    name: 'deny',
    onRequest: (): LocalAnswer => ({ status: 403, body: 'denied here', reason: 'denied' }),
  };
  const r = await rig(t, pool(2), { filters: [deny, watcher] });
  const client = r.request({ headers: ['Host', 'example.test', 'X-Request-Id', 'req-403'] });

  assert.equal(r.dispatches().length, 0, 'nothing was dispatched upstream');
  assert.deepEqual(client.calls, ['settleUnreadBody false', 'respond 403', 'end']);
  assert.equal(client.bodyText, 'denied here');
  assert.deepEqual(client.responseHeaders, [
    'content-type',
    'text/plain; charset=utf-8',
    'content-length',
    '11',
    'x-request-id',
    'req-403',
  ]);
  await settle();
  assert.deepEqual(watcher.seen, [{ errorKind: 'denied', status: 403 }]);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0]!.status, 403);
  assert.equal(r.records[0]!.errorKind, 'denied');
  assert.equal(r.records[0]!.attempts, 0);
});

test('an async onRequest that resolves undefined lets the request through after the promise', async (t) => {
  const slow = new SlowFilter(5);
  const r = await rig(t, pool(1), { filters: [slow] });
  const client = r.request();
  assert.equal(r.dispatches().length, 0, 'nothing is dispatched while the filter works');

  await waitFor('the request to be dispatched', () => r.dispatches().length === 1, 2_000, 1);
  assert.equal(slow.resolved, true);
  r.pending().answer(200, 'through');
  assert.equal(client.status, 200);
  assert.equal(client.bodyText, 'through');
  assert.equal(r.records[0]!.errorKind, '');
});

test('an async onRequest that rejects answers 500 filter_failed without a backend', async (t) => {
  const watcher = new DoneWatcher();
  const broken: Filter = {
    name: 'broken',
    onRequest: () => new Promise<RequestVerdict>((_resolve, reject) => setTimeout(() => reject(new Error('lookup failed')), 5)),
  };
  const r = await rig(t, pool(1), { filters: [broken, watcher] });
  const client = r.request();

  await waitFor('the request to be answered', () => client.responseFinished, 2_000, 1);
  assert.equal(client.status, 500);
  assert.match(client.bodyText, /filter_failed/);
  assert.equal(r.dispatches().length, 0);
  assert.deepEqual(watcher.seen, [{ errorKind: 'filter_failed', status: 500 }]);
  assert.equal(r.records[0]!.status, 500);
  assert.equal(r.records[0]!.errorKind, 'filter_failed');
});

// --- header rewrites ---

test('a headers middleware sets and removes headers on the upstream request and on the answer', async (t) => {
  const p = pool(1);
  const config = testConfig([p], {
    middlewares: [
      {
        name: 'rewrite',
        kind: 'headers',
        headers: {
          request: { set: [{ name: 'X-Env', lower: 'x-env', value: 'test' }], remove: ['x-secret'] },
          response: { set: [{ name: 'Server', lower: 'server', value: 'fairway' }], remove: ['x-powered-by'] },
        },
      },
    ],
    routes: [{ pathPrefix: '/', pool: p.name, middlewares: ['rewrite'] }],
  });
  const r = await rig(t, p, { config });
  const client = r.request({
    target: '/app?q=1',
    headers: [
      'Host', 'example.test',
      'X-Env', 'client-a',
      'X-Secret', 's3cret',
      'Accept', 'text/plain',
      'x-env', 'client-b',
      'Connection', 'keep-alive',
      'X-Request-Id', 'req-1',
    ],
  });

  const d = r.pending();
  assert.equal(d.method, 'GET');
  assert.equal(d.path, '/app?q=1');
  assert.deepEqual(d.headers, [
    'Host', 'example.test',
    'Accept', 'text/plain',
    'x-forwarded-for', '10.0.0.7',
    'x-forwarded-proto', 'http',
    'x-request-id', 'req-1',
    'x-forwarded-host', 'example.test',
    'X-Env', 'test',
  ]);

  d.answer(200, 'ok', [
    'Content-Type', 'text/plain',
    'Server', 'backend/1.0',
    'X-Powered-By', 'php',
    'Connection', 'keep-alive',
    'Keep-Alive', 'timeout=5',
    'Content-Length', '2',
  ]);
  assert.equal(client.status, 200);
  assert.deepEqual(client.responseHeaders, [
    'Content-Type', 'text/plain',
    'Content-Length', '2',
    'x-request-id', 'req-1',
    'Server', 'fairway',
  ]);
  assert.equal(client.bodyText, 'ok');
});

// --- hook order ---

test('hooks run in phase order for a normal request, onResponseBody once per chunk', async (t) => {
  const recorder = new HookRecorder();
  const r = await rig(t, pool(1), { filters: [recorder] });
  const client = r.request();
  const d = r.pending();
  d.respond(200, ['Content-Length', '6']);
  d.data('abc');
  d.data('def');
  d.complete();

  assert.equal(client.bodyText, 'abcdef');
  assert.deepEqual(recorder.hooks, ['onRequest', 'onUpstreamRequest', 'onUpstreamResult', 'onResponse', 'onResponseBody', 'onResponseBody', 'onDone']);
  assert.deepEqual(recorder.results, [{ status: 200, error: undefined, idleRace: false }]);
});

test('a retried request runs onUpstreamRequest once and onUpstreamResult once per try', async (t) => {
  const recorder = new HookRecorder();
  const r = await rig(t, pool(2, retryingOn('503')), { filters: [recorder] });
  const client = r.request();
  r.pending().respond(503);
  r.pending().answer(200, 'ok');

  assert.equal(client.status, 200);
  assert.deepEqual(recorder.hooks, ['onRequest', 'onUpstreamRequest', 'onUpstreamResult', 'onUpstreamResult', 'onResponse', 'onResponseBody', 'onDone']);
  assert.deepEqual(
    recorder.results.map((res) => res.status),
    [503, 200],
  );
});

// --- clients that leave ---

test('a client that leaves while the backend works aborts the try, and onDone runs once with client_aborted 499', async (t) => {
  const watcher = new DoneWatcher();
  const r = await rig(t, pool(1), { filters: [watcher] });
  const client = r.request();
  const d = r.pending();

  client.clientCloses();
  assert.deepEqual(
    d.aborts.map((e) => (e as Error & { code?: string }).code),
    ['FAIRWAY_CLIENT_GONE'],
  );
  await settle(5);
  assert.deepEqual(watcher.seen, [{ errorKind: 'client_aborted', status: 499 }]);
  assert.deepEqual(client.calls, [], 'nothing is sent to a client that left');
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0]!.status, 499);
  assert.equal(r.records[0]!.errorKind, 'client_aborted');
  assert.equal(r.cluster.backends[0]!.inFlight, 0);
  assert.equal(r.stats.active, 0);
});

test('a client that leaves while queued is done once and never dispatched', async (t) => {
  const watcher = new DoneWatcher();
  const p = pool(1);
  p.backends[0]!.maxConnections = 1;
  const r = await rig(t, p, { filters: [watcher] });
  const holder = r.request();
  const held = r.pending();
  const queued = r.request();
  assert.equal(r.cluster.queue.length, 1, 'the second request waits for the only slot');

  queued.clientCloses();
  assert.deepEqual(watcher.seen, [{ errorKind: 'client_aborted', status: 499 }]);

  // The slot frees up: the queue must skip the request whose client left.
  held.answer(200, 'held');
  assert.equal(holder.status, 200);
  await settle(5);
  assert.equal(r.dispatches().length, 1, 'the abandoned request was never dispatched');
  assert.equal(r.cluster.queue.length, 0);
  assert.deepEqual(watcher.seen, [
    { errorKind: 'client_aborted', status: 499 },
    { errorKind: undefined, status: 200 },
  ]);
  assert.deepEqual(queued.calls, []);
  assert.equal(r.cluster.backends[0]!.inFlight, 0);
});

test('a client that leaves during an async onRequest is done once and nothing is dispatched after the promise', async (t) => {
  const watcher = new DoneWatcher();
  const slow = new SlowFilter(10);
  const r = await rig(t, pool(1), { filters: [slow, watcher] });
  const client = r.request();
  client.clientCloses();
  assert.deepEqual(watcher.seen, [{ errorKind: 'client_aborted', status: 499 }]);

  await waitFor('the filter to finish', () => slow.resolved, 2_000, 1);
  await settle(5);
  assert.equal(r.dispatches().length, 0);
  assert.equal(watcher.seen.length, 1);
  assert.deepEqual(client.calls, []);
  assert.equal(r.stats.active, 0);
});

// --- no route ---

test('a request no route matches gets 404 through the unrouted chain, recorded with pool ""', async (t) => {
  const p = pool(1);
  const config = testConfig([p], { routes: [{ host: 'api.test', pathPrefix: '/', pool: p.name, middlewares: [] }] });
  const r = await rig(t, p, { config });
  const client = r.request({ headers: ['Host', 'other.test'], target: '/x' });

  assert.equal(client.status, 404);
  assert.match(client.bodyText, /no_route/);
  assert.equal(r.dispatches().length, 0);
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0]!.pool, '');
  assert.equal(r.records[0]!.backend, '');
  assert.equal(r.records[0]!.status, 404);
  assert.equal(r.records[0]!.errorKind, 'no_route');
  assert.equal(r.records[0]!.path, '/x');
});

// --- backpressure ---

test('a slow client pauses the backend body until it drains', async (t) => {
  const r = await rig(t, pool(1));
  const client = r.request();
  client.writeReturns = false;
  const d = r.pending();
  assert.equal(d.respond(200, ['Content-Length', '6']), true);
  assert.equal(d.data('abc'), false, 'the lifecycle asks the backend to pause');
  assert.equal(client.drainWaiting, 1);
  assert.equal(d.resumes, 0);

  client.writeReturns = true;
  client.drain();
  assert.equal(d.resumes, 1, 'the drain resumes the backend');
  assert.equal(d.data('def'), true);
  d.complete();
  assert.equal(client.bodyText, 'abcdef');
  assert.deepEqual(client.calls, ['respond 200', 'write', 'write', 'end']);
  assert.equal(r.records[0]!.bytesOut, 6);
});

test('a client that leaves while queued gives its place in the queue up', async (t) => {
  const p = pool(1, { queue: { size: 1, timeoutMs: 10_000 } });
  p.backends[0]!.maxConnections = 1;
  const r = await rig(t, p);
  const holder = r.request();
  const held = r.pending();
  const leaving = r.request();
  leaving.clientCloses();
  assert.equal(r.cluster.queue.length, 0, 'nobody waits any more');

  // The one queue place is free again: the next request waits instead of a 503 queue_full.
  const next = r.request();
  assert.equal(next.status, undefined);
  assert.equal(r.cluster.queue.length, 1);
  held.answer(200, 'first');
  assert.equal(holder.status, 200);
  r.pending().answer(200, 'next');
  assert.equal(next.status, 200);
  assert.equal(next.bodyText, 'next');
});

// --- filters that throw ---

/** A rig whose route has one filter throwing in `hook`, then a DoneWatcher. */
async function throwingIn(t: TestContext, hook: 'onUpstreamRequest' | 'onResponse' | 'onResponseBody') {
  const watcher = new DoneWatcher();
  const broken: Filter = {
    name: `broken-${hook}`,
    [hook]: () => {
      throw new Error(`${hook} failed`);
    },
  };
  const r = await rig(t, pool(1), { filters: [broken, watcher] });
  return { r, watcher, client: r.request() };
}

test('a filter that throws in onUpstreamRequest answers 500 filter_failed, dispatches nothing and frees the backend slot', async (t) => {
  const { r, watcher, client } = await throwingIn(t, 'onUpstreamRequest');
  assert.equal(client.status, 500);
  assert.match(client.bodyText, /filter_failed/);
  assert.equal(r.dispatches().length, 0);
  assert.deepEqual(r.cluster.backends.map((b) => b.inFlight), [0]);
  assert.deepEqual(watcher.seen, [{ errorKind: 'filter_failed', status: 500 }]);
});

test('a filter that throws in onResponse answers 500 filter_failed and does not blame the backend', async (t) => {
  const { r, watcher, client } = await throwingIn(t, 'onResponse');
  const d = r.pending();
  d.answer(200, 'never sent');
  assert.equal(client.status, 500);
  assert.match(client.bodyText, /filter_failed/);
  assert.equal(d.aborts.length, 1, 'the try was dropped');
  const backend = r.cluster.backends[0]!;
  assert.equal(backend.errors, 0, 'the backend is not counted as failing');
  assert.equal(backend.inFlight, 0);
  await settle();
  assert.deepEqual(watcher.seen, [{ errorKind: 'filter_failed', status: 500 }], 'onDone once');
});

test('a filter that throws in onResponseBody cuts the answer, once, and frees the backend slot', async (t) => {
  const { r, watcher, client } = await throwingIn(t, 'onResponseBody');
  const d = r.pending();
  d.respond(200, ['Content-Length', '10']);
  d.data('first part');
  assert.equal(client.status, 200, 'the head had gone out');
  assert.ok(client.calls.includes('abort'), 'the client connection is cut, so the answer cannot look whole');
  assert.equal(d.aborts.length, 1);
  assert.equal(r.cluster.backends[0]!.inFlight, 0);
  await settle();
  assert.deepEqual(watcher.seen, [{ errorKind: 'filter_failed', status: 500 }]);
});
