// The test that runs (or ran last) when the page connects: the stream only
// sends test events from then on.
import { call } from './api.js';
import type { AppState } from './state.js';
import type { TestState } from './types.js';

/** Fetches it into state.test, unless the generation changed or a test event came first. */
export async function loadCurrentTest(state: AppState, generation: number, onLoaded: () => void): Promise<void> {
  try {
    const answer = await call<{ test: TestState | null }>('GET', '/api/tests/current', state.token);
    if (generation === state.generation && answer.test !== null && state.test === null) {
      state.test = answer.test;
      onLoaded();
    }
  } catch {
    // the stream's test events will still arrive
  }
}
