// Where the page's data comes from: with control, the live stream
// /api/events (reconnecting with backoff when it drops); without, a poll of
// /lb/stats once a second; with protected reads and no token, nothing.
// Each restart or pause starts a new generation and the old loop ends.
import { call, readEvents, Unauthorized } from './api.js';
import { LbStatsSnapshots } from './lb-stats.js';
import { sleep } from './sleep.js';
import type { AppState, ConnectionStatus } from './state.js';
import type { LbStats, PageSettings, Snapshot } from './types.js';

const POLL_MS = 1_000;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5_000;

export interface ConnectionHooks {
  /** The live stream's events, snapshots among them. */
  onEvent(event: string, data: unknown): void;
  /** A snapshot made from a /lb/stats poll. */
  onSnapshot(s: Snapshot): void;
  /** state.connection or state.reconnectInMs changed. */
  onStatus(): void;
  /** The server refused the token (401). */
  onTokenRefused(): void;
  /** Before a new generation starts: the token may have changed. */
  onRestart(): void;
  /** A live generation starts: time to fetch what the stream does not repeat. */
  onLiveStart(generation: number): void;
}

export class Connection {
  private stream: AbortController | undefined;
  private readonly polled = new LbStatsSnapshots();

  constructor(
    private readonly state: AppState,
    private readonly settings: PageSettings,
    private readonly canControl: () => boolean,
    private readonly hooks: ConnectionHooks,
  ) {}

  /** Ends the current generation and starts a new one (unless paused), e.g. after the token changed. */
  restart(): void {
    const state = this.state;
    state.generation++;
    this.stream?.abort();
    this.polled.reset();
    state.requests = [];
    this.hooks.onRestart();
    if (!state.paused) void this.run(state.generation);
  }

  /** Pauses or resumes updates; resuming starts afresh. */
  togglePause(): void {
    const state = this.state;
    state.paused = !state.paused;
    if (state.paused) {
      state.generation++;
      this.stream?.abort();
      this.setStatus('paused');
    } else this.restart();
  }

  private setStatus(c: ConnectionStatus, reconnectInMs = 0): void {
    this.state.connection = c;
    this.state.reconnectInMs = reconnectInMs;
    this.hooks.onStatus();
  }

  /** Runs the live stream (or the read-only poll) until the generation changes. */
  private async run(generation: number): Promise<void> {
    const { state, settings, hooks } = this;
    const current = () => generation === state.generation && !state.paused;
    let delay = FIRST_RETRY_MS;
    if (settings.tokenRequired && state.token === null && settings.readsProtected) {
      this.setStatus('locked');
      return;
    }
    if (this.canControl()) hooks.onLiveStart(generation);
    while (current()) {
      const controller = new AbortController();
      this.stream = controller;
      try {
        if (this.canControl()) {
          await readEvents('/api/events', state.token, controller.signal, {
            onOpen: () => {
              delay = FIRST_RETRY_MS;
              this.setStatus('live');
            },
            onEvent: (event, data) => hooks.onEvent(event, data),
          });
        } else {
          hooks.onSnapshot(this.polled.next(await call<LbStats>('GET', '/lb/stats', null)));
          this.setStatus('polling');
          await sleep(POLL_MS);
          continue;
        }
      } catch (err) {
        if (!current()) return;
        if (err instanceof Unauthorized) {
          hooks.onTokenRefused();
          return;
        }
      }
      if (!current()) return;
      this.setStatus('reconnecting', delay);
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  }
}
