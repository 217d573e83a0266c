// A large request body is read into pooled buffers that come back once the
// backend's socket has taken their bytes (src/net-io/body-buffer-pool.ts).
// A buffer given back too early would take another read while its bytes
// are still on their way: here that shows as a body whose hash the backend
// does not agree with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { poolConfig, startFairway, testClient, testConfig } from './helpers/fixtures.js';
import { rawBackend } from './helpers/raw-backend.js';
import { pattern, sha256 } from './helpers/body-pattern.js';
import { bodyBuffersGivenBack } from '../src/net-io/body-buffer-pool.js';

const noChecks = { ...poolConfig([]).healthCheck, enabled: false };


/**
 * A backend answering each request with the sha256 of its body, once it is
 * all in. `slow` pauses its reads now and then, so fairway's writes to it
 * back up and its chunks wait in memory.
 */
async function hashingSetup(t: { after: (fn: () => Promise<void>) => void }, slow: boolean) {
  const backend = await rawBackend((req, res) => {
    const hash = createHash('sha256');
    let chunks = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      if (slow && ++chunks % 8 === 0) {
        req.pause();
        setTimeout(() => req.resume(), 5);
      }
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(hash.digest('hex'));
    });
  });
  const lb = await startFairway(testConfig([poolConfig([backend.url], { healthCheck: noChecks })]));
  t.after(async () => {
    await lb.close();
    await backend.close();
  });
  return lb;
}

/** A body as a stream of uneven pieces, sent chunked (no Content-Length). */
function chunkedBody(body: Buffer): Readable {
  let at = 0;
  let piece = 0;
  return new Readable({
    read() {
      if (at >= body.length) return void this.push(null);
      const size = [90_000, 7_000, 200_000, 33_000][piece++ % 4]!;
      this.push(body.subarray(at, at + size));
      at += size;
    },
  });
}

async function uploadsArriveWhole(url: string, clients: number, rounds: number): Promise<void> {
  const client = testClient();
  try {
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let round = 0; round < rounds; round++) {
          const seed = c * 10 + round;
          const bytes = 1024 * 1024 + seed * 4099;
          const body = pattern(seed, bytes);
          const chunked = (c + round) % 2 === 1;
          const res = await request(`${url}/upload/${seed}`, { method: 'POST', dispatcher: client, body: chunked ? chunkedBody(body) : body });
          const answer = await res.body.text();
          assert.equal(res.statusCode, 200, `upload ${seed}: status`);
          assert.equal(answer, sha256(body), `upload ${seed} (${chunked ? 'chunked' : 'content-length'}, ${bytes} bytes): the backend's hash`);
        }
      }),
    );
  } finally {
    await client.close();
  }
}

test('large uploads from many clients at once reach the backend byte for byte', async (t) => {
  const lb = await hashingSetup(t, false);
  await uploadsArriveWhole(lb.url, 12, 3);
});

test('large uploads to a backend that reads slowly reach it byte for byte, in buffers given back and reused', async (t) => {
  const lb = await hashingSetup(t, true);
  const before = bodyBuffersGivenBack();
  await uploadsArriveWhole(lb.url, 6, 2);
  // Held up by the backend, the client's bytes pile up in the kernel, so fairway's reads fill pooled buffers.
  assert.ok(bodyBuffersGivenBack() > before, 'pooled read buffers were given back once their bytes were written');
});
