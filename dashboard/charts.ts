// uPlot charts: the performance chart (requests per second and p50/p99
// latency over the last minutes) and the small per-backend rate charts.
import uPlot from 'uplot';

/** Keeps a uPlot chart as wide as its container. */
function fit(chart: uPlot, container: HTMLElement, height: number): void {
  const resize = () => {
    const width = Math.max(120, Math.floor(container.clientWidth));
    if (width !== chart.width || height !== chart.height) chart.setSize({ width, height });
  };
  new ResizeObserver(resize).observe(container);
  resize();
}

/**
 * The time axis: from the first point to the last, and at least `seconds`
 * wide. uPlot alone stretches a single point over 86,400 times its time unit
 * (1,000 days here: ticks "Feb 2027 … Aug 2029"). Charts are not zoomable,
 * so the range always follows the data.
 */
function timeRange(seconds: number): uPlot.Range.Function {
  return (u) => {
    const xs = u.data[0];
    const last = xs.length > 0 ? xs[xs.length - 1]! : Date.now() / 1000;
    const first = xs.length > 0 ? xs[0]! : last;
    return last - first < seconds ? [last - seconds, last] : [first, last];
  };
}

export interface Series {
  times: number[];
  columns: (number | null)[][];
}

export class PerformanceChart {
  private readonly chart: uPlot;

  constructor(container: HTMLElement, height = 190) {
    const opts: uPlot.Options = {
      width: Math.max(120, container.clientWidth),
      height,
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
      scales: { x: { time: true, range: timeRange(60) }, rps: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] }, ms: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { stroke: '#444', grid: { stroke: '#eee' } },
        { scale: 'rps', label: 'requests/s', stroke: '#0072B2', grid: { stroke: '#eee' }, size: 56 },
        { scale: 'ms', label: 'latency ms', side: 1, stroke: '#8a4b00', grid: { show: false }, size: 56 },
      ],
      series: [
        { label: 'time' },
        { label: 'req/s', scale: 'rps', stroke: '#0072B2', width: 2, fill: 'rgba(0,114,178,0.08)', value: (_u, v) => (v === null ? '—' : v.toFixed(1)) },
        { label: 'p50 ms', scale: 'ms', stroke: '#E69F00', width: 2, value: (_u, v) => (v === null ? '—' : v.toFixed(2)) },
        { label: 'p99 ms', scale: 'ms', stroke: '#D55E00', width: 2, dash: [6, 4], value: (_u, v) => (v === null ? '—' : v.toFixed(2)) },
      ],
    };
    this.chart = new uPlot(opts, [[], [], [], []], container);
    fit(this.chart, container, height);
  }

  update(series: Series): void {
    this.chart.setData([series.times, ...series.columns] as uPlot.AlignedData);
  }
}

export class Sparkline {
  private readonly chart: uPlot;

  constructor(container: HTMLElement, color: string, label: string, height = 48) {
    const opts: uPlot.Options = {
      width: Math.max(120, container.clientWidth),
      height,
      legend: { show: false },
      cursor: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      scales: { x: { time: true, range: timeRange(60) }, y: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
      axes: [{ show: false }, { show: false }],
      series: [{}, { label, stroke: color, width: 1.5, fill: `${color}22` }],
      padding: [4, 2, 2, 2],
    };
    this.chart = new uPlot(opts, [[], []], container);
    fit(this.chart, container, height);
  }

  update(times: number[], values: (number | null)[]): void {
    this.chart.setData([times, values] as uPlot.AlignedData);
  }
}
