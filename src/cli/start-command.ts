// `fairway [start]`: load the config from file, environment and flags, then
// run the load balancer until a stop signal.
import { Option, type Command } from 'commander';
import { DEFAULTS } from '../config/defaults.js';
import { formatDuration } from '../config/duration.js';
import { LOG_FORMATS, LOG_LEVELS } from '../config/sections/log.js';
import { loadConfig, formatProblems, type CliFlags, type EnvironmentReport } from '../config/load.js';
import { createFairway } from '../fairway.js';
import { CertificateProblem } from '../frontend/certificates.js';
import { QUICK_TLS_DEFAULT_PORT } from '../config/sections/listeners.js';
import type { Logger } from '../observability/logger.js';
import { onStopSignals } from './signals.js';
import { describeListenError } from './listen-error.js';
import { watchConfigFile } from './config-watch.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

// Unset flags must stay undefined so the file and environment below them count,
// so the built-in default is only shown, never applied by commander.
const shownDefault = (flags: string, description: string, value: string | number) =>
  new Option(flags, description).default(undefined, String(value));

/** Adds `start` to `program` and returns it. */
export function registerStartCommand(program: Command): Command {
  return program
    .command('start', { isDefault: true })
    .description('run the load balancer (the default command)')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .addOption(shownDefault('--host <host>', 'address to listen on', DEFAULTS.listen.host))
    .addOption(shownDefault('-p, --port <port>', 'port to listen on', DEFAULTS.listen.port))
    .option('--tls-cert <file>', 'PEM certificate (chain) for a TLS listener "websecure" beside the plain one; needs --tls-key')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .addOption(shownDefault('--https-port <port>', 'port of the TLS listener of --tls-cert', QUICK_TLS_DEFAULT_PORT))
    .addOption(shownDefault('-i, --interval <duration>', 'health-check interval, e.g. 10 or 10s', formatDuration(DEFAULTS.healthCheck.intervalMs)))
    .addOption(shownDefault('-a, --algorithm <name>', 'balancing algorithm', DEFAULTS.algorithm))
    .option('-b, --backend <url>', 'backend URL; repeat for more', collect)
    .addOption(shownDefault('--admin-host <host>', 'admin listener address', DEFAULTS.admin.host))
    .addOption(shownDefault('--admin-port <port>', 'admin listener port', DEFAULTS.admin.port))
    .addOption(shownDefault('--log-level <level>', LOG_LEVELS.join(', '), DEFAULTS.log.level))
    .addOption(shownDefault('--log-format <format>', LOG_FORMATS.join(' or '), DEFAULTS.log.format))
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
      let fairway;
      try {
        fairway = createFairway(loaded.config, { loadConfig: load });
      } catch (err) {
        // A certificate that cannot be used is a problem of the configuration.
        if (!(err instanceof CertificateProblem)) throw err;
        process.stderr.write(`fairway: the configuration has 1 problem(s):\n${formatProblems([{ path: err.path, message: err.message }])}\n`);
        process.exitCode = 1;
        return;
      }
      for (const warning of loaded.warnings) fairway.logger.warn(warning);
      logEnvironment(fairway.logger, loaded.environment);
      try {
        await fairway.listen();
      } catch (err) {
        await fairway.close(0).catch(() => undefined);
        process.stderr.write(`fairway: ${describeListenError(err, 'the configured address')}\n`);
        process.exitCode = 1;
        return;
      }
      const reload = (reason: string) => {
        fairway.logger.info({ reason }, 'reloading the configuration');
        // reload() answers failures as a result; the catch is a last guard so
        // that no reload can ever end the process through an unhandled rejection.
        fairway.reload().catch((err: unknown) => fairway.logger.error({ err }, 'reload failed unexpectedly'));
      };
      process.on('SIGHUP', () => reload('SIGHUP'));
      if (watch && file !== undefined) watchConfigFile(file, () => reload(`${file} changed`));
      // SIGUSR1 reopens the access log file, as NGINX does, after logrotate moved it.
      process.on('SIGUSR1', () => fairway.reopen());
      onStopSignals(async (signal) => {
        fairway.logger.info({ signal, timeoutMs: loaded.config.shutdownTimeoutMs }, 'stopping: finishing in-flight requests');
        await fairway.close();
        fairway.logger.info('stopped');
        fairway.logger.flush();
      });
    });
}

// A stray PORT or HOST (PaaS platforms and dev shells export PORT) silently beats
// the config file, so say which settings the environment gave; never the values,
// as ADMIN_TOKEN is a secret.
function logEnvironment(logger: Logger, environment: EnvironmentReport): void {
  for (const skipped of environment.ignored) logger.debug({ variable: skipped.variable }, skipped.reason);
  if (environment.sources.length === 0) return;
  const fromEnvironment = Object.fromEntries(environment.sources.map((s) => [s.setting, s.variable]));
  logger.info({ fromEnvironment }, 'settings taken from the environment (they override the config file)');
}
