// Answers fairway gives itself (404, 503, 502, 504) keep the client's
// keep-alive connection when the request was read whole, and close it when
// a long request body was left unread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, poolConfig, startFairway, testConfig } from './helpers/fixtures.js';
import { echoLength, rawBackend } from './helpers/raw-backend.js';
import { rawClient } from './helpers/raw-client.js';

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const ok = await rawBackend(echoLength('ok'));
  const silent = await rawBackend(() => {
    /* never answers */
  });
  const refusedPort = await freePort();
  const noChecks = { ...poolConfig([]).healthCheck, enabled: false };
  const pools = [
    poolConfig([ok.url], { name: 'ok', healthCheck: noChecks }),
    poolConfig([`http://127.0.0.1:${refusedPort}`], { name: 'down', healthCheck: { ...noChecks, enabled: true, initialState: 'unhealthy' } }),
    poolConfig([`http://127.0.0.1:${refusedPort}`], { name: 'refused', healthCheck: noChecks }),
    poolConfig([silent.url], { name: 'silent', healthCheck: noChecks, timeouts: { connectMs: 1_000, responseMs: 300, idleMs: 5_000, tunnelMs: 60_000 } }),
  ];
  const lb = await startFairway(
    testConfig(pools, {
      routes: [
        { pathPrefix: '/ok', pool: 'ok', middlewares: [] },
        { pathPrefix: '/down', pool: 'down', middlewares: [] },
        { pathPrefix: '/refused', pool: 'refused', middlewares: [] },
        { pathPrefix: '/silent', pool: 'silent', middlewares: [] },
      ],
    }),
  );
  t.after(async () => {
    await lb.close();
    await ok.close();
    await silent.close();
  });
  return lb;
}

test('after a 503 for no healthy backend the next request on the same connection is answered', async (t) => {
  const lb = await setup(t);
  const client = await rawClient(lb.port);
  t.after(() => client.destroy());
  client.send('GET /down HTTP/1.1\r\nHost: x\r\n\r\n');
  const first = await client.nextResponse();
  assert.equal(first.status, 503);
  assert.equal(first.headers.connection, 'keep-alive');
  client.send('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
  const second = await client.nextResponse();
  assert.equal(second.status, 200, 'answered on the same socket');
  assert.match(second.body, /"server":"ok"/);
});

test('404, 503, 502 and 504 answers of our own all keep the connection for the next request', async (t) => {
  const lb = await setup(t);
  const client = await rawClient(lb.port);
  t.after(() => client.destroy());
  const expected: [string, number][] = [
    ['GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n', 404],
    // A short body the proxy never needed is skipped, not left in the way.
    ['POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello', 404],
    ['POST /down HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello', 503],
    ['GET /refused HTTP/1.1\r\nHost: x\r\n\r\n', 502],
    ['GET /silent HTTP/1.1\r\nHost: x\r\n\r\n', 504],
    ['GET /ok HTTP/1.1\r\nHost: x\r\n\r\n', 200],
  ];
  for (const [request, status] of expected) {
    client.send(request);
    const res = await client.nextResponse();
    assert.equal(res.status, status, request.split('\r\n')[0]);
    assert.equal(res.headers.connection, 'keep-alive', `${request.split('\r\n')[0]} keeps the connection`);
  }
  assert.equal(await client.closedWithin(100), false);
});

test('a local answer to a request whose long body was left unread closes the connection', async (t) => {
  const lb = await setup(t);
  const client = await rawClient(lb.port);
  t.after(() => client.destroy());
  client.send(`POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\nthe start of a long upload`);
  const res = await client.nextResponse();
  assert.equal(res.status, 404);
  assert.equal(res.headers.connection, 'close');
  assert.equal(await client.closedWithin(2_000), true);
});
