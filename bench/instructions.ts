// Instructions per proxied request, counted by valgrind (callgrind), for
// comparing two builds of fairway on a noisy machine: instruction counts do
// not move with what else the host is doing, where CPU time per request does.
//
//   node dist/bench/instructions.js [BUILD_DIR ...]
//     BUILD_DIR  a checkout with a built dist/ (default: this one); each is
//                measured in turn, interleaved over INSTR_ROUNDS rounds
//   INSTR_REQUESTS=2000,12000   two request counts; the difference between
//                               their totals, divided by the difference in
//                               requests, cancels start-up and shutdown
//   INSTR_ROUNDS=2
//   INSTR_NODE_FLAGS='--max-semi-space-size=32'   V8/Node flags for fairway's process
//
// fairway runs under `valgrind --tool=callgrind` (about 50× slower), its
// backend is the raw canned-answer server, and the client is undici with 50
// keep-alive connections sending small GETs, all on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

const HERE = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function waitForLine(child: ChildProcess, stream: 'stdout' | 'stderr', match: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line matching ${match} within ${timeoutMs} ms`)), timeoutMs);
    const lines = createInterface({ input: child[stream]! });
    lines.on('line', (line) => {
      if (!match.test(line)) return;
      clearTimeout(timer);
      lines.close();
      resolvePromise(line);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ${match}`)));
  });
}

async function send(url: string, total: number): Promise<void> {
  const pool = new Pool(url, { connections: 50 });
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const res = await pool.request({ path: '/', method: 'GET' });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  await pool.close();
}

const nodeFlags = (process.env.INSTR_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');

/** Total instructions of one fairway process that served `requests` requests. */
async function measure(build: string, backendUrl: string, requests: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'fairway-instr-'));
  const out = join(dir, 'callgrind.out');
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--smc-check=all-non-file',
      `--callgrind-out-file=${out}`,
      process.execPath,
      ...nodeFlags,
      join(build, 'dist/src/cli/main.js'),
      'start',
      '--host', '127.0.0.1',
      '--port', '0',
      '--admin-port', '0',
      '--log-level', 'info',
      '--interval', '1h', // checks would add work per second, not per request
      '-b', backendUrl,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } },
  );
  try {
    const line = await waitForLine(child, 'stdout', /fairway listening/, 300_000);
    const proxy = (JSON.parse(line) as { proxy: string }).proxy;
    await send(`http://${proxy}`, requests);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    const text = readFileSync(out, 'utf8');
    const total = /^(?:summary|totals): (\d+)/m.exec(text);
    if (total === null) throw new Error('no instruction total in the callgrind output');
    return Number(total[1]);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const builds = process.argv.slice(2).map((b) => resolve(b));
  if (builds.length === 0) builds.push(HERE);
  for (const b of builds) if (!existsSync(join(b, 'dist/src/cli/main.js'))) throw new Error(`${b} has no dist/: build it first`);
  const [low, high] = (process.env.INSTR_REQUESTS ?? '2000,12000').split(',').map(Number) as [number, number];
  const rounds = Number(process.env.INSTR_ROUNDS ?? '2');

  const backend = spawn(process.execPath, [join(HERE, 'dist/bench/raw-server.js'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const ready = await waitForLine(backend, 'stdout', /listening on/, 10_000);
    const backendUrl = ready.slice(ready.indexOf('http://'));
    const results = new Map<string, number[]>(builds.map((b) => [b, []]));
    for (let round = 1; round <= rounds; round++) {
      for (const build of builds) {
        const a = await measure(build, backendUrl, low);
        const b = await measure(build, backendUrl, high);
        const perRequest = (b - a) / (high - low);
        results.get(build)!.push(perRequest);
        console.log(`round ${round}/${rounds}  ${build}  ${Math.round(perRequest).toLocaleString('en-US')} instructions/request`);
      }
    }
    const first = results.get(builds[0]!)!;
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    console.log('\n| build | instructions per request (each round) | mean | vs first |');
    console.log('| --- | --- | ---: | ---: |');
    for (const [build, values] of results) {
      const shown = values.map((v) => Math.round(v).toLocaleString('en-US')).join(', ');
      console.log(`| ${build} | ${shown} | ${Math.round(mean(values)).toLocaleString('en-US')} | ${(mean(values) / mean(first)).toFixed(3)} |`);
    }
  } finally {
    backend.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
