// The dashboard's load tests over real sockets: POST /api/tests checks its
// input (400 naming the field and what is accepted), a load test through a
// balancer in front of three test backends ends with a summary that adds up
// and matches what the backends counted, a second test is refused (409) while
// one runs, DELETE /api/tests/current stops a stress test, and with
// admin.token every one of these calls needs the bearer token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startTestBackend, type TestBackend } from '../src/tools/test-backend.js';
import { poolConfig, startFairway, testClient, testConfig, waitFor } from './helpers/fixtures.js';
import type { FairwayConfig } from '../src/config/types.js';

type Json = Record<string, unknown>;
type Method = 'GET' | 'POST' | 'DELETE';

interface Summary {
  total: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
  requestsPerSecond: number;
  elapsedMs: number;
  latencyMs: { average: number; p50: number; p99: number; max: number };
  distribution: { backend: string; count: number; share: number }[];
}

interface TestState {
  id: number;
  kind: string;
  status: 'running' | 'finished' | 'stopped' | 'failed';
  target: string;
  finishedAt: string | null;
  progress: { requests: number; ok: number; failed: number; fraction: number };
  summary: Summary | null;
  error: string | null;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }, tweak: (c: FairwayConfig) => void = () => undefined) {
  const backends: TestBackend[] = await Promise.all(['b1', 'b2', 'b3'].map((name) => startTestBackend({ port: 0, name })));
  const config = testConfig([poolConfig(backends.map((b) => b.url))]);
  tweak(config);
  const lb = await startFairway(config);
  const client = testClient();
  t.after(async () => {
    // A test still running (after a failed assertion) is stopped by close().
    await lb.close();
    await client.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const api = async (method: Method, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await request(`${lb.adminUrl}${path}`, {
      dispatcher: client,
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, body: (text === '' ? {} : JSON.parse(text)) as Json };
  };
  /** Polls GET /api/tests/current until the test is no longer running. */
  const finished = async (timeoutMs: number): Promise<TestState> =>
    (await waitFor(
      'the test to end',
      async () => {
        const current = (await api('GET', '/api/tests/current')).body['test'] as TestState | null;
        return current !== null && current.status !== 'running' ? current : undefined;
      },
      timeoutMs,
      100,
    ))!;
  return { backends, lb, api, finished };
}

test('POST /api/tests: bad input is a 400 naming the field and what is accepted; nothing starts', async (t) => {
  const { api } = await setup(t);
  const bad = async (body: unknown, field: string, accepted?: string[] | RegExp) => {
    const res = await api('POST', '/api/tests', body);
    assert.equal(res.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.body['error'], 'bad_request');
    assert.equal(res.body['field'], field, JSON.stringify(res.body));
    assert.ok(String(res.body['message']).startsWith(`${field}: `), String(res.body['message']));
    if (Array.isArray(accepted)) assert.deepEqual(res.body['accepted'], accepted);
    else if (accepted instanceof RegExp) assert.match(String(res.body['message']), accepted);
    return res.body;
  };

  await bad({ kind: 'soak' }, 'kind', ['load', 'stress', 'custom']);
  await bad({}, 'kind', ['load', 'stress', 'custom']);
  await bad({ kind: 7 }, 'kind', ['load', 'stress', 'custom']);
  await bad({ kind: 'load', concurrency: 0 }, 'concurrency', /from 1 to 1000\b/);
  await bad({ kind: 'load', concurrency: 1001 }, 'concurrency', /from 1 to 1000\b/);
  await bad({ kind: 'load', concurrency: 2.5 }, 'concurrency', /integer/);
  await bad({ kind: 'stress', concurrency: '10' }, 'concurrency', /from 1 to 1000\b/);
  await bad({ kind: 'load', requests: 0 }, 'requests', /from 1 to 1000000\b/);
  await bad({ kind: 'load', requests: 1_000_001 }, 'requests', /from 1 to 1000000\b/);
  await bad({ kind: 'load', requests: -5 }, 'requests', /integer/);
  // null is not "use the default": it is refused like any other non-number.
  await bad({ kind: 'load', requests: null }, 'requests', /null is not accepted/);
  await bad({ kind: 'stress', concurrency: null }, 'concurrency', /null is not accepted/);
  await bad({ kind: 'custom', requests: 10, method: null }, 'method', ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
  await bad({ kind: 'stress', durationSeconds: 601 }, 'durationSeconds', /from 1 to 600\b/);
  // A load test always hits "/": a path is a field it does not take.
  await bad({ kind: 'load', path: '/x' }, 'path', ['kind', 'requests', 'concurrency']);
  await bad({ kind: 'custom', requests: 10, path: 'no-slash' }, 'path', /"\/"/);
  await bad({ kind: 'custom', requests: 10, path: 'http://example.com/' }, 'path', /"\/"/);
  await bad({ kind: 'custom', requests: 10, path: '/a b' }, 'path', /no spaces/);
  await bad({ kind: 'custom', requests: 10, path: '/a\r\nx-injected: 1' }, 'path');
  await bad({ kind: 'custom', requests: 10, path: `/${'a'.repeat(2000)}` }, 'path', /2000/);
  await bad({ kind: 'custom', requests: 10, path: 42 }, 'path');
  await bad({ kind: 'custom', path: '/' }, 'requests', /durationSeconds/);
  await bad({ kind: 'custom', requests: 10, method: 'TRACE' }, 'method', ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
  await bad({ kind: 'custom', requests: 10, rate: 0 }, 'rate', /from 1 to 100000\b/);
  await bad({ kind: 'custom', requests: 10, headers: { 'bad name': 'x' } }, 'headers');
  await bad({ kind: 'custom', requests: 10, headers: { 'x-a': 'one\r\ntwo' } }, 'headers');
  await bad([], '(body)');

  const notJson = await api('POST', '/api/tests', '{"kind":');
  assert.equal(notJson.status, 400);
  assert.match(String(notJson.body['message']), /not valid JSON/);

  // None of these started a test.
  const current = await api('GET', '/api/tests/current');
  assert.equal(current.status, 200);
  assert.equal(current.body['test'], null);
  assert.equal((await api('DELETE', '/api/tests/current')).status, 404);
});

test('POST /api/tests: every bad field of one body is reported in one answer', async (t) => {
  const { api } = await setup(t);
  const res = await api('POST', '/api/tests', { kind: 'custom', concurrency: 0, method: 'TRACE', path: 'x', rate: -1, colour: 'red' });
  assert.equal(res.status, 400);
  const problems = res.body['problems'] as { field: string; message: string }[];
  assert.deepEqual(
    problems.map((p) => p.field).sort(),
    ['colour', 'concurrency', 'method', 'path', 'rate', 'requests'],
    JSON.stringify(problems),
  );
  // An unknown kind still has its shared fields checked.
  const unknownKind = await api('POST', '/api/tests', { kind: 'soak', concurrency: 'many' });
  assert.deepEqual((unknownKind.body['problems'] as { field: string }[]).map((p) => p.field), ['kind', 'concurrency']);
  assert.equal((await api('GET', '/api/tests/current')).body['test'], null);
});

test('a load test through the balancer ends with a summary that adds up and matches what the backends saw', { timeout: 60_000 }, async (t) => {
  const { backends, api, finished, lb } = await setup(t);
  const REQUESTS = 600;
  const started = await api('POST', '/api/tests', { kind: 'load', requests: REQUESTS, concurrency: 6 });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const state = started.body as unknown as TestState;
  assert.equal(state.status, 'running');
  assert.equal(state.kind, 'load');
  assert.equal(state.target, `${lb.url}/`);

  const end = await finished(30_000);
  assert.equal(end.status, 'finished', JSON.stringify(end));
  assert.equal(end.id, state.id);
  assert.ok(end.finishedAt !== null);
  assert.equal(end.progress.fraction, 1);
  const s = end.summary!;
  assert.ok(s !== null, 'a finished test has a summary');
  assert.equal(s.total, REQUESTS);
  assert.equal(s.total, s.ok + s.failed, JSON.stringify(s));
  assert.equal(s.failed, 0, JSON.stringify(s.errors));
  assert.deepEqual(s.errors, {});
  assert.deepEqual(
    { requests: end.progress.requests, ok: end.progress.ok, failed: end.progress.failed },
    { requests: s.total, ok: s.ok, failed: s.failed },
    'the final progress agrees with the summary',
  );
  assert.ok(s.requestsPerSecond > 0 && s.elapsedMs > 0, JSON.stringify(s));
  const lat = s.latencyMs;
  assert.ok(lat.p50 > 0 && lat.p50 <= lat.p99 && lat.p99 <= lat.max && lat.average <= lat.max, JSON.stringify(lat));

  // The distribution names the three backends, sums to the total, and each
  // count is what that backend itself counted (round-robin: a third each).
  assert.deepEqual(s.distribution.map((d) => d.backend).sort(), ['b1', 'b2', 'b3']);
  assert.equal(s.distribution.reduce((sum, d) => sum + d.count, 0), s.total);
  assert.ok(Math.abs(s.distribution.reduce((sum, d) => sum + d.share, 0) - 1) < 0.001);
  for (const d of s.distribution) {
    const backend = backends.find((b) => b.name === d.backend)!;
    assert.equal(d.count, backend.requestCount, `${d.backend} counted ${backend.requestCount}, the summary says ${d.count}`);
    assert.equal(d.count, REQUESTS / 3, `round-robin gives ${d.backend} a third`);
    assert.ok(Math.abs(d.share - 1 / 3) < 0.001);
  }
  // The balancer counted them too.
  assert.equal(lb.fairway.stats().totals.requests, REQUESTS);

  // GET /api/tests/current keeps the last test after it ended.
  const again = (await api('GET', '/api/tests/current')).body['test'] as TestState;
  assert.deepEqual(again.summary, s);
  assert.equal((await api('DELETE', '/api/tests/current')).status, 404, 'nothing to stop once it ended');
});

test('a second test is refused with 409 while one runs; DELETE /api/tests/current stops a stress test', { timeout: 60_000 }, async (t) => {
  const { api, finished, backends } = await setup(t);
  const started = await api('POST', '/api/tests', { kind: 'stress', durationSeconds: 120, concurrency: 4 });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const id = (started.body as unknown as TestState).id;
  // Traffic flows: the backends see it.
  await waitFor('stress traffic at the backends', () => backends.every((b) => b.requestCount > 20), 15_000, 50);

  for (const body of [{ kind: 'load', requests: 10 }, { kind: 'stress' }]) {
    const refused = await api('POST', '/api/tests', body);
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body['error'], 'test_running');
    assert.match(String(refused.body['message']), new RegExp(`test ${id} \\(stress\\)`));
  }
  const running = (await api('GET', '/api/tests/current')).body['test'] as TestState;
  assert.equal(running.id, id, 'the refused POSTs did not replace the running test');
  assert.equal(running.status, 'running');

  const stopAsked = Date.now();
  const stopped = await api('DELETE', '/api/tests/current');
  const stopMs = Date.now() - stopAsked;
  assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
  const state = stopped.body as unknown as TestState;
  assert.equal(state.id, id);
  assert.equal(state.status, 'stopped');
  assert.ok(state.finishedAt !== null);
  assert.ok(stopMs < 10_000, `stopped in ${stopMs} ms`);
  if (state.summary !== null) {
    assert.equal(state.summary.total, state.summary.ok + state.summary.failed);
    assert.equal(state.summary.failed, 0, JSON.stringify(state.summary.errors));
    assert.equal(state.summary.distribution.reduce((sum, d) => sum + d.count, 0), state.summary.ok);
  }
  t.diagnostic(`stress test stopped ${stopMs} ms after DELETE, ${state.progress.requests} requests`);

  // The traffic has really stopped: the backends' counts stay put.
  const counts = () => backends.map((b) => b.requestCount);
  const after = counts();
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(counts(), after, 'no requests after the stop');
  assert.equal((await finished(1_000)).status, 'stopped');
  assert.equal((await api('DELETE', '/api/tests/current')).status, 404);

  // Another test may start now.
  const next = await api('POST', '/api/tests', { kind: 'load', requests: 30, concurrency: 3 });
  assert.equal(next.status, 202, JSON.stringify(next.body));
  assert.equal((next.body as unknown as TestState).id, id + 1);
  const end = await finished(20_000);
  assert.equal(end.status, 'finished');
  assert.equal(end.summary!.total, 30);
});

test('with admin.token, starting, reading and stopping tests needs the bearer token', { timeout: 60_000 }, async (t) => {
  const { api } = await setup(t, (c) => {
    c.admin.token = 'tok-3n';
  });
  const auth = { authorization: 'Bearer tok-3n' };
  const body = { kind: 'load', requests: 20, concurrency: 2 };
  for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: 'tok-3n' }, { authorization: 'Basic dG9rLTNuOg==' }]) {
    const denied = await api('POST', '/api/tests', body, headers);
    assert.equal(denied.status, 401, JSON.stringify(headers));
    assert.equal(denied.headers['www-authenticate'], 'Bearer realm="fairway admin"');
    assert.equal(denied.body['error'], 'unauthorized');
  }
  assert.equal((await api('GET', '/api/tests/current')).status, 401);
  assert.equal((await api('DELETE', '/api/tests/current')).status, 401);
  // Bad input is not even looked at without the token.
  assert.equal((await api('POST', '/api/tests', { kind: 'nope' })).status, 401);
  assert.equal((await api('GET', '/api/tests/current', undefined, auth)).body['test'], null, 'the refused POSTs started nothing');

  const started = await api('POST', '/api/tests', { kind: 'stress', durationSeconds: 60, concurrency: 2 }, auth);
  assert.equal(started.status, 202, JSON.stringify(started.body));
  assert.equal((await api('DELETE', '/api/tests/current')).status, 401, 'no stopping without the token');
  assert.equal(((await api('GET', '/api/tests/current', undefined, auth)).body['test'] as TestState).status, 'running');
  const stopped = await api('DELETE', '/api/tests/current', undefined, auth);
  assert.equal(stopped.status, 200);
  assert.equal((stopped.body as unknown as TestState).status, 'stopped');

  // A load test started with the token runs to its end.
  const withToken = await api('POST', '/api/tests', body, auth);
  assert.equal(withToken.status, 202);
  const end = await waitFor<TestState | undefined>(
    'the load test to end',
    async () => {
      const current = (await api('GET', '/api/tests/current', undefined, auth)).body['test'] as TestState;
      return current.status !== 'running' ? current : undefined;
    },
    20_000,
    100,
  );
  assert.equal(end!.summary!.total, 20);
});
