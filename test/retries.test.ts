// Retries: safe failures are retried on another backend; POST is not re-sent
// once it reached a backend; the budget stops retries when most requests fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { echoLength, rawBackend, type RawBackend } from './helpers/raw-backend.js';
import { freePort, get, poolConfig, startFairway, testClient, testConfig } from './helpers/fixtures.js';
import type { PoolConfig } from '../src/config/types.js';
import { RetryPolicy } from '../src/filters/retry-policy.js';
import { scriptedServer } from './helpers/http1.js';

/** Reads the request, then resets the connection without answering. */
const resetAfterBody = () =>
  rawBackend((req) => {
    req.resume();
    req.on('end', () => req.socket.destroy());
  });

function pool(urls: string[], retries: Partial<PoolConfig['retries']> = {}): PoolConfig {
  const p = poolConfig(urls);
  p.healthCheck = { ...p.healthCheck, enabled: false };
  p.outlierDetection = { ...p.outlierDetection, enabled: false };
  p.retries = { ...p.retries, ...retries };
  return p;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }, backends: RawBackend[], retries: Partial<PoolConfig['retries']> = {}) {
  const lb = await startFairway(testConfig([pool(backends.map((b) => b.url), retries)]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  return { lb, client };
}

async function post(client: ReturnType<typeof testClient>, url: string, body: string | Buffer) {
  const res = await request(url, { dispatcher: client, method: 'POST', body, headers: { 'content-type': 'text/plain' } });
  return { status: res.statusCode, body: await res.body.text(), backend: res.headers['x-backend'] };
}

test('a GET whose backend resets is retried on the other backend', async (t) => {
  const bad = await resetAfterBody();
  const good = await rawBackend(echoLength('good'));
  const { lb, client } = await setup(t, [bad, good]);
  for (let i = 0; i < 6; i++) {
    const res = await get(client, `${lb.url}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-backend'], 'good');
  }
  // Each failed try on the bad backend was retried once, on the good one.
  assert.ok(bad.requests() >= 1);
  assert.equal(lb.fairway.stats().totals.retries, bad.requests());
  assert.equal(good.requests(), 6);
});

test('a POST that reached a backend which reset is not re-sent', async (t) => {
  const bad = await resetAfterBody();
  const good = await rawBackend(echoLength('good'));
  const { lb, client } = await setup(t, [bad, good]);
  const first = await post(client, `${lb.url}/`, 'payload'); // round robin: bad first
  assert.equal(first.status, 502);
  assert.match(first.body, /upstream_reset/);
  assert.equal(good.requests(), 0, 'the POST was not sent a second time');
  assert.equal(lb.fairway.stats().totals.retries, 0);
});

test('retryNonIdempotent: true re-sends a POST, body intact', async (t) => {
  const bad = await resetAfterBody();
  const good = await rawBackend(echoLength('good'));
  const { lb, client } = await setup(t, [bad, good], { retryNonIdempotent: true });
  const res = await post(client, `${lb.url}/`, 'x'.repeat(1000));
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(res.body).bodyLength, 1000);
});

test('a POST is retried when the connection was refused (nothing reached a backend), body intact', async (t) => {
  const closedPort = await freePort();
  const good = await rawBackend(echoLength('good'));
  const lb = await startFairway(testConfig([pool([`http://127.0.0.1:${closedPort}`, good.url])]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await good.close();
  });
  const body = Buffer.alloc(40_000, 7);
  const res = await post(client, `${lb.url}/`, body);
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(res.body).bodyLength, 40_000);
});

test('a body larger than bufferBytes is streamed and never retried', async (t) => {
  const bad = await resetAfterBody();
  const good = await rawBackend(echoLength('good'));
  const { lb, client } = await setup(t, [bad, good], { retryNonIdempotent: true, bufferBytes: 1024 });
  const res = await post(client, `${lb.url}/`, Buffer.alloc(200_000, 1));
  assert.equal(res.status, 502);
  assert.equal(good.requests(), 0);
  // A large body to a healthy backend streams through whole.
  const ok = await post(client, `${lb.url}/`, Buffer.alloc(200_000, 1));
  assert.equal(ok.status, 200);
  assert.equal(JSON.parse(ok.body).bodyLength, 200_000);
});

test('a 503 answer is retried only when listed in retries.on', async (t) => {
  const unavailable = await rawBackend((_req, res) => {
    res.writeHead(503, { 'x-backend': 'busy' });
    res.end('busy');
  });
  const good = await rawBackend(echoLength('good'));
  const { lb, client } = await setup(t, [unavailable, good], { on: ['reset', '503'] });
  for (let i = 0; i < 4; i++) assert.equal((await get(client, `${lb.url}/`)).status, 200);

  const plain1 = await rawBackend((_req, res) => {
    res.writeHead(503);
    res.end('busy');
  });
  const plain2 = await rawBackend(echoLength('good'));
  const other = await setup(t, [plain1, plain2]);
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await get(other.client, `${other.lb.url}/`)).status);
  assert.deepEqual(statuses.sort(), [200, 200, 503, 503], 'without 503 in retries.on the answer is passed on');
});

test('the retry budget stops retries when most requests fail', async (t) => {
  const a = await resetAfterBody();
  const b = await resetAfterBody();
  const { lb, client } = await setup(t, [a, b], { budgetPercent: 20, attempts: 3 });
  const statuses: number[] = [];
  for (let i = 0; i < 200; i++) statuses.push((await get(client, `${lb.url}/`)).status);
  assert.ok(statuses.every((s) => s === 502));
  const retries = lb.fairway.stats().totals.retries;
  // 20 % of 200 requests = 40 (the floor of 10 is below that); never 2 per request.
  assert.ok(retries <= 40, `${retries} retries`);
  assert.ok(retries >= 30, `the budget was used (${retries} retries)`);
  assert.equal(a.requests() + b.requests(), 200 + retries);
});

test('a backend that answers before reading a large body does not stall the client connection', async (t) => {
  // Answers at once and never reads the body, as nginx's `return 200` does.
  const early = await rawBackend((_req, res) => res.end('early'));
  const { lb } = await setup(t, [early]);
  const { Agent: KeepAlive } = await import('undici');
  const one = new KeepAlive({ connections: 1 });
  t.after(() => one.close());
  for (let i = 0; i < 5; i++) {
    const res = await request(`${lb.url}/upload`, { dispatcher: one, method: 'POST', body: Buffer.alloc(1024 * 1024, 1), headersTimeout: 5_000, bodyTimeout: 5_000 });
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'early');
  }
});

test('RetryPolicy: the idle keep-alive race is retried for any method, within attempts and replayability', () => {
  const policy = new RetryPolicy(pool(['http://127.0.0.1:1']).retries);
  assert.equal(policy.allowsError('upstream_reset', 1, 'POST', true), false, 'a POST reset is not re-sent');
  assert.equal(policy.allowsError('upstream_reset', 1, 'POST', true, true), true, 'unless it was the idle race');
  assert.equal(policy.allowsError('upstream_reset', 1, 'PATCH', true, true), true);
  assert.equal(policy.allowsError('upstream_reset', policy.maxAttempts, 'POST', true, true), false, 'attempts still bound it');
  assert.equal(policy.allowsError('upstream_reset', 1, 'POST', false, true), false, 'a streamed body cannot be re-sent');
  const noReset = new RetryPolicy({ ...pool(['http://127.0.0.1:1']).retries, on: [] });
  assert.equal(noReset.allowsError('upstream_reset', 1, 'GET', true), false);
  assert.equal(noReset.allowsError('upstream_reset', 1, 'GET', true, true), true, 'retried even when resets are not listed');
});

test('a POST on a reused connection that the backend closed before answering is retried (the idle race)', async (t) => {
  // Every connection answers its first request, then closes as the second arrives,
  // as a backend does when its keep-alive timeout races our next request.
  const backend = await scriptedServer(({ socket, index }) => {
    if (index === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-backend: only\r\n\r\nok');
    else socket.destroy();
  });
  const lb = await startFairway(testConfig([pool([backend.url])]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  for (let i = 0; i < 3; i++) {
    const res = await post(client, `${lb.url}/`, 'payload');
    assert.equal(res.status, 200, `request ${i}`);
    assert.equal(res.body, 'ok');
  }
  const stats = lb.fairway.stats();
  assert.equal(stats.totals.retries, 2, 'the second and third POST each met a closing reused connection once');
  assert.equal(stats.pools[0]!.backends[0]!.errors, 0, 'the race is not counted against the backend');
  assert.equal(backend.connections(), 3);
});
