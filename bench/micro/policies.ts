// Micro-benchmark: what each policy's admission costs per request, ns per
// operation, on the filters built from a config file as fairway builds them:
// rateLimit on the memory store (one client, a limit never reached, and
// 10,000 clients taking turns), connLimit (admit and release), ipAllowList,
// the limits middleware's head check, and gzip / brotli of a 2 KiB JSON
// answer, the work compress adds per answer. Run with `npm run bench:micro`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { loadConfig } from '../../src/config/load.js';
import type { Exchange } from '../../src/exchange/exchange.js';
import type { Filter } from '../../src/exchange/phases.js';
import { middlewareFilters } from '../../src/filters/middleware-filters.js';
import { policiesBody } from '../compare/policies.js';
import { nsPerOp, printTable } from './measure.js';

const file = join(mkdtempSync(join(tmpdir(), 'fairway-micro-')), 'policies.yaml');
writeFileSync(
  file,
  `middlewares:
  limit: { rateLimit: { average: 1000000000, period: 1s } }
  inflight: { connLimit: { amount: 1000000 } }
  office: { ipAllowList: { sourceRange: [10.0.0.0/8, 192.168.0.0/16, 203.0.113.0/24, "2001:db8::/32"] } }
  small: { limits: { maxUrlBytes: 4KiB, maxHeaderBytes: 16KiB } }
pools:
  - { name: app, backends: [http://127.0.0.1:9] }
routes:
  - { pathPrefix: /, pool: app, middlewares: [limit, inflight, office, small] }
`,
);
const loaded = loadConfig({ file, env: {} });
if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
const filters = middlewareFilters(loaded.config.middlewares);
const filter = (name: string): Filter => filters.get(name)!;

/** The parts of an exchange these filters read; a real one comes from a socket. */
function exchangeFrom(clientAddress: string): Exchange {
  const rawHeaders = ['Host', 'shop.example.com', 'User-Agent', 'wrk', 'Accept', '*/*'];
  const slots = new Map<unknown, unknown>();
  return {
    clientAddress,
    host: 'shop.example.com',
    path: '/api/items?page=2',
    head: { accept: '*/*' },
    downstream: { rawHeaders },
    header: (name: string) => (name === 'host' ? 'shop.example.com' : undefined),
    setSlot: (key: unknown, value: unknown) => slots.set(key, value),
    slot: (key: unknown) => slots.get(key),
  } as unknown as Exchange;
}

const one = exchangeFrom('203.0.113.7');
const many = Array.from({ length: 10_000 }, (_, i) => exchangeFrom(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`));
const verdict = (v: unknown): number => (v === undefined ? 1 : 2);

const json = Buffer.from(policiesBody());

printTable('policies', [
  ['rateLimit (memory): one client', nsPerOp(() => verdict(filter('limit').onRequest!(one)))],
  ['rateLimit (memory): 10,000 clients in turn', nsPerOp((i) => verdict(filter('limit').onRequest!(many[i % many.length]!)))],
  ['connLimit: admit and release', nsPerOp(() => {
    const f = filter('inflight');
    const v = f.onRequest!(one);
    f.onDone?.(one);
    return verdict(v);
  })],
  ['ipAllowList: 4 ranges, client inside', nsPerOp(() => verdict(filter('office').onRequest!(one)))],
  ['limits: URL and head size check', nsPerOp(() => verdict(filter('small').onRequest!(one)))],
  [`gzip level 1 of ${json.length} B JSON`, nsPerOp(() => gzipSync(json, { level: 1 }).length)],
  [`gzip level 6 of ${json.length} B JSON`, nsPerOp(() => gzipSync(json, { level: 6 }).length)],
  [`brotli quality 4 of ${json.length} B JSON`, nsPerOp(() => brotliCompressSync(json, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }).length)],
]);
