// What the access log costs at full load: fairway with accessLog off, on
// (json to a file) and on (combined to a file), in interleaved rounds of wrk
// at 50 connections, against 3 `fairway backend` processes. fairway runs
// pinned to core 0; wrk and the backends share core 1.
// Run: npm run build && node dist/bench/access-log-cost.js [seconds per run] [rounds]
// Prints a markdown table and the throughput ratio of each variant to "off"
// measured in the same round; the median ratio is the result.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, hasCommand, killAllNow, startPinned, stopAll, waitListening } from './compare/processes.js';
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
    const targets = new Map<Variant, { url: string; logPath: string }>();
    for (const variant of VARIANTS) {
      const port = await freePort();
      const logPath = join(dir, `access-${variant}.log`);
      const file = join(dir, `fairway-${variant}.yaml`);
      writeFileSync(file, config(port, backendUrls, variant, logPath));
      const m = startPinned(`fairway (${variant})`, PROXY_CORE, process.execPath, [CLI, 'start', '-c', file]);
      await waitListening(m, port);
      targets.set(variant, { url: `http://127.0.0.1:${port}/`, logPath });
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
    console.log('| round | off req/s | json req/s | json/off | combined req/s | combined/off |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
    const ratios: Record<Exclude<Variant, 'off'>, number[]> = { json: [], combined: [] };
    let errors = 0;
    for (let round = 1; round <= rounds; round++) {
      // Rotate the order so no variant always runs first or last in a round.
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round - 1) % VARIANTS.length]!);
      const result = {} as Record<Variant, WrkResult>;
      for (const variant of order) {
        result[variant] = await load(variant, durationS);
        errors += result[variant].errors;
        sent = { ...sent, [variant]: sent[variant] + result[variant].requests };
      }
      const json = result.json.rps / result.off.rps;
      const combined = result.combined.rps / result.off.rps;
      ratios.json.push(json);
      ratios.combined.push(combined);
      console.log(
        `| ${round} | ${result.off.rps.toFixed(0)} | ${result.json.rps.toFixed(0)} | ${json.toFixed(3)} | ${result.combined.rps.toFixed(0)} | ${combined.toFixed(3)} |`,
      );
    }
    console.log('');
    for (const variant of ['json', 'combined'] as const) {
      const m = median(ratios[variant]);
      console.log(`${variant}: median throughput ratio ${m.toFixed(3)} → access-log cost ${((1 - m) * 100).toFixed(1)} % (target ≤ 15 %)`);
    }
    console.log(`wrk errors (socket errors and non-2xx/3xx): ${errors}`);
    await stopAll(); // flushes the logs
    for (const variant of ['json', 'combined'] as const) {
      const path = targets.get(variant)!.logPath;
      const lines = readFileSync(path, 'utf8').split('\n').length - 1;
      console.log(`${variant} log: ${lines} lines for ${sent[variant]} requests wrk counted (warm-up included), ${(statSync(path).size / 1e6).toFixed(1)} MB`);
    }
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\naccess-log-cost: ${signal}, stopping every process it started`);
    void stopAll().finally(() => process.exit(130));
  });
}

main().catch(async (error: unknown) => {
  console.error(`access-log-cost: ${(error as Error).message}`);
  await stopAll();
  process.exitCode = 1;
});
