// Hot reload: SIGHUP, POST /api/reload and --watch re-read the config and
// apply the difference with zero failed requests under load; an invalid
// config is rejected whole and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startTestBackend, type TestBackend } from '../src/tools/test-backend.js';
import { startChildFairway } from './helpers/child-fairway.js';
import { waitFor } from './helpers/fixtures.js';

interface Stats {
  pools: { name: string; algorithm: string; backends: { id: string; url: string; totalRequests: number; healthy: boolean }[] }[];
}

function yaml(backends: TestBackend[], algorithm = 'round-robin', extra = ''): string {
  return [
    'listen: { host: 127.0.0.1, port: 0 }',
    'admin: { port: 0 }',
    `algorithm: ${algorithm}`,
    'healthCheck: { interval: 200ms }',
    'backends:',
    ...backends.map((b) => `  - { id: ${b.name}, url: ${b.url} }`),
    extra,
  ].join('\n');
}

test('reload under continuous load: backends added and removed, algorithm changed, zero failed requests', async (t) => {
  const backends = await Promise.all(['a', 'b', 'c', 'd'].map((name) => startTestBackend({ port: 0, name })));
  const dir = mkdtempSync(join(tmpdir(), 'fairway-reload-'));
  const file = join(dir, 'fairway.yaml');
  writeFileSync(file, yaml(backends.slice(0, 2)));
  const lb = await startChildFairway(['--config', file, '--watch']);
  const client = new Agent({ connections: 200 });
  t.after(async () => {
    await client.close();
    await lb.stop();
    await Promise.all(backends.map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  const admin = `http://127.0.0.1:${lb.adminPort}`;
  const stats = async () => (await (await request(`${admin}/lb/stats`)).body.json()) as Stats;

  const failures: string[] = [];
  const servedBy = new Map<string, number>();
  let running = true;
  const worker = async () => {
    while (running) {
      try {
        const res = await request(`${lb.url}/`, { dispatcher: client });
        await res.body.dump();
        if (res.statusCode !== 200) failures.push(`HTTP ${res.statusCode}`);
        const name = String(res.headers['x-backend']);
        servedBy.set(name, (servedBy.get(name) ?? 0) + 1);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  };
  const load = Promise.all(Array.from({ length: 200 }, worker));
  const step = async (config: string, check: (s: Stats) => boolean, how: 'hup' | 'api' | 'watch') => {
    writeFileSync(`${file}.tmp`, config);
    renameSync(`${file}.tmp`, file); // as editors do: replace the file
    if (how === 'hup') lb.child.kill('SIGHUP');
    if (how === 'api') {
      const res = await request(`${admin}/api/reload`, { method: 'POST' });
      assert.equal(res.statusCode, 200, await res.body.text());
    }
    await waitFor('the reload to apply', async () => check(await stats()), 10_000, 50);
    await new Promise((r) => setTimeout(r, 300));
  };
  try {
    await new Promise((r) => setTimeout(r, 300));
    // Add c and d (SIGHUP).
    await step(yaml(backends), (s) => s.pools[0]!.backends.length === 4, 'hup');
    const keptBefore = (await stats()).pools[0]!.backends.find((b) => b.id === 'a')!.totalRequests;
    // Remove a and b, switch the algorithm (POST /api/reload).
    await step(yaml(backends.slice(2), 'least-connections'), (s) => s.pools[0]!.backends.length === 2 && s.pools[0]!.algorithm === 'least-connections', 'api');
    // Bring a back (file watch).
    await step(yaml([backends[0]!, ...backends.slice(2)], 'power-of-two'), (s) => s.pools[0]!.algorithm === 'power-of-two', 'watch');
    assert.ok(keptBefore > 0);
  } finally {
    running = false;
    await load;
  }
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests`);
  for (const name of ['a', 'b', 'c', 'd']) assert.ok((servedBy.get(name) ?? 0) > 0, `${name} served requests`);
});

test('an unchanged backend keeps its counters across a reload; an invalid config changes nothing', async (t) => {
  const backends = await Promise.all(['a', 'b'].map((name) => startTestBackend({ port: 0, name })));
  const dir = mkdtempSync(join(tmpdir(), 'fairway-reload-'));
  const file = join(dir, 'fairway.yaml');
  writeFileSync(file, yaml(backends.slice(0, 1)));
  const lb = await startChildFairway(['--config', file]);
  t.after(async () => {
    await lb.stop();
    await Promise.all(backends.map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  const admin = `http://127.0.0.1:${lb.adminPort}`;
  for (let i = 0; i < 5; i++) await (await request(`${lb.url}/`)).body.dump();

  writeFileSync(file, yaml(backends));
  const ok = await request(`${admin}/api/reload`, { method: 'POST' });
  assert.equal(ok.statusCode, 200);
  let s = (await (await request(`${admin}/lb/stats`)).body.json()) as Stats;
  assert.equal(s.pools[0]!.backends.find((b) => b.id === 'a')!.totalRequests, 5, 'kept counters');

  writeFileSync(file, yaml(backends, 'fastest', 'colour: blue'));
  const bad = await request(`${admin}/api/reload`, { method: 'POST' });
  assert.equal(bad.statusCode, 400);
  const body = (await bad.body.json()) as { problems: { path: string; message: string }[] };
  const paths = body.problems.map((p) => p.path);
  assert.ok(paths.includes('algorithm') && paths.includes('colour'), `every problem listed: ${paths.join(', ')}`);
  s = (await (await request(`${admin}/lb/stats`)).body.json()) as Stats;
  assert.equal(s.pools[0]!.algorithm, 'round-robin', 'the running config is kept');
  assert.equal(s.pools[0]!.backends.length, 2);
  assert.equal((await request(`${lb.url}/`)).statusCode, 200);
  // The child's log line may reach the pipe after its HTTP answer does.
  await waitFor('the rejection is logged', () => lb.lines.some((l) => l.includes('reload rejected')), 5_000);
});
