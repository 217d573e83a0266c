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

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('start 3 test backends, the load balancer and the admin listener; Ctrl+C stops all')
    .option('--host <host>', 'load balancer address', '127.0.0.1')
    .option('-p, --port <port>', 'load balancer port', '8080')
    .option('--admin-port <port>', 'admin listener port', '8090')
    .option('--backend-ports <ports>', 'comma-separated ports of the 3 backends', '9001,9002,9003')
    .option('--log-format <format>', 'json or pretty', 'pretty')
    .action(async (opts: { host: string; port: string; adminPort: string; backendPorts: string; logFormat: string }) => {
      let options;
      try {
        const backendPorts = opts.backendPorts.split(',').map((p) => parsePort(p.trim(), '--backend-ports'));
        if (opts.logFormat !== 'json' && opts.logFormat !== 'pretty') {
          throw new Error(`--log-format: "${opts.logFormat}" is not accepted (expected json or pretty)`);
        }
        options = {
          host: opts.host,
          port: parsePort(opts.port, '--port'),
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
