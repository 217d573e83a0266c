// A pool's `timeouts:` towards its backends: connect, response header, idle,
// and the idle time of an open tunnel (an upgraded connection, WebSocket).
import * as f from '../../fields.js';
import { defined, field, strict } from '../../schema-fields.js';

export interface UpstreamTimeouts {
  connectMs: number;
  /** Time from sending the request until the response header arrives. */
  responseMs: number;
  /** Longest silence between body chunks, either direction. */
  idleMs: number;
  /** Longest silence, both directions, on an upgraded connection before both sides are closed. */
  tunnelMs: number;
}

export const TIMEOUTS_DEFAULTS: UpstreamTimeouts = { connectMs: 2_000, responseMs: 30_000, idleMs: 60_000, tunnelMs: 3_600_000 };

const timeoutsSchema = strict(
  {
    connect: field(f.duration()).optional(),
    response: field(f.duration()).optional(),
    idle: field(f.duration()).optional(),
    tunnel: field(f.duration()).optional(),
  },
  'timeouts',
).transform(
  (t): Partial<UpstreamTimeouts> => defined({ connectMs: t.connect, responseMs: t.response, idleMs: t.idle, tunnelMs: t.tunnel }),
);

export const timeoutsShape = { timeouts: timeoutsSchema.optional() };

export function resolveTimeouts(top: Partial<UpstreamTimeouts>, own: Partial<UpstreamTimeouts>): UpstreamTimeouts {
  return { ...TIMEOUTS_DEFAULTS, ...top, ...own };
}
