// `fairway validate FILE`: load a config exactly as start-up would (file,
// then environment) and report every problem, or a short summary if it is fine.
// Output goes through commander's output configuration so tests can capture it.
import type { Command } from 'commander';
import { formatProblems, loadConfig, type LoadResult } from '../config/load.js';
import { certificateProblems } from '../frontend/certificates.js';
import type { FairwayConfig } from '../config/types.js';

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a config file; print every problem and exit 1 if there is any')
    .argument('<file>', 'config file (YAML, or JSON when it ends in .json)')
    .action((file: string, _options: unknown, command: Command) => {
      const out = command.configureOutput();
      const loaded = loadConfig({ file, env: process.env });
      // The certificate files are read as start-up reads them.
      const result = loaded.ok ? withCertificateProblems(loaded) : loaded;
      for (const warning of result.warnings) out.writeErr?.(`warning: ${warning}\n`);
      if (!result.ok) {
        const count = result.errors.length;
        // error() prints to stderr and exits 1 (or throws under exitOverride), without a stack;
        // the usage hint it would append is for command-line mistakes, not for the file's.
        command.showHelpAfterError(false);
        command.error(`${file}: ${count} problem${count === 1 ? '' : 's'}\n${formatProblems(result.errors)}`, {
          exitCode: 1,
          code: 'fairway.invalidConfig',
        });
        return;
      }
      out.writeOut?.(`${file}: OK\n  ${summarize(result.config)}\n`);
    });
}

function withCertificateProblems(loaded: LoadResult & { ok: true }): LoadResult {
  const errors = certificateProblems(loaded.config.listeners);
  return errors.length === 0 ? loaded : { ok: false, errors, warnings: loaded.warnings, environment: loaded.environment };
}

/** One line: pools with their backends and algorithm, routes, listeners. */
export function summarize(config: FairwayConfig): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const pools = config.pools
    .map((p) => `${p.name}: ${plural(p.backends.length, 'backend')}, ${p.algorithm}`)
    .join('; ');
  const admin = config.admin.enabled ? `, admin on ${config.admin.host}:${config.admin.port}` : '';
  const only = config.listeners.length === 1 ? config.listeners[0]! : undefined;
  const where =
    only !== undefined && only.tls === undefined
      ? `proxy on ${only.host}:${only.port}`
      : `listeners ${config.listeners.map((l) => `${l.name} on ${l.host}:${l.port}${l.tls ? ' (TLS)' : ''}`).join(', ')}`;
  return `${plural(config.pools.length, 'pool')} (${pools}), ${plural(config.routes.length, 'route')}; ${where}${admin}`;
}
