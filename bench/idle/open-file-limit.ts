// bench:idle holds N client sockets itself, and the proxy it starts inherits
// its limits: the open-file limit has to fit them. Node raises its soft limit
// to the hard one at start-up, so what counts is the hard limit, which only a
// privileged process (CAP_SYS_RESOURCE) may raise: when it is too low this
// script runs itself again under `sh -c 'ulimit -n N'`, and where that is
// refused (a container's root often lacks the capability) it says so.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface FileLimit {
  soft: number;
  hard: number;
}

/** The limit from a /proc/PID/limits text ("unlimited" as Infinity). */
export function parseOpenFileLimit(limits: string): FileLimit {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  if (!m) throw new Error('no "Max open files" line in the limits');
  const value = (v: string) => (v === 'unlimited' ? Infinity : Number(v));
  return { soft: value(m[1]!), hard: value(m[2]!) };
}

export const ownOpenFileLimit = (): FileLimit => parseOpenFileLimit(readFileSync('/proc/self/limits', 'utf8'));

const RERUN_MARK = 'BENCH_IDLE_RAISED_NOFILE';

/**
 * Returns when the soft limit is at least `needed`; otherwise runs this
 * script again with the limit raised and exits with its code, or throws
 * (saying which limit is too low) when it cannot be raised.
 */
export function ensureOpenFileLimit(needed: number): FileLimit {
  const limit = ownOpenFileLimit();
  if (limit.soft >= needed) return limit;
  const advice = `ulimit -n is ${limit.soft} (hard ${limit.hard}); this run needs about ${needed} open files`;
  if (process.env[RERUN_MARK] !== undefined) throw new Error(`${advice}, and raising it did not work: run as root, raise the hard limit, or ask for fewer --connections`);
  console.log(`${advice}: running again under ulimit -n ${needed}`);
  const script = 'ulimit -n "$1" || exit 97; shift; exec "$@"';
  const rerun = spawnSync('sh', ['-c', script, 'sh', String(needed), process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [RERUN_MARK]: '1' },
  });
  if (rerun.status === 97) throw new Error(`${advice}, and ulimit -n ${needed} was refused: run as root, raise the hard limit, or ask for fewer --connections`);
  process.exit(rerun.status ?? 1);
}
