// Backends: one card per backend of every pool, made when a backend first
// shows in a snapshot and removed when it leaves.
import { mountBackendCard, type BackendCard } from './backend-card.js';
import { backendColor } from './backend-colors.js';
import { h } from './dom.js';
import type { Act } from './messages.js';
import { panelSection } from './panel-section.js';
import { keyOf, type AppState } from './state.js';
import type { PageSettings } from './types.js';

export interface BackendsPanelDeps {
  state: AppState;
  settings: PageSettings;
  act: Act;
  canControl(): boolean;
}

export interface BackendsPanel {
  render(): void;
}

export function mountBackendsPanel(parent: HTMLElement, deps: BackendsPanelDeps): BackendsPanel {
  const { state, settings } = deps;
  const container = h('div', { id: 'backend-cards', class: 'cards' });
  parent.append(panelSection('backends', 'Backends', container));
  const cards = new Map<string, BackendCard>();

  const render = (): void => {
    const s = state.snapshot;
    if (s === null) return;
    const seen = new Set<string>();
    const control = deps.canControl();
    for (const pool of s.pools) {
      for (const b of pool.backends) {
        const key = keyOf(pool.name, b.id);
        seen.add(key);
        let card = cards.get(key);
        if (card === undefined) {
          card = mountBackendCard(container, pool.name, key, b, { state, act: deps.act, color: backendColor(s, key), onChange: render });
          cards.set(key, card);
        }
        card.update({ backend: b, series: state.backendHistory.get(key), demo: settings.demo ? state.demo.get(b.id) : undefined, control });
      }
    }
    for (const [key, card] of cards) {
      if (!seen.has(key)) {
        card.remove();
        cards.delete(key);
      }
    }
  };
  return { render };
}
