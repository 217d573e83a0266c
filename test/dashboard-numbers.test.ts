// The numbers the dashboard shows, as the admin listener sends them: the
// success rate unrounded (the page rounds it and the error share the same
// way, so the two add up to 100 %), and real latency percentiles in
// /lb/stats, which the read-only view polls, not only the average.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { startTestBackend } from '../src/tools/test-backend.js';
import { get, poolConfig, startFairway, testClient, testConfig, waitFor } from './helpers/fixtures.js';

interface Snapshot {
  totals: { requests: number; errors: number };
  successRate: number;
}

/** Reads /api/events until a snapshot satisfies `done`; bounded in time. */
function snapshotWhere(url: string, done: (s: Snapshot) => boolean, timeoutMs = 10_000): Promise<Snapshot> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^event: snapshot\ndata: (.+)$/m.exec(block)?.[1];
          if (data === undefined) continue;
          const snapshot = JSON.parse(data) as Snapshot;
          if (!done(snapshot)) continue;
          clearTimeout(timer);
          req.destroy();
          resolve(snapshot);
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no matching snapshot within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

test('live snapshot: 2 errors in 31 requests give the unrounded success rate 29/31, not 0.935', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'only' });
  const lb = await startFairway(testConfig([poolConfig([backend.url])]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  for (let i = 0; i < 29; i++) assert.equal((await get(client, `${lb.url}/`)).status, 200);
  for (let i = 0; i < 2; i++) assert.equal((await get(client, `${lb.url}/?status=500`)).status, 500);

  const snapshot = await snapshotWhere(`${lb.adminUrl}/api/events`, (s) => s.totals.requests === 31);
  assert.equal(snapshot.totals.errors, 2);
  assert.equal(snapshot.successRate, 1 - 2 / 31);
  // What the page shows from it, two decimals each: 6.45 % and 93.55 % (it used to say 93.50 %).
  assert.equal(((1 - snapshot.successRate) * 100).toFixed(2), '6.45');
  assert.equal((snapshot.successRate * 100).toFixed(2), '93.55');
});

test('/lb/stats: p50 and p99 latency, overall and per backend, distinct from the average', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'only' });
  const lb = await startFairway(testConfig([poolConfig([backend.url])]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  // Nine quick answers and two slow ones: the median stays quick, the mean does not.
  for (let i = 0; i < 9; i++) await get(client, `${lb.url}/`);
  await Promise.all([get(client, `${lb.url}/?delay=300`), get(client, `${lb.url}/?delay=300`)]);

  const stats = (await waitFor('stats with 11 requests', async () => {
    const s = JSON.parse((await get(client, `${lb.adminUrl}/lb/stats`)).body) as {
      totals: { requests: number };
      p50LatencyMs: number;
      p99LatencyMs: number;
      pools: { backends: { averageLatencyMs: number; p50LatencyMs: number; p99LatencyMs: number }[] }[];
    };
    return s.totals.requests === 11 ? s : undefined;
  }))!;
  const b = stats.pools[0]!.backends[0]!;
  assert.ok(b.averageLatencyMs > 40, `the average carries the slow requests (${b.averageLatencyMs} ms)`);
  assert.ok(b.p50LatencyMs > 0 && b.p50LatencyMs < 100, `backend p50 is a quick answer's time (${b.p50LatencyMs} ms)`);
  assert.ok(b.p99LatencyMs >= 250, `backend p99 is a slow answer's time (${b.p99LatencyMs} ms)`);
  assert.ok(stats.p50LatencyMs > 0 && stats.p50LatencyMs < 100, `overall p50 (${stats.p50LatencyMs} ms)`);
  assert.ok(stats.p99LatencyMs >= 250, `overall p99 (${stats.p99LatencyMs} ms)`);
});
