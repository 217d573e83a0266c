// `fairway backend`: runs one test backend until SIGINT or SIGTERM.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { startTestBackend } from '../tools/test-backend.js';
import { parseDelayMs, parseFailureRate, parsePort } from '../tools/test-backend-values.js';
import { onParentGone } from './parent-channel.js';

interface BackendFlags {
  port: number;
  host: string;
  name?: string;
  failureRate?: number;
  minLatency?: number;
  maxLatency?: number;
}

/** Adapts a shared value parser to commander, which prints the message and exits 1. */
function argParser<T>(parse: (text: string, label: string) => T, label: string): (text: string) => T {
  return (text) => {
    try {
      return parse(text, label);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };
}

function displayHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Bound on closing once the parent is gone: nobody is left to send SIGKILL. */
const PARENT_GONE_GRACE_MS = 2_000;

/**
 * Resolves on the first SIGINT or SIGTERM, or when the parent that started
 * this backend with an IPC channel exits; a second signal exits at once.
 */
function untilStopSignal(parentGone: Promise<void>): Promise<() => void> {
  return new Promise((resolve) => {
    const force = (): never => process.exit(1);
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      resolve(() => {
        process.off('SIGINT', force);
        process.off('SIGTERM', force);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    void parentGone.then(() => {
      setTimeout(() => process.exit(0), PARENT_GONE_GRACE_MS).unref();
      stop();
    });
  });
}

export function registerBackendCommand(program: Command): void {
  program
    .command('backend')
    .description(
      'run a test backend: echoes requests as JSON naming the server, with /health, ' +
        '?delay=MS, ?status=CODE, /bytes/N, a WebSocket echo at /ws and /control for runtime faults',
    )
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (0 picks a free one)')
        .env('PORT')
        .default(9001)
        .argParser(argParser(parsePort, 'port')),
    )
    .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
    .addOption(
      // Shown, not applied: the name follows the port, which is known only once listening.
      new Option('-n, --name <name>', 'server name in answers and x-backend').default(undefined, 'backend-<port>').env('SERVER_ID'),
    )
    .addOption(
      new Option('--failure-rate <rate>', 'fraction 0..1 of requests answered with 500')
        .env('FAILURE_RATE')
        .argParser(argParser(parseFailureRate, 'failure rate')),
    )
    .addOption(
      new Option('--min-latency <ms>', 'least added latency per request, in ms')
        .env('MIN_LATENCY')
        .argParser(argParser(parseDelayMs, 'min latency')),
    )
    .addOption(
      new Option('--max-latency <ms>', 'most added latency per request, in ms (uniform between min and max)')
        .env('MAX_LATENCY')
        .argParser(argParser(parseDelayMs, 'max latency')),
    )
    .action(async (flags: BackendFlags, command: Command) => {
      // Watched from the start: the parent may die while the backend starts.
      const parentGone = new Promise<void>((resolve) => onParentGone(resolve));
      let backend;
      try {
        backend = await startTestBackend({
          port: flags.port,
          host: flags.host,
          name: flags.name,
          failureRate: flags.failureRate,
          minLatencyMs: flags.minLatency,
          maxLatencyMs: flags.maxLatency,
        });
      } catch (error) {
        // Bad combinations (min > max) and listen errors (port in use) end here.
        const message = error instanceof Error ? error.message : String(error);
        // Not a command-line mistake, so no "run with --help" after it.
        command.showHelpAfterError(false);
        command.error(`error: backend cannot start: ${message}`, { exitCode: 1 });
      }
      console.log(`backend ${backend.name} listening on http://${displayHost(flags.host)}:${backend.port}`);
      const release = await untilStopSignal(parentGone);
      await backend.close();
      release();
    });
}
