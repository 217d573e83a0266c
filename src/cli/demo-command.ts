// `fairway demo`: run the demo until Ctrl+C.
import type { Command } from 'commander';
import { startDemo, demoBanner } from '../tools/demo.js';
import { onStopSignals } from './signals.js';
import { describeListenError } from './listen-error.js';

function parsePort(value: string, flag: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${flag}: "${value}" is not a port (expected an integer 0-65535)`);
  }
  return port;
}

const BACKEND_PORTS_ACCEPTED = 'expected distinct ports 1-65535, comma-separated, one per backend, e.g. 9001,9002,9003';

/** One backend per port given; 0 is refused because each backend needs a port of its own known up front. */
export function parseBackendPorts(value: string): number[] {
  const items = value.split(',').map((p) => p.trim());
  if (items.some((p) => p === '')) {
    throw new Error(`--backend-ports: "${value}" has an empty entry (${BACKEND_PORTS_ACCEPTED})`);
  }
  const ports: number[] = [];
  for (const item of items) {
    const port = Number(item);
    if (!/^\d+$/.test(item) || port < 1 || port > 65535) {
      throw new Error(`--backend-ports: "${item}" is not a port (${BACKEND_PORTS_ACCEPTED})`);
    }
    if (ports.includes(port)) throw new Error(`--backend-ports: ${port} is given twice (${BACKEND_PORTS_ACCEPTED})`);
    ports.push(port);
  }
  return ports;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start test backends (three by default), the load balancer and the admin listener; Ctrl+C stops all')
    .option('--host <host>', 'load balancer address', '127.0.0.1')
    .option('-p, --port <port>', 'load balancer port', '8080')
    .option('--https-port <port>', 'load balancer HTTPS port (a self-signed certificate made at start)', '8443')
    .option('--admin-port <port>', 'admin listener port', '8090')
    .option('--backend-ports <ports>', 'comma-separated ports, one test backend per port', '9001,9002,9003')
    .option('--log-format <format>', 'json or pretty', 'pretty')
    .action(async (opts: { host: string; port: string; httpsPort: string; adminPort: string; backendPorts: string; logFormat: string }) => {
      let options;
      try {
        const backendPorts = parseBackendPorts(opts.backendPorts);
        if (opts.logFormat !== 'json' && opts.logFormat !== 'pretty') {
          throw new Error(`--log-format: "${opts.logFormat}" is not accepted (expected json or pretty)`);
        }
        options = {
          host: opts.host,
          port: parsePort(opts.port, '--port'),
          httpsPort: parsePort(opts.httpsPort, '--https-port'),
          adminPort: parsePort(opts.adminPort, '--admin-port'),
          backendPorts,
          logFormat: opts.logFormat as 'json' | 'pretty',
        };
      } catch (err) {
        process.stderr.write(`fairway demo: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      let demo;
      try {
        demo = await startDemo(options);
      } catch (err) {
        const e = err as Error & { code?: string };
        const message = e.code ? describeListenError(e, 'the demo ports') : e.message;
        process.stderr.write(`fairway demo: ${message}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(demoBanner(demo) + '\n');
      onStopSignals(async () => {
        process.stdout.write('\nstopping the demo...\n');
        await demo.stop();
      });
    });
}
