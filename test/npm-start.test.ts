// `npm start` rebuilds only when dist/ is missing or older than the sources
// (scripts/build-if-stale.mjs), and the demo it starts is npm's own child:
// SIGTERM or SIGINT to the npm process (npm forwards them) stops the demo and
// every backend it started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectRefused, freePorts, waitFor } from './helpers/fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'build-if-stale.mjs');

function write(file: string, text: string, mtime?: Date): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  if (mtime) utimesSync(file, mtime, mtime);
}

function check(cwd: string): { status: number | null; stdout: string } {
  const run = spawnSync(process.execPath, [SCRIPT, '--check'], { cwd, encoding: 'utf8', timeout: 10_000 });
  return { status: run.status, stdout: run.stdout };
}

test('build-if-stale --check: stale when dist is missing or a source is newer, current otherwise', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fairway-stale-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const past = new Date(Date.now() - 60_000);
  write(join(dir, 'src', 'cli', 'main.ts'), 'export {};\n', past);
  write(join(dir, 'dashboard', 'main.ts'), 'export {};\n', past);
  write(join(dir, 'tsconfig.json'), '{}\n', past);
  for (const d of ['src', 'src/cli', 'dashboard']) utimesSync(join(dir, d), past, past);

  assert.deepEqual(check(dir), { status: 2, stdout: 'stale: dist/src/cli/main.js is missing\n' });

  write(join(dir, 'dist', 'src', 'cli', 'main.js'), 'export {};\n');
  write(join(dir, 'dist', 'dashboard', 'index.html'), '<!doctype html>\n');
  assert.deepEqual(check(dir), { status: 0, stdout: '' });

  write(join(dir, 'dashboard', 'charts.ts'), 'export {};\n', new Date(Date.now() + 60_000));
  assert.deepEqual(check(dir), { status: 2, stdout: 'stale: dashboard changed since the last build\n' });
});

test('build-if-stale: runs npm run build when stale, and not again once dist is current', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fairway-stale-build-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const past = new Date(Date.now() - 60_000);
  // A stand-in build: writes the outputs and counts its runs.
  const build =
    "node -e \"const fs=require('node:fs');fs.mkdirSync('dist/src/cli',{recursive:true});fs.mkdirSync('dist/dashboard',{recursive:true});" +
    "fs.writeFileSync('dist/src/cli/main.js','');fs.writeFileSync('dist/dashboard/index.html','');fs.appendFileSync('builds.log','built\\n')\"";
  write(join(dir, 'package.json'), JSON.stringify({ name: 'stale-test', private: true, scripts: { build } }), past);
  write(join(dir, 'src', 'index.ts'), 'export {};\n', past);
  utimesSync(join(dir, 'src'), past, past);
  const env = { PATH: process.env['PATH'] };
  for (let i = 0; i < 2; i++) {
    const run = spawnSync(process.execPath, [SCRIPT], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
  }
  assert.equal(readFileSync(join(dir, 'builds.log'), 'utf8'), 'built\n', 'built once: the second start found dist current');
});

// Spawning npm start in the checkout must not trigger a build that deletes
// dist/ while other test files run from it.
const stale = check(ROOT);
const skip = stale.status === 0 ? false : `dist/ is not current (${stale.stdout.trim()}); run npm run build`;

/** npm start on free ports, once its banner is out; tries new ports when another process took one first. */
async function startNpmDemo(t: { after: (fn: () => Promise<void>) => void }) {
  for (let attempt = 1; ; attempt++) {
    const [port, adminPort, ...backendPorts] = (await freePorts(5)) as [number, number, ...number[]];
    const npm = spawn('npm', ['start', '--', '--port', String(port), '--https-port', '0', '--admin-port', String(adminPort), '--backend-ports', backendPorts.join(','), '--log-format', 'json'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run = { npm, port, backendPorts, out: '' };
    npm.stdout.on('data', (c: Buffer) => (run.out += c.toString()));
    npm.stderr.on('data', (c: Buffer) => (run.out += c.toString()));
    const exited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
    t.after(async () => {
      if (npm.exitCode !== null || npm.signalCode !== null) return;
      // SIGTERM first: npm passes it on; SIGKILL would leave the demo behind.
      npm.kill('SIGTERM');
      const timer = setTimeout(() => npm.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    });
    const gone = () => npm.exitCode !== null || npm.signalCode !== null;
    await waitFor('demo banner or exit', () => run.out.includes('Ctrl+C') || gone(), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}; npm start printed:\n${run.out}`);
    });
    if (run.out.includes('Ctrl+C')) return { ...run, exited };
    // Ports from freePorts() are free when asked, not reserved: a parallel test may take one.
    if (attempt < 3 && run.out.includes('EADDRINUSE')) continue;
    throw new Error(`npm start exited before its banner:\n${run.out}`);
  }
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`npm start: ${signal} to the npm process stops the demo and all its backends, without rebuilding`, { skip, timeout: 90_000 }, async (t) => {
    const { npm, port, backendPorts, out, exited } = await startNpmDemo(t);
    assert.doesNotMatch(out, /build-if-stale: .*running npm run build/, 'dist was current: no rebuild');

    npm.kill(signal);
    await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Error(`npm did not exit after ${signal}:\n${out}`)), 15_000))]);
    for (const p of [port, ...backendPorts]) await waitFor(`port ${p} to be free`, () => connectRefused(p), 5_000, 50);
  });
}
