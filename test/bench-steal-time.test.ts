// bench:compare reads the VM's steal time around each run, so a slow round
// on a busy host shows as one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStealTicks, stealPercent, stealText, stealTicks, watchSteal } from '../bench/compare/steal-time.js';

test('steal is the eighth value of the cpu line of /proc/stat', () => {
  const stat = ['cpu  692657 2361 429422 10674554 2756 0 172779 49675 0 0', 'cpu0 395139 1072 188850 5316434 430 0 90363 22839 0 0', 'ctxt 70678552', ''].join('\n');
  assert.equal(parseStealTicks(stat), 49675);
  assert.equal(parseStealTicks('cpu0 1 2 3 4 5 6 7 8 9 10\n'), undefined);
  assert.equal(parseStealTicks('cpu  1 2 3\n'), undefined);
});

test('ticks stolen become a per cent of every CPU\'s time', () => {
  // 100 ticks a second: 50 ticks over 5 s of 2 CPUs is 0.5 s of 10 s.
  assert.equal(stealPercent(50, 5, 2), 5);
  assert.equal(stealPercent(0, 5, 2), 0);
});

test('a run with little steal says nothing of it, one with more names it', () => {
  assert.equal(stealText(undefined), '');
  assert.equal(stealText(0.2), '');
  assert.equal(stealText(4.26), ', steal 4.3 %');
});

test('steal is read on this machine', () => {
  assert.equal(typeof stealTicks(), 'number');
  const percent = watchSteal(2)();
  assert.equal(typeof percent, 'number');
  assert.ok(percent! >= 0);
});
