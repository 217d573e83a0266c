// Micro-benchmark: route lookups in a config snapshot, ns per lookup, for a
// catch-all, a small table with hosts, and 100 host-specific routes.
import { Router, hostName } from '../../src/exchange/router.js';
import type { RouteConfig } from '../../src/config/types.js';
import { nsPerOp, printTable } from './measure.js';

const resolve = (route: { pool: string }) => ({ name: route.pool });

const catchAll = new Router([{ pathPrefix: '/', pool: 'web', middlewares: [] }], resolve);

const small: RouteConfig[] = [
  { host: 'api.example.com', pathPrefix: '/v1', pool: 'api-v1', middlewares: [] },
  { host: 'api.example.com', pathPrefix: '/v2', pool: 'api-v2', middlewares: [] },
  { pathPrefix: '/static', pool: 'static', middlewares: [] },
  { pathPrefix: '/', pool: 'web', middlewares: [] },
];
const smallRouter = new Router(small, resolve);

const many: RouteConfig[] = [];
for (let i = 0; i < 100; i++) many.push({ host: `tenant-${i}.example.com`, pathPrefix: `/app/${i % 7}`, pool: `pool-${i}`, middlewares: [] });
many.push({ pathPrefix: '/', pool: 'web', middlewares: [] });
const manyRouter = new Router(many, resolve);

const paths = ['/', '/v1/users/42', '/v2/orders?page=3', '/static/app.js', '/app/3/dashboard'];
const tenantHosts = Array.from({ length: 128 }, (_, i) => `tenant-${i % 100}.example.com:8080`);

const count = (pool: { name: string } | undefined) => (pool === undefined ? 0 : pool.name.length);

printTable('router lookups', [
  ['catch-all route', nsPerOp((i) => count(catchAll.match('127.0.0.1:8080', paths[i % 5]!)))],
  ['4 routes, host api.example.com', nsPerOp((i) => count(smallRouter.match('api.example.com', paths[i % 5]!)))],
  ['4 routes, other host with port', nsPerOp((i) => count(smallRouter.match('www.example.com:8080', paths[i % 5]!)))],
  ['101 routes, 100 hosts, host with port', nsPerOp((i) => count(manyRouter.match(tenantHosts[i & 127]!, paths[i % 5]!)))],
  ['hostName("[::1]:8080")', nsPerOp(() => hostName('[::1]:8080').length)],
]);
