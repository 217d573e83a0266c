// Client-side timeouts: slow request headers are cut off, idle keep-alive
// connections are closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startTestBackend } from '../src/tools/test-backend.js';
import { poolConfig, startFairway, testConfig } from './helpers/fixtures.js';

function rawExchange(port: number, send: string, limitMs: number): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ data, closed: false });
    }, limitMs);
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data, closed: true });
    });
    socket.on('error', () => undefined);
    socket.write(send);
  });
}

test('a client that never finishes its request header is cut off with 408', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const config = testConfig([poolConfig([backend.url])]);
  config.listen.requestHeaderTimeoutMs = 300;
  const lb = await startFairway(config);
  t.after(async () => {
    await lb.close();
    await backend.close();
  });
  const result = await rawExchange(lb.port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ', 5_000);
  assert.equal(result.closed, true, 'the proxy closed the connection');
  assert.match(result.data, /^HTTP\/1\.1 408/);
});

test('an idle keep-alive client connection is closed after keepAliveTimeout', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const config = testConfig([poolConfig([backend.url])]);
  config.listen.keepAliveTimeoutMs = 200;
  const lb = await startFairway(config);
  t.after(async () => {
    await lb.close();
    await backend.close();
  });
  const result = await rawExchange(lb.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 5_000);
  assert.match(result.data, /^HTTP\/1\.1 200/);
  assert.equal(result.closed, true, 'idle connection closed by the proxy');
});
