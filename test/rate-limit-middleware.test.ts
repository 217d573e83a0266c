// The rateLimit middleware with its memory store, end to end on a real
// fairway: the burst passes and the next request gets 429 with Retry-After
// and the RateLimit fields (checked by a strict RFC 8941 parser); buckets are
// per client, per header or per combination; IPv6 clients group by prefix;
// dryRun refuses nothing but counts; a reload that keeps the middleware keeps
// its buckets, one that drops it drops them; the metrics count every result.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { loadOk, writeConfig } from './config-helpers.js';
import { echoBackend, requestFrom, type Answer } from './helpers/client-addresses.js';
import { startFairway, type RunningFairway } from './helpers/fixtures.js';
import { scrape, value, promtoolCheck } from './helpers/metrics.js';
import { parseSfList } from './helpers/structured-fields.js';
import { addressKey } from '../src/filters/request-key.js';

async function start(t: TestContext, middlewares: string, routeMiddlewares = '[limit]'): Promise<{ lb: RunningFairway; yaml: (m: string, r?: string) => string }> {
  const backend = await echoBackend('app');
  t.after(() => new Promise((resolve) => backend.server.close(resolve)));
  const yaml = (m: string, r = routeMiddlewares) => `listen: { host: 127.0.0.1, port: 0 }
admin: { port: 0 }
log: { level: silent }
trustedProxies: [127.0.0.1]
middlewares:
${m}
pools:
  - { name: app, healthCheck: { enabled: false }, backends: [${backend.url}] }
routes:
  - { pathPrefix: /, pool: app, middlewares: ${r} }
`;
  const lb = await startFairway(loadOk({ file: writeConfig(yaml(middlewares)) }));
  t.after(() => lb.close());
  return { lb, yaml };
}

const get = (lb: RunningFairway, options: { from?: string; headers?: Record<string, string>; path?: string } = {}): Promise<Answer> =>
  requestFrom('127.0.0.1', lb.port, options.path ?? '/', { localAddress: options.from, headers: options.headers });

async function statuses(lb: RunningFairway, n: number, options: Parameters<typeof get>[1] = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await get(lb, options)).status);
  return out;
}

test('the burst passes, the next request is refused 429 with Retry-After and well-formed RateLimit-Policy and RateLimit fields', async (t) => {
  const { lb } = await start(t, '  limit: { rateLimit: { average: 1, period: 10s, burst: 3 } }');
  assert.deepEqual(await statuses(lb, 3), [200, 200, 200]);
  const refused = await get(lb, { headers: { accept: 'application/json' } });
  assert.equal(refused.status, 429);
  assert.equal(JSON.parse(refused.body).error, 'rate_limited');
  // One token per 10 s: the next one is back within 10 s.
  const retryAfter = Number(refused.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 10, `Retry-After ${refused.headers['retry-after']}`);
  const policy = parseSfList(String(refused.headers['ratelimit-policy']));
  assert.equal(policy.length, 1);
  assert.equal(policy[0]!.value, 'limit', 'the policy is named by a String: the middleware name');
  assert.equal(policy[0]!.params.get('q'), 3, 'q is the burst');
  assert.equal(policy[0]!.params.get('w'), 30, 'w: an empty bucket of 3 at 1 per 10 s is full again in 30 s');
  const limit = parseSfList(String(refused.headers['ratelimit']));
  assert.equal(limit[0]!.value, 'limit');
  assert.equal(limit[0]!.params.get('r'), 0);
  assert.equal(limit[0]!.params.get('t'), retryAfter, 't (no more than r until then) is the Retry-After');
  // The parser has teeth: a token where a String belongs is not a String, a bad parameter is rejected.
  assert.deepEqual(parseSfList('limit;q=3').map((i) => i.value), [{ token: 'limit' }]);
  assert.throws(() => parseSfList('"limit";Q=3'));
  assert.throws(() => parseSfList('"limit";q=3,'));
});

test('buckets are per client address by default; a header key counts per header value, a combined key per pair', async (t) => {
  const { lb } = await start(
    t,
    `  limit: { rateLimit: { average: 1, period: 1h, burst: 2 } }
  by-key: { rateLimit: { average: 1, period: 1h, burst: 1, key: "header:X-Api-Key" } }
  by-pair: { rateLimit: { average: 1, period: 1h, burst: 1, key: [ip, "header:X-Api-Key"] } }`,
  );
  assert.deepEqual(await statuses(lb, 3, { from: '127.0.0.1' }), [200, 200, 429]);
  assert.deepEqual(await statuses(lb, 3, { from: '127.0.0.2' }), [200, 200, 429], '127.0.0.2 has a bucket of its own');

  const keyed = await start(t, `  by-key: { rateLimit: { average: 1, period: 1h, burst: 1, key: "header:X-Api-Key" } }`, '[by-key]');
  assert.deepEqual(await statuses(keyed.lb, 2, { headers: { 'x-api-key': 'one' } }), [200, 429]);
  assert.deepEqual(await statuses(keyed.lb, 2, { from: '127.0.0.2', headers: { 'x-api-key': 'one' } }), [429, 429], 'the same key from another address shares the bucket');
  assert.deepEqual(await statuses(keyed.lb, 1, { headers: { 'x-api-key': 'two' } }), [200]);

  const paired = await start(t, `  by-pair: { rateLimit: { average: 1, period: 1h, burst: 1, key: [ip, "header:X-Api-Key"] } }`, '[by-pair]');
  assert.deepEqual(await statuses(paired.lb, 2, { headers: { 'x-api-key': 'one' } }), [200, 429]);
  assert.deepEqual(await statuses(paired.lb, 1, { from: '127.0.0.2', headers: { 'x-api-key': 'one' } }), [200], 'another address with the same key is another pair');
  assert.deepEqual(await statuses(paired.lb, 1, { headers: { 'x-api-key': 'two' } }), [200]);
});

test('client keys: IPv4 whole, IPv4-mapped as IPv4, IPv6 by its prefix', () => {
  assert.equal(addressKey('192.0.2.7', 64), '192.0.2.7');
  assert.equal(addressKey('::ffff:192.0.2.7', 64), '192.0.2.7');
  assert.equal(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd', 64), '2001:db8:1:2:0:0:0:0/64');
  assert.equal(addressKey('2001:db8:1:2::1', 64), addressKey('2001:db8:1:2:ffff::9', 64), 'one /64, one key');
  assert.notEqual(addressKey('2001:db8:1:2::1', 64), addressKey('2001:db8:1:3::1', 64), 'another /64, another key');
  assert.equal(addressKey('2001:db8:1:ff::1', 56), '2001:db8:1:0:0:0:0:0/56');
  assert.equal(addressKey('2001:db8::abcd', 120), '2001:db8:0:0:0:0:0:ab00/120');
  assert.equal(addressKey('fe80::1%eth0', 64), 'fe80:0:0:0:0:0:0:0/64');
  assert.equal(addressKey('::1', 128), '0:0:0:0:0:0:0:1/128');
  assert.equal(addressKey('not-an-address', 64), 'not-an-address');
});

test('X-Forwarded-For from a trusted proxy: IPv6 clients of one /64 share a bucket, other /64s have their own', async (t) => {
  const { lb } = await start(t, '  limit: { rateLimit: { average: 1, period: 1h, burst: 2 } }');
  const via = (client: string) => ({ headers: { 'x-forwarded-for': client } });
  assert.deepEqual(await statuses(lb, 1, via('2001:db8:1:2::1')), [200]);
  assert.deepEqual(await statuses(lb, 1, via('2001:db8:1:2:ffff::2')), [200]);
  assert.deepEqual(await statuses(lb, 1, via('2001:db8:1:2:abcd::3')), [429], 'a third address of the same /64 finds the bucket empty');
  assert.deepEqual(await statuses(lb, 2, via('2001:db8:1:3::1')), [200, 200], 'the next /64 has its own');
  assert.deepEqual(await statuses(lb, 2, via('192.0.2.1')), [200, 200]);
  assert.deepEqual(await statuses(lb, 1, via('192.0.2.2')), [200], 'IPv4 clients count by their whole address');
});

test('dryRun refuses nothing, and the metrics count what it would have refused', async (t) => {
  const { lb } = await start(t, '  limit: { rateLimit: { average: 1, period: 1h, burst: 2, dryRun: true } }');
  assert.deepEqual(await statuses(lb, 5), [200, 200, 200, 200, 200]);
  const text = (await scrape(lb.adminUrl)).text;
  assert.equal(value(text, 'fairway_ratelimit_decisions_total', { middleware: 'limit', result: 'allowed' }), 2);
  assert.equal(value(text, 'fairway_ratelimit_decisions_total', { middleware: 'limit', result: 'dry_run_limited' }), 3);
  assert.equal(value(text, 'fairway_ratelimit_decisions_total', { middleware: 'limit', result: 'limited' }), 0);
});

test('a reload that keeps the rate limit keeps its buckets and counts; one that removes it drops them', async (t) => {
  const { lb, yaml } = await start(t, '  limit: { rateLimit: { average: 1, period: 1h, burst: 2 } }');
  assert.deepEqual(await statuses(lb, 3), [200, 200, 429]);
  // The same middleware, another definition beside it: the snapshot (and the filter) is rebuilt.
  const kept = await lb.fairway.apply(loadOk({ file: writeConfig(yaml('  limit: { rateLimit: { average: 1, period: 1h, burst: 2 } }\n  other: { headers: {} }')) }));
  assert.equal(kept.ok, true);
  assert.deepEqual(await statuses(lb, 1), [429], 'the bucket is still empty after the reload');
  let text = (await scrape(lb.adminUrl)).text;
  assert.equal(value(text, 'fairway_ratelimit_decisions_total', { middleware: 'limit', result: 'limited' }), 2, 'the counts went on');

  const removed = await lb.fairway.apply(loadOk({ file: writeConfig(yaml('  other: { headers: {} }', '[other]')) }));
  assert.equal(removed.ok, true);
  text = (await scrape(lb.adminUrl)).text;
  assert.equal(value(text, 'fairway_ratelimit_decisions_total', { middleware: 'limit', result: 'limited' }), undefined, 'its series went with it');
  const back = await lb.fairway.apply(loadOk({ file: writeConfig(yaml('  limit: { rateLimit: { average: 1, period: 1h, burst: 2 } }')) }));
  assert.equal(back.ok, true);
  assert.deepEqual(await statuses(lb, 3), [200, 200, 429], 'defined again, it starts with full buckets');
});

test('the rate-limit metrics: every result series from the start, and promtool accepts the exposition', async (t) => {
  const { lb } = await start(t, '  limit: { rateLimit: { average: 1, period: 1h, burst: 1 } }');
  let text = (await scrape(lb.adminUrl)).text;
  for (const result of ['allowed', 'limited', 'unavailable', 'dry_run_limited']) {
    assert.equal(value(text, 'fairway_ratelimit_decisions_total', { middleware: 'limit', result }), 0, result);
  }
  assert.equal(value(text, 'fairway_ratelimit_store_errors_total', { middleware: 'limit' }), 0);
  assert.deepEqual(await statuses(lb, 3), [200, 429, 429]);
  text = (await scrape(lb.adminUrl)).text;
  assert.equal(value(text, 'fairway_ratelimit_decisions_total', { middleware: 'limit', result: 'allowed' }), 1);
  assert.equal(value(text, 'fairway_ratelimit_decisions_total', { middleware: 'limit', result: 'limited' }), 2);
  const checked = promtoolCheck(text);
  assert.equal(checked.code, 0, checked.output);
});
