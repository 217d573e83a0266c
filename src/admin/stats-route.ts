// GET /lb/stats: the JSON snapshot of pools and backends.
import type { AdminControl } from './control.js';
import { sendJson } from './http.js';
import type { AdminRoute } from './server.js';

export function statsRoute(control: Pick<AdminControl, 'stats'>): AdminRoute {
  return { method: 'GET', path: '/lb/stats', handle: ({ res }) => sendJson(res, 200, control.stats()) };
}
