// The Controls panel's algorithm part: one form per pool to switch its
// balancing algorithm through the admin API.
import { call } from './api.js';
import { h } from './dom.js';
import type { Act } from './messages.js';
import type { AppState } from './state.js';

const ALGORITHMS = ['round-robin', 'weighted-round-robin', 'least-connections', 'least-response-time', 'power-of-two', 'random', 'ip-hash', 'consistent-hash'];

export interface AlgorithmFormsDeps {
  state: AppState;
  act: Act;
  canControl(): boolean;
  /** A switch succeeded; the snapshot already carries the new algorithm. */
  onChange(): void;
}

export interface AlgorithmForms {
  element: HTMLElement;
  render(): void;
}

interface PoolForm {
  select: HTMLSelectElement;
  button: HTMLButtonElement;
  /** The server's algorithm last put into the select. */
  shown: string;
}

export function createAlgorithmForms(deps: AlgorithmFormsDeps): AlgorithmForms {
  const { state, act } = deps;
  const element = h('div', { id: 'algorithm-forms' });
  const forms = new Map<string, PoolForm>();

  const create = (poolName: string): PoolForm => {
    const id = `algorithm-${poolName}`;
    const select = h('select', { id, name: 'algorithm' }, ...ALGORITHMS.map((a) => h('option', { value: a }, a)));
    const button = h('button', { type: 'submit' }, 'Apply');
    const form = h('form', { class: 'algorithm-form', 'data-pool': poolName }, h('label', { for: id }, `Pool ${poolName}`), select, button);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const algorithm = select.value;
      void act(`pool ${poolName}: algorithm ${algorithm}`, () => call('PUT', `/api/pools/${encodeURIComponent(poolName)}/algorithm`, state.token, { algorithm })).then((ok) => {
        if (ok) {
          // Shown at once rather than at the next snapshot.
          const view = state.snapshot?.pools.find((p) => p.name === poolName);
          if (view) view.algorithm = algorithm;
          deps.onChange();
        }
      });
    });
    element.append(form);
    return { select, button, shown: '' };
  };

  return {
    element,
    render() {
      const s = state.snapshot;
      if (s === null) return;
      const control = deps.canControl();
      for (const pool of s.pools) {
        let entry = forms.get(pool.name);
        if (entry === undefined) forms.set(pool.name, (entry = create(pool.name)));
        // Follow the server unless the user is choosing.
        if (entry.shown !== pool.algorithm && document.activeElement !== entry.select) {
          entry.select.value = pool.algorithm;
          entry.shown = pool.algorithm;
        }
        entry.select.disabled = entry.button.disabled = !control;
      }
    },
  };
}
