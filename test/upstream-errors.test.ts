// Each upstream failure maps to one answer: refused/reset → 502, no header in
// time → 504, client gone → upstream aborted and its connection not reused,
// failure mid-body → the client response is cut, not completed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { freePort, get, poolConfig, startFairway, testClient, testConfig, waitFor } from './helpers/fixtures.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A backend with a scripted handler that records its connections. */
async function rawBackend(handler: Handler) {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer(handler);
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function noHealthChecks(urls: string[], responseMs = 5_000) {
  const pool = poolConfig(urls);
  pool.healthCheck = { ...pool.healthCheck, enabled: false };
  pool.timeouts = { connectMs: 1_000, responseMs, idleMs: 5_000, tunnelMs: 60_000 };
  return testConfig([pool]);
}

test('connection refused answers 502 naming the cause', async (t) => {
  const port = await freePort();
  const lb = await startFairway(noHealthChecks([`http://127.0.0.1:${port}`]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
  });
  const res = await get(client, `${lb.url}/`, { accept: 'application/json' });
  assert.equal(res.status, 502);
  assert.equal(JSON.parse(res.body).error, 'connect_refused');
  // Nothing reached the backend, so each of the 3 default tries was made.
  assert.equal(lb.fairway.stats().pools[0]!.backends[0]!.errors, 3);
  assert.equal(lb.fairway.stats().totals.retries, 2);
});

test('reset before the response answers 502', async (t) => {
  const backend = await rawBackend((req) => req.socket.destroy());
  const lb = await startFairway(noHealthChecks([backend.url]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  const res = await get(client, `${lb.url}/`);
  assert.equal(res.status, 502);
  assert.match(res.body, /upstream_reset/);
});

test('no response header within timeouts.response answers 504', async (t) => {
  const backend = await rawBackend(() => {
    /* never answers */
  });
  const lb = await startFairway(noHealthChecks([backend.url], 300));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  const res = await get(client, `${lb.url}/`, { accept: 'application/json' });
  assert.equal(res.status, 504);
  assert.equal(JSON.parse(res.body).error, 'response_timeout');
});

test('a client that goes away aborts the upstream request and its connection is not reused', async (t) => {
  let heldSocket: Socket | undefined;
  let heldClosed = false;
  let nextSocket: Socket | undefined;
  const backend = await rawBackend((req, res) => {
    if (heldSocket === undefined) {
      heldSocket = req.socket;
      req.socket.on('close', () => (heldClosed = true));
      return; // hold the request open until the proxy gives up on it
    }
    nextSocket = req.socket;
    res.end('second');
  });
  const lb = await startFairway(noHealthChecks([backend.url]));
  t.after(async () => {
    await lb.close();
    await backend.close();
  });

  await new Promise<void>((resolve) => {
    const req = httpRequest(`${lb.url}/slow`);
    req.on('error', () => resolve());
    req.end();
    // Hang up (reset) once the backend holds the request. A bare FIN is a
    // half-close, which still gets its answer (client-half-close.test.ts).
    void waitFor('backend holds the request', () => heldSocket !== undefined).then(() => {
      req.socket!.resetAndDestroy();
      resolve();
    });
  });
  await waitFor('upstream connection closed', () => heldClosed);
  await waitFor('proxy saw the abort', () => lb.fairway.stats().totals.active === 0);
  const client = testClient();
  const res = await get(client, `${lb.url}/next`);
  await client.close();
  assert.equal(res.body, 'second');
  assert.notEqual(nextSocket, heldSocket, 'the aborted connection was not reused');
  // A client abort is not the backend's fault.
  assert.equal(lb.fairway.stats().pools[0]!.backends[0]!.errors, 0);
});

test('a backend failing mid-body cuts the client response instead of completing it', async (t) => {
  const backend = await rawBackend((_req, res) => {
    res.writeHead(200, { 'content-length': '100000' });
    res.write(Buffer.alloc(1000, 'x'));
    setTimeout(() => res.socket?.destroy(), 50);
  });
  const lb = await startFairway(noHealthChecks([backend.url]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  await assert.rejects(get(client, `${lb.url}/`), 'the client sees an error, not a complete body');
});

test('a chunked answer cut mid-body is not terminated as complete', async (t) => {
  const backend = await rawBackend((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' }); // chunked: no length
    res.write('partial');
    setTimeout(() => res.socket?.destroy(), 50);
  });
  const lb = await startFairway(noHealthChecks([backend.url]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  await assert.rejects(get(client, `${lb.url}/`));
});
