// The frame every panel of the grid shares: a section labelled by its heading.
import { h } from './dom.js';

export function panelSection(id: string, title: string, ...children: (Node | null)[]): HTMLElement {
  return h('section', { id, class: 'panel', 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...children);
}
