// `npm run bench:compare`: fairway against NGINX, HAProxy, http-proxy and
// @fastify/reply-from on this machine, in one run. Fixed nginx backends and
// wrk share core 1; each proxy gets core 0 (taskset). Rounds are interleaved
// so a slow minute of a shared machine hits every path alike. The results go
// to docs/benchmarks.md between its markers.
//
// Options (flags or environment):
//   --duration 5s   BENCH_DURATION   length of each measured run
//   --rounds 3      BENCH_ROUNDS     interleaved rounds
//   --scenarios a,b BENCH_SCENARIOS  subset of: small-50 small-1000 get-64k post-1m conn-close
//   --targets a,b   BENCH_TARGETS    subset of: direct nginx haproxy fairway http-proxy reply-from
//   --out FILE      BENCH_OUT        where to write (default docs/benchmarks.md for a full
//                                    run, bench/results/quick.md otherwise)
//   --no-install                     fail instead of installing nginx, haproxy and wrk
//   BENCH_PROFILE_DIR=DIR            run fairway with --cpu-prof, profile written to DIR
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { parseDuration } from '../src/config/duration.js';
import { backendsNginx, haproxy, proxyNginx, wrkPostScript } from './compare/configs.js';
import { freePort, hasCommand, killAllNow, processTreeCpuSeconds, runQuiet, startPinned, stopAll, waitListening, type Managed } from './compare/processes.js';
import { medianCpuUs, medianRound, ratio, resultsMarkdown, scenarioTable, type Machine, type ScenarioResult } from './compare/markdown.js';
import { runWrk, type WrkResult } from './compare/wrk.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROXY_CORE = 0;
const LOAD_CORE = 1;
const START_MARKER = '<!-- bench:compare:start -->';
const END_MARKER = '<!-- bench:compare:end -->';

interface Scenario {
  id: string;
  title: string;
  path: string;
  connections: number;
  post?: boolean;
  headers?: string[];
}

const SCENARIOS: Scenario[] = [
  { id: 'small-50', title: 'Small GET, 50 keep-alive connections', path: '/', connections: 50 },
  { id: 'small-1000', title: 'Small GET, 1,000 keep-alive connections', path: '/', connections: 1000 },
  { id: 'get-64k', title: '64 KiB responses, 50 keep-alive connections', path: '/64k', connections: 50 },
  { id: 'post-1m', title: '1 MiB request bodies (POST), 50 keep-alive connections', path: '/', connections: 50, post: true },
  { id: 'conn-close', title: 'A new connection per request (Connection: close), 50 connections', path: '/', connections: 50, headers: ['Connection: close'] },
];

const TARGETS = ['direct', 'nginx', 'haproxy', 'fairway', 'http-proxy', 'reply-from'] as const;
type TargetId = (typeof TARGETS)[number];
const LABELS: Record<TargetId, string> = {
  direct: 'direct to a backend, no proxy',
  nginx: 'NGINX `proxy_pass`, upstream keepalive 64',
  haproxy: 'HAProxy `mode http`',
  fairway: 'fairway (one process, default features)',
  'http-proxy': '`http-proxy` with a keep-alive agent',
  'reply-from': '`@fastify/reply-from` (undici, 128 connections)',
};

interface Settings {
  durationS: number;
  rounds: number;
  scenarios: Scenario[];
  targets: TargetId[];
  out: string | undefined;
  install: boolean;
}

function parseArgs(argv: string[]): Settings {
  const flags = new Map<string, string>();
  let install = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--no-install') install = false;
    else if (['--duration', '--rounds', '--scenarios', '--targets', '--out'].includes(arg) && argv[i + 1] !== undefined) flags.set(arg.slice(2), argv[++i]!);
    else throw new Error(`unknown argument "${arg}" (see the comment at the top of bench/compare.ts)`);
  }
  const pick = (name: string, env: string) => flags.get(name) ?? process.env[env];
  const durationMs = parseDuration(pick('duration', 'BENCH_DURATION') ?? '5s');
  const rounds = Number(pick('rounds', 'BENCH_ROUNDS') ?? '3');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds: "${rounds}" is not a whole number of at least 1`);
  const list = (text: string | undefined, all: readonly string[], what: string) => {
    if (text === undefined || text === '') return [...all];
    const chosen = text.split(',').map((s) => s.trim());
    for (const c of chosen) if (!all.includes(c)) throw new Error(`${what}: unknown "${c}" (known: ${all.join(', ')})`);
    return chosen;
  };
  const scenarioIds = list(pick('scenarios', 'BENCH_SCENARIOS'), SCENARIOS.map((s) => s.id), 'scenarios');
  return {
    durationS: Math.max(1, Math.round(durationMs / 1000)),
    rounds,
    scenarios: SCENARIOS.filter((s) => scenarioIds.includes(s.id)),
    targets: list(pick('targets', 'BENCH_TARGETS'), TARGETS, 'targets') as TargetId[],
    out: pick('out', 'BENCH_OUT'),
    install,
  };
}

function ensureTools(install: boolean): void {
  const missing = ['nginx', 'haproxy', 'wrk', 'taskset'].filter((c) => !hasCommand(c));
  if (missing.length === 0) return;
  if (!install) throw new Error(`missing ${missing.join(', ')}; install them or run without --no-install`);
  const packages = missing.map((c) => (c === 'taskset' ? 'util-linux' : c));
  console.log(`installing ${packages.join(', ')} from Debian (apt-get update first)...`);
  const update = runQuiet('apt-get', ['update']);
  if (update.code !== 0) throw new Error(`apt-get update failed:\n${update.output}`);
  const add = runQuiet('apt-get', ['install', '-y', '--no-install-recommends', ...packages]);
  if (add.code !== 0) throw new Error(`apt-get install failed:\n${add.output}`);
  const still = missing.filter((c) => !hasCommand(c));
  if (still.length > 0) throw new Error(`still missing after install: ${still.join(', ')}`);
}

function machineFacts(): Machine {
  const first = (text: string) => text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown';
  const nginx = first(runQuiet('nginx', ['-v']).output).replace(/^nginx version: /, '');
  const haproxyVersion = first(runQuiet('haproxy', ['-v']).output).replace(/^HAProxy version (\S+).*/, 'HAProxy $1');
  const wrk = first(runQuiet('wrk', ['-v']).output).replace(/^(wrk \S+).*/, '$1');
  return {
    date: new Date().toISOString().slice(0, 10),
    nproc: Number(runQuiet('nproc', []).output.trim()) || cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    nginx,
    haproxy: haproxyVersion,
    wrk,
    kernel: release(),
  };
}

interface Started {
  urls: Map<TargetId, string>;
  /** Each proxy's process, for its CPU time (none for the direct path). */
  processes: Map<TargetId, Managed>;
  backendPorts: number[];
}

async function startEverything(dir: string, targets: readonly TargetId[]): Promise<Started> {
  const www = join(dir, 'www');
  mkdirSync(www);
  const block = Buffer.alloc(65536);
  for (let i = 0; i < block.length; i++) block[i] = 97 + (i % 26);
  writeFileSync(join(www, '64k'), block);

  const backendPorts = [await freePort(), await freePort(), await freePort()];
  writeFileSync(join(dir, 'backends.conf'), backendsNginx(dir, backendPorts, www));
  const backends = startPinned('backend nginx', LOAD_CORE, 'nginx', ['-e', join(dir, 'backends.startup.log'), '-p', dir, '-c', join(dir, 'backends.conf')]);
  for (const p of backendPorts) await waitListening(backends, p);

  const backendUrls = backendPorts.map((p) => `http://127.0.0.1:${p}`);
  const urls = new Map<TargetId, string>();
  const processes = new Map<TargetId, Managed>();
  for (const target of targets) {
    if (target === 'direct') {
      urls.set(target, backendUrls[0]!);
      continue;
    }
    const port = await freePort();
    let m: Managed;
    switch (target) {
      case 'nginx':
        writeFileSync(join(dir, 'nginx-proxy.conf'), proxyNginx(dir, port, backendPorts));
        m = startPinned('nginx proxy', PROXY_CORE, 'nginx', ['-e', join(dir, 'nginx-proxy.startup.log'), '-p', dir, '-c', join(dir, 'nginx-proxy.conf')]);
        break;
      case 'haproxy':
        writeFileSync(join(dir, 'haproxy.cfg'), haproxy(port, backendPorts));
        m = startPinned('haproxy', PROXY_CORE, 'haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')]);
        break;
      case 'fairway': {
        const admin = await freePort();
        const args = [join(ROOT, 'dist/src/cli/main.js'), 'start', '--host', '127.0.0.1', '--port', String(port), '--admin-port', String(admin), '--log-level', 'warn'];
        for (const u of backendUrls) args.push('--backend', u);
        // BENCH_PROFILE_DIR=DIR writes a CPU profile of fairway there when it stops.
        const profile = process.env.BENCH_PROFILE_DIR;
        if (profile) args.unshift('--cpu-prof', `--cpu-prof-dir=${profile}`);
        m = startPinned('fairway', PROXY_CORE, process.execPath, args);
        break;
      }
      case 'http-proxy':
        m = startPinned('http-proxy', PROXY_CORE, process.execPath, [join(ROOT, 'bench/proxies/http-proxy.mjs'), String(port), ...backendUrls]);
        break;
      case 'reply-from':
        m = startPinned('reply-from', PROXY_CORE, process.execPath, [join(ROOT, 'bench/proxies/reply-from.mjs'), String(port), ...backendUrls]);
        break;
    }
    await waitListening(m, port);
    urls.set(target, `http://127.0.0.1:${port}`);
    processes.set(target, m);
  }
  return { urls, processes, backendPorts };
}

/** Every target answers each scenario's request correctly before anything is measured. */
async function sanityCheck(urls: Map<TargetId, string>): Promise<void> {
  for (const [target, base] of urls) {
    const small = await request(`${base}/`);
    const text = await small.body.text();
    if (small.statusCode !== 200 || !text.startsWith('hello from')) throw new Error(`${target}: GET / answered ${small.statusCode} ${text.slice(0, 80)}`);
    const big = await request(`${base}/64k`);
    const size = (await big.body.arrayBuffer()).byteLength;
    if (big.statusCode !== 200 || size !== 65536) throw new Error(`${target}: GET /64k answered ${big.statusCode} with ${size} bytes`);
    const post = await request(`${base}/`, { method: 'POST', body: Buffer.alloc(1 << 20, 97), headers: { 'content-type': 'application/octet-stream' } });
    await post.body.dump();
    if (post.statusCode !== 200) throw new Error(`${target}: POST of 1 MiB answered ${post.statusCode}`);
  }
}

function rotate<T>(list: readonly T[], by: number): T[] {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function headline(results: readonly ScenarioResult[]): string {
  const small = results.find((r) => r.id === 'small-50');
  if (small === undefined) return '';
  const p99 = (t: string) => medianRound(small.cells.find((c) => c.target === t)?.rounds ?? [])?.p99;
  const parts: string[] = [];
  const fmt = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(2)}×`);
  const vsHttpProxy = ratio(small, 'fairway', 'http-proxy');
  const vsReplyFrom = ratio(small, 'fairway', 'reply-from');
  const vsNginx = ratio(small, 'fairway', 'nginx');
  parts.push(`**Small GET at 50 connections:** fairway delivers ${fmt(vsHttpProxy)} the throughput of http-proxy (target ≥ 2×), ${fmt(vsReplyFrom)} that of reply-from (target ≥ 1.5×) and ${fmt(vsNginx)} that of NGINX.`);
  const f = p99('fairway');
  const h = p99('http-proxy');
  const r = p99('reply-from');
  if (f !== undefined && h !== undefined && r !== undefined) {
    parts.push(`p99: fairway ${f.toFixed(2)} ms, http-proxy ${h.toFixed(2)} ms, reply-from ${r.toFixed(2)} ms${f < h && f < r ? ' (fairway lowest of the three)' : ''}.`);
  }
  const cpu = (t: string) => medianCpuUs(small.cells.find((c) => c.target === t)?.rounds ?? []);
  const [cf, ch, cr] = [cpu('fairway'), cpu('http-proxy'), cpu('reply-from')];
  if (cf !== undefined && ch !== undefined && cr !== undefined) {
    parts.push(`CPU per request: fairway ${cf.toFixed(1)} µs, http-proxy ${ch.toFixed(1)} µs (${(ch / cf).toFixed(2)}× fairway's), reply-from ${cr.toFixed(1)} µs (${(cr / cf).toFixed(2)}×).`);
  }
  return parts.join(' ');
}

function writeResults(file: string, body: string): void {
  const block = `${START_MARKER}\n${body}\n${END_MARKER}`;
  let text: string;
  if (existsSync(file)) {
    const old = readFileSync(file, 'utf8');
    const a = old.indexOf(START_MARKER);
    const b = old.indexOf(END_MARKER);
    text = a !== -1 && b > a ? old.slice(0, a) + block + old.slice(b + END_MARKER.length) : `${old.trimEnd()}\n\n## Results\n\n${block}\n`;
  } else {
    mkdirSync(dirname(file), { recursive: true });
    text = `# Benchmarks\n\n## Results\n\n${block}\n`;
  }
  writeFileSync(file, text);
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  ensureTools(settings.install);
  const full = settings.rounds >= 3 && settings.scenarios.length === SCENARIOS.length && settings.targets.length === TARGETS.length;
  const out = settings.out ?? join(ROOT, full ? 'docs/benchmarks.md' : 'bench/results/quick.md');
  const machine = machineFacts();
  const dir = mkdtempSync(join(tmpdir(), 'fairway-compare-'));
  const postScript = join(dir, 'post-1m.lua');
  writeFileSync(postScript, wrkPostScript(1 << 20));
  const runs = settings.rounds * settings.scenarios.length * settings.targets.length;
  console.log(
    `bench:compare: ${settings.targets.join(', ')} × ${settings.scenarios.map((s) => s.id).join(', ')}; ` +
      `${settings.rounds} round(s) of ${settings.durationS} s = ${runs} runs, about ${Math.ceil((runs * (settings.durationS + 0.5) + settings.scenarios.length * settings.targets.length * 2) / 60)} min`,
  );
  try {
    const { urls, processes } = await startEverything(dir, settings.targets);
    const cpuOf = (target: TargetId) => {
      const pid = processes.get(target)?.child.pid;
      return pid === undefined ? undefined : processTreeCpuSeconds(pid);
    };
    await sanityCheck(urls);
    const results: ScenarioResult[] = settings.scenarios.map((s) => ({
      id: s.id,
      title: s.title,
      cells: settings.targets.map((t) => ({ target: t, label: LABELS[t], rounds: [] as WrkResult[] })),
    }));
    for (let round = 0; round < settings.rounds; round++) {
      for (const [si, scenario] of settings.scenarios.entries()) {
        for (const target of rotate(settings.targets, round + si)) {
          const run = {
            url: urls.get(target)! + scenario.path,
            connections: scenario.connections,
            cpu: LOAD_CORE,
            headers: scenario.headers,
            script: scenario.post ? postScript : undefined,
          };
          // The first round warms each path up (JIT, connection pools) unmeasured.
          if (round === 0) await runWrk({ ...run, durationS: 2 });
          const cpuBefore = cpuOf(target);
          const result = await runWrk({ ...run, durationS: settings.durationS });
          const cpuAfter = cpuOf(target);
          if (cpuBefore !== undefined && cpuAfter !== undefined && result.requests > 0) {
            result.cpuUsPerRequest = ((cpuAfter - cpuBefore) * 1e6) / result.requests;
          }
          results[si]!.cells.find((c) => c.target === target)!.rounds.push(result);
          console.log(
            `round ${round + 1}/${settings.rounds} ${scenario.id.padEnd(10)} ${target.padEnd(10)} ` +
              `${Math.round(result.rps).toLocaleString('en-US').padStart(8)} req/s  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  errors ${result.errors}` +
              (result.cpuUsPerRequest === undefined ? '' : `  cpu ${result.cpuUsPerRequest.toFixed(1)} µs/req`),
          );
        }
      }
    }
    const command = `npm run bench:compare${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
    const env = ['BENCH_DURATION', 'BENCH_ROUNDS', 'BENCH_SCENARIOS', 'BENCH_TARGETS'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`);
    const markdown = resultsMarkdown(
      machine,
      { command: [...env, command].join(' '), durationS: settings.durationS, rounds: settings.rounds },
      results,
      headline(results),
    );
    console.log('');
    for (const r of results) console.log(scenarioTable(r) + '\n');
    console.log(headline(results));
    writeResults(out, markdown);
    console.log(`\nwritten to ${relative(process.cwd(), out) || out}`);
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\nbench:compare: ${signal}, stopping every process it started`);
    void stopAll().finally(() => process.exit(130));
  });
}

main().catch(async (error: unknown) => {
  console.error(`bench:compare: ${(error as Error).message}`);
  await stopAll();
  process.exitCode = 1;
});
