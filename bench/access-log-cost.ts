// What the access log costs at full load: fairway with accessLog off, on
// (json to a file) and on (combined to a file), in interleaved rounds of wrk
// at 50 connections, against 3 `fairway backend` processes. fairway runs
// pinned to core 0; wrk and the backends share core 1.
// Run: npm run build && node dist/bench/access-log-cost.js [seconds per run] [rounds]
// Prints a markdown table and, per variant, two ratios to "off" measured in
// the same round (medians over the rounds): throughput, and fairway's CPU time
// per request (from /proc), which a busy shared machine disturbs less.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, hasCommand, runBenchmark, startPinned, stopAll, waitListening } from './compare/processes.js';
import { runWrk, type WrkResult } from './compare/wrk.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/main.js');
const PROXY_CORE = 0;
const LOAD_CORE = 1;
const CONNECTIONS = 50;

const durationS = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);

type Variant = 'off' | 'json' | 'combined';
const VARIANTS: Variant[] = ['off', 'json', 'combined'];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user + system, all threads) a process has used so far, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

interface Measured {
  rps: number;
  /** fairway's CPU microseconds per request. */
  cpuUs: number;
}

function config(port: number, backends: string[], variant: Variant, logPath: string): string {
  const lines = [
    `listen: { host: 127.0.0.1, port: ${port} }`,
    'admin: { port: 0 }',
    'log: { level: warn }',
    `backends: [${backends.join(', ')}]`,
  ];
  if (variant !== 'off') lines.push(`accessLog: { enabled: true, format: ${variant}, path: ${logPath} }`);
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  for (const tool of ['wrk', 'taskset']) {
    if (!hasCommand(tool)) throw new Error(`${tool} is not installed (apt-get install -y ${tool === 'wrk' ? 'wrk' : 'util-linux'})`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'fairway-access-cost-'));
  try {
    const backendUrls: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const port = await freePort();
      const m = startPinned(`backend b${i}`, LOAD_CORE, process.execPath, [CLI, 'backend', '--port', String(port), '--name', `b${i}`]);
      await waitListening(m, port);
      backendUrls.push(`http://127.0.0.1:${port}`);
    }
    // One fairway per variant, all running; only the one under load is busy.
    const targets = new Map<Variant, { url: string; logPath: string; pid: number }>();
    for (const variant of VARIANTS) {
      const port = await freePort();
      const logPath = join(dir, `access-${variant}.log`);
      const file = join(dir, `fairway-${variant}.yaml`);
      writeFileSync(file, config(port, backendUrls, variant, logPath));
      const m = startPinned(`fairway (${variant})`, PROXY_CORE, process.execPath, [CLI, 'start', '-c', file]);
      await waitListening(m, port);
      // taskset execs fairway, so the child's pid is fairway's.
      targets.set(variant, { url: `http://127.0.0.1:${port}/`, logPath, pid: m.child.pid! });
    }
    const load = (variant: Variant, seconds: number): Promise<WrkResult> =>
      runWrk({
        url: targets.get(variant)!.url,
        connections: CONNECTIONS,
        durationS: seconds,
        cpu: LOAD_CORE,
        headers: ['User-Agent: wrk/4 (fairway access-log bench)', 'Referer: http://bench.example/'],
      });

    let sent: Record<Variant, number> = { off: 0, json: 0, combined: 0 };
    for (const variant of VARIANTS) {
      // Warm up the JIT and connections.
      sent = { ...sent, [variant]: (await load(variant, 3)).requests };
    }
    console.log(`wrk -t1 -c${CONNECTIONS} -d${durationS}s, ${rounds} rounds, variants interleaved; node ${process.version}\n`);
    console.log('req/s, and in brackets fairway CPU µs per request\n');
    console.log('| round | off | json | json/off | combined | combined/off |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
    const logged = ['json', 'combined'] as const;
    const ratios = { json: { rps: [] as number[], cpu: [] as number[] }, combined: { rps: [] as number[], cpu: [] as number[] } };
    let errors = 0;
    for (let round = 1; round <= rounds; round++) {
      // Rotate the order so no variant always runs first or last in a round.
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round - 1) % VARIANTS.length]!);
      const result = {} as Record<Variant, Measured>;
      for (const variant of order) {
        const pid = targets.get(variant)!.pid;
        const cpuBefore = cpuMs(pid);
        const wrk = await load(variant, durationS);
        const cpuUs = ((cpuMs(pid) - cpuBefore) * 1000) / Math.max(1, wrk.requests);
        result[variant] = { rps: wrk.rps, cpuUs };
        errors += wrk.errors;
        sent = { ...sent, [variant]: sent[variant] + wrk.requests };
      }
      const cell = (v: Variant) => `${result[v].rps.toFixed(0)} (${result[v].cpuUs.toFixed(0)})`;
      const ratio = (v: Variant) => {
        const rps = result[v].rps / result.off.rps;
        const cpu = result.off.cpuUs / result[v].cpuUs;
        return { rps, cpu, text: `${rps.toFixed(3)} (${cpu.toFixed(3)})` };
      };
      const json = ratio('json');
      const combined = ratio('combined');
      for (const [v, r] of [['json', json], ['combined', combined]] as const) {
        ratios[v].rps.push(r.rps);
        ratios[v].cpu.push(r.cpu);
      }
      console.log(`| ${round} | ${cell('off')} | ${cell('json')} | ${json.text} | ${cell('combined')} | ${combined.text} |`);
    }
    console.log('');
    for (const variant of logged) {
      const rps = median(ratios[variant].rps);
      const cpu = median(ratios[variant].cpu);
      console.log(
        `${variant}: median throughput ratio ${rps.toFixed(3)} (cost ${((1 - rps) * 100).toFixed(1)} %), ` +
          `median CPU-per-request ratio ${cpu.toFixed(3)} (cost ${((1 - cpu) * 100).toFixed(1)} %); target ≤ 15 %`,
      );
    }
    console.log(`wrk errors (socket errors and non-2xx/3xx): ${errors}`);
    await stopAll(); // flushes the logs
    for (const variant of logged) {
      const path = targets.get(variant)!.logPath;
      const lines = readFileSync(path, 'utf8').split('\n').length - 1;
      console.log(`${variant} log: ${lines} lines for ${sent[variant]} requests wrk counted (warm-up included), ${(statSync(path).size / 1e6).toFixed(1)} MB`);
    }
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark('access-log-cost', main);
