// System status: whether the balancer answers, uptime, errors, retries, and
// per pool its algorithm and healthy backends.
import { fmt, h, setText } from './dom.js';
import { panelSection } from './panel-section.js';
import type { Snapshot } from './types.js';

export interface SystemPanel {
  /** `stale`: the feed is reconnecting, so the snapshot may no longer be true. */
  render(s: Snapshot | null, stale: boolean): void;
}

export function mountSystemPanel(parent: HTMLElement): SystemPanel {
  const status = h('dd', { id: 'sys-status' }, '—');
  const uptime = h('dd', { id: 'sys-uptime' }, '—');
  const errors = h('dd', { id: 'sys-errors' }, '—');
  const retries = h('dd', { id: 'sys-retries' }, '—');
  const pools = h('tbody', { id: 'sys-pools' });
  parent.append(
    panelSection(
      'system',
      'System status',
      h('dl', { class: 'facts' }, h('dt', {}, 'Balancer'), status, h('dt', {}, 'Uptime'), uptime, h('dt', {}, 'Errors'), errors, h('dt', {}, 'Retries'), retries),
      h('table', { class: 'pools' }, h('thead', {}, h('tr', {}, h('th', {}, 'Pool'), h('th', {}, 'Algorithm'), h('th', {}, 'Healthy'))), pools),
    ),
  );
  return {
    render(s, stale) {
      if (s === null) return;
      setText(status, stale ? '? Not reachable — reconnecting' : '✓ Running');
      setText(uptime, fmt.duration(s.uptimeSeconds));
      setText(errors, `${fmt.int(s.totals.errors)} (${fmt.shares(s.totals.errors, s.totals.requests).errors})`);
      setText(retries, fmt.int(s.totals.retries));
      const rows = s.pools.map((p) => {
        const all = p.healthyBackends === p.totalBackends;
        return h(
          'tr',
          { 'data-pool': p.name },
          h('td', {}, p.name),
          h('td', { class: 'algo' }, p.algorithm),
          h('td', {}, h('span', { class: all ? 'ok' : p.healthyBackends === 0 ? 'bad' : 'warn' }, `${all ? '✓' : '⚠'} ${p.healthyBackends} / ${p.totalBackends} healthy`), p.panicking ? ' (panic mode)' : '', p.queued > 0 ? ` · ${p.queued} queued` : ''),
        );
      });
      pools.replaceChildren(...rows);
    },
  };
}
