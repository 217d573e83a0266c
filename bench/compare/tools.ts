// The commands a benchmark runs, installed from Debian when missing (the
// harness runs as root), or a clear error with --no-install.
import { hasCommand, runQuiet } from './processes.js';

/** The Debian package of each command, where its name differs. */
const PACKAGE_OF: Record<string, string> = { taskset: 'util-linux', h2load: 'nghttp2-client', ss: 'iproute2' };

export function ensureTools(commands: readonly string[], install: boolean): void {
  const missing = commands.filter((c) => !hasCommand(c));
  if (missing.length === 0) return;
  if (!install) throw new Error(`missing ${missing.join(', ')}; install them or run without --no-install`);
  const packages = missing.map((c) => PACKAGE_OF[c] ?? c);
  console.log(`installing ${packages.join(', ')} from Debian (apt-get update first)...`);
  const update = runQuiet('apt-get', ['update']);
  if (update.code !== 0) throw new Error(`apt-get update failed:\n${update.output}`);
  const add = runQuiet('apt-get', ['install', '-y', '--no-install-recommends', ...packages]);
  if (add.code !== 0) throw new Error(`apt-get install failed:\n${add.output}`);
  const still = missing.filter((c) => !hasCommand(c));
  if (still.length > 0) throw new Error(`still missing after install: ${still.join(', ')}`);
}
