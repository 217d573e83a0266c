// Which modules may import which: admin/ sees the balancer only through its
// AdminControl interface, the data path reaches backends only through the
// Upstream seam, and no import cycle joins the modules of src/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCycle, importGraph } from './helpers/import-graph.js';

const graph = importGraph('src');

/** Every (importer, imported) pair where `importer` matches `from` and `imported` matches `to`. */
function arrows(from: (m: string) => boolean, to: (m: string) => boolean): string[] {
  const found: string[] = [];
  for (const [module, imports] of graph) {
    if (!from(module)) continue;
    for (const target of imports) if (to(target)) found.push(`${module} -> ${target}`);
  }
  return found;
}

test('the import graph covers the admin listener and the composition root', () => {
  // Guards the tests below against passing on an empty or misread graph.
  assert.ok(graph.has('src/fairway.ts'));
  assert.ok(graph.get('src/fairway.ts')!.includes('src/admin/api.ts'));
  assert.ok(graph.get('src/admin/api.ts')!.includes('src/admin/server.ts'));
});

test('no module under src/admin imports the composition root src/fairway.ts', () => {
  assert.deepEqual(arrows((m) => m.startsWith('src/admin/'), (t) => t === 'src/fairway.ts'), []);
});

test('outside src/upstream/http1, only the Upstream seam (upstream.ts, create-upstream.ts) imports the HTTP/1.1 transport', () => {
  const seam = new Set(['src/upstream/upstream.ts', 'src/upstream/create-upstream.ts']);
  const transport = (m: string) => m.startsWith('src/upstream/http1/');
  assert.deepEqual(arrows((m) => !transport(m) && !seam.has(m), transport), []);
});

test('the modules under src import each other without cycles', () => {
  assert.equal(findCycle(graph)?.join(' -> '), undefined);
});

/**
 * The layers of docs/architecture.md, top first: a module imports only from
 * its own folder or from a layer below. Entries of one layer do not import
 * each other.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['cli'],
  ['tools', 'index.ts'],
  ['fairway.ts'],
  ['observers.ts'],
  ['routing-snapshot.ts', 'admin'],
  ['filters', 'frontend'],
  ['exchange', 'reload-changes.ts'],
  ['cluster'],
  ['health'],
  ['upstream', 'observability', 'state', 'reload-result.ts'],
  ['config', 'load'],
  ['balancing', 'http-syntax', 'net-io'],
];

/** A module's top-level entry under src: its folder, or the file itself. */
function entryOf(module: string): string {
  return module.slice('src/'.length).split('/')[0]!;
}

test('every import under src runs down the layers: nothing imports a folder above its own', () => {
  const layerOf = new Map<string, number>();
  LAYERS.forEach((entries, i) => entries.forEach((e) => layerOf.set(e, i)));
  const unplaced = [...new Set([...graph.keys()].map(entryOf))].filter((e) => !layerOf.has(e));
  assert.deepEqual(unplaced, [], 'every entry of src/ has a layer (add a new folder to LAYERS and to docs/architecture.md)');
  const upward = arrows(
    () => true,
    () => true,
  ).filter((arrow) => {
    const [from, to] = arrow.split(' -> ') as [string, string];
    const a = entryOf(from);
    const b = entryOf(to);
    return a !== b && layerOf.get(a)! >= layerOf.get(b)!;
  });
  assert.deepEqual(upward, []);
});
