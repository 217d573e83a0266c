// Routes match host and path prefix (longest prefix wins) to a pool; no
// match answers 404.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router, hostName } from '../src/exchange/router.js';
import { startTestBackend } from '../src/tools/test-backend.js';
import { get, poolConfig, startFairway, testClient, testConfig } from './helpers/fixtures.js';

test('router: longest prefix wins, host-specific beats any-host on a tie', () => {
  const router = new Router(
    [
      { pathPrefix: '/', pool: 'web', middlewares: [] },
      { pathPrefix: '/api', pool: 'api', middlewares: [] },
      { pathPrefix: '/api/v2', pool: 'v2', middlewares: [] },
      { host: 'admin.example.com', pathPrefix: '/api', pool: 'admin-api', middlewares: [] },
      { host: 'static.example.com', pathPrefix: '/', pool: 'static', middlewares: [] },
    ],
    (r) => r.pool,
  );
  assert.equal(router.match('example.com', '/'), 'web');
  assert.equal(router.match('example.com', '/api/users'), 'api');
  assert.equal(router.match('example.com', '/api/v2/x'), 'v2');
  assert.equal(router.match('ADMIN.example.com:8080', '/api/x'), 'admin-api');
  assert.equal(router.match('admin.example.com', '/api/v2/x'), 'v2', 'a longer any-host prefix still wins');
  assert.equal(router.match('static.example.com', '/anything'), 'static');
  assert.equal(router.match(undefined, '/api'), 'api');
});

test('router: no match gives undefined', () => {
  const router = new Router([{ host: 'a.example', pathPrefix: '/', pool: 'a', middlewares: [] }, { pathPrefix: '/v1', pool: 'v1', middlewares: [] }], (r) => r.pool);
  assert.equal(router.match('b.example', '/'), undefined);
  assert.equal(router.match('b.example', '/v1/x'), 'v1');
});

test('hostName strips ports and handles IPv6 literals', () => {
  assert.equal(hostName('Example.COM:8080'), 'example.com');
  assert.equal(hostName('[::1]:8080'), '[::1]');
  assert.equal(hostName('[::1]'), '[::1]');
  assert.equal(hostName('plain'), 'plain');
});

test('through the proxy: routes pick pools and unmatched requests get 404', async (t) => {
  const web = await startTestBackend({ port: 0, name: 'web' });
  const api = await startTestBackend({ port: 0, name: 'api' });
  const pools = [poolConfig([web.url], { name: 'web' }), poolConfig([api.url], { name: 'api' })];
  const lb = await startFairway(
    testConfig(pools, {
      routes: [
        { host: 'www.example.com', pathPrefix: '/', pool: 'web', middlewares: [] },
        { pathPrefix: '/api', pool: 'api', middlewares: [] },
      ],
    }),
  );
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all([web.close(), api.close()]);
  });
  assert.equal((await get(client, `${lb.url}/api/x`, { host: 'other.example.com' })).headers['x-backend'], 'api');
  assert.equal((await get(client, `${lb.url}/page`, { host: 'www.example.com' })).headers['x-backend'], 'web');
  const missing = await get(client, `${lb.url}/page`, { host: 'other.example.com', accept: 'application/json' });
  assert.equal(missing.status, 404);
  const body = JSON.parse(missing.body) as { error: string; message: string };
  assert.equal(body.error, 'no_route');
  assert.match(body.message, /other\.example\.com\/page/);
});
