// The `fairway` command: the servers.json seed format, flag/env/file
// precedence, and start-up refusing a broken config with every problem listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { startTestBackend, type TestBackend } from '../src/tools/test-backend.js';
import { runCli, startChildFairway } from './helpers/child-fairway.js';
import { freePort, get } from './helpers/fixtures.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'fairway-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('--config servers.json (a bare array of {id, host, port}) balances over those backends', async (t) => {
  const backends: TestBackend[] = await Promise.all(['a', 'b', 'c'].map((name) => startTestBackend({ port: 0, name })));
  const file = join(tempDir(t), 'servers.json');
  writeFileSync(file, JSON.stringify(backends.map((b, i) => ({ id: `server${i + 1}`, host: '127.0.0.1', port: b.port }))));
  const lb = await startChildFairway(['--config', file, '--host', '127.0.0.1', '--port', '0', '--admin-port', '0']);
  const client = new Agent();
  t.after(async () => {
    await client.close();
    await lb.stop();
    await Promise.all(backends.map((b) => b.close()));
  });
  const served = new Set<string>();
  for (let i = 0; i < 3; i++) served.add(String((await get(client, `${lb.url}/`)).headers['x-backend']));
  assert.deepEqual([...served].sort(), ['a', 'b', 'c']);
  const stats = JSON.parse((await get(client, `http://127.0.0.1:${lb.adminPort}/lb/stats`)).body) as {
    pools: { backends: { id: string }[] }[];
  };
  assert.deepEqual(stats.pools[0]!.backends.map((b) => b.id), ['server1', 'server2', 'server3']);
});

test('precedence: defaults < config file < environment < flags, FAIRWAY_ names beat bare ones', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const [filePort, envPort, prefixedPort, flagPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const file = join(tempDir(t), 'fairway.yaml');
  writeFileSync(file, `listen: { host: 127.0.0.1, port: ${filePort} }\nadmin: { port: 0 }\nbackends:\n  - ${backend.url}\n`);
  t.after(() => backend.close());

  const fromFile = await startChildFairway(['-c', file]);
  assert.equal(fromFile.port, filePort);
  await fromFile.stop();

  const fromEnv = await startChildFairway(['-c', file], { PORT: String(envPort) });
  assert.equal(fromEnv.port, envPort);
  await fromEnv.stop();

  const prefixed = await startChildFairway(['-c', file], { PORT: String(envPort), FAIRWAY_PORT: String(prefixedPort) });
  assert.equal(prefixed.port, prefixedPort);
  await prefixed.stop();

  const fromFlag = await startChildFairway(['-c', file, '--port', String(flagPort)], { PORT: String(envPort), FAIRWAY_PORT: String(prefixedPort) });
  assert.equal(fromFlag.port, flagPort);
  await fromFlag.stop();
});

test('environment alone: BACKEND_SERVERS, ALGORITHM=round_robin, HEALTH_CHECK_INTERVAL=5', async (t) => {
  const backends = await Promise.all(['a', 'b'].map((name) => startTestBackend({ port: 0, name })));
  const lb = await startChildFairway([], {
    HOST: '127.0.0.1',
    PORT: '0',
    ADMIN_PORT: '0',
    BACKEND_SERVERS: backends.map((b) => b.url).join(','),
    ALGORITHM: 'round_robin',
    HEALTH_CHECK_INTERVAL: '5',
  });
  const client = new Agent();
  t.after(async () => {
    await client.close();
    await lb.stop();
    await Promise.all(backends.map((b) => b.close()));
  });
  const served = [String((await get(client, `${lb.url}/`)).headers['x-backend']), String((await get(client, `${lb.url}/`)).headers['x-backend'])];
  assert.deepEqual(served.sort(), ['a', 'b']);
});

test('start refuses a broken config: every problem listed, exit 1, no stack trace', async (t) => {
  const file = join(tempDir(t), 'bad.yaml');
  writeFileSync(file, 'listen: { port: 99999 }\nalgorithm: fastest\nbackends:\n  - localhost:80\n');
  const result = await runCli(['--config', file]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /listen\.port/);
  assert.match(result.stderr, /algorithm/);
  assert.match(result.stderr, /round-robin/, 'the accepted algorithm names are listed');
  assert.match(result.stderr, /localhost:80/);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
});

test('start without any backend explains how to give one', async () => {
  const result = await runCli(['--port', '0', '--admin-port', '0']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /--backend/);
  assert.match(result.stderr, /BACKEND_SERVERS/);
});

test('a port already in use is one clear line, exit 1', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  t.after(() => backend.close());
  const result = await runCli(['--host', '127.0.0.1', '--port', String(backend.port), '--admin-port', '0', '--backend', backend.url]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /already in use/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});
