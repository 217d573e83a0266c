// bench:compare's tables: timeouts and the served connections of the worst
// round are shown, errors are broken down by kind, and results go between
// their markers without touching the rest of the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from '../bench/compare/load-result.js';
import { scenarioTable } from '../bench/compare/markdown.js';
import { writeResults } from '../bench/compare/results-file.js';

const clean = { connect: 0, read: 0, write: 0, timeout: 0 };
const round = (rps: number, extra: Partial<LoadResult> = {}): LoadResult => ({ rps, requests: rps * 5, errors: 0, p50: 1, p99: 2, socketErrors: clean, non2xx: 0, ...extra });

function table(rounds: LoadResult[]): string {
  return scenarioTable({ id: 's', title: 'S', cells: [{ target: 'fairway', label: 'fairway', rounds }] });
}

test('a round that left connections unserved and requests timed out shows in its row and in a note', () => {
  const text = table([
    round(100, { connections: { asked: 1000, seen: 1000, served: 1000 } }),
    round(90, { errors: 2, socketErrors: { ...clean, timeout: 2 }, connections: { asked: 1000, seen: 1000, served: 998 } }),
  ]);
  const row = text.split('\n').find((l) => l.startsWith('| fairway'))!;
  assert.deepEqual(row.split('|').map((c) => c.trim()).slice(1, 8), ['fairway', '90', '1.00 ms', '2.00 ms', '2', '2', '998/1,000']);
  assert.match(text, /- fairway, errors over the rounds: connect 0, read 0, write 0, timeout 2, non-2xx\/3xx answers 0\./);
});

test('a clean run has no error note, and served connections not counted show as –', () => {
  const text = table([round(100)]);
  assert.doesNotMatch(text, /errors over the rounds/);
  assert.match(text, /\| fairway \| 100 \| 1\.00 ms \| 2\.00 ms \| 0 \| 0 \| – \|/);
});

test('sockets beyond the connections asked for (reconnects) are named', () => {
  assert.match(table([round(100, { connections: { asked: 50, seen: 53, served: 53 } })]), /3 more sockets than connections/);
});

test('results replace what is between their own markers and nothing else', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fairway-results-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'page.md');
  writeFileSync(file, 'intro\n<!-- bench:compare:start -->\nold compare\n<!-- bench:compare:end -->\nmiddle\n<!-- bench:idle:start -->\nold idle\n<!-- bench:idle:end -->\nend\n');
  writeResults(file, { name: 'idle', heading: 'Idle' }, 'new idle');
  assert.equal(readFileSync(file, 'utf8'), 'intro\n<!-- bench:compare:start -->\nold compare\n<!-- bench:compare:end -->\nmiddle\n<!-- bench:idle:start -->\nnew idle\n<!-- bench:idle:end -->\nend\n');
  const fresh = join(dir, 'new.md');
  writeResults(fresh, { name: 'idle', heading: 'Idle' }, 'first');
  assert.equal(readFileSync(fresh, 'utf8'), '# Benchmarks\n\n## Idle\n\n<!-- bench:idle:start -->\nfirst\n<!-- bench:idle:end -->\n');
});

test('accept-queue overflows during a cell\'s rounds are named under the table', () => {
  assert.match(table([round(100, { listenOverflows: 0 }), round(90, { listenOverflows: 185 })]), /- fairway: the kernel counted 185 accept-queue overflows/);
  assert.doesNotMatch(table([round(100, { listenOverflows: 0 })]), /accept-queue/);
});

test('a round with the VM\'s steal time in it shows the steal beside its req/s', () => {
  const row = table([round(100, { stealPercent: 0.1 }), round(60, { stealPercent: 7.25 })]).split('\n').find((l) => l.startsWith('| fairway'))!;
  assert.match(row, /\| 100, 60 \(steal 7\.3 %\) \|$/);
});

test('runs set aside for the VM\'s steal time are counted in a note under the table', () => {
  assert.match(table([round(100, { stolenRuns: 2 }), round(90, { stolenRuns: 1 })]), /- fairway: 3 run\(s\) set aside and measured again, the VM's steal time above 2 % in them\./);
  assert.doesNotMatch(table([round(100)]), /set aside/);
});
