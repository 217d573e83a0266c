// The load generator as a library: what `fairway bench` and the dashboard use.
export { runLoad, planLoad, DEFAULT_CONCURRENCY, DEFAULT_DURATION_MS, DEFAULT_TIMEOUT_MS } from './engine.js';
export type { LoadOptions, LoadHooks, LoadProgress, LoadRunResult, LevelResult } from './engine.js';
export type { RoundResult, LevelSummary, BackendShare, Spread, CurvePoint } from './stats.js';
export { Histogram, type LatencySummary, type HistogramData } from './histogram.js';
export { renderReport } from './report-html.js';
export { formatRound, formatSummary, renderTable } from './format-table.js';
