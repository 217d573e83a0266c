// SIGTERM lets in-flight requests finish while new connections are refused;
// a second signal exits at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request, Agent } from 'undici';
import { startTestBackend } from '../src/tools/test-backend.js';
import { startChildFairway } from './helpers/child-fairway.js';
import { waitFor } from './helpers/fixtures.js';

async function activeRequests(adminPort: number | undefined): Promise<number> {
  const res = await request(`http://127.0.0.1:${adminPort}/lb/stats`);
  return ((await res.body.json()) as { totals: { active: number } }).totals.active;
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: Error & { code?: string }) => resolve(err.code === 'ECONNREFUSED'));
  });
}

test('SIGTERM: a 2 s in-flight request finishes with 200, new connections are refused, exit 0', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'slow' });
  const lb = await startChildFairway(['--host', '127.0.0.1', '--port', '0', '--admin-port', '0', '--backend', backend.url]);
  const client = new Agent();
  const idle = new Agent();
  t.after(async () => {
    await client.close();
    await idle.destroy();
    await lb.stop('SIGKILL');
    await backend.close();
  });
  // An idle keep-alive connection must not hold the shutdown up.
  await (await request(`${lb.url}/`, { dispatcher: idle })).body.dump();

  const startedAt = Date.now();
  const inFlight = request(`${lb.url}/?delay=2000`, { dispatcher: client });
  await waitFor('request in flight', async () => (await activeRequests(lb.adminPort)) === 1, 5_000);
  lb.child.kill('SIGTERM');
  await waitFor('new connections refused', () => connectionRefused(lb.port), 5_000);

  const res = await inFlight;
  assert.equal(res.statusCode, 200);
  const body = (await res.body.json()) as { server: string };
  assert.equal(body.server, 'slow');
  assert.ok(Date.now() - startedAt >= 2_000);
  assert.equal(await lb.exited, 0);
  assert.ok(lb.lines.some((l) => l.includes('stopping')), 'the stop is logged');
});

test('a second signal exits at once without waiting for in-flight requests', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'slow' });
  const lb = await startChildFairway(['--host', '127.0.0.1', '--port', '0', '--admin-port', '0', '--backend', backend.url]);
  const client = new Agent();
  t.after(async () => {
    await client.destroy();
    await lb.stop('SIGKILL');
    await backend.close();
  });
  const inFlight = request(`${lb.url}/?delay=20000`, { dispatcher: client }).catch((err: Error) => err);
  await waitFor('request in flight', async () => (await activeRequests(lb.adminPort)) === 1, 5_000);
  lb.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  lb.child.kill('SIGTERM');
  const code = await Promise.race([lb.exited, new Promise((r) => setTimeout(() => r('still running'), 5_000))]);
  assert.notEqual(code, 'still running');
  assert.notEqual(code, 0);
  assert.ok((await inFlight) instanceof Error);
});
