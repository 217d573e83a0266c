// `node dist/bench/build-ab.js --builds A,B`: two or more fairway builds
// against each other, and NGINX as the reference, on one scenario, in
// interleaved rounds. A change too small for bench:compare's noise between
// runs (a few per cent) shows here, because every build is measured in the
// same minutes of the same machine, in turn.
//
// Pinned as bench:compare pins: each proxy on core 0; one nginx backend and
// wrk on core 1. Every proxy stays up for the whole run; each one's CPU time
// is read from /proc over its own runs only.
//
// Options:
//   --builds A,B      directories holding a built fairway (A/dist/src/cli/main.js);
//                     `.` is this checkout. Make one with `git worktree add`, then
//                     `npm ci && npm run build` in it (or link node_modules).
//                     `A::FLAGS` runs that build with node FLAGS of its own, so
//                     `--builds .,.::--max-semi-space-size=16` measures a V8 flag.
//                     `A::FLAGS::ARGS` also gives that build's `fairway start`
//                     ARGS of its own (after the harness's), e.g. `-c FILE`.
//   --scenario ID     one of bench:compare's plain HTTP scenarios (default small-50)
//   --path P          request P instead of the scenario's path; the backend also
//                     serves /1m, a 1 MiB file
//   --rounds 5        interleaved rounds
//   --duration 4s     length of each measured run
//   --node-flags "…"  flags for fairway's node (the same for every build), e.g.
//                     "--max-semi-space-size=16"
//   --backends 1      nginx backends (on core 1), each proxy balancing over all
//   --no-nginx        builds only
//   --raw-server      also bench/raw-server.ts, a canned answer on raw Node.js
//                     sockets: the floor of what any Node.js server costs
//                     (for conn-close: accepting and closing a connection)
//
// Each fairway's run also shows its own p99 (from its request-duration
// histogram, bench/compare/own-latency.ts): a wrk p99 well above it was
// spent outside the proxy's work on the request.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '../src/config/duration.js';
import { readCommandFlags } from './command-flags.js';
import { backendsNginx, proxyNginx, wrkPostScript } from './compare/configs.js';
import { freePort, processTreeCpuSeconds, runBenchmark, startPinned, stopAll, waitListening, type Managed } from './compare/processes.js';
import { SCENARIOS, type Scenario } from './compare/scenarios.js';
import { stealText, watchSteal } from './compare/steal-time.js';
import { runWrk, type WrkResult } from './compare/wrk.js';
import { quantileBetween, readDurationBuckets } from './compare/own-latency.js';

/** This checkout (dist/bench/build-ab.js is two folders down). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROXY_CORE = 0;
const LOAD_CORE = 1;
const WARM_UP_S = 2;

interface Build {
  dir: string;
  /** Node flags of this build's own, after --node-flags. */
  flags: string[];
  /** `fairway start` arguments of this build's own, after the harness's. */
  args: string[];
  label: string;
}

interface Settings {
  builds: Build[];
  scenario: Scenario;
  rounds: number;
  durationS: number;
  backends: number;
  nodeFlags: string[];
  nginx: boolean;
  rawServer: boolean;
  path: string;
}

/** A space-separated list of flags or arguments, none for undefined. */
const words = (text: string | undefined) => (text ?? '').split(' ').filter((f) => f !== '');

function parseArgs(argv: string[]): Settings {
  const given = readCommandFlags(argv, ['builds', 'scenario', 'path', 'rounds', 'duration', 'node-flags', 'backends'], ['no-nginx', 'raw-server'], 'bench/build-ab.ts');
  const flags = given.values;
  const nginx = !given.switches.has('no-nginx');
  const rawServer = given.switches.has('raw-server');
  const builds = (flags.get('builds') ?? '').split(',').filter((b) => b !== '').map((entry): Build => {
    const [dir, ownFlags, ownArgs] = entry.split('::');
    return { dir: resolve(dir!), flags: words(ownFlags), args: words(ownArgs), label: entry };
  });
  if (builds.length === 0) throw new Error('--builds: name at least one directory holding dist/src/cli/main.js');
  for (const b of builds) if (!existsSync(join(b.dir, 'dist/src/cli/main.js'))) throw new Error(`--builds: ${b.dir} has no dist/src/cli/main.js (build it first)`);
  const plain = SCENARIOS.filter((s) => s.transport === 'http' && s.targets === undefined);
  const id = flags.get('scenario') ?? 'small-50';
  const scenario = plain.find((s) => s.id === id);
  if (scenario === undefined) throw new Error(`--scenario: unknown "${id}" (known: ${plain.map((s) => s.id).join(', ')})`);
  const rounds = Number(flags.get('rounds') ?? '5');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: "${flags.get('rounds')}" is not a whole number of at least 1`);
  const durationS = Math.max(1, Math.round(parseDuration(flags.get('duration') ?? '4s') / 1000));
  const backends = Number(flags.get('backends') ?? '1');
  if (!Number.isInteger(backends) || backends < 1 || backends > 8) throw new Error(`--backends: "${flags.get('backends')}" is not a whole number from 1 to 8`);
  const nodeFlags = words(flags.get('node-flags'));
  const path = flags.get('path') ?? scenario.path;
  if (!path.startsWith('/')) throw new Error(`--path: "${path}" does not start with /`);
  return { builds, scenario, rounds, durationS, backends, nodeFlags, nginx, rawServer, path };
}

interface Target {
  name: string;
  url: string;
  process: Managed;
  runs: WrkResult[];
  /** A fairway's admin port, where its own latency histogram is read. */
  adminPort?: number;
  /** fairway's own p99 of each run (ms), beside wrk's. */
  ownP99: number[];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function main(): Promise<void> {
  const s = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'fairway-ab-'));
  try {
    const www = join(dir, 'www');
    mkdirSync(www);
    writeFileSync(join(www, '64k'), Buffer.alloc(65536, 97));
    writeFileSync(join(www, '1m'), Buffer.alloc(1024 * 1024, 98));
    const postScript = join(dir, 'post.lua');
    writeFileSync(postScript, wrkPostScript(1024 * 1024));
    const backendPorts: number[] = [];
    for (let i = 0; i < s.backends; i++) backendPorts.push(await freePort());
    writeFileSync(join(dir, 'backend.conf'), backendsNginx(dir, backendPorts, www));
    const backend = startPinned('backend nginx', LOAD_CORE, 'nginx', ['-e', join(dir, 'backend.log'), '-p', dir, '-c', join(dir, 'backend.conf')]);
    for (const p of backendPorts) await waitListening(backend, p);

    const targets: Target[] = [];
    if (s.nginx) {
      const port = await freePort();
      writeFileSync(join(dir, 'proxy.conf'), proxyNginx(dir, port, backendPorts));
      const m = startPinned('nginx proxy', PROXY_CORE, 'nginx', ['-e', join(dir, 'proxy.log'), '-p', dir, '-c', join(dir, 'proxy.conf')]);
      await waitListening(m, port);
      targets.push({ name: 'nginx', url: `http://127.0.0.1:${port}`, process: m, runs: [], ownP99: [] });
    }
    for (const [i, build] of s.builds.entries()) {
      const port = await freePort();
      const admin = await freePort();
      const args = [...s.nodeFlags, ...build.flags, join(build.dir, 'dist/src/cli/main.js'), 'start', '--host', '127.0.0.1', '--port', String(port), '--admin-port', String(admin), '--log-level', 'warn'];
      for (const p of backendPorts) args.push('--backend', `http://127.0.0.1:${p}`);
      args.push(...build.args);
      const m = startPinned(`build ${i + 1}`, PROXY_CORE, process.execPath, args);
      await waitListening(m, port);
      targets.push({ name: `${String.fromCharCode(65 + i)} ${build.label}`, url: `http://127.0.0.1:${port}`, process: m, runs: [], adminPort: admin, ownP99: [] });
    }

    if (s.rawServer) {
      const port = await freePort();
      const m = startPinned('raw server', PROXY_CORE, process.execPath, [join(ROOT, 'dist/bench/raw-server.js'), String(port)]);
      await waitListening(m, port);
      targets.push({ name: 'raw Node.js server', url: `http://127.0.0.1:${port}`, process: m, runs: [], ownP99: [] });
    }

    const run = (t: Target, durationS: number) =>
      runWrk({ url: t.url + s.path, connections: s.scenario.connections, durationS, cpu: LOAD_CORE, headers: s.scenario.headers, script: s.scenario.post ? postScript : undefined });
    for (const t of targets) await run(t, WARM_UP_S);

    console.log(`${s.scenario.id} ${s.path}: ${s.rounds} rounds of ${s.durationS} s, node ${process.version} ${s.nodeFlags.join(' ')}`);
    for (let round = 0; round < s.rounds; round++) {
      // Each round starts with another target, so no target always runs first.
      const order = [...targets.slice(round % targets.length), ...targets.slice(0, round % targets.length)];
      for (const t of order) {
        const pid = t.process.child.pid!;
        const histogramBefore = t.adminPort === undefined ? undefined : await readDurationBuckets(t.adminPort);
        const before = processTreeCpuSeconds(pid);
        const steal = watchSteal();
        const result = await run(t, s.durationS);
        const stolen = steal();
        const after = processTreeCpuSeconds(pid);
        const histogramAfter = t.adminPort === undefined ? undefined : await readDurationBuckets(t.adminPort);
        const ownP99 = histogramBefore && histogramAfter ? quantileBetween(histogramBefore, histogramAfter, 0.99) : undefined;
        if (ownP99 !== undefined) t.ownP99.push(ownP99);
        if (before !== undefined && after !== undefined && result.requests > 0) result.cpuUsPerRequest = ((after - before) * 1e6) / result.requests;
        t.runs.push(result);
        console.log(`  round ${round + 1} ${t.name.padEnd(12).slice(0, 40)} ${Math.round(result.rps).toString().padStart(7)} req/s  cpu ${result.cpuUsPerRequest?.toFixed(1) ?? '?'} µs/req  p50 ${result.p50.toFixed(2)} p99 ${result.p99.toFixed(2)} ms${ownP99 === undefined ? '' : ` (own p99 ${ownP99.toFixed(2)})`}  errors ${result.errors}${stealText(stolen)}`);
      }
    }

    const reference = targets[0]!;
    const refRps = median(reference.runs.map((r) => r.rps));
    const refCpu = median(reference.runs.map((r) => r.cpuUsPerRequest ?? NaN));
    const refP50 = median(reference.runs.map((r) => r.p50));
    const refP99 = median(reference.runs.map((r) => r.p99));
    console.log(`\nmedians (ratios to ${reference.name.split(' ')[0]}):`);
    console.log('| target | req/s | × | CPU µs/req | × | p50 ms | × | p99 ms | × | own p99 ms |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const t of targets) {
      const rps = median(t.runs.map((r) => r.rps));
      const cpu = median(t.runs.map((r) => r.cpuUsPerRequest ?? NaN));
      const p50 = median(t.runs.map((r) => r.p50));
      const p99 = median(t.runs.map((r) => r.p99));
      console.log(
        `| ${t.name} | ${Math.round(rps)} | ${(rps / refRps).toFixed(2)} | ${cpu.toFixed(1)} | ${(cpu / refCpu).toFixed(2)} | ${p50.toFixed(2)} | ${(p50 / refP50).toFixed(2)} | ${p99.toFixed(2)} | ${(p99 / refP99).toFixed(2)} | ${t.ownP99.length > 0 ? median(t.ownP99).toFixed(2) : ''} |`,
      );
    }
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark('build-ab', main);
