// Upgrade requests (WebSocket and others) are refused with a 501 naming the
// reason, logged once per route; an h2c upgrade is declined and the request
// proxied as plain HTTP/1.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createFairway } from '../src/index.js';
import { poolConfig, testConfig } from './helpers/fixtures.js';
import { rawBackend } from './helpers/raw-backend.js';
import { rawClient } from './helpers/raw-client.js';

const websocketHandshake = (path: string, accept = '*/*') =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAccept: ${accept}\r\n\r\n`;

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const seen: { url: string; upgrade: string | undefined; connection: string | undefined; settings: string | undefined }[] = [];
  const backend = await rawBackend((req, res) => {
    seen.push({ url: req.url ?? '', upgrade: req.headers.upgrade, connection: req.headers.connection, settings: req.headers['http2-settings'] as string | undefined });
    res.end('plain answer');
  });
  const pool = poolConfig([backend.url]);
  pool.healthCheck = { ...pool.healthCheck, enabled: false };
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = testConfig([pool], {
    routes: [
      { pathPrefix: '/chat', pool: 'default', middlewares: [] },
      { pathPrefix: '/', pool: 'default', middlewares: [] },
    ],
  });
  const balancer = createFairway(config, { logger: pino({ level: 'warn' }, sink) });
  const { proxy } = await balancer.listen();
  t.after(async () => {
    await balancer.close(1_000);
    await backend.close();
  });
  return { port: proxy.port, seen, logLines };
}

test('a WebSocket handshake gets 501 naming Upgrade, as JSON when asked, and never reaches the backend', async (t) => {
  const { port, seen } = await setup(t);
  const plain = await rawClient(port);
  t.after(() => plain.destroy());
  plain.send(websocketHandshake('/chat/room'));
  const res = await plain.nextResponse();
  assert.equal(res.status, 501);
  assert.match(res.body, /fairway does not proxy Upgrade requests yet: Upgrade: websocket/);
  assert.match(res.body, /upgrade_unsupported/);
  assert.equal(res.headers.connection, 'close', 'a connection that asked to switch protocols is not reused');
  assert.equal(await plain.closedWithin(2_000), true);

  const json = await rawClient(port);
  t.after(() => json.destroy());
  json.send(websocketHandshake('/chat/room', 'application/json'));
  const answer = await json.nextResponse();
  assert.equal(answer.status, 501);
  assert.equal(answer.headers['content-type'], 'application/json');
  const body = JSON.parse(answer.body) as { error: string; status: number; message: string };
  assert.equal(body.error, 'upgrade_unsupported');
  assert.equal(body.status, 501);
  assert.equal(seen.length, 0, 'the backend saw no request');
});

test('refused Upgrade requests are logged once per route at warn', async (t) => {
  const { port, logLines } = await setup(t);
  for (const path of ['/chat/a', '/chat/b', '/chat/c', '/other', '/other/2']) {
    const client = await rawClient(port);
    client.send(websocketHandshake(path));
    assert.equal((await client.nextResponse()).status, 501);
    client.destroy();
  }
  const warnings = logLines.filter((l) => typeof l.msg === 'string' && l.msg.includes('Upgrade'));
  assert.equal(warnings.length, 2, `one line per route, got ${JSON.stringify(warnings)}`);
  assert.ok(warnings.every((w) => w.level === 40), 'at warn level');
  assert.deepEqual(
    warnings.map((w) => (w.route as { pathPrefix: string }).pathPrefix),
    ['/chat', '/'],
  );
  assert.equal(warnings[0]!.upgrade, 'websocket');
});

test('an h2c upgrade is declined and the request is proxied as HTTP/1.1 on a kept connection', async (t) => {
  const { port, seen } = await setup(t);
  const client = await rawClient(port);
  t.after(() => client.destroy());
  client.send('GET /h2c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n');
  const res = await client.nextResponse();
  assert.equal(res.status, 200);
  assert.equal(res.body, 'plain answer');
  assert.deepEqual(seen[0], { url: '/h2c', upgrade: undefined, connection: undefined, settings: undefined }, 'upgrade headers are not forwarded');
  client.send('GET /next HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal((await client.nextResponse()).status, 200, 'the connection goes on in HTTP/1.1');
});

test('an Upgrade header without the upgrade connection option is not a switch request and is proxied', async (t) => {
  const { port, seen } = await setup(t);
  const client = await rawClient(port);
  t.after(() => client.destroy());
  client.send('GET /stray HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n');
  const res = await client.nextResponse();
  assert.equal(res.status, 200);
  assert.equal(seen[0]!.upgrade, undefined, 'the hop-by-hop Upgrade header is still removed');
});
