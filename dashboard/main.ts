// The fairway dashboard: live state from /api/events (or, without the admin
// token, a read-only view polled from /lb/stats), backend and algorithm
// controls through the admin API, and load tests run by the server.
// This file only wires the parts together: it makes the state, mounts the
// panels in page order and routes incoming data to the panels that show it.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { createAlgorithmForms } from './algorithm-forms.js';
import { backendColor } from './backend-colors.js';
import { mountBackendsPanel } from './backends-panel.js';
import { Connection } from './connection.js';
import { mountControlsPanel } from './controls-panel.js';
import { loadCurrentTest } from './current-test.js';
import { pollDemoBackends } from './demo-poll.js';
import { byId, h } from './dom.js';
import { mountHeader } from './header.js';
import { mountListenersPanel } from './listeners-panel.js';
import { createLoadTestPanel } from './load-test-panel.js';
import { mountMessages } from './messages.js';
import { mountPerformancePanel } from './performance-panel.js';
import { mountReadOnlyNote } from './readonly-note.js';
import { mountRequestFlowPanel } from './request-flow-panel.js';
import { readSettings } from './settings.js';
import { canControl as stateCanControl, createState } from './state.js';
import { applyHealthEvent, recordRequest, recordSnapshot } from './state-updates.js';
import { mountSystemPanel } from './system-panel.js';
import { mountTokenPrompt } from './token-prompt.js';
import type { HealthEventView, RequestEvent, Snapshot, TestState } from './types.js';

const settings = readSettings();
const state = createState(settings);
const canControl = () => stateCanControl(state, settings);

// The callbacks below name parts made further down; none runs before all exist.
const app = byId('app');
const header = mountHeader(app, {
  onPauseClick: () => {
    connection.togglePause();
    header.renderPaused(state.paused);
  },
  onTokenClick: () => tokenPrompt.toggle(),
});
const tokenPrompt = mountTokenPrompt(app, { state, settings, restart: () => connection.restart(), say: (text, kind) => messages.say(text, kind) });
const readOnlyNote = mountReadOnlyNote(app);
const messages = mountMessages(app, () => tokenPrompt.refused());
const grid = h('main', { class: 'grid' });
app.append(grid);
const systemPanel = mountSystemPanel(grid);
const performancePanel = mountPerformancePanel(grid);
const listenersPanel = mountListenersPanel(grid);
const backendsPanel = mountBackendsPanel(grid, { state, settings, act: messages.act, canControl });
const flowPanel = mountRequestFlowPanel(grid);
const algorithmForms = createAlgorithmForms({ state, act: messages.act, canControl, onChange: () => renderSystem() });
const testPanel = createLoadTestPanel({ state, act: messages.act, canControl });
const controlsPanel = mountControlsPanel(grid, { algorithmForms: algorithmForms.element, testForm: testPanel.form, testStatus: testPanel.status });

const connection = new Connection(state, settings, canControl, {
  onEvent,
  onSnapshot,
  onStatus: () => header.renderConnection(state.connection, state.reconnectInMs),
  onTokenRefused: () => tokenPrompt.refused(),
  onRestart: renderControlsEnabled,
  onLiveStart: (generation) => {
    void loadCurrentTest(state, generation, () => testPanel.render());
    void pollDemoBackends(state, settings, generation, () => backendsPanel.render());
  },
});

function renderSystem(): void {
  systemPanel.render(state.snapshot, state.connection === 'reconnecting');
}

function renderAll(): void {
  renderSystem();
  performancePanel.render(state.snapshot, state.history);
  listenersPanel.render(state.snapshot);
  flowPanel.render({ snapshot: state.snapshot, totalsHistory: state.totalsHistory, requests: state.requests, live: canControl(), colorOf: (key) => backendColor(state.snapshot, key) });
  backendsPanel.render();
  algorithmForms.render();
}

/** After the token changed: what may be used and what is shown follows. */
function renderControlsEnabled(): void {
  const control = canControl();
  controlsPanel.render(control);
  readOnlyNote.render(control, settings.readsProtected);
  header.renderTokenButton(settings.tokenRequired, state.token !== null);
  flowPanel.resetHint();
  testPanel.setEnabled(control);
  testPanel.render();
  backendsPanel.render();
  algorithmForms.render();
}

function onSnapshot(s: Snapshot): void {
  recordSnapshot(state, s);
  renderAll();
}

function onEvent(event: string, data: unknown): void {
  if (event === 'snapshot') onSnapshot(data as Snapshot);
  else if (event === 'request') recordRequest(state, data as RequestEvent);
  // Health changes arrive between snapshots: show them at once.
  else if (event === 'health') {
    if (applyHealthEvent(state, data as HealthEventView)) backendsPanel.render();
  } else if (event === 'test') {
    state.test = data as TestState;
    testPanel.render();
  }
}

header.renderConnection(state.connection, state.reconnectInMs);
renderControlsEnabled();
tokenPrompt.askIfNeeded();
connection.restart();
