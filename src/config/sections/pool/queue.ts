// A pool's `queue:` — where requests wait while every eligible backend is at maxConnections.
import * as f from '../../fields.js';
import { defined, field, strict } from '../../schema-fields.js';

/** When every eligible backend is at maxConnections, requests wait here. */
export interface QueueConfig {
  /** Most requests waiting at once; 0 = no queue (answer 503 at once). */
  size: number;
  /** Longest wait before answering 503. */
  timeoutMs: number;
}

export const QUEUE_DEFAULTS: QueueConfig = { size: 1024, timeoutMs: 10_000 };

const queueSchema = strict(
  {
    size: field(f.integer(0, 1_000_000, 'queue size')).optional(),
    timeout: field(f.duration()).optional(),
  },
  'queue',
).transform((q): Partial<QueueConfig> => defined({ size: q.size, timeoutMs: q.timeout }));

export const queueShape = { queue: queueSchema.optional() };

export function resolveQueue(top: Partial<QueueConfig> | undefined, own: Partial<QueueConfig> | undefined): QueueConfig {
  return { ...QUEUE_DEFAULTS, ...top, ...own };
}
