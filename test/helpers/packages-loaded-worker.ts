// Runs in a worker thread, whose module cache starts empty: starts a fairway
// from the config it is given and, when asked, reports which packages of
// node_modules it has loaded so far, then stops it.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { createFairway } from '../../src/fairway.js';
import type { FairwayConfig } from '../../src/config/types.js';

const fairway = createFairway(workerData as FairwayConfig);
await fairway.listen();
parentPort!.postMessage('listening');
parentPort!.once('message', () => {
  const loaded = Object.keys(createRequire(import.meta.url).cache)
    .map((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1])
    .filter((name): name is string => name !== undefined);
  void fairway.close(0).then(() => parentPort!.postMessage([...new Set(loaded)].sort()));
});
