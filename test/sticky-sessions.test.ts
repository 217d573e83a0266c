// Sticky sessions: the first answer sets a cookie naming the backend without
// its address; later requests stay there while it is eligible, and move
// (with a new cookie, never an error) when it is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestBackend } from '../src/tools/test-backend.js';
import { backendStats, get, poolConfig, startFairway, testClient, testConfig, waitFor } from './helpers/fixtures.js';

test('the cookie pins requests to one backend; a disabled or unhealthy backend is re-pinned', async (t) => {
  const backends = await Promise.all(['a', 'b', 'c'].map((name) => startTestBackend({ port: 0, name })));
  const pool = poolConfig(backends.map((b) => b.url));
  pool.sticky = { cookie: 'fw', ttlMs: 3_600_000, secure: false, httpOnly: true, sameSite: 'Lax' };
  const lb = await startFairway(testConfig([pool]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const first = await get(client, `${lb.url}/`);
  const setCookie = String(first.headers['set-cookie']);
  assert.match(setCookie, /^fw=[A-Za-z0-9_-]{16}; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax$/);
  for (const b of backends) assert.ok(!setCookie.includes(String(b.port)), 'the cookie does not reveal the address');
  const cookie = setCookie.split(';')[0]!;
  const pinned = first.headers['x-backend'];
  for (let i = 0; i < 10; i++) {
    const res = await get(client, `${lb.url}/`, { cookie: `other=1; ${cookie}` });
    assert.equal(res.headers['x-backend'], pinned);
    assert.equal(res.headers['set-cookie'], undefined, 'a valid cookie is not set again');
  }

  // Disable the pinned backend: re-balanced, new cookie, no error.
  const pool0 = lb.fairway.pools[0]!;
  const pinnedBackend = pool0.backends.find((b) => b.url === backends.find((x) => x.name === pinned)!.url)!;
  pool0.setState(pinnedBackend, 'disabled');
  const moved = await get(client, `${lb.url}/`, { cookie });
  assert.equal(moved.status, 200);
  assert.notEqual(moved.headers['x-backend'], pinned);
  const newCookie = String(moved.headers['set-cookie']).split(';')[0]!;
  assert.notEqual(newCookie, cookie);
  const newPinned = moved.headers['x-backend'];
  for (let i = 0; i < 5; i++) assert.equal((await get(client, `${lb.url}/`, { cookie: newCookie })).headers['x-backend'], newPinned);

  // The new pin goes unhealthy: re-pinned again, still no error.
  const target = backends.find((b) => b.name === newPinned)!;
  target.setHealthy(false);
  const targetId = pool0.backends.find((b) => b.url === target.url)!.id;
  await waitFor('unhealthy', () => !backendStats(lb, targetId).healthy);
  const again = await get(client, `${lb.url}/`, { cookie: newCookie });
  assert.equal(again.status, 200);
  assert.ok(again.headers['x-backend'] !== newPinned && again.headers['x-backend'] !== pinned);
});

test('a forged or stale cookie value is ignored and replaced', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'a' });
  const pool = poolConfig([backend.url]);
  pool.sticky = { cookie: 'fw', ttlMs: 0, secure: true, httpOnly: false, sameSite: 'Strict' };
  const lb = await startFairway(testConfig([pool]));
  const client = testClient();
  t.after(async () => {
    await client.close();
    await lb.close();
    await backend.close();
  });
  const res = await get(client, `${lb.url}/`, { cookie: 'fw=not-a-backend' });
  assert.equal(res.status, 200);
  assert.match(String(res.headers['set-cookie']), /^fw=[A-Za-z0-9_-]{16}; Path=\/; Secure; SameSite=Strict$/);
});
