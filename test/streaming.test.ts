// 200 MB streamed each way through the real fairway process: identical sha256
// at the other end and resident memory growing by less than 64 MB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { request, Agent } from 'undici';
import { startTestBackend } from '../src/tools/test-backend.js';
import { deterministicBytes, deterministicSha256 } from '../src/tools/deterministic-bytes.js';
import { startChildFairway } from './helpers/child-fairway.js';

const SIZE = 200 * 1024 * 1024;
const MAX_GROWTH_KB = 64 * 1024;

function memoryKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

test('200 MB download and upload stream through with matching sha256 and bounded memory', { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'bulk' });
  const lb = await startChildFairway(['--host', '127.0.0.1', '--port', '0', '--admin-port', '0', '--backend', backend.url]);
  const client = new Agent({ connections: 2 });
  t.after(async () => {
    await client.close();
    await lb.stop();
    await backend.close();
  });
  const pid = lb.child.pid!;
  // Warm up so start-up allocations are not counted as growth.
  for (let i = 0; i < 20; i++) await (await request(`${lb.url}/warm`, { dispatcher: client })).body.dump();
  const baseline = memoryKb(pid, 'VmRSS');

  const down = await request(`${lb.url}/bytes/${SIZE}`, { dispatcher: client, bodyTimeout: 60_000 });
  assert.equal(down.statusCode, 200);
  assert.equal(down.headers['content-length'], String(SIZE));
  const hash = createHash('sha256');
  let received = 0;
  for await (const chunk of down.body) {
    hash.update(chunk as Buffer);
    received += (chunk as Buffer).length;
  }
  assert.equal(received, SIZE);
  assert.equal(hash.digest('hex'), deterministicSha256(SIZE));

  const up = await request(`${lb.url}/upload`, {
    dispatcher: client,
    method: 'POST',
    body: Readable.from(deterministicBytes(SIZE)),
    headersTimeout: 60_000,
  });
  assert.equal(up.statusCode, 200);
  const answer = (await up.body.json()) as { bodyLength: number; bodySha256: string };
  assert.equal(answer.bodyLength, SIZE);
  assert.equal(answer.bodySha256, deterministicSha256(SIZE));

  const peak = memoryKb(pid, 'VmHWM');
  t.diagnostic(`fairway peak resident memory growth: ${Math.round((peak - baseline) / 1024)} MB`);
  assert.ok(peak - baseline < MAX_GROWTH_KB, `resident memory grew by ${Math.round((peak - baseline) / 1024)} MB`);
});
