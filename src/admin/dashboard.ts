// Everything the dashboard adds to the admin listener: the page and its
// assets, and the load tests it starts (progress as `test` events on
// /api/events).
import type { AddressInfo } from 'node:net';
import type { AdminRoute } from './server.js';
import type { AdminAuth } from './auth.js';
import type { EventStream } from './event-stream.js';
import { dashboardAssetRoutes } from './dashboard-assets.js';
import { LoadTests, proxyTarget, testRoutes } from './load-tests.js';

export interface DashboardOptions {
  auth: AdminAuth;
  stream: EventStream;
  /** The proxy listener's address, once it listens. */
  proxyAddress: () => AddressInfo | string | null;
  /** Routes added next to the dashboard's (the demo's), to tell the page which controls exist. */
  extraRoutes: readonly AdminRoute[];
}

export interface Dashboard {
  routes: AdminRoute[];
  /** Stops a running load test (on shutdown). */
  close(): Promise<void>;
}

export function createDashboard(options: DashboardOptions): Dashboard {
  const tests = new LoadTests(
    () => proxyTarget(options.proxyAddress()),
    (state) => options.stream.publish('test', state),
  );
  const demo = options.extraRoutes.some((r) => r.path === '/api/demo');
  return {
    routes: [
      ...dashboardAssetRoutes(() => ({ tokenRequired: options.auth.tokenRequired, readsProtected: options.auth.readsProtected, demo })),
      ...testRoutes(tests),
    ],
    async close() {
      await tests.stop();
    },
  };
}
