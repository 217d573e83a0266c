// The demo's backend processes never outlive it: not when its stdout closes
// (`fairway demo | head -1`: EPIPE, which must not crash it either), not on
// SIGTERM, and not on SIGKILL, which the demo cannot catch — the backends
// watch the IPC channel to it and exit when it closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './helpers/child-fairway.js';
import { connectRefused, freePorts, waitFor } from './helpers/fixtures.js';

interface DemoChild {
  child: ChildProcess;
  /** The demo's TMPDIR, where it writes its certificate: the test's own, so a SIGKILL leaves nothing in /tmp. */
  tmp: string;
  backendPorts: number[];
  output: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function spawnDemo(logFormat: 'json' | 'pretty'): Promise<DemoChild> {
  const [port, adminPort, ...backendPorts] = await freePorts(5);
  const tmp = mkdtempSync(join(tmpdir(), 'fairway-demo-exit-'));
  const child = spawn(
    process.execPath,
    [CLI, 'demo', '--port', String(port), '--https-port', '0', '--admin-port', String(adminPort), '--backend-ports', backendPorts.join(','), '--log-format', logFormat],
    { env: { PATH: process.env['PATH'], TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, tmp, backendPorts: backendPorts as number[], output: () => stdout + stderr, stderr: () => stderr, exited };
}

/** The demo is up: the banner is out and every backend listens. */
async function untilRunning(demo: DemoChild): Promise<void> {
  await waitFor('demo banner', () => demo.output().includes('Ctrl+C'), 20_000).catch((err: Error) => {
    throw new Error(`${err.message}; the demo printed:\n${demo.output()}`);
  });
  for (const port of demo.backendPorts) assert.equal(await connectRefused(port), false, `backend on ${port} listens`);
}

async function untilBackendsGone(ports: number[], timeoutMs: number): Promise<void> {
  for (const port of ports) await waitFor(`backend port ${port} to be free`, () => connectRefused(port), timeoutMs, 50);
}

function cleanUp(demo: DemoChild): () => Promise<void> {
  return async () => {
    if (demo.child.exitCode === null && demo.child.signalCode === null) {
      demo.child.kill('SIGKILL');
      await demo.exited;
    }
    rmSync(demo.tmp, { recursive: true, force: true });
  };
}

test('demo piped into a reader that closes after the first line: exits without a stack trace and frees every backend port', { timeout: 60_000 }, async (t) => {
  // `pretty` is the default format, the one a user piping into head gets.
  const demo = await spawnDemo('pretty');
  t.after(cleanUp(demo));
  const stdout = demo.child.stdout!;
  let first = '';
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      first += chunk.toString();
      if (!first.includes('\n')) return;
      stdout.off('data', onData);
      // As `head -1` does: the read end of the pipe goes away.
      stdout.destroy();
      resolve();
    };
    stdout.on('data', onData);
  });
  // Whatever the demo had left to print, a health transition makes it write
  // again; that write is the one that meets the closed pipe.
  await fetch(`http://127.0.0.1:${demo.backendPorts[0]}/control?healthy=false`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);

  const result = await Promise.race([demo.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))]);
  assert.notEqual(result, 'timeout', `the demo exits once its stdout is closed; stderr:\n${demo.stderr()}`);
  assert.deepEqual(result, { code: 0, signal: null }, `a clean stop; stderr:\n${demo.stderr()}`);
  assert.doesNotMatch(demo.stderr(), /EPIPE|Error|\n\s+at /, 'no stack trace on stderr');
  await untilBackendsGone(demo.backendPorts, 5_000);
});

test('demo killed with SIGKILL: its backend processes exit and free their ports', { timeout: 60_000 }, async (t) => {
  const demo = await spawnDemo('json');
  t.after(cleanUp(demo));
  await untilRunning(demo);
  demo.child.kill('SIGKILL');
  assert.deepEqual(await demo.exited, { code: null, signal: 'SIGKILL' });
  await untilBackendsGone(demo.backendPorts, 5_000);
});

test('demo stopped with SIGTERM: exits 0, its backend processes are gone and its certificate directory is removed', { timeout: 60_000 }, async (t) => {
  const demo = await spawnDemo('json');
  t.after(cleanUp(demo));
  await untilRunning(demo);
  assert.equal(readdirSync(demo.tmp).filter((n) => n.startsWith('fairway-demo-tls-')).length, 1, 'the running demo keeps its certificate in TMPDIR');
  demo.child.kill('SIGTERM');
  const result = await Promise.race([demo.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
  assert.deepEqual(result, { code: 0, signal: null }, `stderr:\n${demo.stderr()}`);
  // demo.stop() waits for the backends, so they are gone at once.
  for (const port of demo.backendPorts) assert.ok(await connectRefused(port), `backend on ${port} stopped`);
  assert.deepEqual(readdirSync(demo.tmp), [], 'the certificate directory is removed');
});
