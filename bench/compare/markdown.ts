// The compare results as markdown: the machine, the command, one table per
// scenario with the median round and the ratio to NGINX.
import { isFailed, type LoadResult, type RunOutcome } from './load-result.js';
import { MOST_MEASURES_UNDER_STEAL, STEAL_REMEASURE_ABOVE, STEAL_SHOWN_FROM } from './steal-time.js';

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
  /** The harness's Node.js, which also runs http-proxy and reply-from. */
  node: string;
  /** The Node.js that runs fairway (--fairway-node), when it is another one. */
  fairwayNode?: string;
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

/** The worst round's served connections ("998/1,000"), or – where they were not counted. */
function servedCell(rounds: readonly LoadResult[]): string {
  const counted = rounds.flatMap((r) => (r.connections === undefined ? [] : [r.connections]));
  if (counted.length === 0) return '–';
  const worst = counted.reduce((a, b) => (b.served / b.asked < a.served / a.asked ? b : a));
  return `${int(worst.served)}/${int(worst.asked)}`;
}

/** wrk's socket errors by kind and the non-2xx/3xx answers, summed over the rounds; undefined when all are 0. */
function errorBreakdown(rounds: readonly LoadResult[]): string | undefined {
  const sum = (pick: (r: LoadResult) => number | undefined) => rounds.reduce((s, r) => s + (pick(r) ?? 0), 0);
  const kinds = [
    ['connect', sum((r) => r.socketErrors?.connect)],
    ['read', sum((r) => r.socketErrors?.read)],
    ['write', sum((r) => r.socketErrors?.write)],
    ['timeout', sum((r) => r.socketErrors?.timeout)],
    ['non-2xx/3xx answers', sum((r) => r.non2xx)],
  ] as const;
  if (kinds.every(([, n]) => n === 0)) return undefined;
  return kinds.map(([name, n]) => `${name} ${int(n)}`).join(', ');
}

/** Sockets seen beyond the connections asked for: wrk reconnects after an error. */
function reconnects(rounds: readonly LoadResult[]): number {
  return rounds.reduce((s, r) => s + (r.connections === undefined ? 0 : Math.max(0, r.connections.seen - r.connections.asked)), 0);
}

/** A round's req/s, with the VM's steal time beside it when there was some to speak of. */
function roundCell(r: RunOutcome): string {
  if (isFailed(r)) return 'failed';
  const steal = r.stealPercent !== undefined && r.stealPercent >= STEAL_SHOWN_FROM ? ` (steal ${r.stealPercent.toFixed(1)} %)` : '';
  return `${int(r.rps)}${steal}`;
}

export function scenarioTable(result: ScenarioResult): string {
  const nginx = medianRound(result.cells.find((c) => c.target === 'nginx')?.rounds ?? []);
  const latency = latencyColumns(result);
  const headers = ['path', 'req/s', ...latency.map((l) => l.header), 'errors', 'timeouts', 'served conns', 'vs nginx', 'CPU µs/req', 'req/s of each round'];
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
    const rounds = measured(cell.rounds);
    const errors = rounds.reduce((s, r) => s + r.errors, 0);
    const timeouts = rounds.some((r) => r.socketErrors !== undefined) ? int(rounds.reduce((s, r) => s + (r.socketErrors?.timeout ?? 0), 0)) : '–';
    const breakdown = errorBreakdown(rounds);
    if (breakdown !== undefined) notes.push(`- ${cell.label}, errors over the rounds: ${breakdown}.`);
    const overflows = rounds.reduce((s, r) => s + (r.listenOverflows ?? 0), 0);
    if (overflows > 0) notes.push(`- ${cell.label}: the kernel counted ${int(overflows)} accept-queue overflows during the rounds (a handshake turned away waits a second or more for the client to try again; the counter is the whole machine's).`);
    const stolen = rounds.reduce((s, r) => s + (r.stolenRuns ?? 0), 0);
    if (stolen > 0) notes.push(`- ${cell.label}: ${int(stolen)} run(s) set aside and measured again, the VM's steal time above ${STEAL_REMEASURE_ABOVE} % in them.`);
    const extra = reconnects(rounds);
    if (extra > 0) notes.push(`- ${cell.label}: ${int(extra)} more sockets than connections over the rounds (wrk reconnects after an error).`);
    const vs = nginx && nginx.rps > 0 ? (m.rps / nginx.rps).toFixed(2) : '–';
    const cpu = medianCpuUs(cell.rounds);
    const times = latency.map((l) => {
      const v = l.value(m);
      return v === undefined ? '–' : ms(v);
    });
    const each = cell.rounds.map(roundCell).join(', ');
    lines.push(`| ${cell.label} | ${int(m.rps)} | ${times.join(' | ')} | ${int(errors)} | ${timeouts} | ${servedCell(rounds)} | ${vs} | ${cpu === undefined ? '–' : cpu.toFixed(1)} | ${each} |`);
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
    'Timeouts are wrk\'s: requests still unanswered after 5 s, summed over the rounds (a note under a table breaks all errors down by kind). Served conns is, in the worst round, how many of the connections received an answer, read from the kernel\'s view of the load generator\'s sockets (`ss`); – where every request has a connection of its own.',
    '',
    `Steal, beside a round's req/s from ${STEAL_SHOWN_FROM} % up, is the VM's steal time during that round: the share of the machine's CPU time the hypervisor gave to other guests while this one had work (/proc/stat). It is how loaded the host was; a round with steal in it is slower whatever the proxy. A run with more than ${STEAL_REMEASURE_ABOVE} % is measured again, ${MOST_MEASURES_UNDER_STEAL} runs at most, and the least stolen one counts; a note under the table says how many were set aside.`,
    '',
    `Machine: ${machine.nproc} cores (${machine.cpu}), Linux ${machine.kernel}; Node.js ${machine.node}${machine.fairwayNode === undefined ? '' : ` (fairway on Node.js ${machine.fairwayNode})`}, ${machine.nginx}, ${machine.haproxy}, ${machine.wrk}, ${machine.h2load}, ${machine.openssl}.`,
    '',
    headline,
    '',
    ...results.flatMap((r) => [scenarioTable(r), '']),
  ].join('\n');
}
