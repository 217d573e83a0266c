// GET /metrics: the Prometheus text exposition of one balancer.
import { Buffer } from 'node:buffer';
import type { FairwayMetrics } from '../observability/metrics.js';
import type { AdminRoute } from './server.js';

export function metricsRoute(metrics: FairwayMetrics): AdminRoute {
  return {
    method: 'GET',
    path: '/metrics',
    async handle({ res }) {
      const body = await metrics.metrics();
      res.writeHead(200, {
        'content-type': metrics.contentType,
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      });
      res.end(body);
    },
  };
}
