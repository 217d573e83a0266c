// The Node.js fairway runs under in the benchmarks: the harness's own, or
// another release to compare (--fairway-node PATH or BENCH_FAIRWAY_NODE).
// `npx -y -p node@24 -- which node` prints the path of a Node.js 24.
import { spawnSync } from 'node:child_process';

export interface NodeBinary {
  path: string;
  /** As `node --version` prints it: `v24.1.0`. */
  version: string;
  /** Whether it is the harness's own binary (no other one was asked for). */
  own: boolean;
}

/** The binary at `path` (the harness's own when undefined); throws when it does not run. */
export function fairwayNode(path: string | undefined): NodeBinary {
  if (path === undefined || path === '') return { path: process.execPath, version: process.version, own: true };
  const run = spawnSync(path, ['--version'], { encoding: 'utf8' });
  const version = run.stdout?.trim() ?? '';
  if (run.error !== undefined || run.status !== 0 || !/^v\d+\./.test(version)) {
    throw new Error(`--fairway-node ${path}: does not run as Node.js (${run.error?.message ?? (`${run.stdout ?? ''}${run.stderr ?? ''}`.trim() || `exit ${run.status}`)})`);
  }
  return { path, version, own: false };
}
