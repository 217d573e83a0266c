// A reload never takes the balancer down: a config that cannot be applied (a
// pool whose tls.ca file cannot be read, a backend URL of a scheme no
// transport speaks) is rejected whole by SIGHUP, --watch and POST /api/reload,
// the process keeps running on the old config, and `fairway validate` and
// start-up refuse the same config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startTestBackend, type TestBackend } from '../src/tools/test-backend.js';
import { runCli, startChildFairway, type ChildFairway } from './helpers/child-fairway.js';
import { get, poolConfig, startFairway, testClient, testConfig, waitFor } from './helpers/fixtures.js';
import type { FairwayConfig } from '../src/config/types.js';

/** A backend URL that passes no validation and that no transport can be built for. */
const UNSPOKEN_BACKEND = 'ws://127.0.0.1:18443';
const MISSING_CA = join(tmpdir(), 'fairway-reload-safety-no-such-dir', 'ca.pem');

/** A pool `web` of these backends; `ca` puts a tls.ca file in it. */
function yaml(backends: readonly { id: string; url: string }[], ca?: string): string {
  return [
    'listen: { host: 127.0.0.1, port: 0 }',
    'admin: { port: 0 }',
    'healthCheck: { interval: 200ms }',
    'pools:',
    '  - name: web',
    ...(ca === undefined ? [] : [`    tls: { ca: ${JSON.stringify(ca)} }`]),
    '    backends:',
    ...backends.map((b) => `      - { id: ${b.id}, url: ${b.url} }`),
  ].join('\n');
}

interface PoolsAnswer {
  pools: { name: string; algorithm: string; backends: { id: string; url: string }[] }[];
}

async function servedBy(lb: ChildFairway, times: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < times; i++) {
    const res = await request(`${lb.url}/`);
    await res.body.dump();
    assert.equal(res.statusCode, 200);
    seen.add(String(res.headers['x-backend']));
  }
  return seen;
}

function tempConfig(t: { after: (fn: () => void) => void }, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fairway-reload-safety-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'fairway.yaml');
  writeFileSync(file, text);
  return file;
}

test('a reloaded file whose tls.ca cannot be read is rejected by SIGHUP and POST /api/reload; the process keeps proxying to the old backends', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const file = tempConfig(t, yaml([{ id: 'a', url: backend.url }]));
  const lb = await startChildFairway(['--config', file]);
  t.after(async () => {
    await lb.stop();
    await backend.close();
  });
  const admin = `http://127.0.0.1:${lb.adminPort}`;
  assert.deepEqual([...(await servedBy(lb, 3))], ['a']);

  writeFileSync(file, yaml([{ id: 'a', url: backend.url }, { id: 'tls', url: 'https://127.0.0.1:18443' }], MISSING_CA));
  lb.child.kill('SIGHUP');
  const rejection = (await waitFor('the SIGHUP reload to be rejected', () => lb.lines.find((l) => l.includes('reload rejected'))))!;
  assert.match(rejection, /pools\[0\]\.tls\.ca: cannot read .*ca\.pem.* \(no such file\)/);
  // Give a crash every chance to happen before checking the process is alive.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(lb.child.exitCode, null, `fairway exited:\n${lb.stderr()}`);
  assert.deepEqual([...(await servedBy(lb, 3))], ['a'], 'still proxying to the old backend');

  const answer = await request(`${admin}/api/reload`, { method: 'POST' });
  assert.equal(answer.statusCode, 400);
  const body = (await answer.body.json()) as { error: string; problems: { path: string; message: string }[] };
  assert.equal(body.error, 'invalid_config');
  assert.deepEqual(body.problems.map((p) => p.path), ['pools[0].tls.ca']);
  assert.equal(body.problems[0]!.message, `cannot read ${JSON.stringify(MISSING_CA)} (no such file)`);

  const pools = (await (await request(`${admin}/api/pools`)).body.json()) as PoolsAnswer;
  assert.deepEqual(pools.pools[0]!.backends.map((b) => b.url), [backend.url], 'the running config is kept');
  assert.equal(lb.child.exitCode, null);
  assert.deepEqual([...(await servedBy(lb, 3))], ['a']);
  assert.equal(lb.stderr().includes('TypeError'), false, lb.stderr());
});

test('--watch rejects a rewritten file whose tls.ca cannot be read and keeps running', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const file = tempConfig(t, yaml([{ id: 'a', url: backend.url }]));
  const lb = await startChildFairway(['--config', file, '--watch']);
  t.after(async () => {
    await lb.stop();
    await backend.close();
  });
  writeFileSync(file, yaml([{ id: 'tls', url: 'https://127.0.0.1:18443' }], MISSING_CA));
  const rejection = (await waitFor('the watched reload to be rejected', () => lb.lines.find((l) => l.includes('reload rejected'))))!;
  assert.match(rejection, /pools\[0\]\.tls\.ca: cannot read/);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(lb.child.exitCode, null, `fairway exited:\n${lb.stderr()}`);
  assert.deepEqual([...(await servedBy(lb, 3))], ['a']);
});

test('fairway validate exits 1 on a tls.ca file that cannot be read and names its key and path', async (t) => {
  const file = tempConfig(t, yaml([{ id: 'a', url: 'http://127.0.0.1:9001' }, { id: 'tls', url: 'https://127.0.0.1:18443' }], MISSING_CA));
  const result = await runCli(['validate', file]);
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.ok((result.stdout + result.stderr).includes(`pools[0].tls.ca: cannot read ${JSON.stringify(MISSING_CA)} (no such file)`), result.stdout + result.stderr);
});

test('start-up refuses a backend of a scheme no transport speaks from --backend and from BACKEND_SERVERS', async () => {
  const fromFlag = await runCli(['--port', '0', '--admin-port', '0', '--backend', UNSPOKEN_BACKEND]);
  assert.equal(fromFlag.code, 1);
  assert.ok(fromFlag.stderr.includes(`--backend: "${UNSPOKEN_BACKEND}" is not an http(s) URL`), fromFlag.stderr);
  const fromEnv = await runCli(['--port', '0', '--admin-port', '0'], { BACKEND_SERVERS: `http://127.0.0.1:9001,${UNSPOKEN_BACKEND}` });
  assert.equal(fromEnv.code, 1);
  assert.ok(fromEnv.stderr.includes(`BACKEND_SERVERS: "${UNSPOKEN_BACKEND}" is not an http(s) URL`), fromEnv.stderr);
});

test('apply() of an unvalidated config whose pool cannot be built changes nothing and keeps serving', async (t) => {
  const backends: TestBackend[] = await Promise.all(['a', 'b'].map((name) => startTestBackend({ port: 0, name })));
  const lb = await startFairway(testConfig([poolConfig([backends[0]!.url], { name: 'web' })]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const configBefore = lb.fairway.config;
  const poolsBefore = lb.fairway.pools;
  const web = poolsBefore[0]!;
  const backendsBefore = web.backends;
  const algorithmBefore = web.balancer;

  // The kept pool would change (new algorithm, backend b added) and a new pool
  // would come, whose ws: backend cannot be built: all or nothing.
  const next: FairwayConfig = structuredClone(configBefore);
  next.pools[0]!.algorithm = 'least-connections';
  next.pools[0]!.backends.push({ id: 'b', url: backends[1]!.url, weight: 1, maxConnections: 64, backup: false, state: 'enabled' });
  next.pools.push(poolConfig([UNSPOKEN_BACKEND], { name: 'tls' }));
  next.routes = [{ pathPrefix: '/tls', pool: 'tls', middlewares: [] }, ...next.routes];
  const result = await lb.fairway.apply(next);
  assert.equal(result.ok, false);
  assert.ok(!result.ok);
  assert.deepEqual(result.errors.map((e) => e.path), ['pools[1]']);
  assert.match(result.errors[0]!.message, /only http:, https: origins are supported/);

  assert.equal(lb.fairway.config, configBefore, 'config unchanged');
  assert.equal(lb.fairway.pools, poolsBefore, 'pools unchanged');
  assert.equal(web.backends, backendsBefore, 'backends unchanged');
  assert.equal(web.balancer, algorithmBefore, 'algorithm unchanged');
  assert.equal(web.algorithm, 'round-robin');
  // Routing unchanged: /tls still goes to web (served by a), nothing reaches b.
  for (const path of ['/', '/tls', '/']) {
    const res = await get(client, `${lb.url}${path}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-backend'], 'a');
  }
  assert.equal(backends[1]!.requestCount, 0, 'b never became a backend');

  // A config that can be built still applies afterwards.
  next.pools.pop();
  next.routes = configBefore.routes;
  const ok = await lb.fairway.apply(next);
  assert.ok(ok.ok, JSON.stringify(ok));
  assert.equal(lb.fairway.pools[0]!.backends.length, 2);
});

/** A balancer with one pool `web` of one test backend, stopped after the test. */
async function servingOneBackend(t: { after: (fn: () => Promise<void>) => void }) {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const lb = await startFairway(testConfig([poolConfig([backend.url], { name: 'web' })]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  return { lb, client };
}

test('apply() of a kept pool with a backend that cannot be built leaves that pool untouched', async (t) => {
  const { lb, client } = await servingOneBackend(t);
  const before = lb.fairway.config;
  const next: FairwayConfig = structuredClone(before);
  next.pools[0]!.backends[0]!.weight = 5;
  next.pools[0]!.backends.push({ id: 'tls', url: UNSPOKEN_BACKEND, weight: 1, maxConnections: 64, backup: false, state: 'enabled' });
  const result = await lb.fairway.apply(next);
  assert.ok(!result.ok);
  assert.deepEqual(result.errors.map((e) => e.path), ['pools[0]']);
  assert.equal(lb.fairway.config, before);
  assert.equal(lb.fairway.pools[0]!.config, before.pools[0]);
  assert.deepEqual(lb.fairway.pools[0]!.backends.map((b) => [b.id, b.configWeight]), [['s1', 1]]);
  assert.equal((await get(client, `${lb.url}/`)).status, 200);
});

test('apply() of a malformed config resolves to a rejected reload instead of throwing, and keeps serving', async (t) => {
  const { lb, client } = await servingOneBackend(t);
  const before = lb.fairway.config;
  // No listen section: every pool builds, then describing the change throws.
  const broken = { ...before, listen: undefined } as unknown as FairwayConfig;
  const result = await lb.fairway.apply(broken);
  assert.ok(!result.ok);
  assert.equal(result.errors[0]!.path, '(reload)');
  assert.match(result.errors[0]!.message, /^the reload failed: /);
  assert.equal(lb.fairway.config, before);
  assert.equal((await get(client, `${lb.url}/`)).status, 200);
  // Reloads still run after it (the queue of reloads is not stuck).
  const ok = await lb.fairway.apply({ ...before, shutdownTimeoutMs: 1_000 });
  assert.ok(ok.ok);
  assert.deepEqual(ok.changes, ['shutdownTimeout changed']);
});
