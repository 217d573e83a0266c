// The VM's steal time: CPU time the hypervisor gave to someone else while
// this machine's processes were ready to run (the 8th value of /proc/stat's
// `cpu` line). On a shared host it is the noise that moves a whole run: a
// proxy's round with steal in it is slower however good the proxy. Read
// around each measured run, it says how loaded the machine was.
import { readFileSync } from 'node:fs';
import { cpus as listCpus } from 'node:os';

/** /proc/stat counts in USER_HZ, 100 per second on Linux. */
const TICKS_PER_S = 100;

/** The steal ticks of the `cpu` line (all CPUs together) of a /proc/stat text. */
export function parseStealTicks(stat: string): number | undefined {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return undefined;
  const steal = Number(line.trim().split(/\s+/)[8]);
  return Number.isFinite(steal) ? steal : undefined;
}

/** The ticks now, or undefined where /proc/stat cannot be read. */
export function stealTicks(): number | undefined {
  try {
    return parseStealTicks(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Starts a measurement; the function it returns gives the per cent of all CPUs' time stolen since. */
export function watchSteal(cpus = listCpus().length): () => number | undefined {
  const before = stealTicks();
  const started = performance.now();
  return () => {
    const after = stealTicks();
    const wallS = (performance.now() - started) / 1000;
    if (before === undefined || after === undefined || wallS <= 0) return undefined;
    return stealPercent(after - before, wallS, cpus);
  };
}

/** Ticks stolen over `wallS` seconds as a per cent of `cpus` CPUs' time. */
export function stealPercent(ticks: number, wallS: number, cpus: number): number {
  return (100 * ticks) / TICKS_PER_S / (wallS * cpus);
}

/** ", steal 4.2 %" when the hypervisor took a noticeable share of the machine during the run. */
export function stealText(percent: number | undefined): string {
  return percent === undefined || percent < STEAL_SHOWN_FROM ? '' : `, steal ${percent.toFixed(1)} %`;
}

/** Below this the VM's steal time is the usual background, not worth a word. */
export const STEAL_SHOWN_FROM = 0.5;

/**
 * A run in which the hypervisor took more than this share of the machine is
 * measured again (bench:compare): it measured the host's other guests as much
 * as the proxy. Decided on the steal alone, never on the result.
 */
export const STEAL_REMEASURE_ABOVE = 2;

/** Runs of one round at most, the first included; the one with the least steal is kept. */
export const MOST_MEASURES_UNDER_STEAL = 3;
