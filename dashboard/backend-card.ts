// One backend's card: health and admin-state badges, its numbers, a small
// rate chart, the Enable / Drain / Disable buttons and, under the demo, the
// demo backend's controls.
import { call } from './api.js';
import { Sparkline } from './charts.js';
import { createDemoControls } from './demo-controls.js';
import { fmt, h, setText } from './dom.js';
import type { Act } from './messages.js';
import type { AppState } from './state.js';
import type { BackendView, DemoBackend } from './types.js';

const HEALTH_TEXT = { healthy: '✓ healthy', unhealthy: '✕ unhealthy', ejected: '⚠ ejected' };
const STATE_TEXT: Record<string, string> = { enabled: '● enabled', draining: '◐ draining', disabled: '○ disabled' };
const STATES = [
  ['enabled', 'Enable'],
  ['draining', 'Drain'],
  ['disabled', 'Disable'],
] as const;
const STATS = [
  ['requests', 'Requests'],
  ['inflight', 'In flight'],
  ['tunnels', 'Tunnels'],
  ['rps', 'Req/s'],
  ['errors', 'Error rate'],
  ['p50', 'p50'],
  ['p99', 'p99'],
  ['weight', 'Weight'],
] as const;
type StatName = (typeof STATS)[number][0];

export interface BackendCardDeps {
  state: AppState;
  act: Act;
  color: string;
  /** After a button's call: the cards show the new state. */
  onChange(): void;
}

export interface CardUpdate {
  backend: BackendView;
  series: { t: number[]; rps: number[] } | undefined;
  demo: DemoBackend | undefined;
  control: boolean;
}

export interface BackendCard {
  remove(): void;
  update(u: CardUpdate): void;
}

/** Appends the card to `container` (the chart needs to be in the page to take its width). */
export function mountBackendCard(container: HTMLElement, pool: string, key: string, b: BackendView, deps: BackendCardDeps): BackendCard {
  const { state, act } = deps;
  const values = {} as Record<StatName, HTMLElement>;
  const statNodes = STATS.flatMap(([name, label]) => {
    values[name] = h('dd', { 'data-field': name }, '—');
    return [h('dt', {}, label), values[name]];
  });
  const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  swatch.style.background = deps.color;
  const stateButtons = new Map<string, HTMLButtonElement>();
  for (const [s, label] of STATES) {
    const button = h('button', { type: 'button', 'data-state': s }, label);
    button.addEventListener('click', () => {
      void act(`${b.id}: ${label.toLowerCase()}`, () => call('PATCH', `/api/pools/${encodeURIComponent(pool)}/backends/${encodeURIComponent(b.id)}`, state.token, { state: s })).then((ok) => {
        if (ok) {
          // Shown at once rather than at the next snapshot.
          const view = state.snapshot?.pools.find((p) => p.name === pool)?.backends.find((x) => x.id === b.id);
          if (view) view.state = s;
          deps.onChange();
        }
      });
    });
    stateButtons.set(s, button);
  }
  const demo = createDemoControls(b.id, key, deps);
  const health = h('span', { class: 'badge', 'data-field': 'health' });
  const ejected = h('span', { class: 'badge health-ejected', 'data-field': 'ejected', hidden: true }, HEALTH_TEXT.ejected);
  const admin = h('span', { class: 'badge', 'data-field': 'state' });
  const sparkBox = h('div', { class: 'spark', role: 'img', 'aria-label': `Requests per second of ${b.id}, last 2 minutes` });
  const el = h(
    'article',
    { class: 'card', 'data-backend': b.id, 'data-pool': pool },
    h('header', {}, swatch, h('h3', {}, b.id), h('span', { class: 'url' }, b.url)),
    h('div', { class: 'badges' }, health, ejected, admin, demo.badge),
    h('dl', { class: 'stats' }, ...statNodes),
    sparkBox,
    h('div', { class: 'buttons', role: 'group', 'aria-label': `Admin state of ${b.id}` }, ...stateButtons.values()),
    demo.panel,
  );
  container.append(el);
  const spark = new Sparkline(sparkBox, deps.color, `${b.id} req/s`);

  return {
    remove: () => el.remove(),
    update({ backend: v, series, demo: demoState, control }) {
      // Health checks and ejection are shown apart: either can hold alone.
      const checksPass = v.healthy ?? v.health === 'healthy';
      const isEjected = v.ejected ?? v.health === 'ejected';
      setText(health, checksPass ? HEALTH_TEXT.healthy : HEALTH_TEXT.unhealthy);
      health.className = `badge health-${checksPass ? 'healthy' : 'unhealthy'}`;
      ejected.hidden = !isEjected;
      setText(admin, STATE_TEXT[v.state] ?? v.state);
      admin.className = `badge state-${v.state}`;
      el.dataset['health'] = checksPass ? (isEjected ? 'ejected' : 'healthy') : 'unhealthy';
      el.dataset['state'] = v.state;
      setText(values.requests, fmt.int(v.totalRequests));
      setText(values.inflight, fmt.int(v.inFlight));
      setText(values.tunnels, fmt.int(v.openTunnels ?? 0));
      setText(values.rps, fmt.rate(v.requestsPerSecond));
      setText(values.errors, fmt.pct(v.errorRate));
      setText(values.p50, fmt.ms(v.latencyMs.p50));
      setText(values.p99, fmt.ms(v.latencyMs.p99));
      setText(values.weight, v.effectiveWeight !== v.weight ? `${v.weight} (now ${v.effectiveWeight})` : String(v.weight));
      for (const [s, button] of stateButtons) {
        button.disabled = !control || v.state === s;
        button.setAttribute('aria-pressed', String(v.state === s));
      }
      if (series) spark.update(series.t, series.rps);
      demo.update(demoState, control);
    },
  };
}
