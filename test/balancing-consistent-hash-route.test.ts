// consistent-hash resolves the walk past ineligible slots ahead of time: its
// picks must be exactly those of walking the Maglev table per request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistentHashBalancer } from '../src/balancing/consistent-hash.js';
import { hashRequestKey, parseHashKey } from '../src/balancing/hash-key.js';
import { buildMaglevTable, type MaglevTable } from '../src/balancing/maglev.js';
import { createRandomSource } from '../src/balancing/random-source.js';
import { facts, type MutableBackend } from './balancing-helpers.js';

const KEY = parseHashKey('header:x-user');
const userKey = (i: number) => facts({ headers: { 'x-user': `user-${i}` } });

function members(n: number): MutableBackend[] {
  return Array.from({ length: n }, (_, i) => ({ id: `backend-${i}`, weight: 1, inFlight: 0 }));
}

const tables = new WeakMap<readonly MutableBackend[], MaglevTable>();

function tableFor(all: readonly MutableBackend[]): MaglevTable {
  let table = tables.get(all);
  if (table === undefined) tables.set(all, (table = buildMaglevTable(all.map((m) => m.id))));
  return table;
}

/** The per-request walk: from the key's slot to the first eligible owner with weight > 0, else the first eligible one. */
function walk(all: readonly MutableBackend[], eligible: readonly MutableBackend[], key: number): string {
  const { ids, slots } = tableFor(all);
  const hash = hashRequestKey(KEY, userKey(key));
  const byId = new Map(eligible.map((b) => [b.id, b]));
  let fallback: MutableBackend | undefined;
  for (let step = 0; step < slots.length; step++) {
    const backend = byId.get(ids[slots[(hash + step) % slots.length]!]!);
    if (backend === undefined) continue;
    if (backend.weight > 0) return backend.id;
    fallback ??= backend;
  }
  return (fallback ?? eligible[hash % eligible.length]!).id;
}

test('picks equal the per-request walk for random eligible sets and weight-0 members', () => {
  const random = createRandomSource(11);
  const all = members(40);
  const ch = new ConsistentHashBalancer(KEY);
  for (let trial = 0; trial < 12; trial++) {
    // From nearly everything eligible to a single backend; some at weight 0.
    const share = [0.9, 0.5, 0.1, 0.03][trial % 4]!;
    const eligible = all
      .filter(() => random() < share)
      .map((b) => ({ ...b, weight: random() < 0.2 ? 0 : 1 }));
    if (eligible.length === 0) eligible.push({ ...all[7]!, weight: 1 });
    for (let key = 0; key < 300; key++) {
      assert.equal(ch.pick(eligible, userKey(key), all).id, walk(all, eligible, key), `trial ${trial}, key ${key}`);
    }
  }
});

test('with only weight-0 backends left, keys still follow the walk', () => {
  const all = members(20);
  const eligible = [all[3]!, all[11]!, all[17]!].map((b) => ({ ...b, weight: 0 }));
  const ch = new ConsistentHashBalancer(KEY);
  for (let key = 0; key < 200; key++) assert.equal(ch.pick(eligible, userKey(key), all).id, walk(all, eligible, key));
});

test('weights changed in place move keys, both ways', () => {
  const all = members(10);
  const eligible = [...all];
  const ch = new ConsistentHashBalancer(KEY);
  for (let key = 0; key < 200; key++) ch.pick(eligible, userKey(key), all);
  // To 0: noticed as soon as one of its keys comes up.
  all[4]!.weight = 0;
  for (let key = 0; key < 1000; key++) assert.notEqual(ch.pick(eligible, userKey(key), all).id, 'backend-4');
  // Back to 1: noticed by the periodic check, after which its keys return.
  all[4]!.weight = 1;
  for (let key = 0; key < 300; key++) ch.pick(eligible, userKey(key), all);
  for (let key = 0; key < 1000; key++) assert.equal(ch.pick(eligible, userKey(key), all).id, walk(all, eligible, key));
});

test('a new eligible array with the same members keeps every key in place', () => {
  const all = members(10);
  const ch = new ConsistentHashBalancer(KEY);
  const before = Array.from({ length: 500 }, (_, key) => ch.pick(all.slice(0, 8), userKey(key), all).id);
  const reordered = all.slice(0, 8).reverse();
  for (let key = 0; key < 500; key++) assert.equal(ch.pick(reordered, userKey(key), all).id, before[key]);
});
