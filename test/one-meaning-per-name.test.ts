// One meaning per name: an exported type or value name is declared by one
// module of src/, so `BackendView` in a file means the same thing everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportedDeclarations } from './helpers/exported-names.js';

const declarations = exportedDeclarations('src');

test('the exported-name scan finds the declarations it should', () => {
  // Guards the test below against passing on an empty or misread scan.
  assert.deepEqual(declarations.get('BackendView'), ['src/balancing/balancer.ts']);
  assert.deepEqual(declarations.get('createFairway'), ['src/fairway.ts']);
});

test('no exported name under src is declared by two modules', () => {
  const duplicated = [...declarations]
    .filter(([, modules]) => modules.length > 1)
    .map(([name, modules]) => `${name}: ${modules.join(', ')}`);
  assert.deepEqual(duplicated, []);
});
