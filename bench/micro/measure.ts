// Shared timing loop for the micro-benchmarks: warm up, calibrate to about
// 40 ms per round, report the median ns per operation over 7 rounds.
const ROUNDS = 7;
const TARGET_NS_PER_ROUND = 40_000_000n;

/** Results fed back here keep the optimizer from dropping the work. */
export let sink = 0;

function run(op: (i: number) => number, iterations: number): bigint {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += op(i);
  return process.hrtime.bigint() - start;
}

/** Median nanoseconds per call of `op`; `op` returns a number derived from its work. */
export function nsPerOp(op: (i: number) => number): number {
  let iterations = 1000;
  run(op, 20_000);
  while (run(op, iterations) < TARGET_NS_PER_ROUND / 4n && iterations < 1e8) iterations *= 2;
  iterations *= 4;
  const results: number[] = [];
  for (let r = 0; r < ROUNDS; r++) results.push(Number(run(op, iterations)) / iterations);
  results.sort((a, b) => a - b);
  return results[Math.floor(ROUNDS / 2)]!;
}

export function printTable(title: string, rows: [string, number][]): void {
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log(`${title} (node ${process.version}, ${ROUNDS} rounds, median)`);
  for (const [name, ns] of rows) console.log(`  ${name.padEnd(width)}  ${ns.toFixed(1).padStart(8)} ns/op`);
  if (sink === -1) console.log(sink);
}
