// GET /metrics after known traffic: request counts per backend and code, the
// duration histogram, up and in-flight gauges, ejections, retries, upstream
// errors and health checks; bounded label values; promtool accepts the output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { echoLength, rawBackend, type RawBackend } from './helpers/raw-backend.js';
import { get, poolConfig, startFairway, testClient, testConfig, waitFor, type RunningFairway } from './helpers/fixtures.js';
import { promtoolCheck, samples, scrape, seriesCount, seriesKeys, sum, value } from './helpers/metrics.js';
import type { PoolConfig } from '../src/config/types.js';
import { DURATION_BUCKETS, normalizeMethod } from '../src/observability/metrics.js';

/** A backend answering 200 with its name; `?status=N` answers N; /health answers `health.status`. */
async function namedBackend(name: string, health = { status: 200 }): Promise<RawBackend> {
  return rawBackend((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/health') {
      res.writeHead(health.status);
      res.end();
      return;
    }
    res.writeHead(Number(url.searchParams.get('status') ?? 200), { 'x-backend': name });
    res.end(name);
  });
}

function quietPool(urls: string[], overrides: Partial<PoolConfig> = {}): PoolConfig {
  const pool = poolConfig(urls, overrides);
  if (overrides.healthCheck === undefined) pool.healthCheck = { ...pool.healthCheck, enabled: false };
  if (overrides.outlierDetection === undefined) pool.outlierDetection = { ...pool.outlierDetection, enabled: false };
  return pool;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }, backends: RawBackend[], pool: PoolConfig) {
  const lb = await startFairway(testConfig([pool]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  return { lb, client };
}

const metricsOf = async (lb: RunningFairway) => (await scrape(lb.adminUrl)).text;

test('GET /metrics answers in the Prometheus text format with fairway_ names and process metrics', async (t) => {
  const a = await namedBackend('a');
  const { lb } = await setup(t, [a], quietPool([a.url]));
  const res = await scrape(lb.adminUrl);
  assert.equal(res.status, 200);
  assert.match(res.contentType, /^text\/plain; version=0\.0\.4/);
  for (const name of [
    'fairway_requests_total',
    'fairway_request_duration_seconds',
    'fairway_backend_up',
    'fairway_backend_in_flight',
    'fairway_backend_ejections_total',
    'fairway_upstream_errors_total',
    'fairway_retries_total',
    'fairway_health_checks_total',
    'fairway_queue_length',
    'fairway_process_cpu_seconds_total',
    'fairway_process_resident_memory_bytes',
    'fairway_nodejs_eventloop_lag_seconds',
    'fairway_nodejs_heap_size_used_bytes',
  ]) {
    assert.match(res.text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exposed`);
  }
  assert.doesNotMatch(res.text, /^# TYPE (?!fairway_)/m, 'every metric has the fairway_ prefix');
  // Gauges read at scrape time: one backend, up, nothing in flight, nothing queued.
  assert.equal(value(res.text, 'fairway_backend_up', { pool: 'default', backend: 's1' }), 1);
  assert.equal(value(res.text, 'fairway_backend_in_flight', { backend: 's1' }), 0);
  assert.equal(value(res.text, 'fairway_queue_length', { pool: 'default' }), 0);
  assert.equal(value(res.text, 'fairway_backend_ejections_total', { backend: 's1' }), 0);
});

test('requests_total counts per backend, method and code; the histogram counts every request', async (t) => {
  const a = await namedBackend('a');
  const b = await namedBackend('b');
  const { lb, client } = await setup(t, [a, b], quietPool([a.url, b.url]));
  for (let i = 0; i < 10; i++) assert.equal((await get(client, `${lb.url}/page`)).status, 200);
  for (let i = 0; i < 4; i++) assert.equal((await get(client, `${lb.url}/missing?status=404`)).status, 404);
  for (let i = 0; i < 2; i++) assert.equal((await get(client, `${lb.url}/`, {}, 'HEAD')).status, 200);
  const text = await metricsOf(lb);
  for (const backend of ['s1', 's2']) {
    assert.equal(value(text, 'fairway_requests_total', { backend, method: 'GET', code: '200' }), 5);
    assert.equal(value(text, 'fairway_requests_total', { backend, method: 'GET', code: '404' }), 2);
    assert.equal(value(text, 'fairway_requests_total', { backend, method: 'HEAD', code: '200' }), 1);
    assert.equal(value(text, 'fairway_request_duration_seconds_count', { pool: 'default', backend }), 8);
    assert.equal(value(text, 'fairway_request_duration_seconds_bucket', { backend, le: '+Inf' }), 8);
    const total = value(text, 'fairway_request_duration_seconds_sum', { backend })!;
    assert.ok(total > 0 && total < 8 * 5, `plausible duration sum ${total}`);
  }
  // Buckets from 0.5 ms to 10 s, cumulative.
  const les = samples(text)
    .filter((s) => s.name === 'fairway_request_duration_seconds_bucket' && s.labels.backend === 's1')
    .map((s) => s.labels.le);
  assert.deepEqual(les, [...DURATION_BUCKETS.map(String), '+Inf']);
  assert.equal(sum(text, 'fairway_upstream_errors_total'), 0);
  // Counted without a whole request record per request: nothing listens for one.
  assert.equal(lb.fairway.events.listenerCount('request'), 0);
});

test('backend_in_flight shows requests a backend is working on at scrape time', async (t) => {
  const releases: (() => void)[] = [];
  const slow = await rawBackend((req, res) => {
    req.resume();
    releases.push(() => res.end('done'));
  });
  const { lb, client } = await setup(t, [slow], quietPool([slow.url]));
  const pending = [get(client, `${lb.url}/a`), get(client, `${lb.url}/b`)];
  await waitFor('both requests at the backend', () => releases.length === 2);
  assert.equal(value(await metricsOf(lb), 'fairway_backend_in_flight', { backend: 's1' }), 2);
  for (const release of releases) release();
  await Promise.all(pending);
  const text = await metricsOf(lb);
  assert.equal(value(text, 'fairway_backend_in_flight', { backend: 's1' }), 0);
  assert.equal(value(text, 'fairway_requests_total', { backend: 's1', code: '200' }), 2);
});

test('a retried reset counts in retries_total and upstream_errors_total of the backend that failed', async (t) => {
  const bad = await rawBackend((req) => {
    req.resume();
    req.on('end', () => req.socket.destroy());
  });
  const good = await rawBackend(echoLength('good'));
  const { lb, client } = await setup(t, [bad, good], quietPool([bad.url, good.url]));
  for (let i = 0; i < 4; i++) assert.equal((await get(client, `${lb.url}/`)).status, 200);
  const text = await metricsOf(lb);
  const retried = bad.requests();
  assert.ok(retried >= 1);
  assert.equal(value(text, 'fairway_retries_total', { pool: 'default', reason: 'upstream_reset' }), retried);
  assert.equal(value(text, 'fairway_upstream_errors_total', { backend: 's1', reason: 'upstream_reset' }), retried);
  // The answer came from the good backend, so that is where the requests count.
  assert.equal(value(text, 'fairway_requests_total', { backend: 's2', code: '200' }), 4);
  assert.equal(value(text, 'fairway_requests_total', { backend: 's1' }), undefined);
});

test('a final gateway failure counts as an upstream error and a 502 request', async (t) => {
  const bad = await rawBackend((req) => req.socket.destroy());
  const { lb, client } = await setup(t, [bad], quietPool([bad.url], { retries: { ...poolConfig([]).retries, attempts: 1 } }));
  assert.equal((await get(client, `${lb.url}/`)).status, 502);
  const text = await metricsOf(lb);
  assert.equal(value(text, 'fairway_upstream_errors_total', { backend: 's1', reason: 'upstream_reset' }), 1);
  assert.equal(value(text, 'fairway_requests_total', { backend: 's1', code: '502' }), 1);
  assert.equal(sum(text, 'fairway_retries_total'), 0);
});

test('an ejection counts in backend_ejections_total and takes the backend down in backend_up', async (t) => {
  const failing = await rawBackend((req, res) => {
    req.resume();
    res.writeHead(500);
    res.end();
  });
  const good = await namedBackend('good');
  const pool = quietPool([failing.url, good.url], {
    outlierDetection: { ...poolConfig([]).outlierDetection, consecutive5xx: 2, baseEjectionTimeMs: 60_000 },
  });
  pool.healthCheck = { ...pool.healthCheck, enabled: false };
  const { lb, client } = await setup(t, [failing, good], pool);
  // Round robin: s1 gets requests 1 and 3, both 500; the second ejects it.
  for (let i = 0; i < 4; i++) await get(client, `${lb.url}/`);
  const text = await metricsOf(lb);
  assert.equal(value(text, 'fairway_backend_ejections_total', { pool: 'default', backend: 's1' }), 1);
  assert.equal(value(text, 'fairway_backend_ejections_total', { backend: 's2' }), 0);
  assert.equal(value(text, 'fairway_backend_up', { backend: 's1' }), 0);
  assert.equal(value(text, 'fairway_backend_up', { backend: 's2' }), 1);
});

test('health checks count by result, and a failing backend shows as down', async (t) => {
  const health = { status: 200 };
  const a = await namedBackend('a', health);
  const pool = quietPool([a.url], { healthCheck: { ...poolConfig([]).healthCheck, intervalMs: 50, unhealthyThreshold: 2 } });
  const { lb } = await setup(t, [a], pool);
  const passed = await waitFor('two passed checks', async () => {
    const text = await metricsOf(lb);
    return (value(text, 'fairway_health_checks_total', { backend: 's1', result: 'success' }) ?? 0) >= 2 ? text : '';
  });
  assert.equal(value(passed, 'fairway_backend_up', { backend: 's1' }), 1);
  health.status = 503;
  const failed = await waitFor('the backend marked down', async () => {
    const text = await metricsOf(lb);
    return value(text, 'fairway_backend_up', { backend: 's1' }) === 0 ? text : '';
  });
  assert.ok(value(failed, 'fairway_health_checks_total', { pool: 'default', backend: 's1', result: 'failure' })! >= 2);
});

test('label values stay bounded: many paths, hosts and odd methods add no series', async (t) => {
  const a = await namedBackend('a');
  const { lb, client } = await setup(t, [a], quietPool([a.url]));
  const send = (path: string, method = 'GET', host?: string) =>
    request(`${lb.url}${path}`, { dispatcher: client, method, headers: host === undefined ? {} : { host } }).then((r) => r.body.text());
  await send('/warm-up');
  await send('/warm-up', 'PROPFIND');
  const before = await metricsOf(lb);
  const series = new Set(seriesKeys(before));
  for (let i = 0; i < 200; i++) await send(`/user/${i}/item-${i * 7}?q=${i}`, i % 2 === 0 ? 'GET' : 'MKCOL', `h${i}.example`);
  const after = await metricsOf(lb);
  assert.deepEqual(seriesKeys(after).filter((k) => !series.has(k)), [], 'no new series');
  assert.doesNotMatch(after, /user\/|item-|h\d+\.example|127\.0\.0\.1/, 'no path, host or client address in labels');
  assert.equal(value(after, 'fairway_requests_total', { method: 'GET', code: '200' }), 101);
  assert.equal(value(after, 'fairway_requests_total', { method: 'OTHER', code: '200' }), 101);
  assert.equal(normalizeMethod('get'), 'OTHER');
  assert.equal(normalizeMethod('PATCH'), 'PATCH');
});

test('balancers side by side keep separate metrics', async (t) => {
  const a = await namedBackend('a');
  const first = await setup(t, [a], quietPool([a.url]));
  const second = await setup(t, [], quietPool([a.url]));
  for (let i = 0; i < 3; i++) await get(first.client, `${first.lb.url}/`);
  await get(second.client, `${second.lb.url}/`);
  assert.equal(value(await metricsOf(first.lb), 'fairway_requests_total', { code: '200' }), 3);
  assert.equal(value(await metricsOf(second.lb), 'fairway_requests_total', { code: '200' }), 1);
});

test('promtool check metrics accepts the exposition after traffic with an error and a retry', async (t) => {
  // Healthy by its checks, but resets every proxied request.
  const resetting = await rawBackend((req, res) => {
    req.resume();
    if (req.url === '/health') res.end();
    else req.on('end', () => req.socket.destroy());
  });
  const good = await namedBackend('good');
  const health = { status: 200 };
  const flaky = await namedBackend('flaky', health);
  const pool = poolConfig([resetting.url, good.url, flaky.url]);
  pool.healthCheck = { ...pool.healthCheck, path: '/health', intervalMs: 50 };
  pool.outlierDetection = { ...pool.outlierDetection, consecutive5xx: 2 };
  const { lb, client } = await setup(t, [resetting, good, flaky], pool);
  for (let i = 0; i < 6; i++) await get(client, `${lb.url}/x/${i}`);
  for (let i = 0; i < 6; i++) await get(client, `${lb.url}/?status=500`);
  await request(`${lb.url}/`, { dispatcher: client, method: 'DELETE' }).then((r) => r.body.text());
  health.status = 503;
  const text = await waitFor('health checks, a retry, an error and an upstream error in the metrics', async () => {
    const current = await metricsOf(lb);
    const complete =
      sum(current, 'fairway_retries_total') > 0 &&
      sum(current, 'fairway_upstream_errors_total') > 0 &&
      sum(current, 'fairway_requests_total', { code: '500' }) > 0 &&
      sum(current, 'fairway_health_checks_total', { result: 'failure' }) > 0;
    return complete ? current : '';
  });
  const result = promtoolCheck(text);
  assert.equal(result.code, 0, `promtool check metrics found problems:\n${result.output}`);
  assert.equal(result.output.trim(), '', 'promtool printed nothing');
  // The check has teeth: a gauge named like a counter is refused.
  const bad = promtoolCheck('# HELP fairway_things_total Things.\n# TYPE fairway_things_total gauge\nfairway_things_total 1\n');
  assert.notEqual(bad.code, 0);
  assert.match(bad.output, /_total/);
});

test('changes made through the admin API show in the next scrape: state, weight, algorithm, added backends', async (t) => {
  const a = await namedBackend('a');
  const b = await namedBackend('b');
  const extra = await namedBackend('extra');
  const { lb, client } = await setup(t, [a, b, extra], quietPool([a.url, b.url]));
  const api = async (method: 'POST' | 'PUT' | 'PATCH', path: string, body: unknown) => {
    const res = await request(`${lb.adminUrl}${path}`, {
      dispatcher: client,
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.body.dump();
    return res.statusCode;
  };
  let text = await metricsOf(lb);
  assert.equal(value(text, 'fairway_backend_state', { backend: 's1', state: 'enabled' }), 1);
  assert.equal(value(text, 'fairway_backend_weight', { backend: 's1' }), 1);
  assert.equal(value(text, 'fairway_pool_info', { pool: 'default', algorithm: 'round-robin' }), 1);

  assert.equal(await api('PATCH', '/api/pools/default/backends/s1', { state: 'draining', weight: 3 }), 200);
  assert.equal(await api('PUT', '/api/pools/default/algorithm', { algorithm: 'least-connections' }), 200);
  assert.equal(await api('POST', '/api/pools/default/backends', { id: 'extra', url: extra.url }), 201);
  text = await metricsOf(lb);
  assert.equal(value(text, 'fairway_backend_state', { backend: 's1', state: 'draining' }), 1);
  assert.equal(value(text, 'fairway_backend_state', { backend: 's1', state: 'enabled' }), 0);
  assert.equal(value(text, 'fairway_backend_weight', { backend: 's1' }), 3);
  assert.equal(value(text, 'fairway_pool_info', { pool: 'default', algorithm: 'least-connections' }), 1);
  assert.equal(seriesCount(text, 'fairway_pool_info'), 1);
  assert.equal(value(text, 'fairway_backend_up', { backend: 'extra' }), 1);
  const check = promtoolCheck(text);
  assert.equal(check.code, 0, check.output);
});
