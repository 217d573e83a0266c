// One colour per backend, the same in the cards, their charts and the
// distribution bars: the backend's place in the snapshot picks it.
import { PALETTE } from './dom.js';
import { keyOf } from './state.js';
import type { Snapshot } from './types.js';

export type ColorOf = (key: string) => string;

export function backendColor(snapshot: Snapshot | null, key: string): string {
  const keys = snapshot?.pools.flatMap((p) => p.backends.map((b) => keyOf(p.name, b.id))) ?? [];
  const i = keys.indexOf(key);
  return PALETTE[(i < 0 ? 0 : i) % PALETTE.length]!;
}

/** Light colours get black text, the rest white, for contrast on a bar segment. */
export function textColorOn(color: string): string {
  return ['#E69F00', '#F0E442', '#56B4E9'].includes(color) ? '#000' : '#fff';
}
