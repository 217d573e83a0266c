// The fairway dashboard: live state from /api/events (or, without the admin
// token, a read-only view polled from /lb/stats), backend and algorithm
// controls through the admin API, and load tests run by the server.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { ApiError, call, readEvents, storedToken, storeToken, Unauthorized } from './api.js';
import { PerformanceChart, Sparkline } from './charts.js';
import { append, byId, fmt, h, PALETTE, setText } from './dom.js';
import type { BackendView, DemoBackend, HealthEventView, LbStats, PageSettings, RequestEvent, Snapshot, TestState } from './types.js';

const ALGORITHMS = ['round-robin', 'weighted-round-robin', 'least-connections', 'least-response-time', 'power-of-two', 'random', 'ip-hash', 'consistent-hash'];
const HISTORY_SECONDS = 300;
const SPARK_SECONDS = 120;
const MAX_REQUESTS_SHOWN = 25;
const DISMISSED_KEY = 'fairway.tokenDismissed';

function readSettings(): PageSettings {
  const el = document.getElementById('fairway-config');
  try {
    if (el?.textContent) return JSON.parse(el.textContent) as PageSettings;
  } catch {
    // fall through to the defaults
  }
  return { tokenRequired: false, readsProtected: false, demo: false };
}

const settings = readSettings();

type Connection = 'connecting' | 'live' | 'polling' | 'paused' | 'reconnecting' | 'locked';

const state = {
  token: settings.tokenRequired ? storedToken() : null,
  connection: 'connecting' as Connection,
  reconnectInMs: 0,
  paused: false,
  snapshot: null as Snapshot | null,
  history: [] as { t: number; rps: number; p50: number | null; p99: number | null }[],
  backendHistory: new Map<string, { t: number[]; rps: number[] }>(),
  /** Request counts per backend, one entry a snapshot, for the last-minute distribution. */
  totalsHistory: [] as { t: number; counts: Map<string, number> }[],
  requests: [] as RequestEvent[],
  demo: new Map<string, DemoBackend>(),
  test: null as TestState | null,
  generation: 0,
};

const canControl = () => !settings.tokenRequired || state.token !== null;
const liveMode = () => canControl();
const keyOf = (pool: string, id: string) => `${pool}/${id}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- layout

function section(id: string, title: string, ...children: (Node | null)[]): HTMLElement {
  return h('section', { id, class: 'panel', 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...children);
}

function kpi(id: string, label: string): HTMLElement {
  return h('div', { class: 'kpi' }, h('span', { class: 'kpi-label' }, label), h('span', { class: 'kpi-value', id }, '—'));
}

const app = byId('app');
append(
  app,
  h(
    'header',
    { class: 'top' },
    h('h1', {}, h('span', { class: 'logo', 'aria-hidden': 'true' }), ' fairway ', h('span', { class: 'sub' }, 'dashboard')),
    h('span', { id: 'connection', class: 'pill', role: 'status' }, 'Connecting…'),
    h('div', { class: 'top-actions' }, h('button', { id: 'pause', type: 'button' }, '‖ Pause updates'), h('button', { id: 'token-button', type: 'button', hidden: true }, 'Enter token')),
  ),
  h(
    'form',
    { id: 'token-panel', class: 'notice', hidden: true },
    h('p', {}, h('strong', {}, 'This admin listener is protected by a token. '), h('span', { id: 'token-why' }, 'Enter it to use the controls; it is kept for this browser tab only.')),
    h('label', { for: 'token-input' }, 'Admin token '),
    h('input', { id: 'token-input', type: 'password', autocomplete: 'off', required: true, size: 28 }),
    h('button', { type: 'submit' }, 'Use token'),
    h('button', { type: 'button', id: 'token-dismiss' }, 'Stay read-only'),
    h('p', { id: 'token-error', class: 'error', hidden: true }),
  ),
  h('p', { id: 'readonly-note', class: 'notice', hidden: true }, 'Read-only: controls need the admin token, and so does the sample of recent requests; this view polls /lb/stats.'),
  h('div', { id: 'messages', role: 'status', 'aria-live': 'polite' }),
  h(
    'main',
    { class: 'grid' },
    section(
      'system',
      'System status',
      h('dl', { class: 'facts' }, h('dt', {}, 'Balancer'), h('dd', { id: 'sys-status' }, '—'), h('dt', {}, 'Uptime'), h('dd', { id: 'sys-uptime' }, '—'), h('dt', {}, 'Errors'), h('dd', { id: 'sys-errors' }, '—'), h('dt', {}, 'Retries'), h('dd', { id: 'sys-retries' }, '—')),
      h('table', { class: 'pools' }, h('thead', {}, h('tr', {}, h('th', {}, 'Pool'), h('th', {}, 'Algorithm'), h('th', {}, 'Healthy'))), h('tbody', { id: 'sys-pools' })),
    ),
    section(
      'performance',
      'Performance',
      h(
        'div',
        { class: 'kpis' },
        kpi('kpi-total', 'Total requests'),
        kpi('kpi-rps', 'Requests/s'),
        kpi('kpi-inflight', 'In flight'),
        kpi('kpi-success', 'Success rate'),
        kpi('kpi-p50', 'p50 latency'),
        kpi('kpi-p99', 'p99 latency'),
      ),
      h('div', { id: 'perf-chart', class: 'chart', role: 'img', 'aria-label': 'Requests per second and p50/p99 latency over the last 5 minutes' }),
    ),
    section('backends', 'Backends', h('div', { id: 'backend-cards', class: 'cards' })),
    section(
      'flow',
      'Request flow',
      h('h3', {}, 'Distribution per backend'),
      h('div', { class: 'dist-row' }, h('span', { class: 'dist-label' }, 'Since start'), h('div', { id: 'dist-total', class: 'dist' })),
      h('div', { class: 'dist-row' }, h('span', { class: 'dist-label' }, 'Last minute'), h('div', { id: 'dist-minute', class: 'dist' })),
      h('h3', {}, 'Recent requests ', h('span', { class: 'hint', id: 'requests-hint' }, '(a sample of up to 25 a second)')),
      h(
        'div',
        { class: 'scroll' },
        h(
          'table',
          { class: 'requests' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Time'), h('th', {}, 'Method'), h('th', {}, 'Path'), h('th', {}, 'Status'), h('th', {}, 'Backend'), h('th', { class: 'num' }, 'Duration'))),
          h('tbody', { id: 'requests-body' }),
        ),
      ),
    ),
    section(
      'controls',
      'Controls',
      h('p', { id: 'controls-note', class: 'hint', hidden: true }, 'Controls are disabled: enter the admin token to use them.'),
      h('h3', {}, 'Algorithm'),
      h('div', { id: 'algorithm-forms' }),
      h('h3', {}, 'Tests'),
      h(
        'form',
        { id: 'test-form', class: 'test-form' },
        h(
          'fieldset',
          { class: 'kinds' },
          h('legend', {}, 'Kind'),
          ...(['load', 'stress', 'custom'] as const).map((kind) =>
            h('label', {}, h('input', { type: 'radio', name: 'kind', value: kind, checked: kind === 'load' }), ` ${kind === 'load' ? 'Load test' : kind === 'stress' ? 'Stress test' : 'Custom'}`),
          ),
        ),
        field('t-requests', 'Requests', h('input', { id: 't-requests', name: 'requests', type: 'number', min: 1, max: 1000000, value: 1000 }), 'load custom'),
        field('t-duration', 'Duration (s)', h('input', { id: 't-duration', name: 'durationSeconds', type: 'number', min: 1, max: 600, value: 10 }), 'stress custom'),
        field('t-concurrency', 'Concurrency', h('input', { id: 't-concurrency', name: 'concurrency', type: 'number', min: 1, max: 1000, value: 10, required: true }), 'load stress custom'),
        field(
          't-method',
          'Method',
          h('select', { id: 't-method', name: 'method' }, ...['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => h('option', { value: m }, m))),
          'custom',
        ),
        field('t-path', 'Path', h('input', { id: 't-path', name: 'path', type: 'text', value: '/', maxlength: 2000 }), 'custom'),
        field('t-rate', 'Rate (req/s, optional)', h('input', { id: 't-rate', name: 'rate', type: 'number', min: 1, max: 100000 }), 'custom'),
        field('t-headers', 'Headers (Name: value, one a line)', h('textarea', { id: 't-headers', name: 'headers', rows: 2 }), 'custom'),
        h('p', { class: 'hint' }, 'Runs on the server against this balancer’s own listener; the traffic shows in the charts above.'),
        h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'test-run', class: 'primary' }, '▶ Run test'), h('button', { type: 'button', id: 'test-stop' }, '■ Stop test')),
      ),
      h('div', { id: 'test-status', class: 'test-status', 'aria-live': 'polite' }),
    ),
  ),
);

function field(id: string, label: string, input: HTMLElement, kinds: string): HTMLElement {
  return h('div', { class: 'field', 'data-kinds': kinds }, h('label', { for: id }, label), input);
}

const perfChart = new PerformanceChart(byId('perf-chart'));

// ---------------------------------------------------------------- messages

let messageTimer: ReturnType<typeof setTimeout> | undefined;
function say(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const box = byId('messages');
  box.replaceChildren(h('p', { class: `message ${kind}` }, kind === 'error' ? `✕ ${text}` : `✓ ${text}`));
  clearTimeout(messageTimer);
  messageTimer = setTimeout(() => box.replaceChildren(), 8_000);
}

async function act(what: string, run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run();
    say(what);
    return true;
  } catch (err) {
    if (err instanceof Unauthorized) {
      tokenRefused();
      say(`${what}: the admin token was refused`, 'error');
    } else {
      say(`${what} failed: ${err instanceof ApiError ? err.message : (err as Error).message}`, 'error');
    }
    return false;
  }
}

// ---------------------------------------------------------------- token

function showTokenPanel(error?: string): void {
  byId('token-panel').hidden = false;
  const e = byId('token-error');
  e.hidden = error === undefined;
  setText(e, error ?? '');
  if (settings.readsProtected) setText(byId('token-why'), 'Nothing can be shown without it (admin.protectReads is on). It is kept for this browser tab only.');
  byId<HTMLInputElement>('token-input').focus();
}

function tokenRefused(): void {
  state.token = null;
  storeToken(null);
  showTokenPanel('That token was refused. Enter the admin token again, or stay read-only.');
  restart();
}

byId('token-panel').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('token-input');
  const token = input.value.trim();
  if (token === '') return;
  input.value = '';
  state.token = token;
  storeToken(token);
  byId('token-panel').hidden = true;
  restart();
});
byId('token-dismiss').addEventListener('click', () => {
  byId('token-panel').hidden = true;
  try {
    sessionStorage.setItem(DISMISSED_KEY, '1');
  } catch {
    // not kept; the page asks again after a reload
  }
});
byId('token-button').addEventListener('click', () => {
  if (state.token !== null) {
    state.token = null;
    storeToken(null);
    say('Token forgotten; the page is read-only now');
    restart();
  } else showTokenPanel();
});

// ---------------------------------------------------------------- data in

function trim<T>(list: T[], max: number): void {
  if (list.length > max) list.splice(0, list.length - max);
}

function onSnapshot(s: Snapshot): void {
  state.snapshot = s;
  const t = s.time / 1000;
  state.history.push({ t, rps: s.requestsPerSecond, p50: s.latencyMs.p50, p99: s.latencyMs.p99 });
  trim(state.history, HISTORY_SECONDS);
  const counts = new Map<string, number>();
  for (const pool of s.pools) {
    for (const b of pool.backends) {
      const key = keyOf(pool.name, b.id);
      counts.set(key, b.totalRequests);
      let series = state.backendHistory.get(key);
      if (series === undefined) state.backendHistory.set(key, (series = { t: [], rps: [] }));
      series.t.push(t);
      series.rps.push(b.requestsPerSecond);
      trim(series.t, SPARK_SECONDS);
      trim(series.rps, SPARK_SECONDS);
    }
  }
  state.totalsHistory.push({ t, counts });
  trim(state.totalsHistory, 61);
  render();
}

function onEvent(event: string, data: unknown): void {
  if (event === 'snapshot') onSnapshot(data as Snapshot);
  else if (event === 'request') {
    state.requests.push(data as RequestEvent);
    trim(state.requests, MAX_REQUESTS_SHOWN);
  } else if (event === 'health') {
    const e = data as HealthEventView;
    // Health changes arrive between snapshots: show them at once.
    const b = state.snapshot?.pools.find((p) => p.name === e.pool)?.backends.find((x) => x.id === e.backend);
    if (b) {
      // Ejections come as health events with ejected: true, their end with
      // reason "ejection time over"; the rest are health-check transitions.
      if (e.ejected) b.ejected = true;
      else if (e.reason === 'ejection time over') b.ejected = false;
      else b.healthy = e.healthy;
      renderBackends();
    }
  } else if (event === 'test') {
    state.test = data as TestState;
    renderTest();
  }
}

/** /lb/stats turned into a snapshot: rates from the difference to the previous one. */
let previousStats: { at: number; requests: number; perBackend: Map<string, { requests: number; errors: number }> } | undefined;
function fromLbStats(stats: LbStats): Snapshot {
  const now = Date.now();
  const prev = previousStats;
  const seconds = prev ? Math.max(0.001, (now - prev.at) / 1000) : 1;
  const perBackend = new Map<string, { requests: number; errors: number }>();
  const pools = stats.pools.map((p) => ({
    name: p.name,
    algorithm: p.algorithm,
    queued: p.queued,
    panicking: p.panicking,
    healthyBackends: p.healthyBackends,
    totalBackends: p.totalBackends,
    backends: p.backends.map((b): BackendView => {
      const key = keyOf(p.name, b.id);
      const before = prev?.perBackend.get(key);
      perBackend.set(key, { requests: b.totalRequests, errors: b.errors });
      const delta = before ? b.totalRequests - before.requests : 0;
      return {
        id: b.id,
        url: b.url,
        state: b.state,
        health: b.ejectedUntil !== null ? 'ejected' : b.healthy ? 'healthy' : 'unhealthy',
        eligible: b.eligible,
        weight: b.weight,
        effectiveWeight: b.effectiveWeight,
        inFlight: b.activeRequests,
        totalRequests: b.totalRequests,
        requestsPerSecond: before ? Math.round((delta / seconds) * 10) / 10 : 0,
        errorRate: before && delta > 0 ? (b.errors - before.errors) / delta : 0,
        latencyMs: { p50: b.p50LatencyMs, p99: b.p99LatencyMs },
      };
    }),
  }));
  previousStats = { at: now, requests: stats.totals.requests, perBackend };
  return {
    time: now,
    uptimeSeconds: stats.uptimeSeconds,
    totals: stats.totals,
    requestsPerSecond: prev ? Math.round(((stats.totals.requests - prev.requests) / seconds) * 10) / 10 : 0,
    errorRate: 0,
    successRate: stats.totals.requests === 0 ? 1 : 1 - stats.totals.errors / stats.totals.requests,
    latencyMs: { p50: stats.p50LatencyMs, p99: stats.p99LatencyMs },
    pools,
  };
}

function setConnection(c: Connection, reconnectInMs = 0): void {
  state.connection = c;
  state.reconnectInMs = reconnectInMs;
  renderConnection();
}

/** Runs the live stream (or the read-only poll) until the generation changes. */
async function run(generation: number): Promise<void> {
  const current = () => generation === state.generation && !state.paused;
  let delay = 1_000;
  if (settings.tokenRequired && state.token === null && settings.readsProtected) {
    setConnection('locked');
    return;
  }
  if (liveMode()) {
    void loadTest(generation);
    void refreshDemo(generation);
  }
  while (current()) {
    const controller = new AbortController();
    streamController = controller;
    try {
      if (liveMode()) {
        await readEvents('/api/events', state.token, controller.signal, { onOpen: () => ((delay = 1_000), setConnection('live')), onEvent });
      } else {
        onSnapshot(fromLbStats(await call<LbStats>('GET', '/lb/stats', null)));
        setConnection('polling');
        await sleep(1_000);
        continue;
      }
    } catch (err) {
      if (!current()) return;
      if (err instanceof Unauthorized) {
        tokenRefused();
        return;
      }
    }
    if (!current()) return;
    setConnection('reconnecting', delay);
    await sleep(delay);
    delay = Math.min(delay * 2, 5_000);
  }
}

let streamController: AbortController | undefined;
function restart(): void {
  state.generation++;
  streamController?.abort();
  previousStats = undefined;
  state.requests = [];
  renderControlsEnabled();
  if (!state.paused) void run(state.generation);
}

byId('pause').addEventListener('click', () => {
  state.paused = !state.paused;
  setText(byId('pause'), state.paused ? '▶ Resume updates' : '‖ Pause updates');
  byId('pause').setAttribute('aria-pressed', String(state.paused));
  if (state.paused) {
    state.generation++;
    streamController?.abort();
    setConnection('paused');
  } else restart();
});

async function refreshDemo(generation: number): Promise<void> {
  if (!settings.demo) return;
  while (generation === state.generation) {
    if (!state.paused) {
      try {
        const answer = await call<{ backends: DemoBackend[] }>('GET', '/api/demo', state.token);
        state.demo = new Map(answer.backends.map((b) => [b.name, b]));
        renderBackends();
      } catch {
        // shown as stale until the next try
      }
    }
    await sleep(3_000);
  }
}

async function loadTest(generation: number): Promise<void> {
  try {
    const answer = await call<{ test: TestState | null }>('GET', '/api/tests/current', state.token);
    if (generation === state.generation && answer.test !== null && state.test === null) {
      state.test = answer.test;
      renderTest();
    }
  } catch {
    // the stream's test events will still arrive
  }
}

// ---------------------------------------------------------------- rendering

function renderConnection(): void {
  const el = byId('connection');
  const text: Record<Connection, string> = {
    connecting: '… Connecting',
    live: '● Live',
    polling: '● Live (read-only, polling)',
    paused: '‖ Paused',
    reconnecting: `↻ Reconnecting in ${Math.round(state.reconnectInMs / 1000)} s`,
    locked: '⚠ Token needed',
  };
  setText(el, text[state.connection]);
  el.className = `pill conn-${state.connection}`;
}

function render(): void {
  renderSystem();
  renderPerformance();
  renderFlow();
  renderBackends();
  renderAlgorithms();
}

function renderSystem(): void {
  const s = state.snapshot;
  if (s === null) return;
  const stale = state.connection === 'reconnecting';
  setText(byId('sys-status'), stale ? '? Not reachable — reconnecting' : '✓ Running');
  setText(byId('sys-uptime'), fmt.duration(s.uptimeSeconds));
  setText(byId('sys-errors'), `${fmt.int(s.totals.errors)} (${fmt.shares(s.totals.errors, s.totals.requests).errors})`);
  setText(byId('sys-retries'), fmt.int(s.totals.retries));
  const body = byId('sys-pools');
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
  body.replaceChildren(...rows);
}

function renderPerformance(): void {
  const s = state.snapshot;
  if (s === null) return;
  setText(byId('kpi-total'), fmt.int(s.totals.requests));
  setText(byId('kpi-rps'), fmt.rate(s.requestsPerSecond));
  setText(byId('kpi-inflight'), fmt.int(s.totals.active));
  // From the same counts and rounding as the error share, so the two add up to 100 %.
  setText(byId('kpi-success'), fmt.shares(s.totals.errors, s.totals.requests).success);
  setText(byId('kpi-p50'), fmt.ms(s.latencyMs.p50));
  setText(byId('kpi-p99'), fmt.ms(s.latencyMs.p99));
  const hist = state.history;
  perfChart.update({ times: hist.map((x) => x.t), columns: [hist.map((x) => x.rps), hist.map((x) => x.p50), hist.map((x) => x.p99)] });
}

const colorOf = (key: string) => {
  const keys = state.snapshot?.pools.flatMap((p) => p.backends.map((b) => keyOf(p.name, b.id))) ?? [];
  const i = keys.indexOf(key);
  return PALETTE[(i < 0 ? 0 : i) % PALETTE.length]!;
};

function renderBar(el: HTMLElement, counts: { key: string; label: string; count: number }[]): void {
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
          const seg = h('span', { class: 'seg', title: `${c.label}: ${fmt.int(c.count)} (${fmt.pct(c.count / total)})` }, c.count / total >= 0.12 ? `${c.label} ${fmt.pct(c.count / total, 0)}` : '');
          seg.style.width = `${(c.count / total) * 100}%`;
          seg.style.background = colorOf(c.key);
          seg.style.color = ['#E69F00', '#F0E442', '#56B4E9'].includes(colorOf(c.key)) ? '#000' : '#fff';
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

function renderFlow(): void {
  const s = state.snapshot;
  if (s === null) return;
  const multiPool = s.pools.length > 1;
  const entries = s.pools.flatMap((p) => p.backends.map((b) => ({ key: keyOf(p.name, b.id), label: multiPool ? `${p.name}/${b.id}` : b.id, total: b.totalRequests })));
  renderBar(byId('dist-total'), entries.map((e) => ({ key: e.key, label: e.label, count: e.total })));
  const oldest = state.totalsHistory[0];
  renderBar(byId('dist-minute'), entries.map((e) => ({ key: e.key, label: e.label, count: Math.max(0, e.total - (oldest?.counts.get(e.key) ?? e.total)) })));
  const body = byId('requests-body');
  if (!liveMode()) {
    setText(byId('requests-hint'), '(needs the admin token)');
    body.replaceChildren();
    return;
  }
  const rows = [...state.requests].reverse().map((r) => {
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
}

interface Card {
  el: HTMLElement;
  health: HTMLElement;
  ejected: HTMLElement;
  admin: HTMLElement;
  process: HTMLElement;
  values: Record<string, HTMLElement>;
  spark: Sparkline;
  stateButtons: Record<string, HTMLButtonElement>;
  demo: HTMLElement;
  processButton: HTMLButtonElement;
  healthButton: HTMLButtonElement;
  delay: HTMLInputElement;
  failure: HTMLInputElement;
  demoApply: HTMLButtonElement;
}
const cards = new Map<string, Card>();

const HEALTH_TEXT: Record<string, string> = { healthy: '✓ healthy', unhealthy: '✕ unhealthy', ejected: '⚠ ejected' };
const STATE_TEXT: Record<string, string> = { enabled: '● enabled', draining: '◐ draining', disabled: '○ disabled' };

function makeCard(pool: string, b: BackendView): Card {
  const key = keyOf(pool, b.id);
  const stat = (name: string, label: string) => {
    const value = h('dd', { 'data-field': name }, '—');
    return { node: [h('dt', {}, label), value], value };
  };
  const stats = [
    stat('requests', 'Requests'),
    stat('inflight', 'In flight'),
    stat('rps', 'Req/s'),
    stat('errors', 'Error rate'),
    stat('p50', 'p50'),
    stat('p99', 'p99'),
    stat('weight', 'Weight'),
  ];
  const names = ['requests', 'inflight', 'rps', 'errors', 'p50', 'p99', 'weight'];
  const values: Record<string, HTMLElement> = {};
  stats.forEach((s, i) => (values[names[i]!] = s.value));
  const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  swatch.style.background = colorOf(key);
  const stateButtons: Record<string, HTMLButtonElement> = {};
  for (const [s, label] of [
    ['enabled', 'Enable'],
    ['draining', 'Drain'],
    ['disabled', 'Disable'],
  ] as const) {
    stateButtons[s] = h('button', { type: 'button', 'data-state': s }, label);
    stateButtons[s].addEventListener('click', () => {
      void act(`${b.id}: ${label.toLowerCase()}`, () => call('PATCH', `/api/pools/${encodeURIComponent(pool)}/backends/${encodeURIComponent(b.id)}`, state.token, { state: s })).then((ok) => {
        if (ok) {
          const view = state.snapshot?.pools.find((p) => p.name === pool)?.backends.find((x) => x.id === b.id);
          if (view) view.state = s;
          renderBackends();
        }
      });
    });
  }
  const processButton = h('button', { type: 'button', 'data-action': 'process' }, '■ Stop');
  const healthButton = h('button', { type: 'button', 'data-action': 'health' }, '✕ Fail health checks');
  const delay = h('input', { type: 'number', min: 0, max: 60000, step: 10, value: 0, id: `delay-${key}`, 'aria-label': `Delay of ${b.id} in ms` });
  const failure = h('input', { type: 'number', min: 0, max: 100, step: 5, value: 0, id: `failure-${key}`, 'aria-label': `Failure rate of ${b.id} in percent` });
  const demoApply = h('button', { type: 'submit' }, 'Set');
  const demoForm = h(
    'form',
    { class: 'demo-knobs' },
    h('label', { for: `delay-${key}` }, 'Delay ms', delay),
    h('label', { for: `failure-${key}` }, 'Fail %', failure),
    demoApply,
  );
  const demoPath = `/api/demo/backends/${encodeURIComponent(b.id)}`;
  processButton.addEventListener('click', () => {
    const running = state.demo.get(b.id)?.running ?? true;
    processButton.disabled = true;
    void act(`${b.id}: process ${running ? 'stopped' : 'started'}`, () => call<DemoBackend>('POST', `${demoPath}/${running ? 'stop' : 'start'}`, state.token).then((d) => state.demo.set(d.name, d))).then(() =>
      renderBackends(),
    );
  });
  healthButton.addEventListener('click', () => {
    const healthy = state.demo.get(b.id)?.settings?.healthy ?? true;
    void act(`${b.id}: health checks ${healthy ? 'fail' : 'pass'} now`, () =>
      call<DemoBackend>('POST', `${demoPath}/control`, state.token, { healthy: !healthy }).then((d) => state.demo.set(d.name, d)),
    ).then(() => renderBackends());
  });
  demoForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { delayMs: Math.round(Number(delay.value)), failureRate: Math.min(1, Math.max(0, Number(failure.value) / 100)) };
    void act(`${b.id}: delay ${body.delayMs} ms, failure rate ${fmt.pct(body.failureRate, 0)}`, () =>
      call<DemoBackend>('POST', `${demoPath}/control`, state.token, body).then((d) => state.demo.set(d.name, d)),
    ).then(() => renderBackends());
  });
  const health = h('span', { class: 'badge', 'data-field': 'health' });
  const ejected = h('span', { class: 'badge health-ejected', 'data-field': 'ejected', hidden: true }, HEALTH_TEXT['ejected']!);
  const admin = h('span', { class: 'badge', 'data-field': 'state' });
  const process = h('span', { class: 'badge', 'data-field': 'process', hidden: true });
  const sparkBox = h('div', { class: 'spark', role: 'img', 'aria-label': `Requests per second of ${b.id}, last 2 minutes` });
  const demo = h('div', { class: 'demo', hidden: true }, h('div', { class: 'buttons' }, processButton, healthButton), demoForm);
  const el = h(
    'article',
    { class: 'card', 'data-backend': b.id, 'data-pool': pool },
    h('header', {}, swatch, h('h3', {}, b.id), h('span', { class: 'url' }, b.url)),
    h('div', { class: 'badges' }, health, ejected, admin, process),
    h('dl', { class: 'stats' }, ...stats.flatMap((s) => s.node)),
    sparkBox,
    h('div', { class: 'buttons', role: 'group', 'aria-label': `Admin state of ${b.id}` }, stateButtons['enabled']!, stateButtons['draining']!, stateButtons['disabled']!),
    demo,
  );
  byId('backend-cards').append(el);
  const spark = new Sparkline(sparkBox, colorOf(key), `${b.id} req/s`);
  return { el, health, ejected, admin, process, values, spark, stateButtons, demo, processButton, healthButton, delay, failure, demoApply };
}

function renderBackends(): void {
  const s = state.snapshot;
  if (s === null) return;
  const seen = new Set<string>();
  const control = canControl();
  for (const pool of s.pools) {
    for (const b of pool.backends) {
      const key = keyOf(pool.name, b.id);
      seen.add(key);
      const card = cards.get(key) ?? makeCard(pool.name, b);
      cards.set(key, card);
      // Health checks and ejection are shown apart: either can hold alone.
      const checksPass = b.healthy ?? b.health === 'healthy';
      const ejected = b.ejected ?? b.health === 'ejected';
      const health = checksPass ? (ejected ? 'ejected' : 'healthy') : 'unhealthy';
      setText(card.health, checksPass ? HEALTH_TEXT['healthy']! : HEALTH_TEXT['unhealthy']!);
      card.health.className = `badge health-${checksPass ? 'healthy' : 'unhealthy'}`;
      card.ejected.hidden = !ejected;
      setText(card.admin, STATE_TEXT[b.state] ?? b.state);
      card.admin.className = `badge state-${b.state}`;
      card.el.dataset['health'] = health;
      card.el.dataset['state'] = b.state;
      const v = card.values;
      setText(v['requests']!, fmt.int(b.totalRequests));
      setText(v['inflight']!, fmt.int(b.inFlight));
      setText(v['rps']!, fmt.rate(b.requestsPerSecond));
      setText(v['errors']!, fmt.pct(b.errorRate));
      setText(v['p50']!, fmt.ms(b.latencyMs.p50));
      setText(v['p99']!, fmt.ms(b.latencyMs.p99));
      setText(v['weight']!, b.effectiveWeight !== b.weight ? `${b.weight} (now ${b.effectiveWeight})` : String(b.weight));
      for (const [st, button] of Object.entries(card.stateButtons)) {
        button.disabled = !control || b.state === st;
        button.setAttribute('aria-pressed', String(b.state === st));
      }
      const series = state.backendHistory.get(key);
      if (series) card.spark.update(series.t, series.rps);
      const demo = settings.demo ? state.demo.get(b.id) : undefined;
      card.demo.hidden = demo === undefined;
      card.process.hidden = demo === undefined;
      if (demo !== undefined) {
        setText(card.process, demo.running ? '▶ process running' : '■ process stopped');
        card.process.className = `badge process-${demo.running ? 'running' : 'stopped'}`;
        setText(card.processButton, demo.running ? '■ Stop' : '▶ Start');
        card.processButton.disabled = !control;
        const answersHealthy = demo.settings?.healthy ?? true;
        setText(card.healthButton, answersHealthy ? '✕ Fail health checks' : '✓ Pass health checks');
        card.healthButton.disabled = !control || !demo.running;
        card.demoApply.disabled = !control || !demo.running;
        card.delay.disabled = card.failure.disabled = !control || !demo.running;
        if (demo.settings && document.activeElement !== card.delay && document.activeElement !== card.failure) {
          card.delay.value = String(demo.settings.delayMs);
          card.failure.value = String(Math.round(demo.settings.failureRate * 100));
        }
      }
    }
  }
  for (const [key, card] of cards) {
    if (!seen.has(key)) {
      card.el.remove();
      cards.delete(key);
    }
  }
}

const algorithmForms = new Map<string, { form: HTMLFormElement; select: HTMLSelectElement; button: HTMLButtonElement; shown: string }>();
function renderAlgorithms(): void {
  const s = state.snapshot;
  if (s === null) return;
  const control = canControl();
  for (const pool of s.pools) {
    let entry = algorithmForms.get(pool.name);
    if (entry === undefined) {
      const id = `algorithm-${pool.name}`;
      const select = h('select', { id, name: 'algorithm' }, ...ALGORITHMS.map((a) => h('option', { value: a }, a)));
      const button = h('button', { type: 'submit' }, 'Apply');
      const form = h('form', { class: 'algorithm-form', 'data-pool': pool.name }, h('label', { for: id }, `Pool ${pool.name}`), select, button);
      const created = { form, select, button, shown: '' };
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const algorithm = select.value;
        void act(`pool ${pool.name}: algorithm ${algorithm}`, () => call('PUT', `/api/pools/${encodeURIComponent(pool.name)}/algorithm`, state.token, { algorithm })).then((ok) => {
          if (ok) {
            const view = state.snapshot?.pools.find((p) => p.name === pool.name);
            if (view) view.algorithm = algorithm;
            renderSystem();
          }
        });
      });
      byId('algorithm-forms').append(form);
      algorithmForms.set(pool.name, (entry = created));
    }
    // Follow the server unless the user is choosing.
    if (entry.shown !== pool.algorithm && document.activeElement !== entry.select) {
      entry.select.value = pool.algorithm;
      entry.shown = pool.algorithm;
    }
    entry.select.disabled = entry.button.disabled = !control;
  }
}

function renderControlsEnabled(): void {
  const control = canControl();
  byId('controls-note').hidden = control;
  byId('readonly-note').hidden = control || settings.readsProtected;
  const tokenButton = byId('token-button');
  tokenButton.hidden = !settings.tokenRequired;
  setText(tokenButton, state.token === null ? 'Enter token' : 'Forget token');
  setText(byId('requests-hint'), '(a sample of up to 25 a second)');
  for (const el of byId('test-form').querySelectorAll<HTMLInputElement | HTMLButtonElement | HTMLSelectElement | HTMLTextAreaElement>('input, button, select, textarea')) {
    el.disabled = !control;
  }
  renderTest();
  renderBackends();
  renderAlgorithms();
}

// ---------------------------------------------------------------- tests

const testForm = byId<HTMLFormElement>('test-form');
function selectedKind(): string {
  return (testForm.querySelector<HTMLInputElement>('input[name=kind]:checked')?.value ?? 'load');
}
function showKindFields(): void {
  const kind = selectedKind();
  for (const f of testForm.querySelectorAll<HTMLElement>('.field')) f.hidden = !(f.dataset['kinds'] ?? '').split(' ').includes(kind);
  const concurrency = byId<HTMLInputElement>('t-concurrency');
  if (!concurrency.dataset['touched']) concurrency.value = kind === 'stress' ? '50' : '10';
  const requests = byId<HTMLInputElement>('t-requests');
  requests.required = kind === 'load';
  if (kind === 'custom' && !requests.dataset['touched']) requests.value = '';
  if (kind === 'load' && requests.value === '') requests.value = '1000';
  const duration = byId<HTMLInputElement>('t-duration');
  duration.required = kind === 'stress';
  if (kind === 'custom' && !duration.dataset['touched']) duration.value = '10';
}
for (const input of testForm.querySelectorAll('input[type=number]')) input.addEventListener('input', () => ((input as HTMLElement).dataset['touched'] = '1'));
testForm.addEventListener('change', (event) => {
  if ((event.target as HTMLInputElement).name === 'kind') showKindFields();
});
showKindFields();

testForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const kind = selectedKind();
  const num = (id: string) => {
    const v = byId<HTMLInputElement>(id).value.trim();
    return v === '' ? undefined : Number(v);
  };
  const body: Record<string, unknown> = { kind, concurrency: num('t-concurrency') };
  if (kind === 'load') body['requests'] = num('t-requests');
  if (kind === 'stress') body['durationSeconds'] = num('t-duration');
  if (kind === 'custom') {
    body['requests'] = num('t-requests');
    body['durationSeconds'] = num('t-duration');
    body['rate'] = num('t-rate');
    body['method'] = byId<HTMLSelectElement>('t-method').value;
    body['path'] = byId<HTMLInputElement>('t-path').value.trim() || '/';
    const headers: Record<string, string> = {};
    for (const line of byId<HTMLTextAreaElement>('t-headers').value.split('\n')) {
      const at = line.indexOf(':');
      if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    if (Object.keys(headers).length > 0) body['headers'] = headers;
  }
  void act(`${kind} test started`, async () => {
    state.test = await call<TestState>('POST', '/api/tests', state.token, body);
    renderTest();
  });
});
byId('test-stop').addEventListener('click', () => {
  void act('test stopped', async () => {
    state.test = await call<TestState>('DELETE', '/api/tests/current', state.token);
    renderTest();
  });
});

function renderTest(): void {
  const t = state.test;
  const running = t?.status === 'running';
  const control = canControl();
  byId<HTMLButtonElement>('test-run').disabled = !control || running;
  byId<HTMLButtonElement>('test-stop').disabled = !control || !running;
  const box = byId('test-status');
  if (t === null) {
    box.replaceChildren();
    return;
  }
  const p = t.progress;
  const what = t.kind === 'load' ? `${fmt.int(t.spec.requests ?? 0)} requests` : t.kind === 'stress' ? `${t.spec.durationSeconds} s` : `${t.spec.method} ${t.spec.path}`;
  const statusText = { running: '▶ running', finished: '✓ finished', stopped: '■ stopped', failed: '✕ failed' }[t.status];
  const children: (Node | string)[] = [
    h('p', { class: 'test-title' }, h('strong', {}, `Test ${t.id}: ${t.kind}`), ` — ${what}, concurrency ${t.spec.concurrency} — `, h('span', { id: 'test-state', class: `test-${t.status}` }, statusText)),
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
    renderBar(dist, s.distribution.map((d) => ({ key: keyOf(state.snapshot?.pools[0]?.name ?? 'default', d.backend), label: d.backend, count: d.count })));
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
  box.replaceChildren(...children);
}

// ---------------------------------------------------------------- start

renderConnection();
renderControlsEnabled();
if (settings.tokenRequired && state.token === null) {
  let dismissed = false;
  try {
    dismissed = sessionStorage.getItem(DISMISSED_KEY) === '1';
  } catch {
    dismissed = false;
  }
  if (!dismissed || settings.readsProtected) showTokenPanel();
}
restart();
