// The relative-import graph of the TypeScript sources under src/, read from
// the .ts files themselves so type-only imports (erased from dist/) count too.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root, from dist/test/helpers/. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Every .ts source (not .d.ts) under `dir`, recursively. */
export function tsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) tsFiles(full, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Module (repo-relative path, e.g. `src/admin/api.ts`) to the repo-relative modules it imports. */
export function importGraph(underDir = 'src'): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(resolve(REPO_ROOT, underDir))) {
    // preProcessFile lists static, type-only, re-export and dynamic imports alike.
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => relative(REPO_ROOT, resolve(dirname(file), name.replace(/\.js$/, '.ts'))).split('\\').join('/'));
    graph.set(relative(REPO_ROOT, file).split('\\').join('/'), targets);
  }
  return graph;
}

/** One import cycle (as a path that returns to its start), or undefined when the graph has none. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (node: string): string[] | undefined => {
    if (onPath.has(node)) return [...path.slice(path.indexOf(node)), node];
    if (done.has(node) || !graph.has(node)) return undefined;
    path.push(node);
    onPath.add(node);
    for (const next of graph.get(node)!) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(node);
    done.add(node);
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}
