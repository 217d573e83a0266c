// The Controls panel's test part: the form that starts a load, stress or
// custom test on the server (POST /api/tests) or stops it, and the running
// test's progress or finished test's summary.
import { call } from './api.js';
import { backendColor } from './backend-colors.js';
import { renderBar } from './distribution-bar.js';
import { fmt, h } from './dom.js';
import type { Act } from './messages.js';
import { keyOf, type AppState } from './state.js';
import type { TestState } from './types.js';

const KINDS = ['load', 'stress', 'custom'] as const;
const KIND_LABEL = { load: 'Load test', stress: 'Stress test', custom: 'Custom' };
const STATUS_TEXT = { running: '▶ running', finished: '✓ finished', stopped: '■ stopped', failed: '✕ failed' };

export interface LoadTestPanelDeps {
  state: AppState;
  act: Act;
  canControl(): boolean;
}

export interface LoadTestPanel {
  form: HTMLFormElement;
  status: HTMLElement;
  /** Disables every field and button without control; render() then sets Run and Stop. */
  setEnabled(control: boolean): void;
  render(): void;
}

/** A labelled input shown only for the test kinds listed (space-separated) in `kinds`. */
function field(id: string, label: string, input: HTMLElement, kinds: string): HTMLElement {
  return h('div', { class: 'field', 'data-kinds': kinds }, h('label', { for: id }, label), input);
}

export function createLoadTestPanel(deps: LoadTestPanelDeps): LoadTestPanel {
  const { state, act } = deps;
  const requests = h('input', { id: 't-requests', name: 'requests', type: 'number', min: 1, max: 1000000, value: 1000 });
  const duration = h('input', { id: 't-duration', name: 'durationSeconds', type: 'number', min: 1, max: 600, value: 10 });
  const concurrency = h('input', { id: 't-concurrency', name: 'concurrency', type: 'number', min: 1, max: 1000, value: 10, required: true });
  const method = h('select', { id: 't-method', name: 'method' }, ...['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => h('option', { value: m }, m)));
  const path = h('input', { id: 't-path', name: 'path', type: 'text', value: '/', maxlength: 2000 });
  const rate = h('input', { id: 't-rate', name: 'rate', type: 'number', min: 1, max: 100000 });
  const headers = h('textarea', { id: 't-headers', name: 'headers', rows: 2 });
  const run = h('button', { type: 'submit', id: 'test-run', class: 'primary' }, '▶ Run test');
  const stop = h('button', { type: 'button', id: 'test-stop' }, '■ Stop test');
  const form = h(
    'form',
    { id: 'test-form', class: 'test-form' },
    h('fieldset', { class: 'kinds' }, h('legend', {}, 'Kind'), ...KINDS.map((kind) => h('label', {}, h('input', { type: 'radio', name: 'kind', value: kind, checked: kind === 'load' }), ` ${KIND_LABEL[kind]}`))),
    field('t-requests', 'Requests', requests, 'load custom'),
    field('t-duration', 'Duration (s)', duration, 'stress custom'),
    field('t-concurrency', 'Concurrency', concurrency, 'load stress custom'),
    field('t-method', 'Method', method, 'custom'),
    field('t-path', 'Path', path, 'custom'),
    field('t-rate', 'Rate (req/s, optional)', rate, 'custom'),
    field('t-headers', 'Headers (Name: value, one a line)', headers, 'custom'),
    h('p', { class: 'hint' }, 'Runs on the server against this balancer’s own listener; the traffic shows in the charts above.'),
    h('div', { class: 'buttons' }, run, stop),
  );
  const status = h('div', { id: 'test-status', class: 'test-status', 'aria-live': 'polite' });

  const selectedKind = () => form.querySelector<HTMLInputElement>('input[name=kind]:checked')?.value ?? 'load';
  // Each kind has its own defaults, but a number the user typed is kept.
  const showKindFields = () => {
    const kind = selectedKind();
    for (const f of form.querySelectorAll<HTMLElement>('.field')) f.hidden = !(f.dataset['kinds'] ?? '').split(' ').includes(kind);
    if (!concurrency.dataset['touched']) concurrency.value = kind === 'stress' ? '50' : '10';
    requests.required = kind === 'load';
    if (kind === 'custom' && !requests.dataset['touched']) requests.value = '';
    if (kind === 'load' && requests.value === '') requests.value = '1000';
    duration.required = kind === 'stress';
    if (kind === 'custom' && !duration.dataset['touched']) duration.value = '10';
  };
  for (const input of form.querySelectorAll('input[type=number]')) input.addEventListener('input', () => ((input as HTMLElement).dataset['touched'] = '1'));
  form.addEventListener('change', (event) => {
    if ((event.target as HTMLInputElement).name === 'kind') showKindFields();
  });
  showKindFields();

  const render = (): void => {
    const t = state.test;
    const running = t?.status === 'running';
    const control = deps.canControl();
    run.disabled = !control || running;
    stop.disabled = !control || !running;
    if (t === null) {
      status.replaceChildren();
      return;
    }
    const p = t.progress;
    const what = t.kind === 'load' ? `${fmt.int(t.spec.requests ?? 0)} requests` : t.kind === 'stress' ? `${t.spec.durationSeconds} s` : `${t.spec.method} ${t.spec.path}`;
    const children: (Node | string)[] = [
      h('p', { class: 'test-title' }, h('strong', {}, `Test ${t.id}: ${t.kind}`), ` — ${what}, concurrency ${t.spec.concurrency} — `, h('span', { id: 'test-state', class: `test-${t.status}` }, STATUS_TEXT[t.status])),
    ];
    if (running) {
      children.push(
        h('progress', { max: 1, value: p.fraction, 'aria-label': 'Test progress' }),
        h('p', { class: 'test-live' }, `${fmt.pct(p.fraction, 0)} · ${fmt.int(p.requests)} requests · ${fmt.int(p.ok)} ok · ${fmt.int(p.failed)} failed · ${fmt.rate(p.requestsPerSecond)} req/s · p50 ${fmt.ms(p.p50)} · p99 ${fmt.ms(p.p99)}`),
      );
    }
    if (t.error) children.push(h('p', { class: 'error' }, `✕ ${t.error}`));
    const s = t.summary;
    if (s !== null && !running) {
      const row = (label: string, value: string) => [h('div', { class: 'kpi' }, h('dt', { class: 'kpi-label' }, label), h('dd', { class: 'kpi-value' }, value))];
      const dist = h('div', { class: 'dist' });
      // The summary names backends without their pool: coloured as the first pool's.
      const pool = state.snapshot?.pools[0]?.name ?? 'default';
      renderBar(dist, s.distribution.map((d) => ({ key: keyOf(pool, d.backend), label: d.backend, count: d.count })), (key) => backendColor(state.snapshot, key));
      const errors = Object.entries(s.errors);
      children.push(
        h(
          'div',
          { id: 'test-summary', class: 'summary' },
          h(
            'dl',
            { class: 'summary-grid' },
            ...row('Total', fmt.int(s.total)),
            ...row('OK', fmt.int(s.ok)),
            ...row('Failed', fmt.int(s.failed)),
            ...row('Average', fmt.ms(s.latencyMs.average)),
            ...row('p50', fmt.ms(s.latencyMs.p50)),
            ...row('p99', fmt.ms(s.latencyMs.p99)),
            ...row('Req/s', fmt.rate(s.requestsPerSecond)),
            ...row('Elapsed', `${(s.elapsedMs / 1000).toFixed(1)} s`),
          ),
          errors.length > 0 ? h('p', { class: 'error' }, `Errors: ${errors.map(([k, v]) => `${k} ${fmt.int(v)}`).join(', ')}`) : null,
          h('h4', {}, 'Distribution'),
          dist,
        ),
      );
    }
    status.replaceChildren(...children);
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const kind = selectedKind();
    const num = (input: HTMLInputElement) => {
      const v = input.value.trim();
      return v === '' ? undefined : Number(v);
    };
    const body: Record<string, unknown> = { kind, concurrency: num(concurrency) };
    if (kind === 'load') body['requests'] = num(requests);
    if (kind === 'stress') body['durationSeconds'] = num(duration);
    if (kind === 'custom') {
      body['requests'] = num(requests);
      body['durationSeconds'] = num(duration);
      body['rate'] = num(rate);
      body['method'] = method.value;
      body['path'] = path.value.trim() || '/';
      const parsed: Record<string, string> = {};
      for (const line of headers.value.split('\n')) {
        const at = line.indexOf(':');
        if (at > 0) parsed[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
      if (Object.keys(parsed).length > 0) body['headers'] = parsed;
    }
    void act(`${kind} test started`, async () => {
      state.test = await call<TestState>('POST', '/api/tests', state.token, body);
      render();
    });
  });
  stop.addEventListener('click', () => {
    void act('test stopped', async () => {
      state.test = await call<TestState>('DELETE', '/api/tests/current', state.token);
      render();
    });
  });

  return {
    form,
    status,
    setEnabled(control) {
      for (const el of form.querySelectorAll<HTMLInputElement | HTMLButtonElement | HTMLSelectElement | HTMLTextAreaElement>('input, button, select, textarea')) el.disabled = !control;
    },
    render,
  };
}
