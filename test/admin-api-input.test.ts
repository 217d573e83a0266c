// Admin API input over real sockets: an empty body is named as such with an
// example of what is accepted, every bad field of a body is reported in one
// answer, and a backend that is already there is a 409 Conflict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestBackend, type TestBackend } from '../src/tools/test-backend.js';
import { poolConfig, startFairway, testClient, testConfig } from './helpers/fixtures.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';

interface Problem {
  field: string;
  message: string;
  accepted?: string[];
}

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const backends: TestBackend[] = await Promise.all(['a', 'b'].map((name) => startTestBackend({ port: 0, name })));
  const lb = await startFairway(testConfig([poolConfig([backends[0]!.url], { name: 'web' })]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  /** `body` undefined sends no body at all (content-length 0). */
  const api = async (method: Method, path: string, body?: unknown) => {
    const res = await request(`${lb.adminUrl}${path}`, {
      dispatcher: client,
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? '' : JSON.stringify(body),
    });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  };
  return { backends, lb, api };
}

test('an empty body answers 400 saying so, with an example, on every endpoint that takes a body', async (t) => {
  const { lb, api } = await setup(t);
  const cases: [Method, string, string][] = [
    ['PUT', '/api/pools/web/algorithm', '{"algorithm": "round-robin"}'],
    ['POST', '/api/pools/web/backends', '{"url": "http://10.0.0.14:80"}'],
    ['PATCH', '/api/pools/web/backends/s1', '{"state": "draining", "weight": 3}'],
    ['POST', '/api/tests', '{"kind": "load", "requests": 1000}'],
  ];
  for (const [method, path, example] of cases) {
    const res = await api(method, path);
    assert.equal(res.status, 400, `${method} ${path}`);
    assert.equal(res.body['error'], 'bad_request');
    assert.equal(res.body['field'], '(body)');
    assert.equal(res.body['message'], `(body): request body is empty; expected JSON like ${example}`, `${method} ${path}`);
  }
  // A JSON value that is not an object gets the example too.
  const list = await api('PUT', '/api/pools/web/algorithm', ['random']);
  assert.equal(list.status, 400);
  assert.match(String(list.body['message']), /expected a JSON object like \{"algorithm": "round-robin"\}, not a list/);
  assert.equal(lb.fairway.pools[0]!.algorithm, 'round-robin', 'nothing changed');
  assert.equal(lb.fairway.pools[0]!.backends.length, 1);
  assert.equal(lb.fairway.pools[0]!.backends[0]!.state, 'enabled');
});

test('every bad field of a body is reported in one answer, and nothing changes', async (t) => {
  const { lb, api } = await setup(t);
  const algorithm = await api('PUT', '/api/pools/web/algorithm', { algorithm: 'fastest', hashKey: 'body:x', colour: 'blue' });
  assert.equal(algorithm.status, 400);
  const problems = algorithm.body['problems'] as Problem[];
  assert.deepEqual(problems.map((p) => p.field), ['colour', 'algorithm', 'hashKey']);
  assert.deepEqual(problems[0]!.accepted, ['algorithm', 'hashKey']);
  assert.ok(problems[1]!.accepted!.includes('least-connections'));
  assert.match(String(algorithm.body['message']), /^3 problems: colour: .*; algorithm: "fastest" is not a known algorithm; hashKey: /);
  // The first problem is also given as field/accepted, for clients that read one.
  assert.equal(algorithm.body['field'], 'colour');

  const missing = await api('PUT', '/api/pools/web/algorithm', { hashKey: 'path' });
  assert.equal(missing.status, 400);
  assert.equal(missing.body['message'], 'algorithm: missing (give the algorithm to switch to)');

  const added = await api('POST', '/api/pools/web/backends', { url: 'localhost:80', weight: -1, maxConnections: 0, backup: 'yes', state: 'sleeping', id: '-x' });
  assert.equal(added.status, 400);
  assert.deepEqual(
    (added.body['problems'] as Problem[]).map((p) => p.field),
    ['url', 'id', 'weight', 'maxConnections', 'backup', 'state'],
  );
  const ws = await api('POST', '/api/pools/web/backends', { url: 'ws://127.0.0.1:18443' });
  assert.equal(ws.status, 400);
  assert.match(String(ws.body['message']), /^url: "ws:\/\/127\.0\.0\.1:18443" is not an http\(s\) URL/);

  const patched = await api('PATCH', '/api/pools/web/backends/s1', { state: 'asleep', weight: 2000 });
  assert.equal(patched.status, 400);
  assert.deepEqual((patched.body['problems'] as Problem[]).map((p) => p.field), ['state', 'weight']);

  const pool = lb.fairway.pools[0]!;
  assert.equal(pool.algorithm, 'round-robin');
  assert.deepEqual(pool.backends.map((b) => [b.id, b.configWeight, b.state]), [['s1', 1, 'enabled']]);
});

test('adding a backend whose url or id the pool already has answers 409 Conflict', async (t) => {
  const { backends, lb, api } = await setup(t);
  const sameUrl = await api('POST', '/api/pools/web/backends', { id: 'other', url: backends[0]!.url });
  assert.equal(sameUrl.status, 409);
  assert.equal(sameUrl.body['error'], 'conflict');
  assert.equal(sameUrl.body['field'], 'url');
  assert.match(String(sameUrl.body['message']), /is already a backend of pool web/);

  const sameId = await api('POST', '/api/pools/web/backends', { id: 's1', url: backends[1]!.url });
  assert.equal(sameId.status, 409);
  assert.equal(sameId.body['field'], 'id');
  assert.match(String(sameId.body['message']), /already has a backend "s1"/);
  assert.equal(lb.fairway.pools[0]!.backends.length, 1, 'nothing was added');

  // Bad input is still a 400 even when the url is taken: the body is checked first.
  const both = await api('POST', '/api/pools/web/backends', { url: backends[0]!.url, weight: 'heavy' });
  assert.equal(both.status, 400);

  const fresh = await api('POST', '/api/pools/web/backends', { url: backends[1]!.url });
  assert.equal(fresh.status, 201);
  assert.equal(fresh.body['id'], new URL(backends[1]!.url).host, 'the id defaults to host:port');
});
