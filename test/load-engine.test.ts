// The load engine against real sockets: every error kind is counted as its
// own kind, the backend header gives the spread, rounds and levels and worker
// threads add up, and the open model sends what was scheduled. No timing
// assertions: only counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createNetServer, type Socket, type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { runLoad, planLoad, type LoadProgress, type RoundResult } from '../src/load/index.js';
import { startTestBackend } from '../src/tools/test-backend.js';
import { freePort, poolConfig, startFairway, testConfig } from './helpers/fixtures.js';

test('a backend slower than the timeout: every request is a timeout', async (t) => {
  const backend = await startTestBackend({ name: 'slow' });
  t.after(() => backend.close());
  const result = await runLoad({ url: `${backend.url}/?delay=3000`, concurrency: [2], total: 4, timeoutMs: 150 });
  const level = result.levels[0]!.summary;
  assert.equal(level.requests, 4);
  assert.equal(level.successes, 0);
  assert.deepEqual(level.errors, { timeout: 4 });
  assert.equal(level.errorRate, 1);
});

test('a server that drops connections: every request is a reset', async (t) => {
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => {
    sockets.add(s);
    s.on('data', () => s.resetAndDestroy());
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const port = (server.address() as AddressInfo).port;
  const result = await runLoad({ url: `http://127.0.0.1:${port}/`, concurrency: [3], total: 30, timeoutMs: 2000 });
  assert.deepEqual(result.levels[0]!.summary.errors, { reset: 30 });
});

test('a closed port: every request is refused', async () => {
  const port = await freePort();
  const result = await runLoad({ url: `http://127.0.0.1:${port}/`, concurrency: [2], total: 20, timeoutMs: 2000 });
  assert.deepEqual(result.levels[0]!.summary.errors, { refused: 20 });
  assert.equal(result.totals.errorRate, 1);
});

test('5xx answers count by status and still have latencies', async (t) => {
  const backend = await startTestBackend({ name: 'b503' });
  t.after(() => backend.close());
  const result = await runLoad({ url: `${backend.url}/?status=503`, concurrency: [2], total: 10 });
  const s = result.levels[0]!.summary;
  assert.deepEqual(s.errors, { http_503: 10 });
  assert.equal(s.successes, 0);
  assert.ok(s.latency.max > 0);
  assert.deepEqual(s.backends, [{ name: 'b503', count: 10, share: 1 }]);
});

test('the spread over backends behind fairway comes from x-backend', async (t) => {
  const backends = await Promise.all(['one', 'two', 'three'].map((name) => startTestBackend({ name })));
  const lb = await startFairway(testConfig([poolConfig(backends.map((b) => b.url))]));
  t.after(async () => {
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const result = await runLoad({ url: `${lb.url}/`, concurrency: [3], total: 300 });
  const s = result.levels[0]!.summary;
  assert.equal(s.successes, 300);
  assert.deepEqual(s.backends.map((b) => b.name).sort(), ['one', 'three', 'two']);
  assert.equal(s.backends.reduce((sum, b) => sum + b.count, 0), 300);
  for (const b of s.backends) assert.ok(Math.abs(b.share - 1 / 3) < 0.05, `${b.name} served ${b.share}`);
});

test('another header names the backend with --backend-header', async (t) => {
  const server = createServer((_req, res) => {
    res.setHeader('x-served-by', 'custom');
    // No content-length: a chunked answer in two pieces.
    res.write('part one, ');
    res.end('part two');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const port = (server.address() as AddressInfo).port;
  const result = await runLoad({ url: `http://127.0.0.1:${port}/`, concurrency: [2], total: 10, backendHeader: 'X-Served-By' });
  assert.deepEqual(result.levels[0]!.summary.backends, [{ name: 'custom', count: 10, share: 1 }]);
});

test('a sweep runs every level and round, calling the hooks', async (t) => {
  const backend = await startTestBackend({ name: 'sweep' });
  t.after(() => backend.close());
  const rounds: RoundResult[] = [];
  const progress: LoadProgress[] = [];
  const levels: number[] = [];
  const result = await runLoad(
    { url: `${backend.url}/?delay=20`, concurrency: [1, 2], rounds: 2, total: 6, progressIntervalMs: 10 },
    { onRound: (r) => rounds.push(r), onProgress: (p) => progress.push(p), onLevel: (s) => levels.push(s.concurrency) },
  );
  assert.deepEqual(rounds.map((r) => [r.concurrency, r.round, r.requests]), [[1, 1, 6], [1, 2, 6], [2, 1, 6], [2, 2, 6]]);
  assert.deepEqual(levels, [1, 2]);
  assert.deepEqual(result.levels.map((l) => [l.concurrency, l.rounds.length, l.summary.requests]), [[1, 2, 12], [2, 2, 12]]);
  assert.ok(progress.length > 0);
  assert.ok(progress.every((p) => p.levels === 2 && p.rounds === 2 && p.total === 6));
  assert.equal(result.totals.requests, 24);
  assert.equal(result.aborted, false);
});

test('a request body is sent whole on every request', async (t) => {
  const backend = await startTestBackend({ name: 'body' });
  t.after(() => backend.close());
  const result = await runLoad({ url: `${backend.url}/upload`, method: 'POST', body: Buffer.alloc(200_000, 7), concurrency: [2], total: 8 });
  assert.equal(result.levels[0]!.summary.successes, 8);
  assert.equal(backend.requestCount, 8);
});

test('Connection: close opens a new connection per request', async (t) => {
  const backend = await startTestBackend({ name: 'close' });
  t.after(() => backend.close());
  const result = await runLoad({ url: `${backend.url}/`, headers: ['Connection: close'], concurrency: [2], total: 20 });
  assert.equal(result.levels[0]!.summary.successes, 20);
});

test('worker threads share the connections and the total', async (t) => {
  const backend = await startTestBackend({ name: 'workers' });
  t.after(() => backend.close());
  const result = await runLoad({ url: `${backend.url}/`, concurrency: [4], total: 40, workers: 2, headers: ['x-test: 1'] });
  const s = result.levels[0]!.summary;
  assert.equal(s.requests, 40);
  assert.equal(s.successes, 40);
  assert.deepEqual(s.backends, [{ name: 'workers', count: 40, share: 1 }]);
});

test('open model: the scheduled requests are all sent', async (t) => {
  const backend = await startTestBackend({ name: 'open' });
  t.after(() => backend.close());
  const result = await runLoad({ url: `${backend.url}/`, concurrency: [2], total: 20, rate: 400 });
  const r = result.levels[0]!.rounds[0]!;
  assert.equal(r.requests, 20);
  assert.equal(r.successes, 20);
  assert.equal(r.unsent, 0);
});

test('open model: a stalled server is charged from the intended send time', async (t) => {
  const backend = await startTestBackend({ name: 'stall' });
  t.after(() => backend.close());
  // One connection, 200 ms answers, 50 requests per second: requests queue
  // behind each other, so later ones wait far longer than one answer takes.
  const result = await runLoad({ url: `${backend.url}/?delay=200`, concurrency: [1], total: 4, rate: 50 });
  const l = result.levels[0]!.summary.latency;
  assert.equal(result.levels[0]!.summary.successes, 4);
  assert.ok(l.max >= 2 * 200, `max ${l.max} ms should include the queueing`);
});

test('aborting stops the run and returns what was measured', async (t) => {
  const backend = await startTestBackend({ name: 'abort' });
  t.after(() => backend.close());
  const controller = new AbortController();
  const result = await runLoad(
    { url: `${backend.url}/`, concurrency: [1, 2], durationMs: 30_000, signal: controller.signal },
    { onProgress: () => controller.abort() },
  );
  assert.equal(result.aborted, true);
  assert.equal(result.levels.length, 1);
});

test('bad options fail before any traffic, with readable messages', () => {
  assert.throws(() => planLoad({ url: 'not a url' }), /is not a URL/);
  assert.throws(() => planLoad({ url: 'https://127.0.0.1/' }), /only http:\/\//);
  assert.throws(() => planLoad({ url: 'http://127.0.0.1/', concurrency: [0] }), /concurrency must be a whole number/);
  assert.throws(() => planLoad({ url: 'http://127.0.0.1/', headers: ['no colon'] }), /must look like "name: value"/);
  assert.throws(() => planLoad({ url: 'http://127.0.0.1/', rate: -1 }), /rate must be a number above 0/);
  assert.throws(() => planLoad({ url: 'http://127.0.0.1/', method: 'GE T' }), /is not an HTTP method/);
});
