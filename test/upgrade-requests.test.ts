// Upgrade requests (WebSocket and others) are tunnelled: the backend gets
// Connection: upgrade and Upgrade (and no other hop-by-hop header), its 101
// goes back to the client and bytes flow both ways; any other answer is
// relayed and the connection closed after it. An h2c upgrade is declined
// and the request proxied as plain HTTP/1.1 on a connection that goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createFairway } from '../src/index.js';
import { poolConfig, silentLogger, testConfig } from './helpers/fixtures.js';
import { rawClient } from './helpers/raw-client.js';

const websocketHandshake = (path: string, extra = '') =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;

interface Seen {
  url: string;
  upgraded: boolean;
  headers: IncomingMessage['headers'];
}

/**
 * A backend that switches to a byte echo for Upgrade requests (after
 * "ready\n"), answers 404 to Upgrade requests for /refuse, answers /half
 * only once the client's end arrived, and 'plain answer' to ordinary requests.
 */
async function backend(t: { after: (fn: () => Promise<void> | void) => void }) {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', upgraded: false, headers: req.headers });
    res.end('plain answer');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    // Ends of the tunnel are passed on one direction at a time: keep writing after the client's.
    socket.allowHalfOpen = true;
    seen.push({ url: req.url ?? '', upgraded: true, headers: req.headers });
    sockets.add(socket);
    socket.on('error', () => undefined);
    if (req.url === '/refuse') {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\nx-from: backend\r\n\r\nno socket');
      return;
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\nready\n');
    if (req.url === '/half') {
      let received = '';
      socket.on('data', (c: Buffer) => (received += c.toString()));
      socket.on('end', () => socket.end(`received: ${received}`));
      return;
    }
    socket.pipe(socket);
  });
  server.on('connection', (s: Socket) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** A URL where nothing listens. */
async function refusingUrl(): Promise<string> {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((r) => closed.close(() => r()));
  return url;
}

/** fairway in front of the test's backend, or of `urls` (`'backend'` stands for it); no retries unless asked. */
async function setup(t: { after: (fn: () => Promise<void> | void) => void }, urls?: string[], attempts = 1) {
  const b = await backend(t);
  const pool = poolConfig((urls ?? ['backend']).map((u) => (u === 'backend' ? b.url : u)));
  pool.healthCheck = { ...pool.healthCheck, enabled: false };
  pool.outlierDetection = { ...pool.outlierDetection, enabled: false };
  pool.retries = { ...pool.retries, attempts };
  const balancer = createFairway(testConfig([pool]), { logger: silentLogger });
  const { proxy } = await balancer.listen();
  t.after(() => balancer.close(1_000));
  return { port: proxy.port, seen: b.seen, balancer };
}

/** Connects, sends `text`, and reads the answer's head; `rest` holds the bytes after it. */
async function switchRequest(port: number, text: string) {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let data = Buffer.alloc(0);
  const more: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    data = Buffer.concat([data, chunk]);
    for (const wake of more.splice(0)) wake();
  });
  socket.write(text);
  const until = async (what: string, check: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(data.toString('latin1'))}`);
      await new Promise<void>((resolve) => {
        more.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  await until('the answer head', () => data.includes('\r\n\r\n'));
  const headEnd = data.indexOf('\r\n\r\n');
  const lines = data.subarray(0, headEnd).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
  const start = headEnd + 4;
  return {
    socket,
    statusLine: lines[0]!,
    headers,
    /** Header lines named `name` (lower case), to catch a field sent twice. */
    count: (name: string) => lines.slice(1).filter((line) => line.slice(0, line.indexOf(':')).toLowerCase() === name).length,
    /** Waits until the bytes after the head include `text`, and returns them all. */
    async after(text: string): Promise<string> {
      await until(JSON.stringify(text), () => data.subarray(start).includes(text));
      return data.subarray(start).toString('latin1');
    },
  };
}

test('a WebSocket handshake is tunnelled: the backend gets Connection: upgrade and Upgrade only, its 101 comes back naming the switch once, bytes flow both ways', async (t) => {
  const { port, seen } = await setup(t);
  const tunnel = await switchRequest(port, websocketHandshake('/chat/room', 'Connection: X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\n'));
  t.after(() => tunnel.socket.destroy());
  assert.equal(tunnel.statusLine, 'HTTP/1.1 101 Switching Protocols');
  assert.equal(tunnel.headers['connection'], 'upgrade');
  assert.equal(tunnel.headers['upgrade'], 'websocket');
  assert.deepEqual([tunnel.count('connection'), tunnel.count('upgrade')], [1, 1], 'the 101 names the switch once');
  assert.equal(tunnel.headers['sec-websocket-accept'], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'end-to-end headers of the 101 pass');
  assert.match(tunnel.headers['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(await tunnel.after('ready\n'), 'ready\n', 'bytes the backend sent with its 101 arrive');
  tunnel.socket.write('one, two\n');
  assert.equal(await tunnel.after('two\n'), 'ready\none, two\n', 'client bytes reach the backend and come back');

  assert.equal(seen.length, 1);
  const { url, upgraded, headers } = seen[0]!;
  assert.equal(url, '/chat/room');
  assert.equal(upgraded, true);
  assert.equal(headers.connection, 'upgrade');
  assert.equal(headers.upgrade, 'websocket');
  assert.equal(headers['sec-websocket-key'], 'dGhlIHNhbXBsZSBub25jZQ==');
  assert.equal(headers['sec-websocket-version'], '13');
  assert.equal(headers['x-hop'], undefined, 'a header the client named in Connection is not forwarded');
  assert.equal(headers['keep-alive'], undefined);
  assert.equal(headers['x-forwarded-for'], '127.0.0.1');
});

test("a tunnel passes a half-close on: the backend hears the client's end and can still answer, then its end comes back", async (t) => {
  const { port } = await setup(t);
  const tunnel = await switchRequest(port, websocketHandshake('/half'));
  t.after(() => tunnel.socket.destroy());
  assert.equal(tunnel.statusLine, 'HTTP/1.1 101 Switching Protocols');
  tunnel.socket.write('last words');
  tunnel.socket.end();
  assert.equal(await tunnel.after('received:'), 'ready\nreceived: last words');
  const ended = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 3_000);
    tunnel.socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    if (tunnel.socket.destroyed) resolve(true);
  });
  assert.equal(ended, true, "the backend's end closes the tunnel");
});

test('a non-101 answer to an Upgrade request reaches the client as it is, and the connection is closed after it', async (t) => {
  const { port, seen } = await setup(t);
  const client = await rawClient(port);
  t.after(() => client.destroy());
  client.send(websocketHandshake('/refuse'));
  const res = await client.nextResponse();
  assert.equal(res.status, 404);
  assert.equal(res.body, 'no socket');
  assert.equal(res.headers['x-from'], 'backend');
  assert.equal(res.headers.connection, 'close', 'nothing after an Upgrade request is read as a request');
  assert.equal(await client.closedWithin(2_000), true);
  assert.equal(seen[0]!.upgraded, true);
});

test('an Upgrade request to a backend that refuses connections is answered 502, as JSON when asked', async (t) => {
  const { port } = await setup(t, [await refusingUrl()]);
  const client = await rawClient(port);
  t.after(() => client.destroy());
  client.send(websocketHandshake('/chat', 'Accept: application/json\r\n'));
  const res = await client.nextResponse();
  assert.equal(res.status, 502);
  assert.equal((JSON.parse(res.body) as { error: string }).error, 'connect_refused');
  assert.equal(await client.closedWithin(2_000), true);
});

test('a tunnel refused by one backend is retried on another, before anything reached the client', async (t) => {
  const { port, seen, balancer } = await setup(t, [await refusingUrl(), 'backend'], 2);
  for (let i = 0; i < 2; i++) {
    const tunnel = await switchRequest(port, websocketHandshake(`/try/${i}`));
    t.after(() => tunnel.socket.destroy());
    assert.equal(tunnel.statusLine, 'HTTP/1.1 101 Switching Protocols', `handshake ${i + 1}`);
    assert.equal(await tunnel.after('ready\n'), 'ready\n');
  }
  assert.deepEqual(seen.map((s) => s.url), ['/try/0', '/try/1']);
  assert.ok(balancer.traffic.retries >= 1, 'the refused try was retried');
});

test('an Upgrade request with a body is answered 501 and never reaches the backend', async (t) => {
  const { port, seen } = await setup(t);
  const client = await rawClient(port);
  t.after(() => client.destroy());
  client.send(
    'POST /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nAccept: application/json\r\nContent-Length: 5\r\n\r\nhello',
  );
  const res = await client.nextResponse();
  assert.equal(res.status, 501);
  assert.equal(res.headers['content-type'], 'application/json');
  const body = JSON.parse(res.body) as { error: string; message: string };
  assert.equal(body.error, 'upgrade_unsupported');
  assert.match(body.message, /with a body/);
  assert.equal(await client.closedWithin(2_000), true);
  assert.equal(seen.length, 0, 'the backend saw no request');
});

test('an h2c upgrade is declined and the request is proxied as HTTP/1.1 on a kept connection', async (t) => {
  const { port, seen } = await setup(t);
  const client = await rawClient(port);
  t.after(() => client.destroy());
  client.send('GET /h2c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n');
  const res = await client.nextResponse();
  assert.equal(res.status, 200);
  assert.equal(res.body, 'plain answer');
  const first = seen[0]!;
  assert.deepEqual(
    { url: first.url, upgraded: first.upgraded, upgrade: first.headers.upgrade, connection: first.headers.connection, settings: first.headers['http2-settings'] },
    { url: '/h2c', upgraded: false, upgrade: undefined, connection: undefined, settings: undefined },
    'upgrade headers are not forwarded',
  );
  client.send('GET /next HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal((await client.nextResponse()).status, 200, 'the connection goes on in HTTP/1.1');
  assert.equal(seen[1]!.url, '/next');
});

test('an Upgrade header without the upgrade connection option is not a switch request and is proxied', async (t) => {
  const { port, seen } = await setup(t);
  const client = await rawClient(port);
  t.after(() => client.destroy());
  client.send('GET /stray HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n');
  const res = await client.nextResponse();
  assert.equal(res.status, 200);
  assert.equal(seen[0]!.upgraded, false);
  assert.equal(seen[0]!.headers.upgrade, undefined, 'the hop-by-hop Upgrade header is still removed');
});
