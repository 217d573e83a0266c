// Plain-text rendering of load results: one block per round, one summary
// table over the concurrency levels.
import type { LoadRunResult } from './engine.js';
import type { BackendShare, LevelSummary, RoundResult } from './stats.js';

/** Renders rows as aligned columns; numeric-looking cells align right. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => /^[-\d.,%±×\s]+(?:ms|s)?$/.test(r[c] ?? '')));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatInteger(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds with about three significant digits. */
export function formatMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction > 0 && fraction < 0.001 ? 3 : 2)}%`;
}

export function formatErrors(errors: Record<string, number>): string {
  const parts = Object.entries(errors).map(([kind, n]) => `${kind.replace(/^http_/, 'HTTP ')} ${formatInteger(n)}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

export function formatBackends(backends: readonly BackendShare[], header: string): string {
  if (backends.length === 0) return `(no ${header} header in the answers)`;
  return backends.map((b) => `${b.name} ${(b.share * 100).toFixed(1)}% (${formatInteger(b.count)})`).join(', ');
}

export function formatRound(r: RoundResult, rounds: number, backendHeader: string): string {
  const l = r.latency;
  const errorRate = r.requests === 0 ? 0 : r.errorCount / r.requests;
  const lines = [
    `c=${r.concurrency} round ${r.round}/${rounds}: ${formatInteger(r.requests)} requests in ${(r.elapsedMs / 1000).toFixed(1)} s, ` +
      `${formatInteger(r.rps)} req/s, ${formatInteger(r.successes)} ok, ${formatInteger(r.errorCount)} errors (${formatPercent(errorRate)})`,
    r.curve.length === 0
      ? '  latency ms: no answers'
      : `  latency ms: min ${formatMs(l.min)}  mean ${formatMs(l.mean)}  p50 ${formatMs(l.p50)}  p90 ${formatMs(l.p90)}  ` +
        `p99 ${formatMs(l.p99)}  p99.9 ${formatMs(l.p999)}  max ${formatMs(l.max)}`,
    `  errors: ${formatErrors(r.errors)}`,
    `  backends: ${formatBackends(r.backends, backendHeader)}`,
  ];
  if (r.unsent > 0) lines.push(`  unsent: ${formatInteger(r.unsent)} requests were due but no connection was free by the end`);
  return lines.join('\n');
}

function levelRow(s: LevelSummary): string[] {
  const l = s.latency;
  return [
    String(s.concurrency),
    String(s.rounds),
    formatInteger(s.requests),
    s.rounds > 1 ? `${formatInteger(s.rps.mean)} ± ${formatInteger(s.rps.stdev)}` : formatInteger(s.rps.mean),
    formatMs(l.mean),
    formatMs(l.p50),
    formatMs(l.p90),
    formatMs(l.p99),
    formatMs(l.p999),
    formatMs(l.max),
    formatPercent(s.errorRate),
  ];
}

/** The closing summary: a table over the levels, then errors and spread per level. */
export function formatSummary(result: LoadRunResult): string {
  const header = ['concurrency', 'rounds', 'requests', 'req/s', 'mean ms', 'p50', 'p90', 'p99', 'p99.9', 'max', 'errors'];
  const out = [renderTable(header, result.levels.map((l) => levelRow(l.summary)))];
  const details: string[] = [];
  for (const { summary: s } of result.levels) {
    details.push(`c=${s.concurrency}: errors ${formatErrors(s.errors)}; backends ${formatBackends(s.backends, result.settings.backendHeader)}`);
  }
  if (details.length > 0) out.push('', ...details);
  const t = result.totals;
  out.push(
    '',
    `total: ${formatInteger(t.requests)} requests, ${formatInteger(t.successes)} ok, ${formatInteger(t.errorCount)} errors (${formatPercent(t.errorRate)})` +
      (result.aborted ? ' — stopped early' : ''),
  );
  return out.join('\n');
}
