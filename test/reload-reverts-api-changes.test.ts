// A reload goes back to the file: the algorithm, hash key, weights and states
// set through the admin API are reverted, and the reload's answer names every
// change it made (none when nothing differs). Pool descriptions show the
// algorithm and hash key in force, not the file's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startTestBackend, type TestBackend } from '../src/tools/test-backend.js';
import type { PoolDescription } from '../src/admin/describe.js';
import { startChildFairway } from './helpers/child-fairway.js';
import { waitFor } from './helpers/fixtures.js';

function yaml(backends: TestBackend[]): string {
  return [
    'listen: { host: 127.0.0.1, port: 0 }',
    'admin: { port: 0 }',
    'healthCheck: { interval: 200ms }',
    'pools:',
    '  - name: web',
    '    algorithm: round-robin',
    '    backends:',
    ...backends.map((b) => `      - { id: ${b.name}, url: ${b.url} }`),
  ].join('\n');
}

test('a reload reverts the algorithm, hash key, weight and state set through the API and lists each change', async (t) => {
  const backends = await Promise.all(['a', 'b', 'c'].map((name) => startTestBackend({ port: 0, name })));
  const dir = mkdtempSync(join(tmpdir(), 'fairway-revert-'));
  const file = join(dir, 'fairway.yaml');
  writeFileSync(file, yaml(backends.slice(0, 2)));
  const lb = await startChildFairway(['--config', file]);
  t.after(async () => {
    await lb.stop();
    await Promise.all(backends.map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  const admin = `http://127.0.0.1:${lb.adminPort}`;
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown) => {
    const res = await request(`${admin}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  };
  const pool = async () => (await call('GET', '/api/pools/web')).body as unknown as PoolDescription;

  const switched = await call('PUT', '/api/pools/web/algorithm', { algorithm: 'consistent-hash', hashKey: 'header:x-user' });
  assert.equal(switched.status, 200);
  assert.equal(switched.body['algorithm'], 'consistent-hash');
  assert.equal(switched.body['hashKey'], 'header:x-user', 'the answer shows the hash key in force');
  assert.equal((await pool()).hashKey, 'header:x-user', 'GET shows the hash key in force');
  // It is in force: one user always lands on the same backend.
  const picks = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const res = await request(`${lb.url}/`, { headers: { 'x-user': 'alice' } });
    await res.body.dump();
    picks.add(String(res.headers['x-backend']));
  }
  assert.equal(picks.size, 1);
  assert.equal((await call('PATCH', '/api/pools/web/backends/a', { weight: 3 })).status, 200);
  assert.equal((await call('PATCH', '/api/pools/web/backends/b', { state: 'draining' })).status, 200);

  const reverted = await call('POST', '/api/reload');
  assert.equal(reverted.status, 200);
  assert.deepEqual(reverted.body['changes'], [
    'pool web: algorithm reverted consistent-hash → round-robin',
    'pool web: hashKey reverted header:x-user → none',
    'pool web: backend a weight reverted 3 → 1',
    'pool web: backend b state reverted draining → enabled',
  ]);
  const after = await pool();
  assert.equal(after.algorithm, 'round-robin');
  assert.equal(after.hashKey, null);
  assert.deepEqual(after.backends.map((b) => [b.id, b.weight, b.state]), [['a', 1, 'enabled'], ['b', 1, 'enabled']]);

  // Nothing differs any more: the list says so.
  const again = await call('POST', '/api/reload');
  assert.equal(again.status, 200);
  assert.deepEqual(again.body['changes'], []);

  // A file edit and an API-added backend: both named.
  assert.equal((await call('POST', '/api/pools/web/backends', { id: 'c', url: backends[2]!.url })).status, 201);
  writeFileSync(file, yaml([backends[0]!, backends[2]!]));
  const edited = await call('POST', '/api/reload');
  assert.equal(edited.status, 200);
  assert.deepEqual(edited.body['changes'], [`pool web: backend b (${backends[1]!.url}) removed`]);
  writeFileSync(file, yaml([backends[0]!]));
  const removed = await call('POST', '/api/reload');
  assert.deepEqual(removed.body['changes'], [`pool web: backend c (${backends[2]!.url}) removed`]);
  writeFileSync(file, yaml([backends[0]!, backends[1]!]));
  const added = await call('POST', '/api/reload');
  assert.deepEqual(added.body['changes'], [`pool web: backend b (${backends[1]!.url}) added`]);
  // The child's log line may reach the pipe after its HTTP answer does.
  await waitFor('the changes are logged', () => lb.lines.some((l) => l.includes('configuration reloaded') && l.includes('algorithm reverted')), 5_000);
});
