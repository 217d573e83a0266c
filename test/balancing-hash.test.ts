import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpHashBalancer } from '../src/balancing/ip-hash.js';
import { ConsistentHashBalancer } from '../src/balancing/consistent-hash.js';
import { parseHashKey } from '../src/balancing/hash-key.js';
import { createAlgorithm } from '../src/balancing/index.js';
import { ALGORITHMS } from '../src/config/types.js';
import { backends, countIds, facts, type MutableBackend } from './balancing-helpers.js';

function pool(n: number): MutableBackend[] {
  return Array.from({ length: n }, (_, i) => ({ id: `backend-${i}`, weight: 1, inFlight: 0 }));
}

const userKey = (i: number) => facts({ headers: { 'x-user': `user-${i}` } });

test('ip hash keeps a client on one backend and spreads clients', () => {
  const ipHash = new IpHashBalancer();
  const servers = pool(5);
  const first = new Map<string, string>();
  for (let i = 0; i < 1000; i++) {
    const clientAddress = `10.0.${i >> 8}.${i & 255}`;
    first.set(clientAddress, ipHash.pick(servers, facts({ clientAddress })).id);
  }
  for (const [clientAddress, id] of first) {
    assert.equal(ipHash.pick(servers, facts({ clientAddress })).id, id);
    assert.equal(new IpHashBalancer().pick([...servers], facts({ clientAddress })).id, id);
  }
  const counts = countIds([...first.values()].map((id) => ({ id, weight: 1, inFlight: 0 })));
  for (const s of servers) assert.ok(counts[s.id]! > 120, JSON.stringify(counts));
});

test('ip hash never picks weight 0', () => {
  const ipHash = new IpHashBalancer();
  const servers = backends(1, 0, 1);
  for (let i = 0; i < 500; i++) assert.notEqual(ipHash.pick(servers, facts({ clientAddress: `192.168.0.${i}` })).id, 'b');
});

test('consistent hash: removing one of 10 backends moves about 1/10 of 10,000 keys', () => {
  const servers = pool(10);
  const before = new ConsistentHashBalancer('header:x-user');
  const owner = Array.from({ length: 10_000 }, (_, i) => before.pick(servers, userKey(i)).id);
  const counts = countIds(owner.map((id) => ({ id, weight: 1, inFlight: 0 })));
  for (const s of servers) assert.ok(Math.abs(counts[s.id]! - 1000) < 150, JSON.stringify(counts));

  for (const removed of [0, 4, 9]) {
    const rest = servers.filter((_, i) => i !== removed);
    const after = new ConsistentHashBalancer('header:x-user');
    let moved = 0;
    let removedKeys = 0;
    for (let i = 0; i < owner.length; i++) {
      if (owner[i] === servers[removed]!.id) removedKeys++;
      if (after.pick(rest, userKey(i)).id !== owner[i]) moved++;
    }
    assert.ok(moved >= removedKeys, `moved ${moved} < removed backend's ${removedKeys}`);
    assert.ok(moved / owner.length <= 1 / 10 + 0.05, `moved ${moved} of ${owner.length}`);
  }
});

test('consistent hash: an unhealthy backend\'s keys go elsewhere and return on recovery', () => {
  const servers = pool(10);
  const ch = new ConsistentHashBalancer('header:x-user');
  const owner = Array.from({ length: 5000 }, (_, i) => ch.pick(servers, userKey(i), servers).id);
  const down = servers[3]!;
  const healthy = servers.filter((s) => s !== down);
  const spread = new Set<string>();
  for (let i = 0; i < owner.length; i++) {
    const id = ch.pick(healthy, userKey(i), servers).id;
    if (owner[i] === down.id) {
      assert.notEqual(id, down.id);
      spread.add(id);
    } else {
      assert.equal(id, owner[i], 'keys of healthy backends stay put');
    }
  }
  assert.ok(spread.size >= 5, 'orphaned keys spread over several backends');
  for (let i = 0; i < owner.length; i++) assert.equal(ch.pick(servers, userKey(i), servers).id, owner[i]);
});

test('consistent hash: adding an 11th member rebuilds the table and moves about 1/11 of keys', () => {
  const servers = pool(11);
  const ch = new ConsistentHashBalancer('header:x-user');
  const ten = servers.slice(0, 10);
  const owner = Array.from({ length: 10_000 }, (_, i) => ch.pick(ten, userKey(i), ten).id);
  let moved = 0;
  let toNew = 0;
  for (let i = 0; i < owner.length; i++) {
    const id = ch.pick(servers, userKey(i), servers).id;
    if (id !== owner[i]) moved++;
    if (id === 'backend-10') toNew++;
  }
  // Maglev is not perfectly monotone: a few keys also shuffle between old members.
  assert.ok(toNew > 10_000 / 11 - 200, `new member got ${toNew}`);
  assert.ok(moved <= 10_000 * (1 / 11 + 0.05), `moved ${moved}`);
  assert.ok(toNew / moved > 0.8, `${toNew} of ${moved} moves went to the new member`);
});

test('consistent hash: a weight-0 member is passed over like an ineligible one', () => {
  const servers = pool(4);
  const ch = new ConsistentHashBalancer('header:x-user');
  servers[2]!.weight = 0;
  const drained = [...servers];
  for (let i = 0; i < 1000; i++) assert.notEqual(ch.pick(drained, userKey(i), servers).id, 'backend-2');
});

test('consistent hash: member order does not change the mapping', () => {
  const servers = pool(6);
  const a = new ConsistentHashBalancer('ip');
  const b = new ConsistentHashBalancer('ip');
  const reversed = [...servers].reverse();
  for (let i = 0; i < 500; i++) {
    const request = facts({ clientAddress: `10.1.1.${i}` });
    assert.equal(a.pick(servers, request).id, b.pick(reversed, request).id);
  }
});

test('consistent hash extracts header, cookie, query and path keys', () => {
  const servers = pool(20);
  const balancers = new Map<string, ConsistentHashBalancer>();
  const pick = (hashKey: string, overrides: Parameters<typeof facts>[0]) => {
    if (!balancers.has(hashKey)) balancers.set(hashKey, new ConsistentHashBalancer(hashKey));
    return balancers.get(hashKey)!.pick(servers, facts(overrides)).id;
  };
  const spreads = (hashKey: string, make: (i: number) => Parameters<typeof facts>[0]) =>
    new Set(Array.from({ length: 200 }, (_, i) => pick(hashKey, { clientAddress: '9.9.9.9', ...make(i) }))).size;

  // Same key, different everything else → same backend; different keys spread.
  assert.equal(
    pick('header:X-Tenant', { headers: { 'x-tenant': 'acme' }, clientAddress: '1.1.1.1' }),
    pick('header:X-Tenant', { headers: { 'x-tenant': ['acme', 'other'] }, clientAddress: '2.2.2.2' }),
  );
  assert.ok(spreads('header:x-tenant', (i) => ({ headers: { 'x-tenant': `t${i}` } })) > 10);

  assert.equal(
    pick('cookie:sid', { headers: { cookie: 'a=1; sid=abc123; z=2' } }),
    pick('cookie:sid', { headers: { cookie: 'sid="abc123"' }, clientAddress: '3.3.3.3' }),
  );
  assert.ok(spreads('cookie:sid', (i) => ({ headers: { cookie: `theme=dark; sid=s${i}` } })) > 10);

  assert.equal(
    pick('query:user', { path: '/a?x=1&user=42&y=2' }),
    pick('query:user', { path: '/b?user=42', clientAddress: '4.4.4.4' }),
  );
  assert.ok(spreads('query:user', (i) => ({ path: `/p?user=${i}` })) > 10);

  assert.equal(pick('path', { path: '/img/cat.png?size=1' }), pick('path', { path: '/img/cat.png', clientAddress: '5.5.5.5' }));
  assert.ok(spreads('path', (i) => ({ path: `/item/${i}` })) > 10);
});

test('consistent hash falls back to the client address when the key is missing', () => {
  const servers = pool(20);
  const byIp = new ConsistentHashBalancer('ip');
  for (const [hashKey, request] of [
    ['header:x-user', { headers: {} }],
    ['header:x-user', { headers: { 'x-user': '' } }],
    ['cookie:sid', { headers: { cookie: 'other=1; xsid=2' } }],
    ['query:user', { path: '/p?username=1&user=' }],
    ['query:user', { path: '/p' }],
  ] as const) {
    const byKey = new ConsistentHashBalancer(hashKey);
    for (let i = 0; i < 50; i++) {
      const clientAddress = `172.16.0.${i}`;
      assert.equal(
        byKey.pick(servers, facts({ ...request, clientAddress })).id,
        byIp.pick(servers, facts({ clientAddress })).id,
        `${hashKey} ${JSON.stringify(request)}`,
      );
    }
  }
});

test('hash keys are validated', () => {
  assert.deepEqual(parseHashKey('header:X-Id'), { source: 'header', name: 'x-id' });
  assert.deepEqual(parseHashKey('cookie:SID'), { source: 'cookie', name: 'SID' });
  assert.deepEqual(parseHashKey('path'), { source: 'path' });
  for (const bad of ['', 'header:', 'body:x', 'cookie', 'IP']) assert.throws(() => parseHashKey(bad), /invalid hashKey/);
  assert.throws(() => createAlgorithm('consistent-hash', { hashKey: 'nope' }), /invalid hashKey/);
});

test('createAlgorithm builds every configured algorithm', () => {
  const servers = backends(1, 2, 3);
  for (const name of ALGORITHMS) {
    const balancer = createAlgorithm(name);
    assert.equal(balancer.name, name);
    assert.ok(servers.includes(balancer.pick(servers, facts()) as (typeof servers)[number]));
  }
});
