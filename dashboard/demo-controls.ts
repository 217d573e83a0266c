// A backend card's demo part (only under `fairway demo`): the process badge,
// stop/start, failing health checks, and the artificial delay and failure
// rate, all through /api/demo.
import { call } from './api.js';
import { fmt, h, setText } from './dom.js';
import type { Act } from './messages.js';
import type { AppState } from './state.js';
import type { DemoBackend } from './types.js';

export interface DemoControlsDeps {
  state: AppState;
  act: Act;
  /** After every call: the card shows the demo backend's new state. */
  onChange(): void;
}

export interface DemoControls {
  /** Goes with the card's other badges. */
  badge: HTMLElement;
  /** Goes at the card's foot. */
  panel: HTMLElement;
  /** `demo` undefined: not a demo backend (or not known yet), so everything is hidden. */
  update(demo: DemoBackend | undefined, control: boolean): void;
}

export function createDemoControls(backendId: string, key: string, deps: DemoControlsDeps): DemoControls {
  const { state, act } = deps;
  const processButton = h('button', { type: 'button', 'data-action': 'process' }, '■ Stop');
  const healthButton = h('button', { type: 'button', 'data-action': 'health' }, '✕ Fail health checks');
  const delay = h('input', { type: 'number', min: 0, max: 60000, step: 10, value: 0, id: `delay-${key}`, 'aria-label': `Delay of ${backendId} in ms` });
  const failure = h('input', { type: 'number', min: 0, max: 100, step: 5, value: 0, id: `failure-${key}`, 'aria-label': `Failure rate of ${backendId} in percent` });
  const apply = h('button', { type: 'submit' }, 'Set');
  const knobs = h('form', { class: 'demo-knobs' }, h('label', { for: `delay-${key}` }, 'Delay ms', delay), h('label', { for: `failure-${key}` }, 'Fail %', failure), apply);
  const demoPath = `/api/demo/backends/${encodeURIComponent(backendId)}`;
  const remember = (d: DemoBackend) => state.demo.set(d.name, d);

  processButton.addEventListener('click', () => {
    const running = state.demo.get(backendId)?.running ?? true;
    // No second click while the process starts or stops.
    processButton.disabled = true;
    void act(`${backendId}: process ${running ? 'stopped' : 'started'}`, () => call<DemoBackend>('POST', `${demoPath}/${running ? 'stop' : 'start'}`, state.token).then(remember)).then(() => deps.onChange());
  });
  healthButton.addEventListener('click', () => {
    const healthy = state.demo.get(backendId)?.settings?.healthy ?? true;
    void act(`${backendId}: health checks ${healthy ? 'fail' : 'pass'} now`, () => call<DemoBackend>('POST', `${demoPath}/control`, state.token, { healthy: !healthy }).then(remember)).then(() => deps.onChange());
  });
  knobs.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { delayMs: Math.round(Number(delay.value)), failureRate: Math.min(1, Math.max(0, Number(failure.value) / 100)) };
    void act(`${backendId}: delay ${body.delayMs} ms, failure rate ${fmt.pct(body.failureRate, 0)}`, () => call<DemoBackend>('POST', `${demoPath}/control`, state.token, body).then(remember)).then(() => deps.onChange());
  });

  const badge = h('span', { class: 'badge', 'data-field': 'process', hidden: true });
  const panel = h('div', { class: 'demo', hidden: true }, h('div', { class: 'buttons' }, processButton, healthButton), knobs);
  return {
    badge,
    panel,
    update(demo, control) {
      panel.hidden = demo === undefined;
      badge.hidden = demo === undefined;
      if (demo === undefined) return;
      setText(badge, demo.running ? '▶ process running' : '■ process stopped');
      badge.className = `badge process-${demo.running ? 'running' : 'stopped'}`;
      setText(processButton, demo.running ? '■ Stop' : '▶ Start');
      processButton.disabled = !control;
      const answersHealthy = demo.settings?.healthy ?? true;
      setText(healthButton, answersHealthy ? '✕ Fail health checks' : '✓ Pass health checks');
      healthButton.disabled = !control || !demo.running;
      apply.disabled = !control || !demo.running;
      delay.disabled = failure.disabled = !control || !demo.running;
      // Leave the fields alone while someone is typing in them.
      if (demo.settings && document.activeElement !== delay && document.activeElement !== failure) {
        delay.value = String(demo.settings.delayMs);
        failure.value = String(Math.round(demo.settings.failureRate * 100));
      }
    },
  };
}
