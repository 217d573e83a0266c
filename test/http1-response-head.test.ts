// The head of an answer as fairway's HTTP/1.1 front end writes it
// (src/frontend/http1/response-head.ts). Fields the backend sent were
// checked as they were read, so the writer skips those it is handed back
// unchanged; anything else, a field a filter added or changed in place, is
// checked, and a field that would split the answer is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { buildResponseHead, type ResponseHeadOptions } from '../src/frontend/http1/response-head.js';
import { poolConfig, startFairway, testConfig } from './helpers/fixtures.js';
import { rawClient } from './helpers/raw-client.js';

const OPTIONS: ResponseHeadOptions = { versionMinor: 1, head: false, keepAlive: true, hsts: undefined };

const BACKEND = ['Server', 'nginx', 'Date', 'Thu, 03 Dec 2026 06:00:00 GMT', 'Connection', 'keep-alive', 'Content-Length', '5', 'X-A', 'a'];

test('fields handed back as checked, some removed and one added, give the same head as fields checked one by one', () => {
  const answer = ['Server', 'nginx', 'Date', 'Thu, 03 Dec 2026 06:00:00 GMT', 'Content-Length', '5', 'X-A', 'a', 'x-request-id', 'r1'];
  const checked = [...BACKEND, 'x-request-id', 'r1'];
  const plain = buildResponseHead(200, answer, OPTIONS);
  const skipping = buildResponseHead(200, answer, OPTIONS, checked);
  assert.equal(skipping.text, plain.text);
  assert.match(plain.text, /^HTTP\/1\.1 200 OK\r\nServer: nginx\r\nDate: Thu, 03 Dec 2026 06:00:00 GMT\r\nContent-Length: 5\r\nX-A: a\r\nx-request-id: r1\r\nconnection: keep-alive\r\n\r\n$/);
});

test('a field a filter changed in place, or added, is checked even when the backend\'s fields are known', () => {
  const changed = ['Server', 'nginx', 'X-A', 'a\r\nSet-Cookie: stolen=1'];
  assert.throws(() => buildResponseHead(200, changed, OPTIONS, BACKEND), /invalid value for header "X-A"/);
  const added = ['Server', 'nginx', 'X-A', 'a', 'X-New', 'b\u0000'];
  assert.throws(() => buildResponseHead(200, added, OPTIONS, BACKEND), /invalid value for header "X-New"/);
  const renamed = ['Server', 'nginx', 'X A', 'a'];
  assert.throws(() => buildResponseHead(200, renamed, OPTIONS, BACKEND), /invalid header name/);
  // The same value moved to another name is not the checked field either.
  const moved = ['Server', 'nginx', 'X-B\r\n', 'a'];
  assert.throws(() => buildResponseHead(200, moved, OPTIONS, BACKEND), /invalid header name/);
});

/** A backend on raw TCP that answers every request with `answer`. */
async function rawBackend(t: { after: (fn: () => Promise<void>) => void }, answer: string) {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', () => socket.write(answer, 'latin1'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const noChecks = { ...poolConfig([]).healthCheck, enabled: false };

for (const [what, field] of [
  ['a control character', 'X-Bad: a\u0001b'],
  ['a bare CR', 'X-Bad: a\rInjected: 1'],
  ['a NUL', 'X-Bad: a\u0000'],
  ['DEL', 'X-Bad: a\u007f'],
] as const) {
  test(`a backend's header value with ${what} answers 502 and never reaches the client`, async (t) => {
    const url = await rawBackend(t, `HTTP/1.1 200 OK\r\nContent-Length: 2\r\n${field}\r\n\r\nok`);
    const lb = await startFairway(testConfig([poolConfig([url], { healthCheck: noChecks })]));
    t.after(() => lb.close());
    const client = await rawClient(lb.port);
    t.after(() => client.destroy());
    client.send('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    const answer = await client.nextResponse(5_000);
    assert.equal(answer.status, 502);
    assert.equal(answer.headers['x-bad'], undefined);
    assert.equal(answer.headers['injected'], undefined);
  });
}
