// createUpstream picks the transport for a backend URL by its scheme: http:
// and https: get fairway's HTTP/1.1 connection pool (https: over TLS) with
// the options given; any other scheme, or a string that is no URL, is refused
// with what is accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUpstream, type UpstreamOptions } from '../src/upstream/create-upstream.js';
import { ConnectionPool } from '../src/upstream/http1/index.js';
import { transportFor } from '../src/cluster/backend-transport.js';
import { okResponse, scriptedServer, send, sendExpectingError } from './helpers/http1.js';
import { waitFor } from './helpers/fixtures.js';

const OPTIONS: UpstreamOptions = {
  maxConnections: 8,
  connectTimeoutMs: 2_000,
  responseTimeoutMs: 5_000,
  idleTimeoutMs: 5_000,
  keepAliveTimeoutMs: 4_000,
};

test('an http: backend URL gets the HTTP/1.1 connection pool, which carries a request to the backend and its answer back', async (t) => {
  const server = await scriptedServer(({ socket }) => socket.write(okResponse('via http1')));
  t.after(() => server.close());
  const upstream = createUpstream(server.url, OPTIONS);
  t.after(() => upstream.destroy());
  assert.ok(upstream instanceof ConnectionPool);
  const reply = await send(upstream, { path: '/seam?x=1' });
  assert.equal(reply.status, 200);
  assert.equal(reply.body.toString(), 'via http1');
  assert.match(server.received[0]!.toString('latin1'), /^GET \/seam\?x=1 HTTP\/1\.1\r\n/);
});

test('the options reach the transport: maxConnections caps open connections and responseTimeoutMs bounds the wait for a head', async (t) => {
  // A backend that reads requests and never answers.
  const server = await scriptedServer(() => undefined);
  t.after(() => server.close());
  const upstream = createUpstream(server.url, { ...OPTIONS, maxConnections: 1, responseTimeoutMs: 300 });
  t.after(() => upstream.destroy());
  const started = Date.now();
  const first = sendExpectingError(upstream);
  const second = sendExpectingError(upstream);
  await waitFor('the first request to reach the backend', () => server.received[0] !== undefined && server.received[0].length > 0, 5_000);
  assert.equal(server.connections(), 1, 'the second request waits for the one allowed connection');
  const err = await first;
  assert.equal(err.code, 'UND_ERR_HEADERS_TIMEOUT');
  const waited = Date.now() - started;
  assert.ok(waited >= 250 && waited < 4_000, `gave up after ${waited} ms (responseTimeoutMs is 300)`);
  assert.equal((await second).code, 'UND_ERR_HEADERS_TIMEOUT');
});

test('a backend URL with a scheme no transport speaks is refused, naming the scheme and the accepted ones', () => {
  for (const [url, scheme] of [
    ['ws://127.0.0.1:9000', 'ws:'],
    ['ftp://files.example', 'ftp:'],
  ] as const) {
    assert.throws(
      () => createUpstream(url, OPTIONS),
      (err: Error) => {
        assert.ok(err instanceof TypeError);
        assert.equal(err.message, `backend URL "${new URL(url).href}" has the scheme "${scheme}", which no upstream transport speaks; only http:, https: origins are supported`);
        return true;
      },
    );
  }
});

test('a backend URL that is not a URL at all is refused, saying what is expected', () => {
  assert.throws(() => createUpstream('127.0.0.1:9001', OPTIONS), {
    name: 'TypeError',
    message: 'backend URL "127.0.0.1:9001" is not a URL (expected http://host:port or https://host:port)',
  });
  assert.throws(() => createUpstream('not a url', OPTIONS), {
    name: 'TypeError',
    message: 'backend URL "not a url" is not a URL (expected http://host:port or https://host:port)',
  });
});

test('an https: backend URL gets the same HTTP/1.1 connection pool, on port 443 when the URL gives none', (t) => {
  const upstream = createUpstream('https://backend.example', OPTIONS);
  t.after(() => upstream.destroy());
  assert.ok(upstream instanceof ConnectionPool);
  assert.equal(upstream.port, 443);
  assert.equal(upstream.hostHeader, 'backend.example');
});

test("a pool member's transport is built through createUpstream, so an unsupported scheme fails with the same clear error", () => {
  const config = { id: 'ws', url: 'ws://127.0.0.1:9000', weight: 1, maxConnections: 4, backup: false, state: 'enabled' as const };
  assert.throws(() => transportFor(config, { timeouts: { connectMs: 1_000, responseMs: 1_000, idleMs: 1_000, tunnelMs: 1_000 } }), {
    name: 'TypeError',
    message: 'backend URL "ws://127.0.0.1:9000/" has the scheme "ws:", which no upstream transport speaks; only http:, https: origins are supported',
  });
});
