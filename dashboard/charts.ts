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

/** The font of the time axis labels: set here so their width can be measured. */
const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
/** Free space between two time labels, in CSS px. */
const LABEL_GAP_PX = 20;
/** Tick steps in seconds; uPlot takes the smallest that leaves room for the labels. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

let measuring: CanvasRenderingContext2D | null = null;
function textWidth(text: string): number {
  measuring ??= document.createElement('canvas').getContext('2d');
  if (measuring === null) return text.length * 8;
  measuring.font = AXIS_FONT;
  return measuring.measureText(text).width;
}

const two = (n: number) => String(n).padStart(2, '0');

/** 24-hour local time; seconds only when some tick needs them. */
function timeLabels(splits: number[]): string[] {
  const withSeconds = splits.some((t) => Math.round(t) % 60 !== 0);
  return splits.map((t) => {
    const d = new Date(t * 1000);
    return `${two(d.getHours())}:${two(d.getMinutes())}${withSeconds ? `:${two(d.getSeconds())}` : ''}`;
  });
}

/**
 * The time axis. uPlot's default keeps ticks 50 px apart, less than a label
 * like "12:34:56pm" needs, so labels ran into each other (the more so at
 * 390 px). Here ticks are at least the widest label plus a gap apart. The
 * drawn labels' boxes go to the container's data-time-labels attribute,
 * which is what the browser test reads to check they do not overlap.
 */
function timeAxis(container: HTMLElement): { axis: uPlot.Axis; draw: (u: uPlot) => void } {
  let ticks: { at: number; label: string }[] = [];
  const axis: uPlot.Axis = {
    font: AXIS_FONT,
    stroke: '#444',
    grid: { stroke: '#eee' },
    space: () => Math.ceil(textWidth('00:00:00')) + LABEL_GAP_PX,
    incrs: TIME_STEPS,
    values: (_u, splits) => {
      const labels = timeLabels(splits);
      ticks = splits.map((at, i) => ({ at, label: labels[i]! }));
      return labels;
    },
  };
  const draw = (u: uPlot) => {
    const plotLeft = u.bbox.left / devicePixelRatio;
    const boxes = ticks.map(({ at, label }) => {
      const center = plotLeft + u.valToPos(at, 'x');
      const half = textWidth(label) / 2;
      return { label, left: Math.round((center - half) * 10) / 10, right: Math.round((center + half) * 10) / 10 };
    });
    container.dataset['timeLabels'] = JSON.stringify(boxes);
  };
  return { axis, draw };
}

export interface Series {
  times: number[];
  columns: (number | null)[][];
}

export class PerformanceChart {
  private readonly chart: uPlot;

  constructor(container: HTMLElement, height = 190) {
    const time = timeAxis(container);
    const opts: uPlot.Options = {
      width: Math.max(120, container.clientWidth),
      height,
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
      scales: { x: { time: true, range: timeRange(60) }, rps: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] }, ms: { auto: true, range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        time.axis,
        { scale: 'rps', label: 'requests/s', stroke: '#0072B2', grid: { stroke: '#eee' }, size: 56 },
        { scale: 'ms', label: 'latency ms', side: 1, stroke: '#8a4b00', grid: { show: false }, size: 56 },
      ],
      series: [
        { label: 'time' },
        { label: 'req/s', scale: 'rps', stroke: '#0072B2', width: 2, fill: 'rgba(0,114,178,0.08)', value: (_u, v) => (v === null ? '—' : v.toFixed(1)) },
        { label: 'p50 ms', scale: 'ms', stroke: '#E69F00', width: 2, value: (_u, v) => (v === null ? '—' : v.toFixed(2)) },
        { label: 'p99 ms', scale: 'ms', stroke: '#D55E00', width: 2, dash: [6, 4], value: (_u, v) => (v === null ? '—' : v.toFixed(2)) },
      ],
      hooks: { draw: [time.draw] },
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
