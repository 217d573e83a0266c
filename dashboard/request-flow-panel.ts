// Request flow: how requests spread over the backends (since start and over
// the last minute) and the sample of recent requests, which only the live
// stream carries.
import type { ColorOf } from './backend-colors.js';
import { renderBar } from './distribution-bar.js';
import { fmt, h, setText } from './dom.js';
import { panelSection } from './panel-section.js';
import { keyOf, type AppState } from './state.js';
import type { RequestEvent, Snapshot } from './types.js';

const SAMPLE_HINT = '(a sample of up to 25 a second)';

export interface RequestFlowInput {
  snapshot: Snapshot | null;
  totalsHistory: AppState['totalsHistory'];
  requests: RequestEvent[];
  /** The live stream (with the token) carries the sample; the read-only poll does not. */
  live: boolean;
  colorOf: ColorOf;
}

export interface RequestFlowPanel {
  render(input: RequestFlowInput): void;
  /** Back to the sample's description, on every change of token; render() says when it needs the token. */
  resetHint(): void;
}

export function mountRequestFlowPanel(parent: HTMLElement): RequestFlowPanel {
  const distTotal = h('div', { id: 'dist-total', class: 'dist' });
  const distMinute = h('div', { id: 'dist-minute', class: 'dist' });
  const hint = h('span', { class: 'hint', id: 'requests-hint' }, SAMPLE_HINT);
  const body = h('tbody', { id: 'requests-body' });
  parent.append(
    panelSection(
      'flow',
      'Request flow',
      h('h3', {}, 'Distribution per backend'),
      h('div', { class: 'dist-row' }, h('span', { class: 'dist-label' }, 'Since start'), distTotal),
      h('div', { class: 'dist-row' }, h('span', { class: 'dist-label' }, 'Last minute'), distMinute),
      h('h3', {}, 'Recent requests ', hint),
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'requests' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Time'), h('th', {}, 'Method'), h('th', {}, 'Path'), h('th', {}, 'Status'), h('th', {}, 'Backend'), h('th', { class: 'num' }, 'Duration'))),
          body,
        ),
      ),
    ),
  );
  return {
    render({ snapshot: s, totalsHistory, requests, live, colorOf }) {
      if (s === null) return;
      const multiPool = s.pools.length > 1;
      const entries = s.pools.flatMap((p) => p.backends.map((b) => ({ key: keyOf(p.name, b.id), label: multiPool ? `${p.name}/${b.id}` : b.id, total: b.totalRequests })));
      renderBar(distTotal, entries.map((e) => ({ key: e.key, label: e.label, count: e.total })), colorOf);
      // Against the oldest kept counts, about a minute old; a backend missing there shows 0.
      const oldest = totalsHistory[0];
      renderBar(distMinute, entries.map((e) => ({ key: e.key, label: e.label, count: Math.max(0, e.total - (oldest?.counts.get(e.key) ?? e.total)) })), colorOf);
      if (!live) {
        setText(hint, '(needs the admin token)');
        body.replaceChildren();
        return;
      }
      const rows = [...requests].reverse().map((r) => {
        const ok = r.status > 0 && r.status < 500;
        return h(
          'tr',
          {},
          h('td', {}, fmt.clock(r.time)),
          h('td', {}, r.method),
          h('td', { class: 'path', title: r.path }, r.path),
          h('td', {}, h('span', { class: ok ? 'ok' : 'bad' }, `${ok ? '✓' : '✕'} ${r.status || r.errorKind}`)),
          h('td', {}, r.backend || '—'),
          h('td', { class: 'num' }, fmt.ms(r.durationMs)),
        );
      });
      body.replaceChildren(...rows);
    },
    resetHint() {
      setText(hint, SAMPLE_HINT);
    },
  };
}
