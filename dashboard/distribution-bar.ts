// A stacked bar of request counts per backend with a legend: the request
// flow panel's distributions and a finished test's summary use it.
import { textColorOn, type ColorOf } from './backend-colors.js';
import { fmt, h } from './dom.js';

export interface BarCount {
  key: string;
  label: string;
  count: number;
}

export function renderBar(el: HTMLElement, counts: BarCount[], colorOf: ColorOf): void {
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  if (total === 0) {
    el.replaceChildren(h('span', { class: 'dist-empty' }, 'no requests yet'));
    return;
  }
  el.replaceChildren(
    h(
      'div',
      { class: 'bar', role: 'img', 'aria-label': counts.map((c) => `${c.label} ${fmt.pct(c.count / total, 0)}`).join(', ') },
      ...counts
        .filter((c) => c.count > 0)
        .map((c) => {
          // Labels only on segments wide enough to hold them; the title and legend carry the rest.
          const seg = h('span', { class: 'seg', title: `${c.label}: ${fmt.int(c.count)} (${fmt.pct(c.count / total)})` }, c.count / total >= 0.12 ? `${c.label} ${fmt.pct(c.count / total, 0)}` : '');
          seg.style.width = `${(c.count / total) * 100}%`;
          seg.style.background = colorOf(c.key);
          seg.style.color = textColorOn(colorOf(c.key));
          return seg;
        }),
    ),
    h(
      'ul',
      { class: 'legend' },
      ...counts.map((c) => {
        const sw = h('span', { class: 'swatch', 'aria-hidden': 'true' });
        sw.style.background = colorOf(c.key);
        return h('li', {}, sw, `${c.label}: ${fmt.int(c.count)} (${fmt.pct(c.count / total)})`);
      }),
    ),
  );
}
