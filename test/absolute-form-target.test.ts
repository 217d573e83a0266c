// A request target in absolute-form (GET http://host/path HTTP/1.1) is routed
// by its authority, which replaces Host, and forwarded as origin-form
// (RFC 9112 3.2.2); a target that is neither form gets a 400 naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { poolConfig, startFairway, testConfig } from './helpers/fixtures.js';
import { rawBackend } from './helpers/raw-backend.js';
import { rawClient } from './helpers/raw-client.js';
import { readRequestTarget } from '../src/exchange/request-target.js';

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const seen: { backend: string; url: string; host: string | undefined; forwardedHost: string | undefined }[] = [];
  const recorder = (name: string) =>
    rawBackend((req, res) => {
      seen.push({ backend: name, url: req.url ?? '', host: req.headers.host, forwardedHost: req.headers['x-forwarded-host'] as string | undefined });
      res.end(name);
    });
  const [api, web] = await Promise.all([recorder('api'), recorder('web')]);
  const noChecks = { ...poolConfig([]).healthCheck, enabled: false };
  const pools = [poolConfig([api.url], { name: 'api', healthCheck: noChecks }), poolConfig([web.url], { name: 'web', healthCheck: noChecks })];
  const lb = await startFairway(
    testConfig(pools, {
      routes: [
        { host: 'api.example', pathPrefix: '/v1/', pool: 'api', middlewares: [] },
        { host: 'www.example', pathPrefix: '/', pool: 'web', middlewares: [] },
      ],
    }),
  );
  t.after(async () => {
    await lb.close();
    await Promise.all([api.close(), web.close()]);
  });
  return { lb, seen };
}

test('an absolute-form target is routed by its authority and forwarded as origin-form with that Host', async (t) => {
  const { lb, seen } = await setup(t);
  const client = await rawClient(lb.port);
  t.after(() => client.destroy());
  client.send('GET http://API.example:8080/v1/items?page=2 HTTP/1.1\r\nHost: www.example\r\n\r\n');
  const res = await client.nextResponse();
  assert.equal(res.status, 200);
  assert.equal(res.body, 'api', 'the authority, not the Host header, picked the route');
  assert.deepEqual(seen[0], { backend: 'api', url: '/v1/items?page=2', host: 'API.example:8080', forwardedHost: 'API.example:8080' });

  // Same connection, no path in the target: the root path with the query.
  client.send('GET http://www.example?q=1 HTTP/1.1\r\nHost: api.example\r\n\r\n');
  const root = await client.nextResponse();
  assert.equal(root.body, 'web');
  assert.deepEqual(seen[1], { backend: 'web', url: '/?q=1', host: 'www.example', forwardedHost: 'www.example' });
});

test('an absolute-form target that matches no route gets a 404 naming its host and path apart', async (t) => {
  const { lb } = await setup(t);
  const client = await rawClient(lb.port);
  t.after(() => client.destroy());
  client.send('GET http://api.example/v2/x HTTP/1.1\r\nHost: api.example\r\nAccept: application/json\r\n\r\n');
  const res = await client.nextResponse();
  assert.equal(res.status, 404);
  assert.match((JSON.parse(res.body) as { message: string }).message, /: api\.example\/v2\/x$/);
});

test('a request target that is neither a path nor an http URL gets 400 naming it', async (t) => {
  const { lb, seen } = await setup(t);
  const client = await rawClient(lb.port);
  t.after(() => client.destroy());
  for (const [target, named] of [
    ['ftp://www.example/file', /"ftp:\/\/www\.example\/file" is neither a path/],
    ['ftp://www.example:21/file', /"ftp:\/\/www\.example:21\/file" is neither a path/],
  ] as const) {
    client.send(`GET ${target} HTTP/1.1\r\nHost: www.example\r\n\r\n`);
    const res = await client.nextResponse();
    assert.equal(res.status, 400, target);
    assert.match(res.body, named);
    assert.match(res.body, /bad_target/);
  }
  assert.equal(seen.length, 0);
});

test('readRequestTarget: origin-form as is, absolute-form split into authority and path', () => {
  assert.deepEqual(readRequestTarget('/a?b'), { ok: true, path: '/a?b', authority: undefined });
  assert.deepEqual(readRequestTarget('https://h:443/a/b?c=d'), { ok: true, path: '/a/b?c=d', authority: 'h:443' });
  assert.deepEqual(readRequestTarget('HTTP://[::1]:8080'), { ok: true, path: '/', authority: '[::1]:8080' });
  assert.deepEqual(readRequestTarget('*'), { ok: false, problem: 'the asterisk-form "*" (server-wide OPTIONS) names no route' });
  assert.equal(readRequestTarget('http://h:80x/').ok, false);
});
