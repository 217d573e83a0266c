// GET /api/events: a snapshot every second, a health event on transitions,
// sampled request events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { startTestBackend } from '../src/tools/test-backend.js';
import { get, poolConfig, startFairway, testClient, testConfig, waitFor } from './helpers/fixtures.js';

interface Frame {
  event: string;
  data: Record<string, unknown>;
}

function openStream(url: string): Promise<{ frames: Frame[]; close(): void; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const frames: Frame[] = [];
    const req = httpRequest(url, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data) frames.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      });
      resolve({ frames, res, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

test('events: snapshots every second, health transitions, sampled requests', async (t) => {
  const backends = await Promise.all(['a', 'b'].map((name) => startTestBackend({ port: 0, name })));
  const lb = await startFairway(testConfig([poolConfig(backends.map((b) => b.url))]));
  const client = testClient();
  const stream = await openStream(`${lb.adminUrl}/api/events`);
  t.after(async () => {
    stream.close();
    await client.close();
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  assert.equal(stream.res.headers['content-type'], 'text/event-stream; charset=utf-8');
  await waitFor('first snapshot', () => stream.frames.some((f) => f.event === 'snapshot'));
  for (let i = 0; i < 10; i++) await get(client, `${lb.url}/page`);
  backends[0]!.setHealthy(false);
  await waitFor('health event', () => stream.frames.some((f) => f.event === 'health'), 5_000);
  await waitFor('request events', () => stream.frames.some((f) => f.event === 'request'), 5_000);
  await waitFor('two snapshots', () => stream.frames.filter((f) => f.event === 'snapshot').length >= 3, 5_000);

  const health = stream.frames.find((f) => f.event === 'health')!.data;
  assert.equal(health['backend'], 's1');
  assert.equal(health['healthy'], false);
  assert.match(String(health['reason']), /HTTP 503/);

  const req = stream.frames.find((f) => f.event === 'request')!.data;
  for (const key of ['time', 'method', 'path', 'status', 'backend', 'durationMs']) assert.ok(key in req, `request event has ${key}`);
  assert.equal(req['path'], '/page');

  const snap = stream.frames.filter((f) => f.event === 'snapshot').at(-1)!.data;
  for (const key of ['totals', 'requestsPerSecond', 'latencyMs', 'errorRate', 'pools']) assert.ok(key in snap, `snapshot has ${key}`);
  const backend = ((snap['pools'] as Record<string, unknown>[])[0]!['backends'] as Record<string, unknown>[])[0]!;
  for (const key of ['id', 'state', 'health', 'inFlight', 'requestsPerSecond', 'latencyMs', 'errorRate']) assert.ok(key in backend, `backend has ${key}`);
  assert.equal((snap['totals'] as { requests: number }).requests, 10);
});

test('a consumer that stops reading is dropped instead of buffering without bound', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const lb = await startFairway(testConfig([poolConfig([backend.url])]));
  t.after(async () => {
    await lb.close();
    await backend.close();
  });
  const stream = await openStream(`${lb.adminUrl}/api/events`);
  stream.res.pause(); // never reads again
  t.after(() => stream.close());
  // The proxy keeps answering normally meanwhile.
  const client = testClient();
  for (let i = 0; i < 20; i++) assert.equal((await get(client, `${lb.url}/`)).status, 200);
  await client.close();
});
