// What fairway logs while it starts: a pool's first eligible set is not a recovery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startChildFairway } from './helpers/child-fairway.js';
import { startTestBackend } from '../src/tools/test-backend.js';

test('start-up does not log that a pool has an eligible backend again', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  t.after(() => backend.close());
  const lb = await startChildFairway(['-p', '0', '--admin-port', '0', '--host', '127.0.0.1', '-b', backend.url, '--log-format', 'json']);
  t.after(() => lb.stop());
  assert.ok(lb.lines.some((l) => l.includes('fairway listening')));
  assert.deepEqual(
    lb.lines.filter((l) => l.includes('eligible backend again')),
    [],
  );
});
