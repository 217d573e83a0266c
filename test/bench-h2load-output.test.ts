// bench:compare's reading of h2load's summary: an HTTP/2 run counts only if
// h2 was negotiated and no request failed, errored or timed out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseH2load } from '../bench/compare/h2load.js';

function summary(opts: { protocol?: string; counts?: string; status?: string; rps?: string; mean?: string } = {}): string {
  return [
    'starting benchmark...',
    'spawning thread #0: 2 total client(s). Timing-based test with 0s of warm-up time and 1s of main duration for measurements.',
    ...(opts.protocol === undefined ? [] : ['TLS Protocol: TLSv1.3', 'Cipher: TLS_AES_256_GCM_SHA384', 'Server Temp Key: X25519 253 bits', `Application protocol: ${opts.protocol}`]),
    'Stopped all clients for thread #0',
    '',
    `finished in 1.00s, ${opts.rps ?? '12860.00'} req/s, 402.04KB/s`,
    `requests: ${opts.counts ?? '12860 total, 12864 started, 12860 done, 12860 succeeded, 0 failed, 0 errored, 0 timeout'}`,
    `status codes: ${opts.status ?? '12862 2xx, 0 3xx, 0 4xx, 0 5xx'}`,
    'traffic: 402.04KB (411694) total, 25.21KB (25816) headers (space savings 95.33%), 37.68KB (38586) data',
    '                     min         max         mean         sd        +/- sd',
    `time for request:      107us      7.19ms       ${opts.mean ?? '297us'}       345us    95.37%`,
    'time for connect:     3.92ms      4.35ms      4.13ms       306us   100.00%',
    '',
  ].join('\n');
}

test('an h2 run reads as req/s, succeeded requests and the mean time per request', () => {
  assert.deepEqual(parseH2load(summary({ protocol: 'h2', mean: '1.81ms' })), { rps: 12860, requests: 12860, errors: 0, meanMs: 1.81 });
});

test('a run where no connection negotiated a protocol (the server offers no h2) is a failed run', () => {
  const outcome = parseH2load(
    summary({ counts: '0 total, 0 started, 0 done, 0 succeeded, 0 failed, 0 errored, 0 timeout', status: '0 2xx, 0 3xx, 0 4xx, 0 5xx', rps: '0.00', mean: '0us' }),
  );
  assert.match('failure' in outcome ? outcome.failure : '', /no connection negotiated h2/);
});

test('a run that fell back to HTTP/1.1 is a failed run, not an HTTP/2 measurement', () => {
  assert.deepEqual(parseH2load(summary({ protocol: 'http/1.1' })), { failure: 'negotiated http/1.1, not h2' });
});

test('one failed request (h2load counts 4xx and 5xx as failed) makes the whole run a failure', () => {
  const outcome = parseH2load(
    summary({ protocol: 'h2', counts: '12860 total, 12864 started, 12860 done, 12859 succeeded, 1 failed, 0 errored, 0 timeout', status: '12859 2xx, 0 3xx, 0 4xx, 1 5xx' }),
  );
  assert.deepEqual(outcome, { failure: '1 failed (0 4xx, 1 5xx answers), 0 errored, 0 timed out of 12860 requests' });
});

test('errored requests make the run a failure too', () => {
  const outcome = parseH2load(summary({ protocol: 'h2', counts: '100 total, 100 started, 100 done, 97 succeeded, 0 failed, 3 errored, 0 timeout' }));
  assert.match('failure' in outcome ? outcome.failure : '', /3 errored/);
});

test('output that is not an h2load summary is a failed run that quotes its end', () => {
  const outcome = parseH2load('h2load: unrecognized option\nUsage: h2load [OPTIONS]... [URI]...\n');
  assert.match('failure' in outcome ? outcome.failure : '', /unexpected output: .*Usage: h2load/);
});
