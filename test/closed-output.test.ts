// A closed stdout (EPIPE: the reader of the pipe went away, as `| head` does)
// never crashes a command with an unhandled 'error' event. Short commands
// finish as they would have; `start` stops cleanly as on SIGTERM; `backend`
// keeps serving and stops on its signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './helpers/child-fairway.js';
import { connectRefused, freePorts, waitFor } from './helpers/fixtures.js';
import { startTestBackend } from '../src/tools/test-backend.js';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the CLI with stdout's read end closed before the child writes a byte. */
function runWithClosedStdout(args: string[], timeoutMs = 20_000, whileRunning?: () => Promise<void>): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<Run>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr })));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  if (whileRunning) void whileRunning().finally(() => child.kill('SIGTERM'));
  return exited.finally(() => clearTimeout(timer));
}

const NO_STACK = /EPIPE|Unhandled|\n\s+at /;

test('validate with stdout closed: exits 0 for a good file, no stack trace', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fairway-closed-out-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'fairway.yaml');
  writeFileSync(file, 'pools:\n  - name: web\n    backends:\n      - url: http://127.0.0.1:9001\n');
  const run = await runWithClosedStdout(['validate', file]);
  assert.deepEqual({ code: run.code, signal: run.signal }, { code: 0, signal: null }, run.stderr);
  assert.doesNotMatch(run.stderr, NO_STACK);
});

test('start with stdout closed: the logger meets EPIPE and fairway stops cleanly, freeing its port', async () => {
  const [port, adminPort, backendPort] = await freePorts(3);
  const run = await runWithClosedStdout(['--port', String(port), '--admin-port', String(adminPort), '--backend', `http://127.0.0.1:${backendPort}`, '--log-format', 'json']);
  assert.deepEqual({ code: run.code, signal: run.signal }, { code: 0, signal: null }, `stopped by itself, not killed; stderr:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, NO_STACK);
  assert.ok(await connectRefused(port!), 'the proxy port is free');
});

test('backend with stdout closed: keeps serving, then stops on SIGTERM with code 0', async () => {
  const [port] = await freePorts(1);
  let answered = 0;
  const run = await runWithClosedStdout(['backend', '--port', String(port)], 20_000, async () => {
    await waitFor('the backend to answer', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      if (res?.ok) answered++;
      return res?.ok;
    }, 10_000, 50);
  });
  assert.equal(answered, 1, 'it answered after writing to the closed stdout');
  assert.deepEqual({ code: run.code, signal: run.signal }, { code: 0, signal: null }, run.stderr);
  assert.doesNotMatch(run.stderr, NO_STACK);
});

test('bench with stdout closed: the run finishes with its usual exit code, no stack trace', async (t) => {
  const backend = await startTestBackend({ port: 0, name: 'bench-target' });
  t.after(() => backend.close());
  const run = await runWithClosedStdout(['bench', `${backend.url}/`, '-c', '2', '-n', '20', '--no-progress']);
  assert.deepEqual({ code: run.code, signal: run.signal }, { code: 0, signal: null }, run.stderr);
  assert.doesNotMatch(run.stderr, NO_STACK);
  assert.ok(backend.requestCount >= 20, `the bench ran (${backend.requestCount} requests)`);
});

test('validate with stderr closed: a warning written there does not crash it; exit 0 and OK on stdout', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fairway-closed-err-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'fairway.yaml');
  // accessLog.sample 0 with the access log on is valid but warned about, on stderr.
  writeFileSync(file, 'accessLog:\n  enabled: true\n  sample: 0\npools:\n  - name: web\n    backends:\n      - url: http://127.0.0.1:9001\n');
  const child = spawn(process.execPath, [CLI, 'validate', file], { env: { PATH: process.env['PATH'] }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.destroy();
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  assert.deepEqual({ code, signal }, { code: 0, signal: null });
  assert.match(stdout, /: OK\n/);
});
