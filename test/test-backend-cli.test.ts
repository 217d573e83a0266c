import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

const runner = fileURLToPath(new URL('./fixtures/backend-cli.js', import.meta.url));
const READY = /^backend (\S+) listening on (http:\/\/127\.0\.0\.1:(\d+))$/m;

interface Child {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
}

/** Spawns `backend ARGS` with only the given variables added to a clean environment. */
function spawnBackend(t: TestContext, args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [runner, 'backend', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { process: child, stdout: () => out, stderr: () => err, exit };
}

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for the ready line; with port 0 it is the only way to learn the port. */
async function ready(child: Child): Promise<{ name: string; url: string; port: number }> {
  return within(10_000, 'backend start', new Promise((resolve, reject) => {
    const check = (): void => {
      const match = READY.exec(child.stdout());
      if (match) resolve({ name: match[1]!, url: match[2]!, port: Number(match[3]) });
    };
    child.process.stdout!.on('data', check);
    child.exit.then((code) => reject(new Error(`backend exited with ${code}: ${child.stderr()}`)));
    check();
  }));
}

async function get(url: string): Promise<{ status: number; backend: unknown; json: { server: string } }> {
  const res = await request(url, { headersTimeout: 5000, bodyTimeout: 5000, reset: true });
  const json = (await res.body.json()) as { server: string };
  return { status: res.statusCode, backend: res.headers['x-backend'], json };
}

test('the backend command serves, prints its address and stops on SIGTERM with exit 0', async (t) => {
  const child = spawnBackend(t, ['--port', '0', '--name', 'child-a']);
  const { name, url, port } = await ready(child);
  assert.equal(name, 'child-a');
  assert.ok(port > 0);
  const a = await get(`${url}/`);
  assert.equal(a.status, 200);
  assert.equal(a.backend, 'child-a');
  assert.equal(child.stdout().trim().split('\n').length, 1, 'prints exactly one line');
  child.process.kill('SIGTERM');
  assert.equal(await within(5000, 'backend stop', child.exit), 0);
});

test('environment variables configure the backend and flags win over them', async (t) => {
  const child = spawnBackend(t, ['--port', '0', '--failure-rate', '0'], { SERVER_ID: 'from-env', FAILURE_RATE: '1' });
  const { name, url } = await ready(child);
  assert.equal(name, 'from-env');
  assert.equal((await get(`${url}/`)).status, 200, '--failure-rate 0 beats FAILURE_RATE=1');
  child.process.kill('SIGINT');
  assert.equal(await within(5000, 'backend stop', child.exit), 0);

  const failing = spawnBackend(t, [], { PORT: '0', FAILURE_RATE: '1' });
  const started = await ready(failing);
  assert.equal(started.name, `backend-${started.port}`);
  assert.equal((await get(`${started.url}/`)).status, 500);
  failing.process.kill('SIGTERM');
  assert.equal(await within(5000, 'backend stop', failing.exit), 0);
});

test('invalid values exit 1 with a clear message and no stack trace', async (t) => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['--port', '0', '--failure-rate', '2'], {}, /failure rate: "2" is not a failure rate from 0 to 1/],
    [['--port', 'eighty'], {}, /"eighty" is not a port/],
    [['--port', '0'], { MIN_LATENCY: 'soon' }, /MIN_LATENCY.*"soon" is not a delay/],
    [['--port', '0', '--min-latency', '50', '--max-latency', '10'], {}, /min latency \(50 ms\) is greater than max latency \(10 ms\)/],
  ];
  for (const [args, env, message] of cases) {
    const child = spawnBackend(t, args, env);
    assert.equal(await within(10_000, 'backend exit', child.exit), 1, args.join(' '));
    assert.match(child.stderr(), message);
    assert.doesNotMatch(child.stderr(), /^\s+at /m, 'no stack trace');
  }
});
