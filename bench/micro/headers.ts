// Micro-benchmark: header rewriting on the hot path, ns per request. Inputs
// are what a browser sends and what nginx answers; run with `npm run bench:micro`.
import { clientResponseHeaders, upstreamRequestHeaders } from '../../src/filters/forwarded-headers.js';
import { nsPerOp, printTable } from './measure.js';

const facts = { clientAddress: '127.0.0.1', proto: 'http' as const, requestId: '6f1c2a9e-0b7d-4c1e-9a53-3d2f8e4b1c70' };

const wrkRequest = ['Host', '127.0.0.1:8080'];
const browserRequest = [
  'Host', 'shop.example.com',
  'User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Language', 'en-US,en;q=0.9',
  'Accept-Encoding', 'gzip, deflate, br',
  'Cookie', 'session=abc123; theme=dark',
  'Connection', 'keep-alive',
  'Upgrade-Insecure-Requests', '1',
];
const forwardedRequest = [...browserRequest, 'X-Forwarded-For', '203.0.113.7', 'Connection', 'x-internal', 'X-Internal', 'secret'];

// Response headers arrive from the transport as latin1 strings.
const nginxResponse = [
  'Server', 'nginx/1.22.1',
  'Date', 'Sat, 23 Nov 2026 12:00:00 GMT',
  'Content-Type', 'text/plain',
  'Content-Length', '16',
  'Connection', 'keep-alive',
  'x-backend', 'b1',
];
const chunkedResponse = [
  ...nginxResponse.slice(0, 6),
  'Transfer-Encoding', 'chunked',
  'Cache-Control', 'no-store',
  'Set-Cookie', 'a=1; Path=/',
  'Keep-Alive', 'timeout=5',
];

printTable('header rewriting', [
  ['upstreamRequestHeaders: wrk (Host only)', nsPerOp(() => upstreamRequestHeaders(wrkRequest, facts).length)],
  ['upstreamRequestHeaders: browser, 8 headers', nsPerOp(() => upstreamRequestHeaders(browserRequest, facts).length)],
  ['upstreamRequestHeaders: + X-Forwarded-For, Connection token', nsPerOp(() => upstreamRequestHeaders(forwardedRequest, facts).length)],
  ['clientResponseHeaders: nginx, 6 headers', nsPerOp(() => clientResponseHeaders(nginxResponse, facts.requestId).length)],
  ['clientResponseHeaders: chunked, 7 headers', nsPerOp(() => clientResponseHeaders(chunkedResponse, facts.requestId).length)],
]);
