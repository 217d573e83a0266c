// `npm start` runs this first: it rebuilds (`npm run build`) only when dist/
// is missing or older than a source of what the demo runs (src/, dashboard/,
// the tsconfigs, the dashboard build script), so a second start is quick.
// Run from the package root (npm runs scripts there). With --check it only
// reports: exit 0 when dist/ is current, 2 (and the reason) when it is stale.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = ['src', 'dashboard', 'tsconfig.json', 'scripts/build-dashboard.mjs'];
// Written first and last by `npm run build` (tsc, then the dashboard bundle).
const OUTPUTS = ['dist/src/cli/main.js', 'dist/dashboard/index.html'];

/** Newest modification time (ms) of a file or of any file under a folder; 0 if absent. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function staleReason(root) {
  const missing = OUTPUTS.find((file) => !existsSync(join(root, file)));
  if (missing !== undefined) return `${missing} is missing`;
  const built = Math.min(...OUTPUTS.map((file) => statSync(join(root, file)).mtimeMs));
  const changed = SOURCES.find((source) => newest(join(root, source)) > built);
  return changed === undefined ? undefined : `${changed} changed since the last build`;
}

const root = process.cwd();
const reason = staleReason(root);
if (reason === undefined) process.exit(0);
if (process.argv.includes('--check')) {
  console.log(`stale: ${reason}`);
  process.exit(2);
}
console.error(`build-if-stale: ${reason}; running npm run build`);
// npm sets npm_execpath when it runs a script; run that npm with this Node.
const npm = process.env.npm_execpath;
const result = npm
  ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: 'inherit' })
  : spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
if (result.error) {
  console.error(`build-if-stale: cannot run npm run build: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
