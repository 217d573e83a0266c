// What bench:compare measures: each scenario's request, connections and
// transport. The TLS ones run only against the targets with a TLS port.
import { POLICIES_PATH } from './policies.js';

/** How the load generator reaches a target: HTTP/1.1 plain or over TLS (wrk), or HTTP/2 over TLS (h2load). */
export type Transport = 'http' | 'https' | 'h2';

export interface Scenario {
  id: string;
  title: string;
  path: string;
  connections: number;
  transport: Transport;
  /** h2load's concurrent streams per connection. */
  streams?: number;
  post?: boolean;
  headers?: string[];
  /** Only these targets run it (the others lack what it measures). */
  targets?: readonly string[];
  note?: string;
}

const POLICIES_NOTE =
  'A 2 KiB JSON answer through a per-client-IP rate limit set far above the load (every request is counted and let through) and gzip at level 1; NGINX (limit_req, gzip), HAProxy (stick table, compression) and fairway (rateLimit, compress) only.';

const TLS_NOTE = 'Over TLS with one self-signed ECDSA P-256 certificate made per run; NGINX, HAProxy and fairway only.';

export const SCENARIOS: Scenario[] = [
  { id: 'small-50', title: 'Small GET, 50 keep-alive connections', path: '/', connections: 50, transport: 'http' },
  { id: 'small-1000', title: 'Small GET, 1,000 keep-alive connections', path: '/', connections: 1000, transport: 'http' },
  { id: 'get-64k', title: '64 KiB responses, 50 keep-alive connections', path: '/64k', connections: 50, transport: 'http' },
  { id: 'post-1m', title: '1 MiB request bodies (POST), 50 keep-alive connections', path: '/', connections: 50, transport: 'http', post: true },
  { id: 'conn-close', title: 'A new connection per request (Connection: close), 50 connections', path: '/', connections: 50, transport: 'http', headers: ['Connection: close'] },
  {
    id: 'policies-50',
    title: 'Rate limit + gzip of 2 KiB JSON, 50 keep-alive connections',
    path: POLICIES_PATH,
    connections: 50,
    transport: 'http',
    headers: ['Accept-Encoding: gzip'],
    targets: ['nginx', 'haproxy', 'fairway'],
    note: POLICIES_NOTE,
  },
  { id: 'https-small-50', title: 'Small GET over HTTPS/1.1, 50 keep-alive connections', path: '/', connections: 50, transport: 'https', note: TLS_NOTE },
  {
    id: 'h2-small',
    title: 'Small GET over HTTP/2, 50 connections × 10 streams',
    path: '/',
    connections: 50,
    streams: 10,
    transport: 'h2',
    note: `${TLS_NOTE} h2load offers only h2 in ALPN and gives no percentiles, so the mean time per request is shown; a run with any failed or errored request counts as failed.`,
  },
];
