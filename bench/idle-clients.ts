// `npm run bench:idle`: what an idle keep-alive client connection costs in
// resident memory, fairway against NGINX in the same run. One nginx backend
// (core 1); each proxy in turn (core 0) gets N client connections that each
// send one GET, read the answer and stay open and silent; its VmRSS is read
// before and with them. NGINX is measured by its one worker.
//
// Options (flags or environment):
//   --connections 10000  BENCH_IDLE_CONNECTIONS  idle connections per proxy
//   --out FILE           BENCH_IDLE_OUT          where to write (default bench/results/idle.md);
//                                                docs/benchmarks.md is written between its
//                                                bench:idle markers only when named here
//   --fairway-node PATH  BENCH_FAIRWAY_NODE      run fairway under this node binary;
//                                                `npx -y -p node@24 -- which node` gives one
//   --no-install                                 fail instead of installing nginx
//
// The open-file limit must fit N sockets (in this process and in each
// proxy): a lower `ulimit -n` is raised by running again under
// `sh -c 'ulimit -n …'`, or the run stops and says so. More connections
// than the ephemeral port range holds come from 127.0.0.2 and up.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { readCommandFlags } from './command-flags.js';
import { fileURLToPath } from 'node:url';
import { backendsNginx, proxyNginx } from './compare/configs.js';
import { fairwayNode, type NodeBinary } from './compare/node-binary.js';
import { freePort, runBenchmark, runQuiet, startPinned, stop, stopAll, waitListening, type Managed } from './compare/processes.js';
import { writeResults } from './compare/results-file.js';
import { ensureTools } from './compare/tools.js';
import { openIdleClients, type IdleClients } from './idle/idle-connections.js';
import { idleMarkdown, idleTable, perConnection, type IdleRow } from './idle/markdown.js';
import { ensureOpenFileLimit } from './idle/open-file-limit.js';
import { nginxWorker, rssBytes } from './idle/process-memory.js';
import { ephemeralPortCount, sourceAddresses } from './idle/source-addresses.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROXY_CORE = 0;
const BACKEND_CORE = 1;
const CONCURRENCY = 50;
const WARM_UP_CONNECTIONS = 100;
const SETTLE_MS = 2_000;

interface Settings {
  connections: number;
  out: string;
  node: NodeBinary;
  install: boolean;
}

function parseArgs(argv: string[]): Settings {
  const given = readCommandFlags(argv, ['connections', 'out', 'fairway-node'], ['no-install'], 'bench/idle-clients.ts');
  const flags = given.values;
  const install = !given.switches.has('no-install');
  const connections = Number(flags.get('connections') ?? process.env.BENCH_IDLE_CONNECTIONS ?? '10000');
  if (!Number.isInteger(connections) || connections < 1) throw new Error(`connections: "${connections}" is not a whole number of at least 1`);
  return {
    connections,
    out: flags.get('out') ?? process.env.BENCH_IDLE_OUT ?? join(ROOT, 'bench/results/idle.md'),
    node: fairwayNode(flags.get('fairway-node') ?? process.env.BENCH_FAIRWAY_NODE),
    install,
  };
}

function fairwayConfig(port: number, admin: number, backend: number): string {
  // Idle connections must outlive the measurement: keep-alive and socket idle timeouts of 10 minutes.
  return `listen: { host: 127.0.0.1, port: ${port}, keepAliveTimeout: 10m }
admin: { port: ${admin} }
log: { level: warn }
pools:
  - name: web
    backends: [http://127.0.0.1:${backend}]
    timeouts: { idle: 10m }
routes:
  - { pathPrefix: /, pool: web }
`;
}

interface Target {
  label: string;
  start(): Promise<{ process: Managed; port: number; measuredPid: number }>;
}

async function measure(target: Target, settings: Settings, from: string[]): Promise<IdleRow> {
  const { process: proxy, port, measuredPid } = await target.start();
  let clients: IdleClients | undefined;
  try {
    const base = { host: '127.0.0.1', port, concurrency: CONCURRENCY, sourceAddresses: from, timeoutMs: 10_000 };
    const warm = await openIdleClients({ ...base, count: WARM_UP_CONNECTIONS });
    warm.close();
    await new Promise((r) => setTimeout(r, 1_000));
    const before = rssBytes(measuredPid);
    const started = Date.now();
    clients = await openIdleClients({ ...base, count: settings.connections });
    console.log(`${target.label}: ${clients.answered.toLocaleString('en-US')} connections answered in ${((Date.now() - started) / 1000).toFixed(1)} s; idle for ${SETTLE_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const idle = rssBytes(measuredPid);
    const failures = [...clients.failures].map(([why, n]) => `${why} × ${n}`);
    return { label: target.label, before, idle, answered: clients.answered, stillOpen: clients.stillOpen(), asked: settings.connections, failures };
  } finally {
    // The proxy closes first, so the TIME-WAIT sockets are its and no client port stays taken for the next target.
    await stop(proxy);
    clients?.close();
  }
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  const limit = ensureOpenFileLimit(settings.connections + 1_000);
  ensureTools(['nginx', 'taskset'], settings.install);
  const from = sourceAddresses(settings.connections, ephemeralPortCount());
  const fromText = from.length === 0 ? 'from 127.0.0.1' : `from ${from.length} source addresses, ${from[0]} to ${from.at(-1)}`;
  console.log(`bench:idle: ${settings.connections.toLocaleString('en-US')} idle connections to NGINX, then to fairway (Node.js ${settings.node.version}), ${fromText}; ulimit -n ${limit.soft}`);
  const nginxVersion = runQuiet('nginx', ['-v']).output.trim().replace(/^nginx version: /, '');
  const dir = mkdtempSync(join(tmpdir(), 'fairway-idle-'));
  try {
    const backendPort = await freePort();
    writeFileSync(join(dir, 'backends.conf'), backendsNginx(dir, [backendPort], dir));
    const backends = startPinned('backend nginx', BACKEND_CORE, 'nginx', ['-e', join(dir, 'backends.startup.log'), '-p', dir, '-c', join(dir, 'backends.conf')]);
    await waitListening(backends, backendPort);
    const targets: Target[] = [
      {
        label: 'NGINX (its worker)',
        async start() {
          const port = await freePort();
          writeFileSync(join(dir, 'nginx-proxy.conf'), proxyNginx(dir, port, [backendPort], '', settings.connections + 1_000));
          const m = startPinned('nginx proxy', PROXY_CORE, 'nginx', ['-e', join(dir, 'nginx-proxy.startup.log'), '-p', dir, '-c', join(dir, 'nginx-proxy.conf')]);
          await waitListening(m, port);
          return { process: m, port, measuredPid: await nginxWorker(m.child.pid!) };
        },
      },
      {
        label: `fairway (Node.js ${settings.node.version})`,
        async start() {
          const [port, admin] = [await freePort(), await freePort()];
          const file = join(dir, 'fairway.yaml');
          writeFileSync(file, fairwayConfig(port, admin, backendPort));
          const m = startPinned('fairway', PROXY_CORE, settings.node.path, [join(ROOT, 'dist/src/cli/main.js'), 'start', '--config', file]);
          await waitListening(m, port);
          return { process: m, port, measuredPid: m.child.pid! };
        },
      },
    ];
    const rows: IdleRow[] = [];
    for (const target of targets) {
      const row = await measure(target, settings, from);
      console.log(`${target.label}: RSS ${(row.before / 1048576).toFixed(1)} MiB before, ${(row.idle / 1048576).toFixed(1)} MiB with ${row.stillOpen} idle connections: ${perConnection(row)} each`);
      rows.push(row);
    }
    const command = `npm run bench:idle${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
    const facts = { date: new Date().toISOString().slice(0, 10), command, connections: settings.connections, sourceAddresses: fromText, fairwayNode: settings.node.version, nginx: nginxVersion, kernel: release() };
    console.log(`\n${idleTable(rows)}`);
    writeResults(settings.out, { name: 'idle', heading: 'Memory per idle connection' }, idleMarkdown(facts, rows));
    console.log(`\nwritten to ${relative(process.cwd(), settings.out) || settings.out}`);
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBenchmark('bench:idle', main);
