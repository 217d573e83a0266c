// The compare results as markdown: the machine, the command, one table per
// scenario with the median round and the ratio to NGINX.
import { isFailed, type LoadResult, type RunOutcome } from './load-result.js';

export interface Cell {
  target: string;
  label: string;
  rounds: RunOutcome[];
}

export interface ScenarioResult {
  id: string;
  title: string;
  /** A line under the title (how this scenario differs from the others). */
  note?: string;
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
  h2load: string;
  openssl: string;
  kernel: string;
}

export interface RunFacts {
  command: string;
  durationS: number;
  rounds: number;
}

const measured = (rounds: readonly RunOutcome[]): LoadResult[] => rounds.filter((r): r is LoadResult => !isFailed(r));

/** The measured round with the median req/s (the lower middle for an even count); failed rounds are left out. */
export function medianRound(rounds: readonly RunOutcome[]): LoadResult | undefined {
  const sorted = measured(rounds).sort((a, b) => a.rps - b.rps);
  if (sorted.length === 0) return undefined;
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Median CPU microseconds per request over the rounds that measured it. */
export function medianCpuUs(rounds: readonly RunOutcome[]): number | undefined {
  const values = measured(rounds).flatMap((r) => (r.cpuUsPerRequest === undefined ? [] : [r.cpuUsPerRequest])).sort((a, b) => a - b);
  return values.length === 0 ? undefined : values[Math.floor((values.length - 1) / 2)];
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 10 ? n.toFixed(1) : n.toFixed(2)) + ' ms';

export function ratio(result: ScenarioResult, target: string, reference: string): number | undefined {
  const a = medianRound(result.cells.find((c) => c.target === target)?.rounds ?? []);
  const b = medianRound(result.cells.find((c) => c.target === reference)?.rounds ?? []);
  return a && b && b.rps > 0 ? a.rps / b.rps : undefined;
}

/** wrk's rounds have percentiles; h2load's only a mean. */
function latencyColumns(result: ScenarioResult): { header: string; value: (r: LoadResult) => number | undefined }[] {
  const rounds = result.cells.flatMap((c) => measured(c.rounds));
  if (rounds.length > 0 && rounds.every((r) => r.p50 === undefined)) return [{ header: 'mean', value: (r) => r.meanMs }];
  return [
    { header: 'p50', value: (r) => r.p50 },
    { header: 'p99', value: (r) => r.p99 },
  ];
}

export function scenarioTable(result: ScenarioResult): string {
  const nginx = medianRound(result.cells.find((c) => c.target === 'nginx')?.rounds ?? []);
  const latency = latencyColumns(result);
  const headers = ['path', 'req/s', ...latency.map((l) => l.header), 'errors', 'vs nginx', 'CPU µs/req', 'req/s of each round'];
  const lines = [`### ${result.title}`, ''];
  if (result.note !== undefined) lines.push(result.note, '');
  lines.push(`| ${headers.join(' | ')} |`, `| --- | ${headers.slice(1, -1).map(() => '---:').join(' | ')} | --- |`);
  const notes: string[] = [];
  const blank = (n: number) => ' |'.repeat(n);
  for (const cell of result.cells) {
    const m = medianRound(cell.rounds);
    const failures = cell.rounds.filter(isFailed);
    if (m === undefined) {
      const reasons = [...new Set(failures.map((f) => f.failure))].join('; ');
      lines.push(`| ${cell.label} | failed${reasons === '' ? '' : `: ${reasons}`} |${blank(headers.length - 2)}`);
      continue;
    }
    for (const [i, r] of cell.rounds.entries()) if (isFailed(r)) notes.push(`- ${cell.label}, round ${i + 1} failed: ${r.failure}`);
    const errors = measured(cell.rounds).reduce((s, r) => s + r.errors, 0);
    const vs = nginx && nginx.rps > 0 ? (m.rps / nginx.rps).toFixed(2) : '–';
    const cpu = medianCpuUs(cell.rounds);
    const times = latency.map((l) => {
      const v = l.value(m);
      return v === undefined ? '–' : ms(v);
    });
    const each = cell.rounds.map((r) => (isFailed(r) ? 'failed' : int(r.rps))).join(', ');
    lines.push(`| ${cell.label} | ${int(m.rps)} | ${times.join(' | ')} | ${int(errors)} | ${vs} | ${cpu === undefined ? '–' : cpu.toFixed(1)} | ${each} |`);
  }
  if (notes.length > 0) lines.push('', ...notes);
  return lines.join('\n');
}

export function resultsMarkdown(machine: Machine, run: RunFacts, results: readonly ScenarioResult[], headline: string): string {
  return [
    `Measured ${machine.date} with \`${run.command}\`: ${run.rounds} interleaved round(s) of ${run.durationS} s per path and scenario; the median round is shown (its req/s, and p50 and p99 from wrk or the mean from h2load), errors are summed over the rounds, and a round that failed is left out and named with its reason.`,
    '',
    'CPU µs/req is the proxy process\'s own CPU time (user + system, workers included) per request served, read from /proc around each run: a shared machine lowers throughput much more than it changes this.',
    '',
    `Machine: ${machine.nproc} cores (${machine.cpu}), Linux ${machine.kernel}; Node.js ${machine.node}, ${machine.nginx}, ${machine.haproxy}, ${machine.wrk}, ${machine.h2load}, ${machine.openssl}.`,
    '',
    headline,
    '',
    ...results.flatMap((r) => [scenarioTable(r), '']),
  ].join('\n');
}
