// The page's state: one object, created by main.ts and handed down to the
// panels, so every panel reads the same snapshot, token and histories.
import { storedToken } from './api.js';
import type { DemoBackend, PageSettings, RequestEvent, Snapshot, TestState } from './types.js';

/** What the top bar's pill says about the data feed. */
export type ConnectionStatus = 'connecting' | 'live' | 'polling' | 'paused' | 'reconnecting' | 'locked';

export interface HistoryPoint {
  t: number;
  rps: number;
  p50: number | null;
  p99: number | null;
}

export interface AppState {
  token: string | null;
  connection: ConnectionStatus;
  reconnectInMs: number;
  paused: boolean;
  snapshot: Snapshot | null;
  /** One point a snapshot, for the performance chart. */
  history: HistoryPoint[];
  /** Requests per second per backend (keyOf), for the cards' small charts. */
  backendHistory: Map<string, { t: number[]; rps: number[] }>;
  /** Request counts per backend, one entry a snapshot, for the last-minute distribution. */
  totalsHistory: { t: number; counts: Map<string, number> }[];
  requests: RequestEvent[];
  demo: Map<string, DemoBackend>;
  test: TestState | null;
  /** Bumped on every restart or pause; loops of an older generation stop. */
  generation: number;
}

export function createState(settings: PageSettings): AppState {
  return {
    token: settings.tokenRequired ? storedToken() : null,
    connection: 'connecting',
    reconnectInMs: 0,
    paused: false,
    snapshot: null,
    history: [],
    backendHistory: new Map(),
    totalsHistory: [],
    requests: [],
    demo: new Map(),
    test: null,
    generation: 0,
  };
}

/** Without a required token the page is read-only; with none required it may do everything. */
export function canControl(state: AppState, settings: PageSettings): boolean {
  return !settings.tokenRequired || state.token !== null;
}

/** Backends are named per pool: this key is unique across pools. */
export const keyOf = (pool: string, id: string) => `${pool}/${id}`;
