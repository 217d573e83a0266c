// A client that half-closes (FIN) after its request still gets the answer,
// then the connection closes; one that half-closes mid-request is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { poolConfig, startFairway, testConfig, waitFor } from './helpers/fixtures.js';
import { rawBackend, type RawHandler } from './helpers/raw-backend.js';
import { rawClient } from './helpers/raw-client.js';
import type { RequestRecord } from '../src/observability/events.js';

/** Answers after a pause, so the client's FIN reaches the proxy first. */
const slowEcho: RawHandler = (req, res) => {
  let bytes = 0;
  req.on('data', (c: Buffer) => (bytes += c.length));
  req.on('end', () => setTimeout(() => res.end(`${req.method} ${req.url} body=${bytes}`), 100));
};

async function setup(t: { after: (fn: () => Promise<void>) => void }, handler: RawHandler = slowEcho, abortOnClientClose = false) {
  const backend = await rawBackend(handler);
  const pool = poolConfig([backend.url]);
  pool.healthCheck = { ...pool.healthCheck, enabled: false };
  const config = testConfig([pool]);
  config.listen.abortOnClientClose = abortOnClientClose;
  const lb = await startFairway(config);
  const events: RequestRecord[] = [];
  lb.fairway.events.on('request', (e) => events.push(e));
  t.after(async () => {
    await lb.close();
    await backend.close();
  });
  return { lb, backend, events };
}

test('a client that half-closes after an HTTP/1.0 request gets the whole answer, then the connection closes', async (t) => {
  const { lb, events } = await setup(t);
  const client = await rawClient(lb.port);
  t.after(() => client.destroy());
  client.send('GET /probe HTTP/1.0\r\nHost: x\r\n\r\n');
  client.halfClose();
  const res = await client.nextResponse();
  assert.equal(res.status, 200);
  assert.equal(res.body, 'GET /probe body=0');
  assert.equal(await client.closedWithin(2_000), true, 'the proxy closes after answering');
  await waitFor('the request event', () => events.length === 1);
  assert.equal(events[0]!.status, 200, 'counted as answered, not as a 499');
});

test('a client that half-closes after an HTTP/1.1 request with a body gets the answer with Connection: close', async (t) => {
  const { lb, events } = await setup(t);
  const client = await rawClient(lb.port);
  t.after(() => client.destroy());
  client.send('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world');
  client.halfClose();
  const res = await client.nextResponse();
  assert.equal(res.status, 200);
  assert.equal(res.body, 'POST /upload body=11');
  assert.equal(res.headers.connection, 'close', 'the client is told no more requests will be read');
  assert.equal(await client.closedWithin(2_000), true);
  await waitFor('the request event', () => events.length === 1);
  assert.equal(events[0]!.status, 200);
});

test('a client that half-closes before its request body is complete is treated as gone', async (t) => {
  const { lb, backend, events } = await setup(t);
  const client = await rawClient(lb.port);
  t.after(() => client.destroy());
  client.send('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part');
  client.halfClose();
  assert.equal(await client.closedWithin(2_000), true, 'the proxy closes the connection');
  await waitFor('the request event', () => events.length === 1);
  assert.equal(events[0]!.status, 499);
  assert.equal(events[0]!.errorKind, 'client_aborted');
  assert.equal(backend.requests(), 0, 'an incomplete request is not forwarded');
});

test('listen.abortOnClientClose: a FIN while the answer is awaited cancels the upstream request, as a client gone', async (t) => {
  let upstreamClosedEarly = false;
  let answered = false;
  const neverInTime: RawHandler = (req, res) => {
    req.resume();
    res.on('close', () => (upstreamClosedEarly = !answered));
    setTimeout(() => {
      answered = true;
      if (!res.destroyed) res.end('too late');
    }, 1_500);
  };
  const { lb, events } = await setup(t, neverInTime, true);
  const client = await rawClient(lb.port);
  t.after(() => client.destroy());
  client.send('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((resolve) => setTimeout(resolve, 100));
  client.halfClose();
  await waitFor('the request event', () => events.length === 1, 5_000);
  assert.equal(events[0]!.status, 499);
  assert.equal(events[0]!.errorKind, 'client_aborted');
  await waitFor('the backend to see its request cut', () => upstreamClosedEarly, 1_000);
});
