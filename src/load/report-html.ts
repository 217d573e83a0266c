// `fairway bench --report FILE.html`: one self-contained page (inline SVG and
// CSS, no scripts to run, nothing fetched) with throughput and latency charts
// per concurrency level, the tables, and the raw results as embedded JSON.
import type { LoadRunResult } from './engine.js';
import { formatErrors, formatInteger, formatMs, formatPercent } from './format-table.js';

const WIDTH = 720;
const HEIGHT = 300;
const PAD = { left: 70, right: 130, top: 20, bottom: 50 };
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round numbers for an axis from 0 (or lo) to about hi. */
function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(Number(v.toPrecision(6)));
    }
  }
  return out;
}

function shortNumber(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return String(+v.toPrecision(3));
}

interface Series {
  name: string;
  points: { x: number; y: number }[];
}

interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Category labels for x = 0..n-1; numeric x axis otherwise. */
  categories?: string[];
  xTickLabels?: { x: number; label: string }[];
  logY?: boolean;
  bars?: boolean;
  /** Extra dots drawn over the bars (e.g. each round), [x, y]. */
  dots?: [number, number][];
}

function chart(spec: ChartSpec): string {
  const pw = WIDTH - PAD.left - PAD.right;
  const ph = HEIGHT - PAD.top - PAD.bottom;
  const all = spec.series.flatMap((s) => s.points);
  const ys = [...all.map((p) => p.y), ...(spec.dots ?? []).map((d) => d[1])].filter((y) => Number.isFinite(y));
  const categories = spec.categories;
  const xs = all.map((p) => p.x);
  const xMin = categories ? -0.5 : Math.min(...xs);
  const xMax = categories ? categories.length - 0.5 : Math.max(...xs);
  const logY = spec.logY === true && ys.length > 0 && Math.min(...ys) > 0;
  const yHi = ys.length === 0 ? 1 : Math.max(...ys) * 1.08;
  const yLo = logY ? Math.min(...ys) / 1.3 : 0;
  const sx = (x: number) => PAD.left + ((x - xMin) / (xMax - xMin || 1)) * pw;
  const sy = logY
    ? (y: number) => PAD.top + ph - ((Math.log10(Math.max(y, yLo)) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo) || 1)) * ph
    : (y: number) => PAD.top + ph - ((y - yLo) / (yHi - yLo || 1)) * ph;
  const parts: string[] = [];
  parts.push(`<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${esc(spec.title)}">`);
  parts.push(`<text x="${PAD.left}" y="14" class="title">${esc(spec.title)}</text>`);
  for (const t of logY ? logTicks(yLo, yHi) : ticks(yLo, yHi)) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${PAD.left}" x2="${PAD.left + pw}" y1="${y}" y2="${y}" class="grid"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y}" class="ytick">${shortNumber(t)}</text>`);
  }
  const xLabels = categories
    ? categories.map((label, i) => ({ x: i, label }))
    : (spec.xTickLabels ?? ticks(xMin, xMax).map((x) => ({ x, label: shortNumber(x) })));
  for (const t of xLabels) parts.push(`<text x="${sx(t.x).toFixed(1)}" y="${PAD.top + ph + 16}" class="xtick">${esc(t.label)}</text>`);
  parts.push(`<line x1="${PAD.left}" x2="${PAD.left + pw}" y1="${PAD.top + ph}" y2="${PAD.top + ph}" class="axis"/>`);
  parts.push(`<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + ph}" class="axis"/>`);
  parts.push(`<text x="${PAD.left + pw / 2}" y="${HEIGHT - 8}" class="xlabel">${esc(spec.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${PAD.top + ph / 2}) rotate(-90)" class="ylabel">${esc(spec.yLabel)}${logY ? ' (log scale)' : ''}</text>`);
  spec.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    if (spec.bars) {
      const w = Math.min(60, (pw / (categories?.length ?? 1)) * 0.6);
      for (const p of s.points) {
        const top = sy(p.y);
        parts.push(
          `<rect x="${(sx(p.x) - w / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${w.toFixed(1)}" height="${(PAD.top + ph - top).toFixed(1)}" fill="${color}" opacity="0.8"><title>${esc(s.name)}: ${formatInteger(p.y)}</title></rect>`,
        );
        parts.push(`<text x="${sx(p.x).toFixed(1)}" y="${(top - 4).toFixed(1)}" class="barlabel">${shortNumber(p.y)}</text>`);
      }
    } else {
      const d = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
      for (const p of s.points) {
        parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${color}"><title>${esc(s.name)}: ${formatMs(p.y)}</title></circle>`);
      }
    }
    const ly = PAD.top + 12 + i * 18;
    parts.push(`<rect x="${PAD.left + pw + 14}" y="${ly - 9}" width="12" height="12" fill="${color}"/>`);
    parts.push(`<text x="${PAD.left + pw + 32}" y="${ly + 1}" class="legend">${esc(s.name)}</text>`);
  });
  for (const [x, y] of spec.dots ?? []) {
    parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" class="dot"><title>round: ${formatInteger(y)}</title></circle>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** x position of a percentile on a "number of nines" axis: 90 → 1, 99 → 2. */
function nines(percentile: number): number {
  return -Math.log10(Math.max(1e-6, 1 - percentile / 100));
}

export function renderReport(result: LoadRunResult): string {
  const levels = result.levels;
  const categories = levels.map((l) => `c=${l.concurrency}`);
  const throughput = chart({
    title: 'Throughput per concurrency level (bars: mean of rounds, dots: each round)',
    xLabel: 'concurrent connections',
    yLabel: 'requests per second',
    categories,
    bars: true,
    series: [{ name: 'req/s', points: levels.map((l, i) => ({ x: i, y: l.summary.rps.mean })) }],
    dots: levels.flatMap((l, i) => l.rounds.map((r): [number, number] => [i, r.rps])),
  });
  const keys = [
    ['p50', 'p50'],
    ['p90', 'p90'],
    ['p99', 'p99'],
    ['p999', 'p99.9'],
  ] as const;
  const percentiles = chart({
    title: 'Latency percentiles per concurrency level',
    xLabel: 'concurrent connections',
    yLabel: 'latency, ms',
    categories,
    logY: true,
    series: keys.map(([key, name]) => ({ name, points: levels.map((l, i) => ({ x: i, y: l.summary.latency[key] })) })),
  });
  const curveTicks = [0, 90, 99, 99.9, 99.99, 99.999].map((p) => ({ x: nines(p), label: p === 0 ? '0%' : `${p}%` }));
  const curves = chart({
    title: 'Latency by percentile (all rounds of a level merged)',
    xLabel: 'percentile',
    yLabel: 'latency, ms',
    logY: true,
    xTickLabels: curveTicks.filter((t) => t.x <= Math.max(1, ...levels.flatMap((l) => l.summary.curve.map((p) => nines(p.percentile))))),
    series: levels.map((l) => ({
      name: `c=${l.concurrency}`,
      points: l.summary.curve.filter((p) => p.percentile < 100).map((p) => ({ x: nines(p.percentile), y: Math.max(p.ms, 0.001) })),
    })),
  });
  const summaryRows = levels
    .map((l) => {
      const s = l.summary;
      const lat = s.latency;
      return `<tr><td>${s.concurrency}</td><td>${s.rounds}</td><td>${formatInteger(s.requests)}</td><td>${formatInteger(s.rps.mean)}</td><td>${formatInteger(s.rps.stdev)}</td><td>${formatMs(lat.mean)}</td><td>${formatMs(lat.p50)}</td><td>${formatMs(lat.p90)}</td><td>${formatMs(lat.p99)}</td><td>${formatMs(lat.p999)}</td><td>${formatMs(lat.max)}</td><td>${formatPercent(s.errorRate)}</td><td class="text">${esc(formatErrors(s.errors))}</td><td class="text">${esc(s.backends.map((b) => `${b.name} ${(b.share * 100).toFixed(1)}%`).join(', ') || '–')}</td></tr>`;
    })
    .join('\n');
  const roundRows = levels
    .flatMap((l) =>
      l.rounds.map(
        (r) =>
          `<tr><td>${r.concurrency}</td><td>${r.round}</td><td>${formatInteger(r.requests)}</td><td>${formatInteger(r.rps)}</td><td>${formatMs(r.latency.p50)}</td><td>${formatMs(r.latency.p99)}</td><td>${formatMs(r.latency.max)}</td><td class="text">${esc(formatErrors(r.errors))}</td></tr>`,
      ),
    )
    .join('\n');
  const s = result.settings;
  const mode = s.rate === undefined ? 'closed loop (next request when the answer arrives)' : `open model at ${formatInteger(s.rate)} req/s, latency from the intended send time`;
  const length = s.total !== undefined ? `${formatInteger(s.total)} requests per round` : `${(s.durationMs ?? 0) / 1000} s per round`;
  // The data for other tools; '<' escaped so no string can close the script element.
  const data = JSON.stringify(result).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>fairway bench: ${esc(result.method)} ${esc(result.url)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1000px; color: #111; padding: 0 16px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: right; white-space: nowrap; }
th { background: #f3f4f6; } td.text { text-align: left; white-space: normal; }
svg { display: block; margin: 12px 0; background: #fff; border: 1px solid #e5e7eb; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
svg .title { font-size: 13px; font-weight: 600; } svg .ytick { text-anchor: end; dominant-baseline: middle; }
svg .xtick, svg .xlabel, svg .barlabel { text-anchor: middle; } svg .ylabel { text-anchor: middle; }
svg .grid { stroke: #eee; } svg .axis { stroke: #999; } svg .dot { fill: #111; opacity: 0.7; }
.meta { color: #555; }
</style>
</head>
<body>
<h1>fairway bench: ${esc(result.method)} ${esc(result.url)}</h1>
<p class="meta">${esc(result.startedAt)} to ${esc(result.finishedAt)} · levels ${esc(s.concurrency.join(', '))} · ${s.rounds} round(s) · ${esc(length)} · timeout ${s.timeoutMs} ms · ${esc(mode)} · backend header ${esc(s.backendHeader)}${result.aborted ? ' · <strong>stopped early</strong>' : ''}</p>
<p class="meta">Total: ${formatInteger(result.totals.requests)} requests, ${formatInteger(result.totals.successes)} ok, ${formatInteger(result.totals.errorCount)} errors (${formatPercent(result.totals.errorRate)}).</p>
<h2>Throughput</h2>
${throughput}
<h2>Latency</h2>
${percentiles}
${curves}
<h2>Summary per level</h2>
<table>
<tr><th>concurrency</th><th>rounds</th><th>requests</th><th>req/s</th><th>± sd</th><th>mean ms</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>error rate</th><th>errors</th><th>backends</th></tr>
${summaryRows}
</table>
<h2>Rounds</h2>
<table>
<tr><th>concurrency</th><th>round</th><th>requests</th><th>req/s</th><th>p50 ms</th><th>p99 ms</th><th>max ms</th><th>errors</th></tr>
${roundRows}
</table>
<script type="application/json" id="fairway-bench-data">${data}</script>
</body>
</html>
`;
}
