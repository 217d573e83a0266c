// A pool's `panicThreshold:` — below this percent of healthy backends, balance over all of them.
import * as f from '../../fields.js';
import { field } from '../../schema-fields.js';

/** 0 = off. */
export const PANIC_THRESHOLD_DEFAULT = 0;

export const panicThresholdShape = { panicThreshold: field(f.percent).optional() };
