// The onResponseTransform seam without sockets: a fake client and fake
// backends drive the real Lifecycle while a filter's stream carries the body.
// Its output reaches the client and the trailers follow it; backpressure
// holds both ways; the backend's slot is freed when the backend is done;
// every way the answer is cut short (client gone, stream failing, backend
// failing, a throwing hook) destroys the stream, and onDone runs once.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Transform, type Duplex } from 'node:stream';
import { Cluster } from '../src/cluster/cluster.js';
import type { RouteConfig } from '../src/config/types.js';
import type { Exchange } from '../src/exchange/exchange.js';
import type { Filter } from '../src/exchange/phases.js';
import type { Route, RoutingSnapshot } from '../src/exchange/route.js';
import { Router } from '../src/exchange/router.js';
import { createExchangeHandler } from '../src/exchange/serve.js';
import { RouteChains } from '../src/filters/route-chains.js';
import { FairwayEvents, type RequestRecord } from '../src/observability/events.js';
import { TrafficStats } from '../src/observability/traffic-stats.js';
import { FakeDownstream } from './helpers/fake-downstream.js';
import { fakeUpstreams, type FakeUpstream } from './helpers/fake-upstream.js';
import { poolConfig, silentLogger, testConfig } from './helpers/fixtures.js';

const settle = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits, a millisecond at a time for at most 2 s, until `done()` holds. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000 && !done(); i++) await settle(1);
  assert.ok(done(), `timed out waiting until ${what}`);
}

/** Upper-cases each chunk, a turn of the event loop later (as zlib answers from its thread pool). */
function upperCase(): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      setImmediate(() => done(null, Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1')));
    },
  });
}

/** A filter whose onResponseTransform hands out `make()` and keeps what it made. */
class StreamFilter implements Filter {
  readonly made: Duplex[] = [];
  constructor(
    readonly name: string,
    private readonly make: (ex: Exchange) => Duplex | undefined,
  ) {}
  onResponseTransform(ex: Exchange): Duplex | undefined {
    const stream = this.make(ex);
    if (stream !== undefined) this.made.push(stream);
    return stream;
  }
}

class DoneWatcher implements Filter {
  readonly name = 'done-watcher';
  readonly seen: { errorKind: string | undefined; status: number }[] = [];
  onDone(ex: Exchange): void {
    this.seen.push({ errorKind: ex.errorKind, status: ex.status });
  }
}

async function rig(t: TestContext, filters: Filter[]) {
  const p = poolConfig(['http://192.0.2.1:8080']);
  p.healthCheck = { ...p.healthCheck, enabled: false };
  const config = testConfig([p]);
  const stats = new TrafficStats();
  const events = new FairwayEvents();
  const cluster = new Cluster(config.pools[0]!, silentLogger, events);
  t.after(() => cluster.close());
  void cluster.setMembers(config.pools[0]!.backends, 0);
  const upstreams: FakeUpstream[] = await fakeUpstreams(cluster);
  const chains = new RouteChains(stats, events);
  const route: Route = { cluster, chain: chains.compile(config.pools[0]!, filters), host: undefined, pathPrefix: '/' };
  const routes: RouteConfig[] = [{ pathPrefix: '/', pool: cluster.name, middlewares: [] }];
  const snapshot: RoutingSnapshot = { router: new Router<Route>(routes, () => route), unrouted: chains.unrouted };
  const records: RequestRecord[] = [];
  events.on('request', (r) => records.push(r));
  const serve = createExchangeHandler(() => snapshot, { stats, logger: silentLogger, events });
  const client = new FakeDownstream();
  serve(client);
  const dispatch = await upstreams[0]!.nth(1);
  return { client, dispatch, records, stats, backend: cluster.backends[0]! };
}

test("the body flows through the filter's stream, the trailers after its output; the backend's slot is freed when the backend is done, onDone once the stream ended", async (t) => {
  const filter = new StreamFilter('upper', () => upperCase());
  const watcher = new DoneWatcher();
  const { client, dispatch, records, backend } = await rig(t, [filter, watcher]);
  assert.equal(dispatch.respond(200, ['Content-Type', 'text/plain']), true);
  assert.equal(client.status, 200);
  dispatch.data('abc');
  dispatch.data('def');
  dispatch.complete(['X-Sum', '42']);
  assert.equal(backend.inFlight, 0, 'the slot goes back with the backend done');
  assert.deepEqual(watcher.seen, [], 'the answer is not done while the stream still lets out the body');
  await until(() => client.responseFinished, 'the answer ended');
  assert.equal(client.bodyText, 'ABCDEF');
  assert.equal(client.calls.at(-1), 'end');
  assert.deepEqual(client.endTrailers, ['X-Sum', '42']);
  assert.deepEqual(watcher.seen, [{ errorKind: undefined, status: 200 }]);
  assert.equal(records[0]!.bytesOut, 6, 'bytes out are what the client got');
});

test('a filter that gives no stream leaves the body as the backend sent it', async (t) => {
  const { client, dispatch } = await rig(t, [new StreamFilter('none', () => undefined)]);
  dispatch.answer(200, 'as it is');
  assert.equal(client.bodyText, 'as it is');
  assert.deepEqual(client.calls, ['respond 200', 'write', 'end']);
});

test('streams of several filters chain in filter order', async (t) => {
  const bracket = () =>
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        done(null, `[${chunk.toString()}]`);
      },
    });
  const { client, dispatch } = await rig(t, [new StreamFilter('bracket', bracket), new StreamFilter('upper', () => upperCase())]);
  dispatch.respond(200, []);
  dispatch.data('ab');
  dispatch.complete();
  await until(() => client.responseFinished, 'the answer ended');
  assert.equal(client.bodyText, '[AB]');
});

test("a slow client pauses the stream's output, its full buffer pauses the backend, and the client's drain resumes both", async (t) => {
  const filter = new StreamFilter('small', () => new PassThrough({ highWaterMark: 4 }));
  const { client, dispatch } = await rig(t, [filter]);
  client.writeReturns = false;
  dispatch.respond(200, []);
  dispatch.data('abcdefgh'); // passes straight to the client, which says it is full
  await until(() => client.drainWaiting === 1, 'the stream waits for the client');
  assert.equal(dispatch.data('ijklmnop'), false, 'the paused stream fills up: the backend is asked to pause');
  assert.equal(dispatch.resumes, 0);
  client.writeReturns = true;
  client.drain();
  await until(() => dispatch.resumes === 1, 'the stream drained and the backend was resumed');
  assert.equal(dispatch.data('qr'), true);
  dispatch.complete();
  await until(() => client.responseFinished, 'the answer ended');
  assert.equal(client.bodyText, 'abcdefghijklmnopqr');
});

test('a client that leaves while the stream still lets out the body destroys the stream; onDone runs once with client_aborted', async (t) => {
  // Holds everything back until its end, which never comes.
  const filter = new StreamFilter('holding', () => new Transform({ transform: (_c, _e, done) => done(), flush: () => {} }));
  const watcher = new DoneWatcher();
  const { client, dispatch, backend, stats } = await rig(t, [filter, watcher]);
  dispatch.respond(200, []);
  dispatch.data('abc');
  dispatch.complete();
  assert.equal(backend.inFlight, 0);
  client.clientCloses();
  await settle();
  assert.equal(filter.made[0]!.destroyed, true);
  assert.deepEqual(watcher.seen, [{ errorKind: 'client_aborted', status: 499 }]);
  assert.equal(stats.active, 0);
  assert.ok(!client.calls.includes('end'));
});

test('a client that leaves mid-body aborts the try and destroys the stream, once', async (t) => {
  const filter = new StreamFilter('upper', () => upperCase());
  const watcher = new DoneWatcher();
  const { client, dispatch } = await rig(t, [filter, watcher]);
  dispatch.respond(200, []);
  dispatch.data('abc');
  client.clientCloses();
  await settle();
  assert.equal(dispatch.aborts.length, 1);
  assert.equal(filter.made[0]!.destroyed, true);
  assert.deepEqual(watcher.seen, [{ errorKind: 'client_aborted', status: 499 }]);
});

test('a stream that fails cuts the answer, drops the try and does not blame the backend', async (t) => {
  const failing = () => new Transform({ transform: (_c, _e, done) => done(new Error('stream broke')) });
  const watcher = new DoneWatcher();
  const { client, dispatch, backend } = await rig(t, [new StreamFilter('failing', failing), watcher]);
  dispatch.respond(200, []);
  dispatch.data('abc');
  await until(() => client.calls.includes('abort'), 'the answer was cut (the head went out, so it must not look whole)');
  assert.equal(dispatch.aborts.length, 1);
  assert.equal(backend.errors, 0);
  assert.equal(backend.inFlight, 0);
  assert.deepEqual(watcher.seen, [{ errorKind: 'filter_failed', status: 500 }]);
});

test('the backend failing mid-body destroys the stream and cuts the answer', async (t) => {
  const filter = new StreamFilter('upper', () => upperCase());
  const watcher = new DoneWatcher();
  const { client, dispatch } = await rig(t, [filter, watcher]);
  dispatch.respond(200, []);
  dispatch.data('abc');
  dispatch.error('ECONNRESET');
  await settle();
  assert.ok(client.calls.includes('abort'));
  assert.equal(filter.made[0]!.destroyed, true);
  assert.equal(watcher.seen.length, 1);
});

test('an onResponseTransform that throws answers 500 filter_failed; a stream an earlier filter gave is destroyed', async (t) => {
  const earlier = new StreamFilter('earlier', () => upperCase());
  const throwing: Filter = {
    name: 'throwing',
    onResponseTransform: () => {
      throw new Error('no stream today');
    },
  };
  const watcher = new DoneWatcher();
  const { client, dispatch, backend } = await rig(t, [earlier, throwing, watcher]);
  dispatch.answer(200, 'never sent');
  assert.equal(client.status, 500);
  assert.match(client.bodyText, /filter_failed/);
  assert.equal(earlier.made[0]!.destroyed, true);
  assert.equal(backend.inFlight, 0);
  await settle();
  assert.deepEqual(watcher.seen, [{ errorKind: 'filter_failed', status: 500 }]);
});
