// `fairway --interval 1s` on the real CLI: the check timeout follows the
// interval (no start-up warning, and a check slower than 1 s fails as a
// timeout), while an explicit longer timeout still warns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Agent } from 'undici';
import { startChildFairway } from './helpers/child-fairway.js';
import { get, waitFor } from './helpers/fixtures.js';
import { rawBackend } from './helpers/raw-backend.js';
import { writeConfig } from './config-helpers.js';

/** Answers /health after 1.5 s: inside the 2 s default timeout, outside a 1 s one. */
function slowHealthBackend() {
  return rawBackend((req, res: ServerResponse) => {
    const delay = req.url === '/health' ? 1500 : 0;
    const timer = setTimeout(() => res.end('ok'), delay);
    res.on('close', () => clearTimeout(timer));
  });
}

const TIMEOUT_WARNING = /health-check timeout .* is longer than its interval/;

test('--interval 1s alone: no timeout warning, and checks time out after 1 s', async (t) => {
  const backend = await slowHealthBackend();
  const lb = await startChildFairway([
    '--host', '127.0.0.1', '--port', '0', '--admin-port', '0', '--interval', '1s', '--backend', backend.url,
  ]);
  const client = new Agent();
  t.after(async () => {
    await client.close();
    await lb.stop();
    await backend.close();
  });
  const id = new URL(backend.url).host;
  const stats = async () =>
    (JSON.parse((await get(client, `http://127.0.0.1:${lb.adminPort}/lb/stats`)).body) as {
      pools: { backends: { id: string; healthy: boolean; lastHealthReason: string }[] }[];
    }).pools[0]!.backends.find((b) => b.id === id)!;

  await waitFor('slow backend marked down', async () => !(await stats()).healthy, 12_000);
  assert.match((await stats()).lastHealthReason, /3 checks failed \(timeout\)/);
  assert.deepEqual(lb.lines.filter((l) => TIMEOUT_WARNING.test(l)), []);
  assert.match(lb.stderr(), /^$/);
});

test('--interval 1s with an explicit timeout: 3s in the file still warns at start-up', async (t) => {
  const backend = await slowHealthBackend();
  const file = writeConfig(`listen: { host: 127.0.0.1, port: 0 }
admin: { port: 0 }
healthCheck: { timeout: 3s }
backends: [${backend.url}]
`);
  const lb = await startChildFairway(['-c', file, '--interval', '1s']);
  t.after(async () => {
    await lb.stop();
    await backend.close();
  });
  const warnings = lb.lines.filter((l) => TIMEOUT_WARNING.test(l));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /health-check timeout \(3s\) is longer than its interval \(1s\)/);
});
