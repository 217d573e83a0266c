// Backend connections read into one buffer shared by all of them, except
// while a body arrives in bulk: then into a buffer of the connection's own,
// handed to the client's socket without a copy (src/upstream/http1/connection.ts,
// nextReadBuffer). A buffer handed on must never take another read, and
// bytes left in the shared one must be copied before the next read: either
// mistake shows here as an answer whose bytes are not the backend's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { poolConfig, startFairway, testClient, testConfig } from './helpers/fixtures.js';
import { scriptedServer, send, testPool } from './helpers/http1.js';
import { rawBackend } from './helpers/raw-backend.js';
import { pattern, sha256 } from './helpers/body-pattern.js';

const noChecks = { ...poolConfig([]).healthCheck, enabled: false };


/**
 * A backend answering `/BYTES/SEED/length` (Content-Length) or
 * `/BYTES/SEED/chunked` with pattern(SEED, BYTES), written in pieces of
 * 20 KiB so that reads on fairway's side come in every size. `/paced`
 * (Content-Length) writes 48 KiB and 3 KiB in turn with a pause after each
 * short piece, so that short reads land in a connection's own buffer.
 */
async function patternSetup(t: { after: (fn: () => Promise<void>) => void }) {
  const backend = await rawBackend((req, res) => {
    const [, bytes, seed, framing] = (req.url ?? '').split('/');
    const body = pattern(Number(seed), Number(bytes));
    if (framing !== 'chunked') res.setHeader('content-length', body.length);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    if (framing === 'paced') {
      void (async () => {
        let at = 0;
        for (let i = 0; at < body.length && i < 2000; i++) {
          const piece = i % 2 === 0 ? 48 * 1024 : 3 * 1024;
          res.write(body.subarray(at, at + piece));
          at += piece;
          if (i % 2 === 1) await new Promise((r) => setTimeout(r, 2));
        }
        res.end();
      })();
      return;
    }
    for (let at = 0; at < body.length; at += 20 * 1024) res.write(body.subarray(at, at + 20 * 1024));
    res.end();
  });
  const lb = await startFairway(testConfig([poolConfig([backend.url], { healthCheck: noChecks })]));
  t.after(async () => {
    await lb.close();
    await backend.close();
  });
  return lb;
}

test('body chunks a handler keeps until the answer ends stay the backend\'s bytes, answer after answer', async (t) => {
  // Each answer is written at once, so the pool's reads come back to back;
  // send() keeps every chunk and joins them only at the end.
  const sizes = [300 * 1024, 70 * 1024, 100, 1024 * 1024, 40 * 1024, 20 * 1024, 500 * 1024];
  const server = await scriptedServer(({ socket, index }) => {
    const body = pattern(index, sizes[index % sizes.length]!);
    const chunked = index % 3 === 2;
    const head = `HTTP/1.1 200 OK\r\n${chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`}\r\n\r\n`;
    socket.write(head, 'latin1');
    if (chunked) {
      for (let at = 0; at < body.length; at += 30_000) {
        const piece = body.subarray(at, at + 30_000);
        socket.write(`${piece.length.toString(16)}\r\n`, 'latin1');
        socket.write(piece);
        socket.write('\r\n', 'latin1');
      }
      socket.write('0\r\n\r\n', 'latin1');
    } else {
      socket.write(body);
    }
  });
  t.after(() => server.close());
  const pool = testPool(t, server.url);
  for (let i = 0; i < sizes.length * 2; i++) {
    const reply = await send(pool);
    assert.equal(reply.body.length, sizes[i % sizes.length], `answer ${i}: length`);
    assert.equal(sha256(reply.body), sha256(pattern(i, sizes[i % sizes.length]!)), `answer ${i}: bytes`);
  }
  assert.equal(server.connections(), 1, 'one connection served every answer');
});

const SIZES = [100, 40 * 1024, 64 * 1024, 64 * 1024 + 300, 200 * 1024, 1024 * 1024, 17];

test('large and small answers in turn on shared backend connections arrive byte for byte', async (t) => {
  const lb = await patternSetup(t);
  const client = testClient();
  t.after(() => client.close());
  // Eight clients at once, each going through every size and both framings,
  // over a pool whose connections serve one another's sizes in turn.
  await Promise.all(
    Array.from({ length: 8 }, async (_, c) => {
      for (let round = 0; round < 3; round++) {
        for (const [i, bytes] of SIZES.entries()) {
          const seed = c * 100 + round * 10 + i;
          const framing = (i + c + round) % 2 === 0 ? 'length' : 'chunked';
          const res = await request(`${lb.url}/${bytes}/${seed}/${framing}`, { dispatcher: client });
          const body = Buffer.from(await res.body.arrayBuffer());
          assert.equal(res.statusCode, 200);
          assert.equal(body.length, bytes, `/${bytes}/${seed}/${framing}: length`);
          assert.equal(sha256(body), sha256(pattern(seed, bytes)), `/${bytes}/${seed}/${framing}: bytes`);
        }
      }
    }),
  );
});

test('large answers to a client that reads slowly arrive byte for byte while other answers go on', async (t) => {
  const lb = await patternSetup(t);
  const client = testClient();
  t.after(() => client.close());
  // The slow client's answer waits in fairway's memory (backpressure) while
  // the fast clients' answers keep the backend connections reading.
  const slow = (async () => {
    const seed = 7;
    // More than the kernel's socket buffers on both sides hold, so that fairway's writes to the client back up.
    const bytes = 16 * 1024 * 1024;
    const res = await request(`${lb.url}/${bytes}/${seed}/paced`, { dispatcher: client, highWaterMark: 16 * 1024 });
    const parts: Buffer[] = [];
    let n = 0;
    for await (const chunk of res.body) {
      parts.push(chunk as Buffer);
      if (++n === 1) await new Promise((r) => setTimeout(r, 400));
    }
    const body = Buffer.concat(parts);
    assert.equal(sha256(body), sha256(pattern(seed, bytes)), 'the slow answer');
  })();
  const fast = Promise.all(
    Array.from({ length: 4 }, async (_, c) => {
      for (let i = 0; i < 12; i++) {
        const seed = 1000 + c * 50 + i;
        const bytes = SIZES[i % SIZES.length]!;
        const res = await request(`${lb.url}/${bytes}/${seed}/chunked`, { dispatcher: client });
        const body = Buffer.from(await res.body.arrayBuffer());
        assert.equal(sha256(body), sha256(pattern(seed, bytes)), `/${bytes}/${seed}`);
      }
    }),
  );
  await Promise.all([slow, fast]);
});
