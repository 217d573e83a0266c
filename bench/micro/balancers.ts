// Micro-benchmark: nanoseconds per pick for every algorithm at 3, 100 and
// 1,000 backends, on a stable eligible set (the common case), plus a few
// harder cases: equal weights, a backend ramping under slow start
// (fractional weights), weights that change every 1,000 picks (the cost of
// rebuilding per-set state, spread over the picks), and a consistent-hash
// pool with most members out.
// Round robin with equal weights at the same size is the reference: on a
// shared machine the ratios mean more than the absolute numbers. Run with
// `npm run bench:micro`.
//
// Each case is measured in its own child process: in one shared process the
// benchmark's call sites see every balancer class, turn megamorphic, and
// whichever algorithm runs first looks unfairly fast.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAlgorithm, createRandomSource } from '../../src/balancing/index.js';
import type { BackendView, RequestFacts } from '../../src/balancing/index.js';
import { ALGORITHMS, type AlgorithmName } from '../../src/config/types.js';

const SIZES = [3, 100, 1000];
const ROUNDS = 7;
const TARGET_NS_PER_ROUND = 40_000_000n;

interface BenchCase {
  readonly name: string;
  readonly algorithm: AlgorithmName;
  /** Weight of backend i of n; default 1 + (i % 5). */
  readonly weight?: (i: number, n: number) => number;
  /** Fraction of the members that are eligible (consistent-hash); default all. */
  readonly eligibleShare?: number;
  /** Every this many picks, a new array where the first backend's weight is 1 higher (or back). */
  readonly changeEvery?: number;
}

const CASES: BenchCase[] = [
  ...ALGORITHMS.map((algorithm) => ({ name: algorithm, algorithm })),
  { name: 'round-robin, equal weights', algorithm: 'round-robin', weight: () => 1 },
  // The last backend ramps (slow start): weights are no longer integers.
  { name: 'weighted-round-robin, slow start', algorithm: 'weighted-round-robin', weight: (i, n) => (i === n - 1 ? 0.37 : 1 + (i % 5)) },
  { name: 'weighted-round-robin, new weights every 1,000 picks', algorithm: 'weighted-round-robin', changeEvery: 1000 },
  {
    name: 'weighted-round-robin, slow start, new weights every 1,000',
    algorithm: 'weighted-round-robin',
    weight: (i, n) => (i === n - 1 ? 0.37 : 1 + (i % 5)),
    changeEvery: 1000,
  },
  { name: 'consistent-hash, 1/10 eligible', algorithm: 'consistent-hash', eligibleShare: 0.1 },
];
const REFERENCE = 'round-robin, equal weights';

const random = createRandomSource(1234);

/** One factory, so every backend has the same shape (as the pool's Backend objects do). */
function backendView(id: string, weight: number): BackendView {
  return { id, weight, inFlight: Math.floor(random() * 10), ewmaLatencyMs: 5 + random() * 95, latencySamples: 100 };
}

function makePool(n: number, weight: (i: number, n: number) => number): BackendView[] {
  return Array.from({ length: n }, (_, i) => backendView(`backend-${i}`, weight(i, n)));
}

// Varied requests so hashing algorithms do real work, cycled by index.
const REQUESTS: RequestFacts[] = Array.from({ length: 1024 }, (_, i) => ({
  clientAddress: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  method: 'GET',
  host: 'bench.test',
  path: `/items/${i}?page=2`,
  headers: { 'x-user': `user-${i * 7919}`, cookie: `theme=dark; sid=s${i}` },
}));

let sink = 0;

function run(pick: (i: number) => BackendView, iterations: number): bigint {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += pick(i).id.length;
  return process.hrtime.bigint() - start;
}

/** Median ns per pick over several rounds, after warming up and calibrating. */
function measure(pick: (i: number) => BackendView): number {
  let iterations = 1000;
  run(pick, 20_000); // let the JIT settle
  while (run(pick, iterations) < TARGET_NS_PER_ROUND / 4n && iterations < 1e8) iterations *= 2;
  iterations *= 4;
  const results: number[] = [];
  for (let r = 0; r < ROUNDS; r++) results.push(Number(run(pick, iterations)) / iterations);
  results.sort((a, b) => a - b);
  return results[Math.floor(ROUNDS / 2)]!;
}

/** Child mode: measure one case, print its numbers as JSON. */
function measureOne(benchCase: BenchCase): Record<number, number> {
  const result: Record<number, number> = {};
  for (const n of SIZES) {
    const members = makePool(n, benchCase.weight ?? ((i) => 1 + (i % 5)));
    const share = benchCase.eligibleShare ?? 1;
    // Every k-th member stays eligible (at least one).
    const eligible = share >= 1 ? members : members.filter((_, i) => i % Math.round(1 / share) === 0);
    const balancer = createAlgorithm<BackendView>(benchCase.algorithm, { random: createRandomSource(n), hashKey: 'header:x-user' });
    const every = benchCase.changeEvery;
    if (every === undefined) {
      result[n] = measure((i) => balancer.pick(eligible, REQUESTS[i & 1023]!, members));
    } else {
      const other = eligible.slice();
      other[0] = backendView(eligible[0]!.id, eligible[0]!.weight + 1);
      result[n] = measure((i) => balancer.pick(Math.floor(i / every) % 2 === 0 ? eligible : other, REQUESTS[i & 1023]!, members));
    }
  }
  return result;
}

const only = process.argv[2];
if (only !== undefined) {
  const benchCase = CASES.find((c) => c.name === only);
  if (benchCase === undefined) throw new Error(`unknown case ${only}`);
  console.log(JSON.stringify(measureOne(benchCase)));
  if (sink === -1) console.log(sink);
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const table: Record<string, Record<number, number>> = {};
for (const { name } of CASES) {
  table[name] = JSON.parse(execFileSync(process.execPath, [self, name], { encoding: 'utf8' })) as Record<number, number>;
}

const header = ['case', ...SIZES.map((n) => `n=${n} ns/pick (×ref)`)];
const rows = CASES.map(({ name }) => [
  name,
  ...SIZES.map((n) => `${table[name]![n]!.toFixed(1)} (×${(table[name]![n]! / table[REFERENCE]![n]!).toFixed(1)})`),
]);
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
console.log(`node ${process.version}, ${ROUNDS} rounds, median; stable eligible set; weights 1 + (i % 5) unless said; ×ref = ÷ "${REFERENCE}"`);
console.log(line(header));
for (const row of rows) console.log(line(row));
if (sink === -1) console.log(sink);
