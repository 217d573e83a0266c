// Plain client connections read into one buffer shared by all of them
// (src/frontend/http1/shared-read-buffer.ts). Whatever a connection keeps past
// a read (body bytes on their way to a backend, a pipelined request waiting
// its turn, a tunnel's bytes) must be its own copy: another connection's next
// read overwrites the buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { readIntoSharedBuffer, sharedReadBuffer, sharedReadsAvailable } from '../src/frontend/http1/shared-read-buffer.js';
import { poolConfig, startFairway, testConfig } from './helpers/fixtures.js';
import { rawBackend } from './helpers/raw-backend.js';
import { rawClient } from './helpers/raw-client.js';

const noChecks = { ...poolConfig([]).healthCheck, enabled: false };

/**
 * A backend answering each request with the sha256 of its body and its path.
 * `stallMs`: it stops reading for that long after every 512 KiB, so fairway's
 * writes to it back up and body chunks wait in fairway's memory.
 */
async function hashingSetup(t: { after: (fn: () => Promise<void>) => void }, stallMs = 0) {
  const backend = await rawBackend((req, res) => {
    const hash = createHash('sha256');
    let sinceStall = 0;
    req.on('data', (c: Buffer) => {
      hash.update(c);
      sinceStall += c.length;
      if (stallMs > 0 && sinceStall >= 512 * 1024) {
        sinceStall = 0;
        req.pause();
        setTimeout(() => req.resume(), stallMs);
      }
    });
    req.on('end', () => {
      const text = `${req.url} ${hash.digest('hex')}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  const lb = await startFairway(testConfig([poolConfig([backend.url], { healthCheck: noChecks })]));
  t.after(async () => {
    await lb.close();
    await backend.close();
  });
  return lb;
}

function pattern(seed: number, bytes: number): Buffer {
  const body = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) body[i] = (seed * 31 + i * 7) & 0xff;
  return body;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('accepted plain sockets read into the shared buffer on this Node, then into the buffer nextBuffer gives', async (t) => {
  // Fails loudly if a Node release renames the fields, rather than quietly losing the fast path.
  assert.equal(sharedReadsAvailable, true);
  const server = createServer();
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  t.after(() => client.destroy());
  const socket = await accepted;
  const own = Buffer.alloc(1024);
  const reads: { text: string; shared: boolean; own: boolean }[] = [];
  let wake: () => void = () => undefined;
  const started = readIntoSharedBuffer(
    socket,
    (bytes, buffer) => {
      reads.push({ text: buffer.toString('latin1', 0, bytes), shared: buffer === sharedReadBuffer, own: buffer === own });
      wake();
      return true;
    },
    // The first read's callback asks for our buffer; every later read gets it.
    () => own,
  );
  assert.equal(started, true);
  let dataEvents = 0;
  socket.on('data', () => dataEvents++);
  const nextRead = () => new Promise<void>((r) => (wake = r));
  client.write('one');
  await nextRead();
  client.write('two');
  await nextRead();
  assert.deepEqual(reads, [
    { text: 'one', shared: true, own: false },
    { text: 'two', shared: false, own: true },
  ]);
  assert.equal(dataEvents, 0, "reads come to the callback, not as 'data'");
  socket.destroy();
});

test('concurrent uploads on many connections reach the backend intact', async (t) => {
  const lb = await hashingSetup(t);
  const clients = 12;
  const bodies = Array.from({ length: clients }, (_, i) => pattern(i + 1, 200_000 + i * 1_111));
  const answers = await Promise.all(
    bodies.map(async (body, i) => {
      const c = await rawClient(lb.port);
      try {
        c.send(`POST /up/${i} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
        // In pieces, so the connections' reads interleave in the shared buffer.
        for (let at = 0; at < body.length; at += 16_384) {
          c.socket.write(body.subarray(at, at + 16_384));
          await new Promise((r) => setImmediate(r));
        }
        return await c.nextResponse(10_000);
      } finally {
        c.destroy();
      }
    }),
  );
  answers.forEach((res, i) => {
    assert.equal(res.status, 200);
    assert.equal(res.body, `/up/${i} ${sha256(bodies[i]!)}`);
  });
});

test('large uploads to a backend that reads slowly arrive intact', async (t) => {
  const lb = await hashingSetup(t, 40);
  const bodies = [pattern(7, 6 * 1024 * 1024 + 3), pattern(8, 5 * 1024 * 1024 + 17)];
  const answers = await Promise.all(
    bodies.map(async (body, i) => {
      const c = await rawClient(lb.port);
      try {
        c.send(`POST /slow/${i} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
        c.socket.write(body);
        return await c.nextResponse(20_000);
      } finally {
        c.destroy();
      }
    }),
  );
  answers.forEach((res, i) => assert.equal(res.body, `/slow/${i} ${sha256(bodies[i]!)}`));
});

test('pipelined requests waiting their turn keep their own bytes while other connections read', async (t) => {
  const lb = await hashingSetup(t);
  const clients = 8;
  const results = await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const c = await rawClient(lb.port);
      try {
        const first = pattern(100 + i, 3_000);
        const second = pattern(200 + i, 5_000);
        // Both requests in one write: the second waits, unparsed, while the first is answered.
        c.socket.write(
          Buffer.concat([
            Buffer.from(`POST /a/${i} HTTP/1.1\r\nHost: x\r\nContent-Length: ${first.length}\r\n\r\n`),
            first,
            Buffer.from(`POST /b/${i} HTTP/1.1\r\nHost: x\r\nContent-Length: ${second.length}\r\n\r\n`),
            second,
          ]),
        );
        const a = await c.nextResponse(5_000);
        const b = await c.nextResponse(5_000);
        return { i, a: a.body, b: b.body, first, second };
      } finally {
        c.destroy();
      }
    }),
  );
  for (const r of results) {
    assert.equal(r.a, `/a/${r.i} ${sha256(r.first)}`);
    assert.equal(r.b, `/b/${r.i} ${sha256(r.second)}`);
  }
});

test('a request head split across reads, with other connections reading between, is parsed whole', async (t) => {
  const lb = await hashingSetup(t);
  const [slow, busy] = await Promise.all([rawClient(lb.port), rawClient(lb.port)]);
  t.after(() => {
    slow.destroy();
    busy.destroy();
  });
  const head = `GET /split/${'p'.repeat(300)} HTTP/1.1\r\nHost: x\r\nX-Long: ${'v'.repeat(2_000)}\r\n\r\n`;
  for (let at = 0; at < head.length; at += 97) {
    slow.send(head.slice(at, at + 97));
    busy.send(`GET /busy HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal((await busy.nextResponse(3_000)).status, 200);
  }
  const res = await slow.nextResponse(3_000);
  assert.equal(res.body, `/split/${'p'.repeat(300)} ${sha256(Buffer.alloc(0))}`);
});
