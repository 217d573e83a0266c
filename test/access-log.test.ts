// The access log: JSON and combined lines with every field, sampling, flush on
// close, and reopening the file on SIGUSR1 through the real CLI (logrotate).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { echoLength, rawBackend } from './helpers/raw-backend.js';
import { rawClient } from './helpers/raw-client.js';
import { runCli, startChildFairway } from './helpers/child-fairway.js';
import { freePort, get, poolConfig, silentLogger, startFairway, testClient, testConfig, waitFor } from './helpers/fixtures.js';
import type { AccessLogConfig, PoolConfig } from '../src/config/types.js';
import { AccessLog, escapeLogValue, formatJson, timeLocal } from '../src/observability/access-log.js';
import { FairwayEvents, type RequestRecord } from '../src/observability/events.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'fairway-access-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const readLines = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];

function quietPool(urls: string[]): PoolConfig {
  const pool = poolConfig(urls);
  pool.healthCheck = { ...pool.healthCheck, enabled: false };
  pool.outlierDetection = { ...pool.outlierDetection, enabled: false };
  return pool;
}

async function logged(
  t: { after: (fn: () => Promise<void> | void) => void },
  accessLog: Partial<AccessLogConfig>,
  urls: string[],
) {
  const path = join(tempDir(t), 'access.log');
  const lb = await startFairway(
    testConfig([quietPool(urls)], { accessLog: { enabled: true, format: 'json', sample: 1, path, ...accessLog } }),
  );
  const client = testClient();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await client.close();
    await lb.close();
  };
  t.after(close);
  return { lb, client, path, close };
}

const record = (over: Partial<RequestRecord> = {}): RequestRecord => ({
  time: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
  requestId: 'r1',
  clientAddress: '10.0.0.1',
  method: 'GET',
  host: 'example.com',
  path: '/a?b=c',
  status: 200,
  bytesIn: 0,
  bytesOut: 12,
  durationMs: 1.23456,
  upstreamDurationMs: 1.1,
  pool: 'web',
  backend: 's1',
  attempts: 1,
  errorKind: '',
  referer: '',
  userAgent: 'curl/8',
  httpVersion: '1.1',
  protocol: 'http/1.1',
  ...over,
});

test('json lines carry every field of the request, flushed when the balancer closes', async (t) => {
  const backend = await rawBackend(echoLength('a'));
  t.after(() => backend.close());
  const { lb, client, path, close } = await logged(t, {}, [backend.url]);
  const ok = await get(client, `${lb.url}/items/7?x=1`, { 'user-agent': 'test-agent/1', referer: 'http://ref.example/' });
  const posted = await request(`${lb.url}/upload`, { dispatcher: client, method: 'POST', body: 'x'.repeat(300) });
  const postedBody = await posted.body.text();
  await close();
  const lines = readLines(path).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  const [first, second] = lines as [Record<string, unknown>, Record<string, unknown>];
  assert.deepEqual(Object.keys(first), [
    'time',
    'requestId',
    'clientAddress',
    'protocol',
    'method',
    'host',
    'path',
    'status',
    'bytesIn',
    'bytesOut',
    'durationMs',
    'upstreamDurationMs',
    'pool',
    'backend',
    'attempts',
    'errorKind',
    'referer',
    'userAgent',
  ]);
  assert.match(String(first.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(first.requestId, ok.headers['x-request-id']);
  assert.match(String(first.clientAddress), /127\.0\.0\.1$/);
  assert.equal(first.method, 'GET');
  assert.equal(first.host, `127.0.0.1:${lb.port}`);
  assert.equal(first.path, '/items/7?x=1');
  assert.equal(first.status, 200);
  assert.equal(first.bytesIn, 0);
  assert.equal(first.bytesOut, Buffer.byteLength(ok.body));
  assert.ok(typeof first.durationMs === 'number' && first.durationMs > 0);
  assert.ok(typeof first.upstreamDurationMs === 'number' && first.upstreamDurationMs > 0);
  assert.ok((first.upstreamDurationMs as number) <= (first.durationMs as number));
  assert.equal(first.pool, 'default');
  assert.equal(first.backend, 's1');
  assert.equal(first.attempts, 1);
  assert.equal(first.errorKind, null);
  assert.equal(first.referer, 'http://ref.example/');
  assert.equal(first.userAgent, 'test-agent/1');
  assert.equal(second.method, 'POST');
  assert.equal(second.bytesIn, 300);
  assert.equal(second.bytesOut, Buffer.byteLength(postedBody));
});

test('a failed request logs its error kind, status and attempts', async (t) => {
  const closedPort = await freePort();
  const { lb, client, path, close } = await logged(t, {}, [`http://127.0.0.1:${closedPort}`]);
  assert.equal((await get(client, `${lb.url}/`)).status, 502);
  await close();
  const [line] = readLines(path).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(line?.status, 502);
  assert.equal(line?.errorKind, 'connect_refused');
  assert.equal(line?.backend, 's1');
  assert.equal(line?.attempts, 3, 'the first try and two retries (connect failures are always retried)');
  assert.equal(line?.userAgent, null);
});

// $remote_addr - - [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
const COMBINED =
  /^(\S+) - - \[(\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] "([A-Z]+) (\S+) HTTP\/(1\.[01])" (\d{3}) (\d+) "([^"]*)" "([^"]*)"$/;

test('combined lines follow the Apache/NGINX combined format', async (t) => {
  const backend = await rawBackend(echoLength('a'));
  t.after(() => backend.close());
  const { lb, client, path, close } = await logged(t, { format: 'combined' }, [backend.url]);
  const res = await get(client, `${lb.url}/page?q=1`, { 'user-agent': 'Mozilla/5.0 "quoted"', referer: 'http://r.example/x' });
  await get(client, `${lb.url}/plain`);
  await close();
  const [first, second] = readLines(path);
  const m = COMBINED.exec(first ?? '');
  assert.ok(m, `combined line: ${first}`);
  assert.match(m[1]!, /127\.0\.0\.1$/);
  assert.equal(m[3], 'GET');
  assert.equal(m[4], '/page?q=1');
  assert.equal(m[5], '1.1');
  assert.equal(m[6], '200');
  assert.equal(Number(m[7]), Buffer.byteLength(res.body));
  assert.equal(m[8], 'http://r.example/x');
  assert.equal(m[9], 'Mozilla/5.0 \\x22quoted\\x22', 'quotes are escaped as NGINX does');
  const plain = COMBINED.exec(second ?? '');
  assert.ok(plain, `combined line: ${second}`);
  assert.equal(plain[8], '-', 'no referer');
  assert.equal(plain[9], '-', 'no user agent');
});

test('sample 0 writes nothing and does not even listen for requests', async (t) => {
  const backend = await rawBackend(echoLength('a'));
  t.after(() => backend.close());
  const { lb, client, path, close } = await logged(t, { sample: 0 }, [backend.url]);
  const listeners = lb.fairway.events.listenerCount('request');
  for (let i = 0; i < 20; i++) await get(client, `${lb.url}/`);
  await close();
  assert.equal(readLines(path).length, 0);
  assert.equal(existsSync(path), false, 'the file is not even created');
  // Nothing builds whole records: the metrics take the plain 'served' event.
  assert.equal(listeners, 0);
});

test('enabled: false writes nothing', async (t) => {
  const backend = await rawBackend(echoLength('a'));
  t.after(() => backend.close());
  const { lb, client, path, close } = await logged(t, { enabled: false }, [backend.url]);
  await get(client, `${lb.url}/`);
  await close();
  assert.equal(existsSync(path), false);
});

test('sample 0.5 logs the requests whose draw falls below it', async (t) => {
  const path = join(tempDir(t), 'sampled.log');
  const events = new FairwayEvents();
  let n = 0;
  const draws = [0.1, 0.9, 0.49, 0.5, 0.0, 0.99];
  const log = new AccessLog({ enabled: true, format: 'json', sample: 0.5, path }, events, silentLogger, {
    random: () => draws[n++ % draws.length]!,
  });
  for (let i = 0; i < 6; i++) events.emit('request', record({ requestId: `r${i}` }));
  await log.close();
  assert.deepEqual(
    readLines(path).map((l) => (JSON.parse(l) as { requestId: string }).requestId),
    ['r0', 'r2', 'r4'],
  );
});

test('formatting: JSON nulls, rounding, local time and escaping', () => {
  const json = JSON.parse(formatJson(record({ backend: '', errorKind: 'no_healthy_backend' }))) as Record<string, unknown>;
  assert.equal(json.time, '2024-01-02T03:04:05.678Z');
  assert.equal(json.durationMs, 1.235);
  assert.equal(json.backend, null);
  assert.equal(json.errorKind, 'no_healthy_backend');
  assert.equal(json.referer, null);
  // Hand-built JSON stays valid JSON whatever the values hold.
  const odd = record({ path: '/a"b\\c\u0001é\u2028', userAgent: 'x\ty', host: '', requestId: 'q"' });
  const parsed = JSON.parse(formatJson(odd)) as Record<string, unknown>;
  assert.equal(parsed.path, odd.path);
  assert.equal(parsed.userAgent, odd.userAgent);
  assert.equal(parsed.host, '');
  assert.equal(parsed.requestId, 'q"');
  assert.equal(JSON.parse(formatJson(record({ time: Date.UTC(2024, 0, 2, 3, 4, 5, 7) }))).time, '2024-01-02T03:04:05.007Z');
  assert.match(timeLocal(Date.UTC(2024, 0, 2, 3, 4, 5)), /^\d\d\/Jan\/2024:\d\d:\d\d:05 [+-]\d{4}$/);
  assert.equal(escapeLogValue('plain /path?x=1'), 'plain /path?x=1');
  assert.equal(escapeLogValue('a"b\\c\td\u00e9'), 'a\\x22b\\x5Cc\\x09d\\xE9');
});

test('an access log file that cannot be opened stops start-up with a clear message', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'fairway.yaml');
  const logPath = join(dir, 'missing-dir', 'access.log');
  writeFileSync(
    file,
    `listen: { host: 127.0.0.1, port: 0 }\nadmin: { port: 0 }\nbackends: [http://127.0.0.1:1]\naccessLog: { enabled: true, path: ${logPath} }\n`,
  );
  const run = await runCli(['-c', file]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, new RegExp(`cannot open the access log file "${logPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" \\(ENOENT`));
});

test('SIGUSR1 reopens the file: after logrotate renames it, new lines land in a new file', async (t) => {
  const backend = await rawBackend(echoLength('a'));
  const dir = tempDir(t);
  const path = join(dir, 'access.log');
  const file = join(dir, 'fairway.yaml');
  writeFileSync(
    file,
    [
      'listen: { host: 127.0.0.1, port: 0 }',
      'admin: { port: 0 }',
      `backends: [${backend.url}]`,
      'healthCheck: { enabled: false }',
      `accessLog: { enabled: true, path: ${path} }`,
      '',
    ].join('\n'),
  );
  const lb = await startChildFairway(['-c', file]);
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.stop();
    await backend.close();
  });
  const requestId = async (p: string) => String((await get(client, `${lb.url}${p}`)).headers['x-request-id']);

  const before = await requestId('/before');
  renameSync(path, `${path}.1`);
  lb.child.kill('SIGUSR1');
  await waitFor('the reopen log line', () => lb.lines.some((l) => l.includes('access log reopened')), 5_000);
  const after = await requestId('/after');
  await waitFor('the new file with the new line', () => readLines(path).length === 1, 5_000);

  const ids = (f: string) => readLines(f).map((l) => (JSON.parse(l) as { requestId: string }).requestId);
  // The line buffered before the signal was written to the renamed file first.
  assert.deepEqual(ids(`${path}.1`), [before]);
  assert.deepEqual(ids(path), [after]);
  assert.equal(lb.stderr(), '', 'SIGUSR1 does not start the inspector');

  // Lines still buffered at shutdown are written out.
  const last = await requestId('/last');
  assert.equal(await lb.stop(), 0);
  assert.deepEqual(ids(path), [after, last]);
});

test('without a path, access lines go to stdout beside the JSON logs', async (t) => {
  const backend = await rawBackend(echoLength('a'));
  const dir = tempDir(t);
  const file = join(dir, 'fairway.yaml');
  writeFileSync(
    file,
    `listen: { host: 127.0.0.1, port: 0 }\nadmin: { port: 0 }\nbackends: [${backend.url}]\nhealthCheck: { enabled: false }\naccessLog: { enabled: true, format: combined }\n`,
  );
  const lb = await startChildFairway(['-c', file]);
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.stop();
    await backend.close();
  });
  await get(client, `${lb.url}/to-stdout`);
  await waitFor('the access line on stdout', () => lb.lines.some((l) => COMBINED.test(l) && l.includes('/to-stdout')), 5_000);
});

test('a reload applies a changed accessLog section; an unopenable new file rejects the reload and keeps the old log', async (t) => {
  const backend = await rawBackend(echoLength('a'));
  t.after(() => backend.close());
  const { lb, client, path } = await logged(t, { format: 'json' }, [backend.url]);
  await get(client, `${lb.url}/one`);
  const combinedPath = join(tempDir(t), 'combined.log');

  const next = structuredClone(lb.fairway.config);
  next.accessLog = { ...next.accessLog, format: 'combined', path: combinedPath };
  const applied = await lb.fairway.apply(next);
  assert.equal(applied.ok, true);
  await get(client, `${lb.url}/two`);

  const broken = structuredClone(lb.fairway.config);
  broken.accessLog = { ...broken.accessLog, path: join(tempDir(t), 'missing-dir', 'x.log') };
  broken.pools[0]!.algorithm = 'least-connections';
  const rejected = await lb.fairway.apply(broken);
  assert.equal(rejected.ok, false);
  assert.equal(lb.fairway.pools[0]!.balancer.name, 'round-robin', 'nothing else changed either');
  await get(client, `${lb.url}/three`);

  await waitFor('the json line in the first file', () => readLines(path).length === 1, 5_000);
  assert.equal((JSON.parse(readLines(path)[0]!) as { path: string }).path, '/one');
  await waitFor('two combined lines in the new file', () => readLines(combinedPath).length === 2, 5_000);
  assert.match(readLines(combinedPath)[0]!, /"GET \/two HTTP\/1\.1" 200 /);
  assert.match(readLines(combinedPath)[1]!, /"GET \/three HTTP\/1\.1" 200 /);
});

test('requests answered before a backend is chosen (404, 400, 501) are logged and counted like any other', async (t) => {
  const backend = await rawBackend((_req, res) => res.end('ok'));
  t.after(() => backend.close());
  const path = join(tempDir(t), 'access.log');
  const pool = quietPool([backend.url]);
  const lb = await startFairway(
    testConfig([pool], {
      routes: [{ host: 'app.test', pathPrefix: '/', pool: pool.name, middlewares: [] }],
      accessLog: { enabled: true, format: 'json', sample: 1, path },
    }),
  );
  t.after(() => lb.close());
  const raw = await rawClient(lb.port);
  t.after(() => raw.destroy());
  raw.send('GET /nowhere HTTP/1.1\r\nHost: other.test\r\nUser-Agent: probe/1\r\n\r\n');
  assert.equal((await raw.nextResponse()).status, 404);
  raw.send('GET ftp://app.test/x HTTP/1.1\r\nHost: app.test\r\n\r\n');
  assert.equal((await raw.nextResponse()).status, 400);
  // Tunnels carry no request body: one that has a body cannot be tunnelled.
  raw.send('POST /chat HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 2\r\n\r\nhi');
  assert.equal((await raw.nextResponse()).status, 501);

  const metrics = await (await fetch(`${lb.adminUrl}/metrics`)).text();
  await lb.close();
  const lines = readLines(path).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    lines.map((l) => [l['status'], l['errorKind'], l['pool'], l['host']]),
    [
      [404, 'no_route', '', 'other.test'],
      [400, 'bad_target', '', 'app.test'],
      [501, 'upgrade_unsupported', pool.name, 'app.test'],
    ],
  );
  assert.equal(lines[0]!['userAgent'], 'probe/1');
  assert.match(metrics, /fairway_requests_total\{pool="",backend="",method="GET",code="404",protocol="http\/1.1"\} 1/);
  assert.match(metrics, new RegExp(`fairway_requests_total\\{pool="${pool.name}",backend="",method="POST",code="501",protocol="http/1.1"\\} 1`));
});
