// A port in use at start-up is one line that names the listener that failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { startTestBackend } from '../src/tools/test-backend.js';
import { runCli } from './helpers/child-fairway.js';

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

test('the admin listener names itself when its port is in use', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const taken = await occupy();
  t.after(async () => {
    taken.server.close();
    await backend.close();
  });
  const result = await runCli(['--host', '127.0.0.1', '--port', '0', '--admin-port', String(taken.port), '-b', backend.url]);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `fairway: admin listener: 127.0.0.1:${taken.port} is already in use (EADDRINUSE); another fairway or server may be running there; choose another with --admin-port, ADMIN_PORT or admin.port, or set admin.enabled: false\n`,
  );
});

test('the proxy listener names itself when its port is in use', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const taken = await occupy();
  t.after(async () => {
    taken.server.close();
    await backend.close();
  });
  const result = await runCli(['--host', '127.0.0.1', '--port', String(taken.port), '--admin-port', '0', '-b', backend.url]);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `fairway: proxy listener: 127.0.0.1:${taken.port} is already in use (EADDRINUSE); another fairway or server may be running there; choose another with --port, PORT or listen.port\n`,
  );
});
