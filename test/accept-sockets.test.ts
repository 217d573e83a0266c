// Where the runtime has reusePort, each listener accepts on several sockets
// sharing its address (libuv accepts one connection per socket per loop
// turn); a port held by someone else still fails with EADDRINUSE rather
// than being shared, and closing stops every socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { startTestBackend } from '../src/tools/test-backend.js';
import { createFairway } from '../src/fairway.js';
import { REUSE_PORT, SHARED_ACCEPT_SOCKETS } from '../src/frontend/accept-sockets.js';
import { connectRefused, poolConfig, silentLogger, startFairway, testConfig } from './helpers/fixtures.js';

/** The listening TCP sockets on `port`, as the kernel lists them. */
function listeningSockets(port: number): number {
  const out = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.trim() !== '').length;
}

/** Opens `n` connections at once and sends one request on each; resolves to the status lines. */
function burst(port: number, n: number): Promise<string[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<string>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1');
          let got = '';
          const timer = setTimeout(() => {
            socket.destroy();
            reject(new Error(`no answer within 10 s (got ${JSON.stringify(got)})`));
          }, 10_000);
          socket.setEncoding('latin1');
          socket.on('connect', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
          socket.on('data', (chunk: string) => (got += chunk));
          socket.on('error', reject);
          socket.on('close', () => {
            clearTimeout(timer);
            resolve(got.slice(0, got.indexOf('\r\n')));
          });
        }),
    ),
  );
}

test('a listener accepts on as many sockets as /lb/stats says, and every one of a burst of connections is served', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const lb = await startFairway(testConfig([poolConfig([backend.url])]));
  t.after(async () => {
    await lb.close();
    await backend.close();
  });
  const stats = (await (await fetch(`${lb.adminUrl}/lb/stats`)).json()) as { listeners: { acceptSockets: number }[] };
  const expected = REUSE_PORT ? SHARED_ACCEPT_SOCKETS : 1;
  assert.equal(stats.listeners[0]!.acceptSockets, expected);
  assert.equal(listeningSockets(lb.port), expected, 'the kernel lists that many listening sockets on the port');
  // 200 connections at once land on many of the sockets; each must reach the front end.
  const statuses = await burst(lb.port, 200);
  assert.deepEqual(new Set(statuses), new Set(['HTTP/1.1 200 OK']));
});

test('a port another fairway listens on is refused with EADDRINUSE, not shared', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const first = await startFairway(testConfig([poolConfig([backend.url])]));
  const config = testConfig([poolConfig([backend.url])]);
  const second = createFairway({ ...config, listen: { ...config.listen, port: first.port }, listeners: [{ ...config.listeners[0]!, port: first.port }] }, { logger: silentLogger });
  t.after(async () => {
    await second.close(100);
    await first.close();
    await backend.close();
  });
  await assert.rejects(second.listen(), (err: Error & { code?: string }) => err.code === 'EADDRINUSE');
  assert.equal(listeningSockets(first.port), REUSE_PORT ? SHARED_ACCEPT_SOCKETS : 1, 'the first keeps its sockets, none added');
});

test('closing a listener closes every socket it accepted on', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  t.after(() => backend.close());
  const lb = await startFairway(testConfig([poolConfig([backend.url])]));
  await lb.close();
  assert.equal(listeningSockets(lb.port), 0);
  assert.equal(await connectRefused(lb.port), true);
});
