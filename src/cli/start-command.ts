// `fairway [start]`: load the config from file, environment and flags, then
// run the load balancer until a stop signal.
import type { Command } from 'commander';
import { loadConfig, formatProblems, type CliFlags } from '../config/load.js';
import { createBalancer } from '../fairway.js';
import { onStopSignals } from './signals.js';
import { describeListenError } from './listen-error.js';
import { watchConfigFile } from './config-watch.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerStartCommand(program: Command): void {
  program
    .command('start', { isDefault: true })
    .description('run the load balancer (the default command)')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .option('--host <host>', 'address to listen on (default 0.0.0.0)')
    .option('-p, --port <port>', 'port to listen on (default 8080)')
    .option('-i, --interval <duration>', 'health-check interval, e.g. 10 or 10s (default 10s)')
    .option('-a, --algorithm <name>', 'balancing algorithm (default round-robin)')
    .option('-b, --backend <url>', 'backend URL; repeat for more', collect)
    .option('--admin-host <host>', 'admin listener address (default 127.0.0.1)')
    .option('--admin-port <port>', 'admin listener port (default 8090)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .option('--log-format <format>', 'json or pretty')
    .option('-w, --watch', 'reload when the config file changes')
    .action(async (opts: CliFlags & { config?: string; watch?: boolean }) => {
      const { config: file, watch, ...flags } = opts;
      if (watch && file === undefined) {
        process.stderr.write('fairway: --watch needs --config FILE (there is no file to watch)\n');
        process.exitCode = 1;
        return;
      }
      // The same sources are read again on every reload.
      const load = () => loadConfig({ file, env: process.env, flags });
      const loaded = load();
      if (!loaded.ok) {
        process.stderr.write(`fairway: the configuration has ${loaded.errors.length} problem(s):\n${formatProblems(loaded.errors)}\n`);
        process.exitCode = 1;
        return;
      }
      const balancer = createBalancer(loaded.config, { loadConfig: load });
      for (const warning of loaded.warnings) balancer.logger.warn(warning);
      try {
        await balancer.listen();
      } catch (err) {
        await balancer.close(0).catch(() => undefined);
        process.stderr.write(`fairway: ${describeListenError(err, 'the configured address')}\n`);
        process.exitCode = 1;
        return;
      }
      const reload = (reason: string) => {
        balancer.logger.info({ reason }, 'reloading the configuration');
        // reload() answers failures as a result; the catch is a last guard so
        // that no reload can ever end the process through an unhandled rejection.
        balancer.reload().catch((err: unknown) => balancer.logger.error({ err }, 'reload failed unexpectedly'));
      };
      process.on('SIGHUP', () => reload('SIGHUP'));
      if (watch && file !== undefined) watchConfigFile(file, () => reload(`${file} changed`));
      // SIGUSR1 reopens the access log file, as NGINX does, after logrotate moved it.
      process.on('SIGUSR1', () => balancer.reopen());
      onStopSignals(async (signal) => {
        balancer.logger.info({ signal, timeoutMs: loaded.config.shutdownTimeoutMs }, 'stopping: finishing in-flight requests');
        await balancer.close();
        balancer.logger.info('stopped');
        balancer.logger.flush();
      });
    });
}
