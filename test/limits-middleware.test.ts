// The `limits` middleware, end to end: a real fairway from YAML in front of a
// backend that records every request it sees and how many body bytes came.
// Over a limit, the client gets 414 / 431 / 413 / 408 (logged with the
// error kind) and nothing, or no more than the limit, reaches the backend; a
// chunked upload past maxBodyBytes is cut while it streams (the backend has
// at most the limit and the chunk that crossed it, the client cannot send the
// rest: the proxy stops reading) and the connection is closed; an upload
// under the limit passes byte for byte. HTTP/1.1 on raw sockets, HTTP/2 (h2c)
// through node:http2, whose streams the same limits hold for.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { accessLine, listenerPorts, startFromYaml } from './helpers/client-addresses.js';
import { closeSession, h2Request, openSession } from './helpers/http2-client.js';

const MIB = 1024 * 1024;

interface Seen {
  path: string;
  bytes: number;
  /** The body ended (false: the request was cut before its end). */
  complete: boolean;
}

interface RecordingBackend {
  url: string;
  seen: Seen[];
  /** Resolves once `n` requests have ended or been cut. */
  settled(n: number, timeoutMs?: number): Promise<void>;
}

/** A backend that reads each body whole and answers with its length and SHA-256; it records what it saw, cut requests included. */
async function recordingBackend(t: TestContext): Promise<RecordingBackend> {
  const seen: Seen[] = [];
  let settledCount = 0;
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const entry: Seen = { path: req.url ?? '', bytes: 0, complete: false };
    seen.push(entry);
    const hash = createHash('sha256');
    let done = false;
    const settle = () => {
      if (done) return;
      done = true;
      settledCount++;
      for (const w of waiters.splice(0)) w();
    };
    req.on('data', (c: Buffer) => {
      entry.bytes += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      entry.complete = true;
      settle();
      const body = JSON.stringify({ bytes: entry.bytes, sha256: hash.digest('hex') });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    req.on('close', settle);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const settled = async (n: number, timeoutMs = 5_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (settledCount < n) {
      if (Date.now() > deadline) throw new Error(`backend settled ${settledCount} of ${n} requests within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, settled };
}

function yaml(backendUrl: string): string {
  return `listeners:
  - { name: web, host: 127.0.0.1, port: 0, http2: { cleartext: true } }
admin: { port: 0 }
accessLog: { enabled: true, format: json }
middlewares:
  small: { limits: { maxUrlBytes: 64, maxHeaderBytes: 1KiB, maxBodyBytes: 1MiB } }
  slow: { limits: { bodyTimeout: 300ms } }
pools:
  - { name: app, healthCheck: { enabled: false }, retries: { bufferBytes: 64KiB }, backends: [${backendUrl}] }
routes:
  - { pathPrefix: /small, pool: app, middlewares: [small] }
  - { pathPrefix: /slow, pool: app, middlewares: [slow] }
  - { pathPrefix: /, pool: app }
`;
}

interface RawExchange {
  /** Everything the proxy sent. */
  received: string;
  /** The proxy closed the connection (FIN or reset) within the time allowed. */
  closed: boolean;
  /** Body bytes the client managed to write before the connection ended or the upload was done. */
  written: number;
}

/**
 * Sends `head`, then `chunks` body chunks of `chunkBytes` (chunked framing
 * unless `raw`), with backpressure, stopping when the connection ends; then
 * waits up to `waitMs` for the proxy to close it.
 */
async function upload(port: number, head: string, opts: { chunks: number; chunkBytes: number; raw?: boolean; pauseAfter?: number; waitMs?: number }): Promise<RawExchange> {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let received = '';
  let ended = false;
  const endedP = new Promise<void>((resolve) => {
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    socket.once('end', () => {
      ended = true;
      resolve();
    });
    socket.once('close', () => {
      ended = true;
      resolve();
    });
  });
  socket.write(head, 'latin1');
  const chunk = randomBytes(opts.chunkBytes);
  let written = 0;
  const deadline = Date.now() + 20_000;
  for (let i = 0; i < opts.chunks && !ended && Date.now() < deadline; i++) {
    if (opts.pauseAfter !== undefined && i === opts.pauseAfter) break;
    const framed = opts.raw === true ? chunk : Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
    const more = socket.write(framed);
    written += chunk.length;
    if (!more) {
      await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), endedP, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    }
  }
  if (!ended && opts.raw !== true && opts.pauseAfter === undefined) socket.write('0\r\n\r\n');
  const closed = await Promise.race([endedP.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), opts.waitMs ?? 5_000))]);
  socket.destroy();
  return { received, closed, written };
}

const statusOf = (text: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);

/** One request on a fresh raw connection; the whole answer once the proxy closes or `ms` pass. */
async function rawRequest(port: number, text: string, ms = 3_000): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let received = '';
  socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
  socket.write(text, 'latin1');
  const deadline = Date.now() + ms;
  // Done once a whole answer framed by Content-Length is in.
  while (Date.now() < deadline && !socket.destroyed) {
    const end = received.indexOf('\r\n\r\n');
    const length = /content-length: (\d+)/i.exec(received)?.[1];
    if (end !== -1 && length !== undefined && received.length >= end + 4 + Number(length)) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  socket.destroy();
  return received;
}

test('maxUrlBytes: a longer target gets 414 and never reaches the backend; one of exactly the limit passes', async (t) => {
  const backend = await recordingBackend(t);
  const { lb } = await startFromYaml(t, yaml(backend.url));
  const port = listenerPorts(lb)['web']!;
  const at = `/small/${'u'.repeat(64 - 7)}`;
  assert.equal(at.length, 64);
  assert.equal(statusOf(await rawRequest(port, `GET ${at} HTTP/1.1\r\nHost: a\r\nX-Request-Id: url-ok\r\n\r\n`)), 200);
  const over = await rawRequest(port, `GET ${at}x HTTP/1.1\r\nHost: a\r\nX-Request-Id: url-long\r\n\r\n`);
  assert.equal(statusOf(over), 414, over);
  assert.match(over, /url_too_long/);
  assert.equal((await accessLine(lb, 'url-long'))['errorKind'], 'url_too_long');
  assert.equal((await accessLine(lb, 'url-long'))['status'], 414);
  assert.deepEqual(
    backend.seen.map((s) => s.path),
    [at],
    'only the request within the limit reached the backend',
  );
  // The route without the middleware takes a long target.
  assert.equal(statusOf(await rawRequest(port, `GET /${'u'.repeat(2000)} HTTP/1.1\r\nHost: a\r\n\r\n`)), 200);
});

test('maxHeaderBytes: header fields whose names and values sum over the limit get 431 and never reach the backend', async (t) => {
  const backend = await recordingBackend(t);
  const { lb } = await startFromYaml(t, yaml(backend.url));
  const port = listenerPorts(lb)['web']!;
  // Host: a (5) + X-Request-Id: hdr-ok (18) + X-Pad name (5) + value = 1024 exactly.
  const fields = (id: string, pad: number) => `Host: a\r\nX-Request-Id: ${id}\r\nX-Pad: ${'p'.repeat(pad)}\r\n\r\n`;
  const pad = 1024 - 'Host'.length - 1 - 'X-Request-Id'.length - 'hdr-ok'.length - 'X-Pad'.length;
  assert.equal(statusOf(await rawRequest(port, `GET /small/h HTTP/1.1\r\n${fields('hdr-ok', pad)}`)), 200);
  const over = await rawRequest(port, `GET /small/h HTTP/1.1\r\n${fields('hdr-no', pad + 1)}`);
  assert.equal(statusOf(over), 431, over);
  assert.equal((await accessLine(lb, 'hdr-no'))['errorKind'], 'headers_too_large');
  assert.equal(backend.seen.length, 1, 'the request over the limit never reached the backend');
});

test('the 413 to an upload in progress reaches a client that reads it late: the connection is half-closed, not reset, while the client still sends', async (t) => {
  const backend = await recordingBackend(t);
  const { lb } = await startFromYaml(t, yaml(backend.url));
  const port = listenerPorts(lb)['web']!;
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let error = '';
  socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  // The client reads nothing while it sends 3.75 MiB against the 1 MiB limit, as an uploader busy writing does.
  socket.pause();
  socket.write('POST /small/up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n', 'latin1');
  const piece = Buffer.concat([Buffer.from('10000\r\n'), randomBytes(0x10000), Buffer.from('\r\n')]);
  // Still writing after the answer came: a write that meets a reset fails and takes the unread answer with it.
  for (let i = 0; i < 60 && !socket.destroyed; i++) {
    socket.write(piece);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  let received = '';
  socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
  socket.resume();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 5_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  assert.equal(statusOf(received), 413, `received ${JSON.stringify(received.slice(0, 120))}, socket error ${error || 'none'}`);
});

test('maxBodyBytes: a Content-Length over the limit gets 413 at once, before any backend, and the connection closes without the body being read', async (t) => {
  const backend = await recordingBackend(t);
  const { lb } = await startFromYaml(t, yaml(backend.url));
  const port = listenerPorts(lb)['web']!;
  // The head alone: the answer comes without the client sending a byte of the body.
  const result = await upload(port, `POST /small/up HTTP/1.1\r\nHost: a\r\nX-Request-Id: cl-big\r\nContent-Length: ${MIB + 1}\r\n\r\n`, { chunks: 0, chunkBytes: 1, raw: true });
  assert.equal(statusOf(result.received), 413, result.received);
  assert.match(result.received, /connection: close/i);
  assert.match(result.received, /body_too_large/);
  assert.ok(result.closed, 'the connection is closed after the 413');
  assert.equal((await accessLine(lb, 'cl-big'))['errorKind'], 'body_too_large');
  assert.equal(backend.seen.length, 0, 'no backend was contacted');
});

test('a chunked upload past maxBodyBytes is cut while it streams: the backend gets at most the limit and one chunk, the client 413 and a closed connection, the rest is never read', async (t) => {
  const backend = await recordingBackend(t);
  const { lb } = await startFromYaml(t, yaml(backend.url));
  const port = listenerPorts(lb)['web']!;
  const chunkBytes = 16 * 1024;
  const chunks = 4096; // 64 MiB offered: far more than socket buffers hold
  const result = await upload(port, 'POST /small/up HTTP/1.1\r\nHost: a\r\nX-Request-Id: chunked-big\r\nTransfer-Encoding: chunked\r\n\r\n', { chunks, chunkBytes });
  assert.equal(statusOf(result.received), 413, result.received.slice(0, 300));
  assert.ok(result.closed, 'the connection is closed');
  assert.ok(result.written < (chunks * chunkBytes) / 2, `the proxy stopped reading: the client wrote ${result.written} of ${chunks * chunkBytes} bytes`);
  assert.equal((await accessLine(lb, 'chunked-big'))['errorKind'], 'body_too_large');
  await backend.settled(1);
  assert.equal(backend.seen.length, 1);
  const [seen] = backend.seen;
  assert.ok(seen!.bytes <= MIB + chunkBytes, `the backend got ${seen!.bytes} bytes, at most the limit and one chunk`);
  assert.equal(seen!.complete, false, 'the upstream request was aborted, not ended as if whole');
});

test('an upload under maxBodyBytes passes byte for byte, chunked and with Content-Length, buffered and streamed', async (t) => {
  const backend = await recordingBackend(t);
  const { lb } = await startFromYaml(t, yaml(backend.url));
  const port = listenerPorts(lb)['web']!;
  for (const size of [1000, 200 * 1024, MIB]) {
    const body = randomBytes(size);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const sized = await rawRequest(port, `POST /small/up HTTP/1.1\r\nHost: a\r\nContent-Length: ${size}\r\n\r\n${body.toString('latin1')}`, 10_000);
    assert.equal(statusOf(sized), 200, sized.slice(0, 300));
    assert.deepEqual(JSON.parse(sized.slice(sized.indexOf('\r\n\r\n') + 4)), { bytes: size, sha256 });
    const pieces: string[] = [];
    for (let at = 0; at < size; at += 7000) {
      const piece = body.subarray(at, at + 7000);
      pieces.push(`${piece.length.toString(16)}\r\n${piece.toString('latin1')}\r\n`);
    }
    const chunked = await rawRequest(port, `POST /small/up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${pieces.join('')}0\r\n\r\n`, 10_000);
    assert.equal(statusOf(chunked), 200, chunked.slice(0, 300));
    assert.deepEqual(JSON.parse(chunked.slice(chunked.indexOf('\r\n\r\n') + 4)), { bytes: size, sha256 });
  }
});

test('bodyTimeout: a client that stops sending its body mid-way gets 408, the connection closes and the upstream request is aborted', async (t) => {
  const backend = await recordingBackend(t);
  const { lb } = await startFromYaml(t, yaml(backend.url));
  const port = listenerPorts(lb)['web']!;
  // 200 KiB declared, 100 KiB sent (more than retries.bufferBytes: streamed to the backend), then silence.
  const result = await upload(port, `POST /slow/up HTTP/1.1\r\nHost: a\r\nX-Request-Id: stalled\r\nContent-Length: ${200 * 1024}\r\n\r\n`, {
    chunks: 100,
    chunkBytes: 1024,
    raw: true,
    waitMs: 5_000,
  });
  assert.equal(statusOf(result.received), 408, result.received.slice(0, 300));
  assert.match(result.received, /body_timeout/);
  assert.ok(result.closed, 'the connection is closed');
  assert.equal((await accessLine(lb, 'stalled'))['errorKind'], 'body_timeout');
  await backend.settled(1);
  assert.equal(backend.seen[0]!.complete, false, 'the upstream request was aborted');

  // A body that keeps coming, if slowly, is not cut.
  const steady = connect(port, '127.0.0.1');
  t.after(() => steady.destroy());
  let answer = '';
  steady.on('data', (c: Buffer) => (answer += c.toString('latin1')));
  steady.write('POST /slow/up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n');
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 150));
    steady.write('x');
  }
  const deadline = Date.now() + 3_000;
  while (!answer.includes('"bytes":5') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(statusOf(answer), 200, answer);
});

test('HTTP/2: the same limits hold per stream: 413 for a Content-Length or a streamed body over the limit, 431, 414; the connection serves other streams', async (t) => {
  const backend = await recordingBackend(t);
  const { lb } = await startFromYaml(t, yaml(backend.url));
  const port = listenerPorts(lb)['web']!;
  const session = await openSession(`http://127.0.0.1:${port}`);
  t.after(() => closeSession(session));

  const declared = await h2Request(session, { ':method': 'POST', ':path': '/small/a', 'content-length': String(MIB + 1) }, { send: () => undefined });
  assert.equal(declared.status, 413);

  const streamed = await h2Request(
    session,
    { ':method': 'POST', ':path': '/small/b', 'x-request-id': 'h2-big' },
    {
      timeoutMs: 10_000,
      send: (stream) => {
        const piece = randomBytes(16 * 1024);
        let sent = 0;
        const pump = (): void => {
          while (sent < 8 * MIB && !stream.destroyed && !stream.closed) {
            sent += piece.length;
            if (!stream.write(piece)) {
              stream.once('drain', pump);
              return;
            }
          }
          if (!stream.destroyed && !stream.closed) stream.end();
        };
        pump();
      },
    },
  );
  assert.equal(streamed.status, 413);
  assert.equal((await accessLine(lb, 'h2-big'))['errorKind'], 'body_too_large');

  const big = await h2Request(session, { ':method': 'GET', ':path': '/small/c', 'x-pad': 'p'.repeat(2000) });
  assert.equal(big.status, 431);
  const long = await h2Request(session, { ':method': 'GET', ':path': `/small/${'u'.repeat(100)}` });
  assert.equal(long.status, 414);

  const body = randomBytes(300 * 1024);
  const ok = await h2Request(session, { ':method': 'POST', ':path': '/small/d' }, { body, timeoutMs: 10_000 });
  assert.equal(ok.status, 200, 'the connection goes on serving');
  assert.deepEqual(JSON.parse(ok.body.toString()), { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  const streamedSeen = backend.seen.find((s) => s.path === '/small/b');
  assert.ok(streamedSeen === undefined || streamedSeen.bytes <= MIB + 16 * 1024, `the backend got at most the limit and one chunk of the cut stream (${streamedSeen?.bytes})`);
  assert.equal(backend.seen.some((s) => s.path === '/small/a' || s.path === '/small/c' || s.path.length > 100), false, 'refused heads never reached the backend');
});
