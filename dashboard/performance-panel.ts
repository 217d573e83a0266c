// Performance: the totals cards (requests, rate, in flight, success rate,
// p50, p99) and the chart of rate and latency over the last minutes.
import { PerformanceChart } from './charts.js';
import { fmt, h, setText } from './dom.js';
import { panelSection } from './panel-section.js';
import type { HistoryPoint } from './state.js';
import type { Snapshot } from './types.js';

export interface PerformancePanel {
  render(s: Snapshot | null, history: HistoryPoint[]): void;
}

function kpi(id: string, label: string): { card: HTMLElement; value: HTMLElement } {
  const value = h('span', { class: 'kpi-value', id }, '—');
  return { card: h('div', { class: 'kpi' }, h('span', { class: 'kpi-label' }, label), value), value };
}

export function mountPerformancePanel(parent: HTMLElement): PerformancePanel {
  const total = kpi('kpi-total', 'Total requests');
  const rps = kpi('kpi-rps', 'Requests/s');
  const inflight = kpi('kpi-inflight', 'In flight');
  const success = kpi('kpi-success', 'Success rate');
  const p50 = kpi('kpi-p50', 'p50 latency');
  const p99 = kpi('kpi-p99', 'p99 latency');
  const chartBox = h('div', { id: 'perf-chart', class: 'chart', role: 'img', 'aria-label': 'Requests per second and p50/p99 latency over the last 5 minutes' });
  parent.append(panelSection('performance', 'Performance', h('div', { class: 'kpis' }, total.card, rps.card, inflight.card, success.card, p50.card, p99.card), chartBox));
  // Made once the box is in the page, so the chart starts at the box's width.
  const chart = new PerformanceChart(chartBox);
  return {
    render(s, history) {
      if (s === null) return;
      setText(total.value, fmt.int(s.totals.requests));
      setText(rps.value, fmt.rate(s.requestsPerSecond));
      setText(inflight.value, fmt.int(s.totals.active));
      // From the same counts and rounding as the error share, so the two add up to 100 %.
      setText(success.value, fmt.shares(s.totals.errors, s.totals.requests).success);
      setText(p50.value, fmt.ms(s.latencyMs.p50));
      setText(p99.value, fmt.ms(s.latencyMs.p99));
      chart.update({ times: history.map((x) => x.t), columns: [history.map((x) => x.rps), history.map((x) => x.p50), history.map((x) => x.p99)] });
    },
  };
}
