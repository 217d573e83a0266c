// maxConnections caps concurrent requests per backend; the rest wait in a
// bounded queue; a full queue or a wait past its timeout answers 503.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawBackend } from './helpers/raw-backend.js';
import { rawClient } from './helpers/raw-client.js';
import { get, poolConfig, startFairway, testClient, testConfig, waitFor } from './helpers/fixtures.js';

const slow = (ms: number) =>
  rawBackend((_req, res) => {
    setTimeout(() => res.end('done'), ms);
  });

test('20 concurrent slow requests: at most 2 in flight per backend, the rest queued, then all served', async (t) => {
  const backend = await slow(250);
  const pool = poolConfig([backend.url]);
  pool.healthCheck.enabled = false;
  pool.backends[0]!.maxConnections = 2;
  pool.queue = { size: 50, timeoutMs: 10_000 };
  const lb = await startFairway(testConfig([pool]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  const pending = Array.from({ length: 20 }, () => get(client, `${lb.url}/`));
  await waitFor('18 queued', () => lb.fairway.stats().pools[0]!.queued === 18, 5_000, 5);
  const results = await Promise.all(pending);
  assert.ok(results.every((r) => r.status === 200));
  assert.equal(backend.peakConcurrent(), 2);
  assert.equal(lb.fairway.stats().pools[0]!.queued, 0);
});

test('a full queue answers 503 at once; a wait past queue.timeout answers 503', async (t) => {
  const backend = await slow(600);
  const pool = poolConfig([backend.url]);
  pool.healthCheck.enabled = false;
  pool.backends[0]!.maxConnections = 2;
  pool.queue = { size: 5, timeoutMs: 200 };
  const lb = await startFairway(testConfig([pool]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  const results = await Promise.all(Array.from({ length: 20 }, () => get(client, `${lb.url}/`, { accept: 'application/json' })));
  const errors = results.filter((r) => r.status === 503).map((r) => JSON.parse(r.body).error as string);
  assert.equal(results.filter((r) => r.status === 200).length, 2, 'only the 2 admitted requests were served');
  assert.equal(errors.filter((e) => e === 'queue_full').length, 13);
  assert.equal(errors.filter((e) => e === 'queue_timeout').length, 5);
  assert.ok(results.filter((r) => r.status === 503).every((r) => r.headers['retry-after'] !== undefined));
  assert.equal(backend.peakConcurrent(), 2);
});

test('a client that leaves while queued frees its place', async (t) => {
  const backend = await slow(300);
  const pool = poolConfig([backend.url]);
  pool.healthCheck.enabled = false;
  pool.backends[0]!.maxConnections = 1;
  pool.queue = { size: 10, timeoutMs: 5_000 };
  const lb = await startFairway(testConfig([pool]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  const first = get(client, `${lb.url}/1`);
  // /2 must find the backend busy with /1, so it waits in the queue (it could otherwise overtake /1).
  await waitFor('the first request at the backend', () => backend.requests() === 1);
  const leaving = await rawClient(lb.port);
  leaving.send('GET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => setTimeout(r, 50));
  // Leaving is a reset: a bare FIN is a half-close, still answered (client-half-close.test.ts).
  leaving.socket.resetAndDestroy();
  assert.equal((await first).status, 200);
  assert.equal((await get(client, `${lb.url}/3`)).status, 200);
  assert.equal(backend.requests(), 2, 'the abandoned request never reached the backend');
});

test('a backend becoming healthy forwards queued requests from a later turn, not from inside the health report', async (t) => {
  const busy = await slow(500);
  const spare = await slow(10);
  const pool = poolConfig([busy.url, spare.url]);
  pool.healthCheck.enabled = false;
  pool.backends[0]!.maxConnections = 1;
  pool.queue = { size: 10, timeoutMs: 5_000 };
  const lb = await startFairway(testConfig([pool]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await busy.close();
    await spare.close();
  });
  const running = lb.fairway.pools[0]!;
  const [first, second] = running.backends;
  running.setHealth(second!, false, 'held down by the test');
  const answers = [get(client, `${lb.url}/1`)];
  await waitFor('the first request in flight', () => first!.inFlight === 1, 5_000, 5);
  answers.push(get(client, `${lb.url}/2`));
  await waitFor('the second request queued', () => lb.fairway.stats().pools[0]!.queued === 1, 5_000, 5);

  running.setHealth(second!, true, 'back');
  // Nothing was forwarded from inside setHealth's call stack…
  assert.equal(second!.inFlight, 0);
  assert.equal(lb.fairway.stats().pools[0]!.queued, 1);
  // …but on the next turn of the event loop the queued request goes to it.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(second!.inFlight, 1);
  assert.equal(lb.fairway.stats().pools[0]!.queued, 0);
  const results = await Promise.all(answers);
  assert.deepEqual(results.map((r) => r.status), [200, 200]);
});
