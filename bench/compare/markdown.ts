// The compare results as markdown: the machine, the command, one table per
// scenario with the median round and the ratio to NGINX.
import type { WrkResult } from './wrk.js';

export interface Cell {
  target: string;
  label: string;
  rounds: WrkResult[];
}

export interface ScenarioResult {
  id: string;
  title: string;
  cells: Cell[];
}

export interface Machine {
  date: string;
  nproc: number;
  cpu: string;
  node: string;
  nginx: string;
  haproxy: string;
  wrk: string;
  kernel: string;
}

export interface RunFacts {
  command: string;
  durationS: number;
  rounds: number;
}

/** The round with the median req/s (the lower middle for an even count). */
export function medianRound(rounds: readonly WrkResult[]): WrkResult | undefined {
  if (rounds.length === 0) return undefined;
  const sorted = [...rounds].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Median CPU microseconds per request over the rounds that measured it. */
export function medianCpuUs(rounds: readonly WrkResult[]): number | undefined {
  const values = rounds.flatMap((r) => (r.cpuUsPerRequest === undefined ? [] : [r.cpuUsPerRequest])).sort((a, b) => a - b);
  return values.length === 0 ? undefined : values[Math.floor((values.length - 1) / 2)];
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 10 ? n.toFixed(1) : n.toFixed(2)) + ' ms';

export function ratio(result: ScenarioResult, target: string, reference: string): number | undefined {
  const a = medianRound(result.cells.find((c) => c.target === target)?.rounds ?? []);
  const b = medianRound(result.cells.find((c) => c.target === reference)?.rounds ?? []);
  return a && b && b.rps > 0 ? a.rps / b.rps : undefined;
}

export function scenarioTable(result: ScenarioResult): string {
  const nginx = medianRound(result.cells.find((c) => c.target === 'nginx')?.rounds ?? []);
  const lines = [
    `### ${result.title}`,
    '',
    '| path | req/s | p50 | p99 | errors | vs nginx | CPU µs/req | req/s of each round |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const cell of result.cells) {
    const m = medianRound(cell.rounds);
    if (m === undefined) {
      lines.push(`| ${cell.label} | failed | | | | | | |`);
      continue;
    }
    const errors = cell.rounds.reduce((s, r) => s + r.errors, 0);
    const vs = nginx && nginx.rps > 0 ? (m.rps / nginx.rps).toFixed(2) : '–';
    const cpu = medianCpuUs(cell.rounds);
    lines.push(
      `| ${cell.label} | ${int(m.rps)} | ${ms(m.p50)} | ${ms(m.p99)} | ${int(errors)} | ${vs} | ${cpu === undefined ? '–' : cpu.toFixed(1)} | ${cell.rounds.map((r) => int(r.rps)).join(', ')} |`,
    );
  }
  return lines.join('\n');
}

export function resultsMarkdown(machine: Machine, run: RunFacts, results: readonly ScenarioResult[], headline: string): string {
  return [
    `Measured ${machine.date} with \`${run.command}\`: ${run.rounds} interleaved round(s) of ${run.durationS} s per path and scenario; the median round is shown (its req/s, p50 and p99), errors are summed over the rounds.`,
    '',
    'CPU µs/req is the proxy process\'s own CPU time (user + system, workers included) per request served, read from /proc around each run: a shared machine lowers throughput much more than it changes this.',
    '',
    `Machine: ${machine.nproc} cores (${machine.cpu}), Linux ${machine.kernel}; Node.js ${machine.node}, ${machine.nginx}, ${machine.haproxy}, ${machine.wrk}.`,
    '',
    headline,
    '',
    ...results.flatMap((r) => [scenarioTable(r), '']),
  ].join('\n');
}
