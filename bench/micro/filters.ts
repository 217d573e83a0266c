// Micro-benchmark: what a policy costs per request, ns per operation. The
// headers middleware's edit of a browser's upstream head and of an nginx
// answer, and a phase walk over a compiled chain (the loop the lifecycle
// runs); run with `npm run bench:micro`.
import { HeaderEdit } from '../../src/filters/headers.js';
import { compileChain, type Filter } from '../../src/exchange/phases.js';
import { nsPerOp, printTable } from './measure.js';

const upstreamHead = [
  'Host', 'shop.example.com',
  'User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Language', 'en-US,en;q=0.9',
  'Cookie', 'session=abc123; theme=dark',
  'X-Debug', '1',
  'X-Forwarded-For', '127.0.0.1',
  'X-Forwarded-Proto', 'http',
  'X-Request-Id', '6f1c2a9e-0b7d-4c1e-9a53-3d2f8e4b1c70',
];
const answerHead = ['Server', 'nginx/1.22.1', 'Date', 'Sat, 23 Nov 2026 12:00:00 GMT', 'Content-Type', 'text/plain', 'Content-Length', '16', 'X-Request-Id', 'abc'];

const requestEdit = new HeaderEdit( { set: [{ name: 'X-Env', lower: 'x-env', value: 'prod' }], remove: ['x-debug'] });
const responseEdit = new HeaderEdit( { set: [{ name: 'X-Frame-Options', lower: 'x-frame-options', value: 'DENY' }], remove: ['server'] });

// Hooks that do almost nothing, so the walk itself is what is timed.
let calls = 0;
const touch: Filter = { name: 'touch', onResponse: () => void calls++ };
const empty = compileChain([]);
const three = compileChain([touch, touch, touch]);
const walk = (hooks: readonly Filter[]): number => {
  for (let i = 0; i < hooks.length; i++) hooks[i]!.onResponse!(undefined as never);
  return hooks.length;
};

printTable('filters', [
  ['headers middleware: request set 1, remove 1 (9 headers)', nsPerOp(() => {
    const head = upstreamHead.slice();
    requestEdit.apply(head);
    return head.length;
  })],
  ['headers middleware: response set 1, remove 1 (5 headers)', nsPerOp(() => {
    const head = answerHead.slice();
    responseEdit.apply(head);
    return head.length;
  })],
  ['copying the 9-header head alone (the baseline above)', nsPerOp(() => upstreamHead.slice().length)],
  ['phase walk: no filter in the phase', nsPerOp(() => walk(empty.onResponse))],
  ['phase walk: 3 filters in the phase', nsPerOp(() => walk(three.onResponse) + calls)],
]);
