// bench:compare's reading of wrk's summary: socket errors by kind (timeouts
// apart, so a run that left requests unanswered shows), and non-2xx answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWrk } from '../bench/compare/wrk.js';

function summary(extra: string[] = []): string {
  return [
    'Running 2s test @ http://127.0.0.1:40000/',
    '  1 threads and 1000 connections',
    '  Thread Stats   Avg      Stdev     Max   +/- Stdev',
    '    Latency    63.40ms  201.12ms   1.99s    97.10%',
    '    Req/Sec    15.71k     1.20k   17.02k    80.00%',
    '  Latency Distribution',
    '     50%   63.40ms',
    '     75%   70.00ms',
    '     90%   80.00ms',
    '     99%    1.34s',
    '  31350 requests in 2.00s, 4.56MB read',
    ...extra,
    'Requests/sec:  15675.00',
    'Transfer/sec:      2.28MB',
  ].join('\n');
}

test('a clean wrk run has no socket errors of any kind', () => {
  const r = parseWrk(summary());
  assert.deepEqual(r.socketErrors, { connect: 0, read: 0, write: 0, timeout: 0 });
  assert.equal(r.errors, 0);
  assert.equal(r.non2xx, 0);
  assert.equal(r.p99, 1340);
  assert.equal(r.requests, 31350);
});

test('socket errors are read by kind, and every kind and non-2xx answer counts as an error', () => {
  const r = parseWrk(summary(['  Socket errors: connect 2, read 11, write 3, timeout 17', '  Non-2xx or 3xx responses: 5']));
  assert.deepEqual(r.socketErrors, { connect: 2, read: 11, write: 3, timeout: 17 });
  assert.equal(r.non2xx, 5);
  assert.equal(r.errors, 2 + 11 + 3 + 17 + 5);
});

test('output without a summary is refused rather than read as zero', () => {
  assert.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused'), /unexpected output/);
});
