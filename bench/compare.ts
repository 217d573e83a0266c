// `npm run bench:compare`: fairway against NGINX, HAProxy, http-proxy and
// @fastify/reply-from on this machine, in one run. Fixed nginx backends and
// the load generator (wrk, or h2load for HTTP/2) share core 1; each proxy
// gets core 0 (taskset). Rounds are interleaved so a slow minute of a shared
// machine hits every path alike. The results go to docs/benchmarks.md
// between its markers.
//
// Each run also says whether every connection was answered: wrk's socket
// errors by kind (timeouts in their own column), and how many of the client
// connections received an answer, read from the kernel's view of the load
// generator's sockets (compare/served-connections.ts). Before its first
// measured run each target gets a 2 s warm-up, repeated up to 3 times while
// some connection went unanswered.
//
// The TLS scenarios (https-small-50 over HTTPS/1.1, h2-small over HTTP/2)
// run against NGINX, HAProxy and fairway only, each with one TLS port and
// the same ECDSA P-256 certificate, made per run with openssl. A target
// that does not speak HTTP/2 shows as failed with the reason; the run goes on.
//
// Options (flags or environment):
//   --duration 5s   BENCH_DURATION   length of each measured run
//   --rounds 3      BENCH_ROUNDS     interleaved rounds
//   --scenarios a,b BENCH_SCENARIOS  subset of: small-50 small-1000 get-64k post-1m conn-close
//                                    policies-50 (rate limit + gzip: NGINX, HAProxy, fairway)
//                                    https-small-50 h2-small
//   --targets a,b   BENCH_TARGETS    subset of: direct nginx haproxy fairway http-proxy reply-from
//   --out FILE      BENCH_OUT        where to write (default docs/benchmarks.md for a full
//                                    run, bench/results/quick.md otherwise)
//   --fairway-node PATH  BENCH_FAIRWAY_NODE  run fairway under this node binary (default: the
//                                    harness's own); `npx -y -p node@24 -- which node` gives one
//   --no-install                     fail instead of installing nginx, haproxy, wrk, h2load
//                                    (nghttp2-client), openssl and ss (iproute2)
//   BENCH_PROFILE_DIR=DIR            run fairway with --cpu-prof, profile written to DIR
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '../src/config/duration.js';
import { readCommandFlags } from './command-flags.js';
import { backendsNginx, haproxy, proxyNginx, wrkPostScript } from './compare/configs.js';
import { isFailed, type RunOutcome } from './compare/load-result.js';
import { overflowText, runLoad, servedText, warmUp } from './compare/load-run.js';
import { MOST_MEASURES_UNDER_STEAL, STEAL_REMEASURE_ABOVE, stealText } from './compare/steal-time.js';
import { fairwayNode, type NodeBinary } from './compare/node-binary.js';
import { freePort, processTreeCpuSeconds, runBenchmark, runQuiet, startPinned, stopAll, waitListening, type Managed } from './compare/processes.js';
import { medianCpuUs, medianRound, ratio, resultsMarkdown, scenarioTable, type Machine, type ScenarioResult } from './compare/markdown.js';
import { checkH2, checkHttps, checkPlain } from './compare/sanity.js';
import { checkPolicies, fairwayPoliciesConfig, writePoliciesBody } from './compare/policies.js';
import { SCENARIOS, type Scenario, type Transport } from './compare/scenarios.js';
import { writeResults } from './compare/results-file.js';
import { ensureTools } from './compare/tools.js';
import { haproxyTlsBind, makeCertificate, nginxTlsServer, nginxVersion, type Certificate } from './compare/tls-configs.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROXY_CORE = 0;
const LOAD_CORE = 1;

const TARGETS = ['direct', 'nginx', 'haproxy', 'fairway', 'http-proxy', 'reply-from'] as const;
type TargetId = (typeof TARGETS)[number];
/** The targets with a TLS port (HTTPS/1.1 and HTTP/2 via ALPN). */
const TLS_TARGETS: readonly TargetId[] = ['nginx', 'haproxy', 'fairway'];
const speaks = (target: TargetId, transport: Transport) => transport === 'http' || TLS_TARGETS.includes(target);
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
  fairwayNode: NodeBinary;
}

function parseArgs(argv: string[]): Settings {
  const given = readCommandFlags(argv, ['duration', 'rounds', 'scenarios', 'targets', 'out', 'fairway-node'], ['no-install'], 'bench/compare.ts');
  const flags = given.values;
  const install = !given.switches.has('no-install');
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
    fairwayNode: fairwayNode(pick('fairway-node', 'BENCH_FAIRWAY_NODE')),
  };
}

function machineFacts(fairwayOn: NodeBinary): Machine {
  const first = (text: string) => text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown';
  const nginx = first(runQuiet('nginx', ['-v']).output).replace(/^nginx version: /, '');
  const haproxyVersion = first(runQuiet('haproxy', ['-v']).output).replace(/^HAProxy version (\S+).*/, 'HAProxy $1');
  const wrk = first(runQuiet('wrk', ['-v']).output).replace(/^(wrk \S+).*/, '$1');
  const h2load = first(runQuiet('h2load', ['--version']).output);
  const openssl = first(runQuiet('openssl', ['version']).output).replace(/^(OpenSSL \S+).*/, '$1');
  return {
    date: new Date().toISOString().slice(0, 10),
    nproc: Number(runQuiet('nproc', []).output.trim()) || cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    ...(fairwayOn.own ? {} : { fairwayNode: fairwayOn.version }),
    nginx,
    haproxy: haproxyVersion,
    wrk,
    h2load,
    openssl,
    kernel: release(),
  };
}

interface Started {
  /** Each target's base URL per transport; a target without TLS has only `http`. */
  urls: Record<Transport, Map<TargetId, string>>;
  /** Each proxy's process, for its CPU time (none for the direct path). */
  processes: Map<TargetId, Managed>;
}

/** Starts the backends and every target; with `cert`, NGINX, HAProxy and fairway also get a TLS port. */
async function startEverything(dir: string, targets: readonly TargetId[], cert: Certificate | undefined, node: NodeBinary): Promise<Started> {
  const www = join(dir, 'www');
  mkdirSync(www);
  const block = Buffer.alloc(65536);
  for (let i = 0; i < block.length; i++) block[i] = 97 + (i % 26);
  writeFileSync(join(www, '64k'), block);
  writePoliciesBody(www);

  const backendPorts = [await freePort(), await freePort(), await freePort()];
  writeFileSync(join(dir, 'backends.conf'), backendsNginx(dir, backendPorts, www));
  const backends = startPinned('backend nginx', LOAD_CORE, 'nginx', ['-e', join(dir, 'backends.startup.log'), '-p', dir, '-c', join(dir, 'backends.conf')]);
  for (const p of backendPorts) await waitListening(backends, p);

  const backendUrls = backendPorts.map((p) => `http://127.0.0.1:${p}`);
  const urls: Started['urls'] = { http: new Map(), https: new Map(), h2: new Map() };
  const processes = new Map<TargetId, Managed>();
  for (const target of targets) {
    if (target === 'direct') {
      urls.http.set(target, backendUrls[0]!);
      continue;
    }
    const port = await freePort();
    const tlsPort = cert !== undefined && speaks(target, 'https') ? await freePort() : undefined;
    let m: Managed;
    switch (target) {
      case 'nginx': {
        const tls = tlsPort === undefined ? '' : nginxTlsServer(tlsPort, cert!, nginxVersion(runQuiet('nginx', ['-v']).output));
        writeFileSync(join(dir, 'nginx-proxy.conf'), proxyNginx(dir, port, backendPorts, tls));
        m = startPinned('nginx proxy', PROXY_CORE, 'nginx', ['-e', join(dir, 'nginx-proxy.startup.log'), '-p', dir, '-c', join(dir, 'nginx-proxy.conf')]);
        break;
      }
      case 'haproxy':
        writeFileSync(join(dir, 'haproxy.cfg'), haproxy(port, backendPorts, tlsPort === undefined ? [] : [haproxyTlsBind(tlsPort, cert!)]));
        m = startPinned('haproxy', PROXY_CORE, 'haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')]);
        break;
      case 'fairway': {
        const admin = await freePort();
        // The config file holds only the policies scenario's middlewares and routes; the rest comes from flags.
        writeFileSync(join(dir, 'fairway-policies.yaml'), fairwayPoliciesConfig());
        const args = [join(ROOT, 'dist/src/cli/main.js'), 'start', '-c', join(dir, 'fairway-policies.yaml'), '--host', '127.0.0.1', '--port', String(port), '--admin-port', String(admin), '--log-level', 'warn'];
        for (const u of backendUrls) args.push('--backend', u);
        // The quick-start TLS listener "websecure", beside the plain one.
        if (tlsPort !== undefined) args.push('--tls-cert', cert!.certFile, '--tls-key', cert!.keyFile, '--https-port', String(tlsPort));
        // BENCH_PROFILE_DIR=DIR writes a CPU profile of fairway there when it stops.
        const profile = process.env.BENCH_PROFILE_DIR;
        if (profile) args.unshift('--cpu-prof', `--cpu-prof-dir=${profile}`);
        m = startPinned('fairway', PROXY_CORE, node.path, args);
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
    urls.http.set(target, `http://127.0.0.1:${port}`);
    if (tlsPort !== undefined) {
      await waitListening(m, tlsPort);
      urls.https.set(target, `https://127.0.0.1:${tlsPort}`);
      urls.h2.set(target, `https://127.0.0.1:${tlsPort}`);
    }
    processes.set(target, m);
  }
  return { urls, processes };
}

/**
 * Every target answers each transport's requests correctly before anything
 * is measured; a wrong answer stops the run. A target without HTTP/2 does
 * not: its reason is returned, and its h2 runs are reported as failed.
 */
async function sanityCheck(urls: Started['urls'], cert: Certificate | undefined, wanted: ReadonlySet<Transport>, policies: boolean): Promise<Map<TargetId, string>> {
  for (const [target, base] of urls.http) await checkPlain(target, base);
  const policiesTargets: readonly string[] = SCENARIOS.find((s) => s.id === 'policies-50')?.targets ?? [];
  if (policies) for (const [target, base] of urls.http) if (policiesTargets.includes(target)) await checkPolicies(target, base);
  if (cert !== undefined && wanted.has('https')) for (const [target, base] of urls.https) await checkHttps(target, base, cert.pem);
  const noH2 = new Map<TargetId, string>();
  if (cert === undefined || !wanted.has('h2')) return noH2;
  for (const [target, base] of urls.h2) {
    const problem = await checkH2(base, cert.pem);
    if (problem !== undefined) {
      noH2.set(target, problem);
      console.log(`${target}: no HTTP/2 (${problem}); its h2 runs are reported as failed`);
    }
  }
  return noH2;
}

function describe(outcome: RunOutcome): string {
  if (isFailed(outcome)) return `failed: ${outcome.failure}`;
  const latency = outcome.p50 !== undefined && outcome.p99 !== undefined ? `p50 ${outcome.p50.toFixed(2)} ms  p99 ${outcome.p99.toFixed(2)} ms` : `mean ${outcome.meanMs?.toFixed(2) ?? '?'} ms`;
  const cpu = outcome.cpuUsPerRequest === undefined ? '' : `  cpu ${outcome.cpuUsPerRequest.toFixed(1)} µs/req`;
  const timeouts = outcome.socketErrors === undefined ? '' : ` (timeouts ${outcome.socketErrors.timeout})`;
  return `${Math.round(outcome.rps).toLocaleString('en-US').padStart(8)} req/s  ${latency}  errors ${outcome.errors}${timeouts}  ${servedText(outcome.connections)}${overflowText(outcome.listenOverflows)}${stealText(outcome.stealPercent)}${cpu}`;
}

function rotate<T>(list: readonly T[], by: number): T[] {
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

const fmt = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(2)}×`);

function headline(results: readonly ScenarioResult[]): string {
  const parts = [plainHeadline(results), tlsHeadline(results, 'https-small-50', 'Over HTTPS/1.1'), tlsHeadline(results, 'h2-small', 'Over HTTP/2')];
  return parts.filter((p) => p !== '').join(' ');
}

function plainHeadline(results: readonly ScenarioResult[]): string {
  const small = results.find((r) => r.id === 'small-50');
  if (small === undefined) return '';
  const p99 = (t: string) => medianRound(small.cells.find((c) => c.target === t)?.rounds ?? [])?.p99;
  const parts: string[] = [];
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

/** fairway against NGINX in one TLS scenario: throughput and CPU per request, or why fairway's runs failed. */
function tlsHeadline(results: readonly ScenarioResult[], id: string, what: string): string {
  const result = results.find((r) => r.id === id);
  const fairway = result?.cells.find((c) => c.target === 'fairway');
  const nginx = result?.cells.find((c) => c.target === 'nginx');
  if (result === undefined || fairway === undefined || nginx === undefined) return '';
  if (medianRound(fairway.rounds) === undefined) {
    const reason = fairway.rounds.find(isFailed)?.failure;
    return `**${what}:** fairway failed${reason === undefined ? '' : `: ${reason}`}.`;
  }
  const [cf, cn] = [medianCpuUs(fairway.rounds), medianCpuUs(nginx.rounds)];
  const cpu = cf !== undefined && cn !== undefined ? `; CPU per request fairway ${cf.toFixed(1)} µs, NGINX ${cn.toFixed(1)} µs` : '';
  return `**${what}:** fairway delivers ${fmt(ratio(result, 'fairway', 'nginx'))} the throughput of NGINX${cpu}.`;
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  ensureTools(['nginx', 'haproxy', 'wrk', 'h2load', 'openssl', 'taskset', 'ss'], settings.install);
  const full = settings.rounds >= 3 && settings.scenarios.length === SCENARIOS.length && settings.targets.length === TARGETS.length;
  const out = settings.out ?? join(ROOT, full ? 'docs/benchmarks.md' : 'bench/results/quick.md');
  const machine = machineFacts(settings.fairwayNode);
  const dir = mkdtempSync(join(tmpdir(), 'fairway-compare-'));
  const postScript = join(dir, 'post-1m.lua');
  writeFileSync(postScript, wrkPostScript(1 << 20));
  const targetsOf = (scenario: Scenario) => settings.targets.filter((t) => speaks(t, scenario.transport) && (scenario.targets?.includes(t) ?? true));
  const scenarios = settings.scenarios.filter((s) => {
    if (targetsOf(s).length > 0) return true;
    console.log(`${s.id}: none of the chosen targets runs it (${(s.targets ?? TLS_TARGETS).join(', ')} do); left out`);
    return false;
  });
  const pairs = scenarios.reduce((n, s) => n + targetsOf(s).length, 0);
  const runs = settings.rounds * pairs;
  console.log(
    `bench:compare: ${settings.targets.join(', ')} × ${scenarios.map((s) => s.id).join(', ')}; ` +
      `${settings.rounds} round(s) of ${settings.durationS} s = ${runs} runs, about ${Math.ceil((runs * (settings.durationS + 0.5) + pairs * 2) / 60)} min`,
  );
  try {
    const transports = new Set(scenarios.map((s) => s.transport));
    const cert = transports.has('https') || transports.has('h2') ? makeCertificate(dir) : undefined;
    const { urls, processes } = await startEverything(dir, settings.targets, cert, settings.fairwayNode);
    const cpuOf = (target: TargetId) => {
      const pid = processes.get(target)?.child.pid;
      return pid === undefined ? undefined : processTreeCpuSeconds(pid);
    };
    const noH2 = await sanityCheck(urls, cert, transports, scenarios.some((s) => s.id === 'policies-50'));
    const results: ScenarioResult[] = scenarios.map((s) => ({
      id: s.id,
      title: s.title,
      ...(s.note === undefined ? {} : { note: s.note }),
      cells: targetsOf(s).map((t) => ({ target: t, label: LABELS[t], rounds: [] as RunOutcome[] })),
    }));
    for (let round = 0; round < settings.rounds; round++) {
      for (const [si, scenario] of scenarios.entries()) {
        for (const target of rotate(targetsOf(scenario), round + si)) {
          const url = urls[scenario.transport].get(target)! + scenario.path;
          const skip = scenario.transport === 'h2' ? noH2.get(target) : undefined;
          let outcome: RunOutcome;
          if (skip !== undefined) outcome = { failure: skip };
          else {
            const run = { scenario, url, durationS: settings.durationS, cpu: LOAD_CORE, postScript };
            // The first round warms each path up (JIT, connection pools, TLS sessions) unmeasured.
            if (round === 0) for (const line of await warmUp(run)) console.log(`         ${scenario.id.padEnd(14)} ${target.padEnd(10)} ${line}`);
            const measure = async () => {
              const cpuBefore = cpuOf(target);
              const result = await runLoad(run);
              const cpuAfter = cpuOf(target);
              if (!isFailed(result) && cpuBefore !== undefined && cpuAfter !== undefined && result.requests > 0) {
                result.cpuUsPerRequest = ((cpuAfter - cpuBefore) * 1e6) / result.requests;
              }
              return result;
            };
            outcome = await measure();
            // A run the hypervisor took much of is measured again; the least stolen one counts.
            let stolenRuns = 0;
            while (!isFailed(outcome) && (outcome.stealPercent ?? 0) > STEAL_REMEASURE_ABOVE && stolenRuns + 1 < MOST_MEASURES_UNDER_STEAL) {
              console.log(`          ${scenario.id.padEnd(14)} ${target.padEnd(10)} steal ${outcome.stealPercent!.toFixed(1)} % (over ${STEAL_REMEASURE_ABOVE} %): measuring again`);
              const next = await measure();
              stolenRuns++;
              if (!isFailed(next) && (next.stealPercent ?? 0) < (outcome.stealPercent ?? 0)) outcome = next;
            }
            if (!isFailed(outcome) && stolenRuns > 0) outcome.stolenRuns = stolenRuns;
          }
          results[si]!.cells.find((c) => c.target === target)!.rounds.push(outcome);
          console.log(`round ${round + 1}/${settings.rounds} ${scenario.id.padEnd(14)} ${target.padEnd(10)} ${describe(outcome)}`);
        }
      }
    }
    const command = `npm run bench:compare${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
    const env = ['BENCH_DURATION', 'BENCH_ROUNDS', 'BENCH_SCENARIOS', 'BENCH_TARGETS', 'BENCH_FAIRWAY_NODE'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`);
    const markdown = resultsMarkdown(
      machine,
      { command: [...env, command].join(' '), durationS: settings.durationS, rounds: settings.rounds },
      results,
      headline(results),
    );
    console.log('');
    for (const r of results) console.log(scenarioTable(r) + '\n');
    console.log(headline(results));
    writeResults(out, { name: 'compare', heading: 'Results' }, markdown);
    console.log(`\nwritten to ${relative(process.cwd(), out) || out}`);
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark('bench:compare', main);
