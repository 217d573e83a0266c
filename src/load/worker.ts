// Worker-thread side of `runLoad({ workers: N })`: runs one round's share of
// the connections and posts live counters, then the result.
import { Buffer } from 'node:buffer';
import { parentPort, workerData } from 'node:worker_threads';
import { prepareRequest } from './request.js';
import { runShard, type ShardCounters } from './shard.js';
import type { WorkerMessage, WorkerRound } from './engine.js';

const round = workerData as WorkerRound;
const port = parentPort!;
const controller = new AbortController();
port.on('message', (m: unknown) => {
  if (m === 'stop') controller.abort();
});

const body = round.spec.body === undefined ? undefined : Buffer.from(round.spec.body.buffer, round.spec.body.byteOffset, round.spec.body.byteLength);
const request = prepareRequest({ ...round.spec, body });
let counters: ShardCounters | undefined;
const post = (m: WorkerMessage) => port.postMessage(m);
const timer = setInterval(() => {
  if (counters === undefined) return;
  const h = counters.histogram;
  post({
    type: 'progress',
    requests: counters.requests,
    successes: counters.successes,
    errorCount: counters.errorCount,
    p50Micros: h.percentile(50),
    p99Micros: h.percentile(99),
  });
}, round.progressIntervalMs);
const result = await runShard({ ...round.shard, request, signal: controller.signal }, (c) => (counters = c));
clearInterval(timer);
post({ type: 'result', result });
port.close();
