// Under `fairway demo`: the demo backends' processes and settings, polled
// every few seconds (the event stream does not carry them).
import { call } from './api.js';
import { sleep } from './sleep.js';
import type { AppState } from './state.js';
import type { DemoBackend, PageSettings } from './types.js';

const POLL_MS = 3_000;

/** Polls /api/demo into state.demo until the generation changes; `onUpdate` after each answer. */
export async function pollDemoBackends(state: AppState, settings: PageSettings, generation: number, onUpdate: () => void): Promise<void> {
  if (!settings.demo) return;
  while (generation === state.generation) {
    if (!state.paused) {
      try {
        const answer = await call<{ backends: DemoBackend[] }>('GET', '/api/demo', state.token);
        state.demo = new Map(answer.backends.map((b) => [b.name, b]));
        onUpdate();
      } catch {
        // shown as stale until the next try
      }
    }
    await sleep(POLL_MS);
  }
}
