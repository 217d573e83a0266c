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
