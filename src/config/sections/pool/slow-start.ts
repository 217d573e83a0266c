// A pool's `slowStart:` — recovered or added backends ramp up to full weight over this window.
import * as f from '../../fields.js';
import { field } from '../../schema-fields.js';

/** 0 = off. */
export const SLOW_START_DEFAULT_MS = 0;

export const slowStartShape = { slowStart: field(f.duration(0)).optional() };
