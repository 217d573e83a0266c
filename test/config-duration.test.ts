import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../src/config/duration.js';

test('durations with units become milliseconds', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('5s'), 5000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration(' 10s '), 10_000);
});

test('bare numbers and numeric strings mean seconds', () => {
  assert.equal(parseDuration(5), 5000);
  assert.equal(parseDuration('5'), 5000);
  assert.equal(parseDuration(0.25), 250);
  assert.equal(parseDuration('0'), 0);
});

test('bad durations throw a message naming the value and the accepted forms', () => {
  for (const bad of ['', 'abc', '5 seconds', '10x', '-1s', 's', '1.2.3s', '5S']) {
    assert.throws(
      () => parseDuration(bad),
      (err: Error) => err.message.startsWith(`${JSON.stringify(bad)} is not a duration (expected e.g. 250ms`),
      bad,
    );
  }
  assert.throws(() => parseDuration(-1), /-1 is not a duration/);
  assert.throws(() => parseDuration(Number.NaN), /NaN is not a duration/);
});

test('formatDuration picks the largest whole unit', () => {
  assert.equal(formatDuration(250), '250ms');
  assert.equal(formatDuration(2000), '2s');
  assert.equal(formatDuration(120_000), '2m');
  assert.equal(formatDuration(1500), '1500ms');
});
