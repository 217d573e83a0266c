// `fairway bench` as a user runs it: the real binary, its JSON file and HTML
// report, the --max-errors exit code, and clear errors for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBackend, type TestBackend } from '../src/tools/test-backend.js';
import { runCli } from './helpers/child-fairway.js';
import { freePort } from './helpers/fixtures.js';
import type { LoadRunResult } from '../src/load/index.js';

async function setup(t: { after(fn: () => unknown): void }): Promise<{ backend: TestBackend; dir: string }> {
  const backend = await startTestBackend({ name: 'cli' });
  const dir = mkdtempSync(join(tmpdir(), 'fairway-bench-'));
  t.after(async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { backend, dir };
}

test('--json writes every level, round and summary', async (t) => {
  const { backend, dir } = await setup(t);
  const file = join(dir, 'out.json');
  const run = await runCli(['bench', '-c', '2', '3', backend.url + '/', '-n', '30', '--rounds', '2', '-H', 'x-run: cli', '--json', file]);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(readFileSync(file, 'utf8')) as LoadRunResult;
  assert.equal(result.url, backend.url + '/');
  assert.equal(result.method, 'GET');
  assert.deepEqual(result.headers.find(([n]) => n === 'x-run'), ['x-run', 'cli']);
  assert.deepEqual(result.settings.concurrency, [2, 3]);
  assert.equal(result.settings.rounds, 2);
  assert.equal(result.levels.length, 2);
  for (const level of result.levels) {
    assert.equal(level.rounds.length, 2);
    for (const r of level.rounds) {
      assert.equal(r.requests, 30);
      assert.equal(r.successes, 30);
      assert.deepEqual(r.errors, {});
      assert.ok(r.rps > 0);
      for (const key of ['min', 'mean', 'p50', 'p90', 'p99', 'p999', 'max'] as const) assert.equal(typeof r.latency[key], 'number');
      assert.deepEqual(r.backends, [{ name: 'cli', count: 30, share: 1 }]);
    }
    assert.equal(level.summary.requests, 60);
    assert.equal(typeof level.summary.rps.stdev, 'number');
    assert.ok(level.summary.curve.length > 0);
  }
  assert.deepEqual(result.totals, { requests: 120, successes: 120, errorCount: 0, errorRate: 0 });
  // The table on stdout: a block per round and the summary.
  assert.match(run.stdout, /c=3 round 2\/2: 30 requests/);
  assert.match(run.stdout, /concurrency\s+rounds\s+requests\s+req\/s/);
  assert.match(run.stdout, /backends: cli 100\.0% \(30\)/);
});

test('--report writes one self-contained HTML file with the charts and their data', async (t) => {
  const { backend, dir } = await setup(t);
  const file = join(dir, 'report.html');
  const run = await runCli(['bench', backend.url + '/?status=503', '-c', '1', '2', '-n', '10', '--report', file]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(existsSync(file));
  const html = readFileSync(file, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<\/html>\s*$/);
  assert.equal((html.match(/<svg /g) ?? []).length, 3);
  assert.match(html, /Throughput per concurrency level/);
  assert.match(html, /Latency percentiles per concurrency level/);
  // Nothing to fetch: no external resources at all.
  assert.doesNotMatch(html, /\s(?:src|href)\s*=/i);
  assert.doesNotMatch(html, /<link|@import|url\(/i);
  const urls = html.match(/https?:\/\/[^\s"<&]*/g) ?? [];
  assert.ok(urls.every((u) => u.startsWith(backend.url)), `unexpected URLs: ${urls.join(', ')}`);
  // The charts' data is embedded and parses back.
  const json = /<script type="application\/json" id="fairway-bench-data">([^<]*)<\/script>/.exec(html);
  assert.ok(json, 'embedded data');
  const data = JSON.parse(json[1]!) as LoadRunResult;
  assert.deepEqual(data.levels.map((l) => l.concurrency), [1, 2]);
  assert.deepEqual(data.levels[0]!.summary.errors, { http_503: 10 });
  // A non-terminal gets no escape codes.
  assert.ok(!(run.stdout + run.stderr).includes(String.fromCharCode(27)), "no escape codes");
});

test('--max-errors: exit 2 when exceeded, 0 when not', async (t) => {
  const { backend } = await setup(t);
  const closed = await freePort();
  const refused = await runCli(['bench', `http://127.0.0.1:${closed}/`, '-c', '2', '-n', '10', '--max-errors', '5']);
  assert.equal(refused.code, 2);
  assert.match(refused.stdout, /refused 10/);
  assert.match(refused.stderr, /100\.00% of the requests failed, above --max-errors 5%/);
  const fine = await runCli(['bench', backend.url + '/', '-c', '2', '-n', '10', '--max-errors', '0']);
  assert.equal(fine.code, 0, fine.stderr);
  // Without --max-errors, errors alone do not fail the run.
  const noLimit = await runCli(['bench', `http://127.0.0.1:${closed}/`, '-c', '1', '-n', '3']);
  assert.equal(noLimit.code, 0);
});

test('--body sends a file and defaults the method to POST', async (t) => {
  const { backend, dir } = await setup(t);
  const body = join(dir, 'body.bin');
  writeFileSync(body, Buffer.alloc(5000, 1));
  const run = await runCli(['bench', backend.url + '/upload', '-c', '1', '-n', '4', '--body', body]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /POST .*body 5,000 bytes/);
  assert.equal(backend.requestCount, 4);
});

test('bad input: one clear line, exit 1, no stack trace', async () => {
  const cases: [string[], RegExp][] = [
    [['bench'], /missing the URL/],
    [['bench', 'nonsense'], /"nonsense" is not a URL/],
    [['bench', 'https://127.0.0.1/'], /only http:\/\/ URLs/],
    [['bench', 'http://127.0.0.1:1/', '-c', '0'], /--concurrency: "0" is not a whole number/],
    [['bench', 'http://127.0.0.1:1/', '-d', 'soon'], /--duration: "soon" is not a duration/],
    [['bench', 'http://127.0.0.1:1/', '--timeout', '0'], /--timeout: .*longer than 0/],
    [['bench', 'http://127.0.0.1:1/', '-H', 'no-colon'], /header "no-colon" must look like "name: value"/],
    [['bench', 'http://127.0.0.1:1/', '--rate', 'fast'], /--rate: "fast" is not a number/],
    [['bench', 'http://127.0.0.1:1/', '--max-errors', '120'], /--max-errors: "120" is not a percentage/],
    [['bench', 'http://127.0.0.1:1/', '--body', '/no/such/file'], /--body: cannot read \/no\/such\/file: ENOENT/],
    [['bench', 'http://127.0.0.1:1/', '--json', '/no/such/dir/x.json'], /--json: folder \/no\/such\/dir does not exist/],
  ];
  const runs = await Promise.all(cases.map(([args]) => runCli(args)));
  runs.forEach((run, i) => {
    const [args, message] = cases[i]!;
    assert.equal(run.code, 1, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.match(run.stderr, /^fairway bench: /);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  });
});
