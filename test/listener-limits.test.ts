// A listener's `limits:` (listen.limits, listeners[i].limits), end to end on
// raw sockets: they hold for every request of the listener before routing
// (a request no route takes is refused for its head too), each listener with
// its own; the HTTP/1.1 parser's bounds widen when a limit is above them, so
// the configured one is what clients meet; a head over the defaults is
// answered 431 (a request line 414), never 400; headerTimeout cuts a slow
// head with 408. A route's limits middleware replaces the listener's body
// limits where it sets them.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { accessLine, listenerPorts, startFromYaml } from './helpers/client-addresses.js';

/** A backend that answers 200 with the body's length, counting the requests it got. */
async function countingBackend(t: TestContext): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  // Heads up to 128 KiB (node:http's own bound is 16 KiB): the proxy's limits are what is tested.
  const server = createServer({ maxHeaderSize: 128 * 1024 }, (req, res) => {
    requests++;
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      const body = String(bytes);
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

interface RawAnswer {
  status: number;
  text: string;
  /** The proxy closed the connection after answering. */
  closed: boolean;
}

/** Sends `text` on a fresh connection (in `pieces` with `gapMs` between them, if given); the answer once it is whole or the proxy closes. */
async function send(port: number, text: string, opts: { pieces?: number; gapMs?: number; waitMs?: number } = {}): Promise<RawAnswer> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let received = '';
  let closed = false;
  socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
  socket.on('close', () => (closed = true));
  const pieces = opts.pieces ?? 1;
  const size = Math.ceil(text.length / pieces);
  for (let i = 0; i < pieces && !closed; i++) {
    socket.write(text.slice(i * size, (i + 1) * size), 'latin1');
    if (opts.gapMs !== undefined && i < pieces - 1) await new Promise((r) => setTimeout(r, opts.gapMs));
  }
  const deadline = Date.now() + (opts.waitMs ?? 3_000);
  const whole = (): boolean => {
    const end = received.indexOf('\r\n\r\n');
    const length = /content-length: (\d+)/i.exec(received)?.[1];
    return end !== -1 && length !== undefined && received.length >= end + 4 + Number(length);
  };
  while (Date.now() < deadline && !closed && !whole()) await new Promise((r) => setTimeout(r, 10));
  // Give a close that follows the answer a moment to arrive.
  const closeBy = Date.now() + 500;
  while (whole() && !closed && Date.now() < closeBy) await new Promise((r) => setTimeout(r, 10));
  socket.destroy();
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0), text: received, closed };
}

const head = (target: string, fields: string, host = 'app.test') => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\n${fields}\r\n`;

test('without limits, a head over the parser default (16 KiB) gets 431 and a request line over 8 KiB 414, never 400, and the connection closes', async (t) => {
  const backend = await countingBackend(t);
  const { lb } = await startFromYaml(
    t,
    `listen: { host: 127.0.0.1, port: 0 }\nadmin: { port: 0 }\npools: [{ name: app, healthCheck: { enabled: false }, backends: [${backend.url}] }]\nroutes: [{ pathPrefix: /, pool: app }]\n`,
  );
  const port = listenerPorts(lb)['web']!;
  const big = await send(port, head('/', `X-Big: ${'b'.repeat(17_000)}\r\n`));
  assert.equal(big.status, 431, big.text);
  assert.ok(big.closed);
  const long = await send(port, head(`/${'u'.repeat(9000)}`, ''));
  assert.equal(long.status, 414, long.text);
  assert.equal((await send(port, head('/', `X-Big: ${'b'.repeat(15_000)}\r\n`))).status, 200, 'within the default');
  assert.equal(backend.requests(), 1);
});

function yaml(backendUrl: string): string {
  return `listen:
  requestHeaderTimeout: 5s
  limits: { maxHeaderBytes: 64KiB, maxUrlBytes: 16KiB, maxBodyBytes: 1KiB }
listeners:
  - { name: web, host: 127.0.0.1, port: 0 }
  - { name: tight, host: 127.0.0.1, port: 0, limits: { maxHeaderBytes: 512, maxUrlBytes: 100, headerTimeout: 300ms, bodyTimeout: 300ms } }
admin: { port: 0 }
accessLog: { enabled: true, format: json }
middlewares:
  uploads: { limits: { maxBodyBytes: 1MiB } }
  tiny: { limits: { maxBodyBytes: 10 } }
pools:
  - { name: app, healthCheck: { enabled: false }, backends: [${backendUrl}] }
routes:
  - { host: app.test, pathPrefix: /upload, pool: app, middlewares: [uploads] }
  - { host: app.test, pathPrefix: /tiny, pool: app, middlewares: [tiny] }
  - { host: app.test, pathPrefix: /, pool: app }
`;
}

test('listen.limits above the parser defaults: a 40 KiB head and a 12 KiB target pass; over the limits 431 and 414, routed or not, before any backend', async (t) => {
  const backend = await countingBackend(t);
  const { lb } = await startFromYaml(t, yaml(backend.url));
  const port = listenerPorts(lb)['web']!;
  assert.equal((await send(port, head('/', `X-Big: ${'b'.repeat(40_000)}\r\n`))).status, 200);
  assert.equal((await send(port, head(`/${'u'.repeat(12_000)}`, ''))).status, 200);
  assert.equal(backend.requests(), 2);

  const big = await send(port, head('/', `X-Request-Id: l-big\r\nX-Big: ${'b'.repeat(64 * 1024)}\r\n`));
  assert.equal(big.status, 431, big.text.slice(0, 200));
  assert.equal((await accessLine(lb, 'l-big'))['errorKind'], 'headers_too_large');
  const long = await send(port, head(`/${'u'.repeat(16 * 1024)}`, 'X-Request-Id: l-long\r\n'));
  assert.equal(long.status, 414, long.text.slice(0, 200));
  assert.equal((await accessLine(lb, 'l-long'))['errorKind'], 'url_too_long');
  // No route takes this host (404 otherwise): the listener's limits hold before routing.
  const unrouted = await send(port, head('/', `X-Big: ${'b'.repeat(64 * 1024)}\r\n`, 'other.test'));
  assert.equal(unrouted.status, 431);
  assert.equal((await send(port, head('/', '', 'other.test'))).status, 404);
  assert.equal(backend.requests(), 2, 'nothing over a limit reached the backend');
});

test('listeners[i].limits: each listener has its own, over listen.limits key by key; headerTimeout cuts a slow head with 408 on that listener only', async (t) => {
  const backend = await countingBackend(t);
  const { lb } = await startFromYaml(t, yaml(backend.url));
  const ports = listenerPorts(lb);
  const fields = `X-Pad: ${'p'.repeat(600)}\r\n`;
  assert.equal((await send(ports['tight']!, head('/', fields))).status, 431);
  assert.equal((await send(ports['web']!, head('/', fields))).status, 200);
  assert.equal((await send(ports['tight']!, head(`/${'u'.repeat(100)}`, ''))).status, 414);
  // maxBodyBytes comes from listen.limits on both.
  const post = (body: string) => `POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  assert.equal((await send(ports['tight']!, post('x'.repeat(1025)))).status, 413);
  assert.equal((await send(ports['web']!, post('x'.repeat(1025)))).status, 413);

  // A head trickling in over about 1 s: cut at 300 ms on tight, served on web (5 s).
  const slow = head('/', 'X-Slow: 1\r\n');
  const cut = await send(ports['tight']!, slow, { pieces: 10, gapMs: 100 });
  assert.equal(cut.status, 408, cut.text);
  assert.ok(cut.closed);
  assert.equal((await send(ports['web']!, slow, { pieces: 10, gapMs: 100 })).status, 200);

  // bodyTimeout from tight's own limits: a body that stops.
  const stalled = await send(ports['tight']!, 'POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 100\r\n\r\nabc', { waitMs: 3_000 });
  assert.equal(stalled.status, 408, stalled.text);
  assert.ok(stalled.closed);
});

test("a route's limits middleware replaces the listener's body limit where it sets one, looser or stricter; other routes keep the listener's", async (t) => {
  const backend = await countingBackend(t);
  const { lb } = await startFromYaml(t, yaml(backend.url));
  const port = listenerPorts(lb)['web']!;
  const post = (path: string, size: number) => `POST ${path} HTTP/1.1\r\nHost: app.test\r\nContent-Length: ${size}\r\n\r\n${'x'.repeat(size)}`;
  const looser = await send(port, post('/upload', 100 * 1024), { waitMs: 5_000 });
  assert.equal(looser.status, 200, looser.text.slice(0, 200));
  assert.match(looser.text, /\r\n\r\n102400$/);
  assert.equal((await send(port, post('/', 2048))).status, 413, "the listener's 1 KiB");
  assert.equal((await send(port, post('/tiny', 11))).status, 413, "the route's stricter 10 bytes");
  assert.equal((await send(port, post('/tiny', 10))).status, 200);
});
