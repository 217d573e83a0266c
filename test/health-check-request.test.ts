// What a health check sends and accepts: configured headers (a Host for
// name-based virtual hosts), the method, an expected body text read only up to
// a bound, and readable reasons when the backend's name does not resolve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { Agent } from 'undici';
import { HEALTH_BODY_LIMIT_BYTES } from '../src/health/active-checker.js';
import { startChildFairway } from './helpers/child-fairway.js';
import { backendStats, get, poolConfig, startFairway, testConfig, waitFor } from './helpers/fixtures.js';
import { endlessBodyBackend, rawBackend } from './helpers/raw-backend.js';
import { loadOk, writeConfig } from './config-helpers.js';

interface SeenRequest {
  method: string;
  url: string;
  /** Every Host header line as received, in order; more than one would be a bug. */
  hostLines: string[];
}

function record(seen: SeenRequest[], req: IncomingMessage): void {
  const hostLines: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === 'host') hostLines.push(req.rawHeaders[i + 1]!);
  }
  seen.push({ method: req.method ?? '', url: req.url ?? '', hostLines });
}

/** Like nginx with `server_name api.internal`: any other Host gets 421. */
async function virtualHostBackend() {
  const seen: SeenRequest[] = [];
  const backend = await rawBackend((req, res) => {
    record(seen, req);
    const known = req.headers.host === 'api.internal';
    res.writeHead(known ? 200 : 421, { 'content-type': 'text/plain' });
    res.end(known ? 'ok' : 'no such virtual host');
  });
  return { ...backend, seen };
}

interface StatsBackend {
  id: string;
  healthy: boolean;
  lastHealthReason: string;
}

async function adminBackend(client: Agent, adminPort: number | undefined, id: string): Promise<StatsBackend> {
  const stats = JSON.parse((await get(client, `http://127.0.0.1:${adminPort}/lb/stats`)).body) as {
    pools: { backends: StatsBackend[] }[];
  };
  const backend = stats.pools[0]!.backends.find((b) => b.id === id);
  if (backend === undefined) throw new Error(`no backend ${id} in /lb/stats`);
  return backend;
}

test('healthCheck.headers Host replaces the Host sent, so a name-based virtual host is marked up only with it', async (t) => {
  const backend = await virtualHostBackend();
  const yaml = (healthCheck: string): string =>
    writeConfig(`listen: { host: 127.0.0.1, port: 0 }
admin: { port: 0 }
log: { level: warn }
healthCheck: { interval: 100ms, healthyThreshold: 1, unhealthyThreshold: 1, ${healthCheck} }
backends:
  - { id: vhost, url: ${backend.url} }
`);
  // One waits for proof with the header; the other starts healthy without it.
  const withHost = await startChildFairway(['-c', yaml('initialState: unhealthy, headers: { Host: api.internal, X-Probe: fairway }')]);
  const withoutHost = await startChildFairway(['-c', yaml('initialState: healthy')]);
  const client = new Agent();
  t.after(async () => {
    await client.close();
    await withHost.stop();
    await withoutHost.stop();
    await backend.close();
  });

  await waitFor('vhost up with Host: api.internal', async () => (await adminBackend(client, withHost.adminPort, 'vhost')).healthy);
  await waitFor('vhost down without the header', async () => !(await adminBackend(client, withoutHost.adminPort, 'vhost')).healthy);
  assert.match((await adminBackend(client, withoutHost.adminPort, 'vhost')).lastHealthReason, /HTTP 421/);
  assert.equal((await adminBackend(client, withHost.adminPort, 'vhost')).healthy, true);

  // On the wire: each check carries exactly one Host line, never undici's host:port next to ours.
  const checks = backend.seen.filter((r) => r.url === '/health');
  const configured = checks.filter((r) => r.hostLines.includes('api.internal'));
  assert.ok(configured.length >= 1, 'the backend received checks with Host: api.internal');
  for (const r of checks) assert.equal(r.hostLines.length, 1, `one Host line per check, got ${JSON.stringify(r.hostLines)}`);
  const port = new URL(backend.url).port;
  assert.ok(checks.some((r) => r.hostLines[0] === `127.0.0.1:${port}`), 'without the setting, the Host is the backend host:port');
});

test('healthCheck.method HEAD reaches the backend as HEAD and passes on a 200', async (t) => {
  const seen: SeenRequest[] = [];
  const backend = await rawBackend((req, res) => {
    record(seen, req);
    // Only HEAD is healthy here, so a GET check would mark the backend down.
    res.writeHead(req.method === 'HEAD' ? 200 : 405, { 'content-length': '2' });
    res.end(req.method === 'HEAD' ? undefined : 'no');
  });
  const file = writeConfig(`healthCheck: { method: head, interval: 50ms, initialState: unhealthy, healthyThreshold: 2 }
backends: [${backend.url}]
`);
  const config = loadOk({ file });
  config.listen = { ...config.listen, host: '127.0.0.1', port: 0 };
  config.admin = { ...config.admin, port: 0 };
  config.log = { ...config.log, level: 'silent' };
  const lb = await startFairway(config);
  t.after(async () => {
    await lb.close();
    await backend.close();
  });
  const id = config.pools[0]!.backends[0]!.id;
  await waitFor('backend up via HEAD checks', () => backendStats(lb, id).healthy);
  const checks = seen.filter((r) => r.url === '/health');
  assert.ok(checks.length >= 2);
  assert.deepEqual([...new Set(checks.map((r) => r.method))], ['HEAD']);
});

test('healthCheck.expectBody: a 200 whose body lacks the text marks the backend down, saying so', async (t) => {
  let body = 'status: starting';
  const backend = await rawBackend((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(body);
  });
  const pool = poolConfig([backend.url]);
  pool.healthCheck = { ...pool.healthCheck, expectBody: 'ok', intervalMs: 50, unhealthyThreshold: 2, healthyThreshold: 1 };
  const lb = await startFairway(testConfig([pool]));
  t.after(async () => {
    await lb.close();
    await backend.close();
  });

  await waitFor('marked down for the body', () => !backendStats(lb, 's1').healthy);
  assert.match(backendStats(lb, 's1').lastHealthReason, /2 checks failed \(HTTP 200 but body lacks "ok"\)/);
  body = 'status: ok';
  await waitFor('up once the body holds the text', () => backendStats(lb, 's1').healthy);
  assert.match(backendStats(lb, 's1').lastHealthReason, /1 checks passed \(HTTP 200\)/);
});

test('healthCheck.expectBody reads at most the body limit: an endless body fails at once, not by timeout', async (t) => {
  const backend = await endlessBodyBackend(200);
  const pool = poolConfig([backend.url]);
  pool.healthCheck = { ...pool.healthCheck, expectBody: 'ok', intervalMs: 200, timeoutMs: 10_000, unhealthyThreshold: 1 };
  const lb = await startFairway(testConfig([pool]));
  t.after(async () => {
    await lb.close();
    await backend.close();
  });

  // Reading to the end or to the 10 s timeout would take far longer than this wait.
  await waitFor('marked down for the body', () => !backendStats(lb, 's1').healthy, 5_000);
  assert.match(backendStats(lb, 's1').lastHealthReason, /HTTP 200 but body lacks "ok"/);
  await waitFor('the check closed its response', () => backend.closedAfter.length > 0, 5_000);
  // Socket buffers hold some chunks beyond the limit, but nowhere near the whole body.
  const limitChunks = HEALTH_BODY_LIMIT_BYTES / (16 * 1024);
  assert.ok(backend.closedAfter[0]! < 1000, `the check hung up after ${backend.closedAfter[0]} chunks (limit ${limitChunks})`);
});

test('an unresolvable backend host is reported as "cannot resolve HOST", not ENOTFOUND', async (t) => {
  const pool = poolConfig(['http://no-such-host.invalid:80']);
  pool.healthCheck = { ...pool.healthCheck, intervalMs: 100, unhealthyThreshold: 1 };
  const lb = await startFairway(testConfig([pool]));
  t.after(() => lb.close());

  await waitFor('marked down', () => !backendStats(lb, 's1').healthy);
  const reason = backendStats(lb, 's1').lastHealthReason;
  assert.match(reason, /\(cannot resolve no-such-host\.invalid( \(temporary DNS failure\))?\)$/);
  assert.doesNotMatch(reason, /ENOTFOUND|EAI_AGAIN/);
});
