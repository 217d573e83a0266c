// Choosing a content coding from Accept-Encoding (RFC 9110 section 12.5.3):
// q-values, q=0 as a refusal, the `*` wildcard, identity, ties broken by the
// configured preference, malformed weights, and the header's absence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EncodingNegotiator } from '../src/filters/accept-encoding.js';

const cases: [header: string, expected: string | undefined][] = [
  ['gzip', 'gzip'],
  ['br', 'br'],
  ['gzip, br', 'br'],
  ['br;q=0, gzip', 'gzip'],
  ['*;q=0', undefined],
  ['gzip;q=0.5, br;q=0.8', 'br'],
  ['gzip;q=0.9, br;q=0.8', 'gzip'],
  ['gzip;q=0.5, br;q=0.5', 'br'],
  ['*', 'zstd'],
  ['*;q=0.5, zstd;q=0', 'br'],
  ['gzip, *;q=0.1', 'gzip'],
  ['identity', undefined],
  ['identity;q=0', undefined],
  ['gzip;q=0.5, identity;q=0.9', undefined],
  ['gzip;q=0.9, identity;q=0.5', 'gzip'],
  ['gzip;q=0', undefined],
  ['GZIP;Q=1', 'gzip'],
  [' gzip ; q=0.3 ,deflate', 'gzip'],
  ['x-gzip', 'gzip'],
  ['deflate, compress', undefined],
  ['br;q=1.5, gzip', 'gzip'],
  ['br;q=0.0001, gzip;q=0.001', 'gzip'],
  ['br;q=abc', undefined],
  ['gzip;level=9', 'gzip'],
  [',,, gzip', 'gzip'],
  ['', undefined],
];

test('the coding follows the q-values, then the configured order', () => {
  const negotiator = new EncodingNegotiator(['zstd', 'br', 'gzip'] as const);
  for (const [header, expected] of cases) {
    assert.equal(negotiator.choose(header), expected, JSON.stringify(header));
    // The second answer comes from the cache and must be the same.
    assert.equal(negotiator.choose(header), expected, `${JSON.stringify(header)} again`);
  }
});

test('ties go to the earlier configured coding, and a coding not configured is never chosen', () => {
  const gzipFirst = new EncodingNegotiator(['gzip', 'br'] as const);
  assert.equal(gzipFirst.choose('br, gzip'), 'gzip');
  assert.equal(gzipFirst.choose('zstd, br'), 'br');
  assert.equal(gzipFirst.choose('zstd'), undefined);
  assert.equal(gzipFirst.choose('*'), 'gzip');
});

test('many distinct headers do not grow the cache without bound and still choose right', () => {
  const negotiator = new EncodingNegotiator(['br', 'gzip'] as const);
  for (let i = 0; i < 2_000; i++) assert.equal(negotiator.choose(`gzip;q=0.${i % 1000 === 0 ? 1 : 5}, x-${i}`), 'gzip');
  assert.ok((negotiator as unknown as { cache: Map<string, unknown> }).cache.size <= 256);
});
