// Socket reads hand out fresh Buffers whose memory lives outside the V8 heap.
// A large body streaming through leaves them behind as garbage, and V8 may
// hold tens of MB of it before a collection frees it (Node 24's did: 70 MB
// over a 200 MB transfer). So every few MB of relayed body, when more than
// EXTERNAL_LIMIT_BYTES is held outside the heap, a young-generation
// collection returns those buffers early. Only then: forcing one every
// 4 MB regardless (0.6 ms each, 264 a second under 50 uploads of 1 MiB) made
// the uploads a third slower with three times the p99 (docs/benchmarks.md),
// where Node 20's own collections keep the memory in bounds. Small requests
// relay few bytes, so on ordinary traffic this almost never runs. Bodies
// read into pooled buffers (net-io/body-buffer-pool.ts) are not counted,
// nor the pool's idle buffers: they are not garbage.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { idleBodyBufferBytes } from '../net-io/body-buffer-pool.js';

const STEP_BYTES = 4 * 1024 * 1024;
const EXTERNAL_LIMIT_BYTES = 32 * 1024 * 1024;

type GcFunction = (options?: { type?: 'minor' | 'major' }) => void;

function loadGc(): GcFunction | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as GcFunction;
  } catch {
    return undefined; // without it fairway still works, just with more garbage held
  }
}

const gc = loadGc();
let relayed = 0;

/** Counts body bytes relayed in either direction; every STEP_BYTES, collects young garbage if much memory is held outside the heap. */
export function noteRelayedBytes(n: number): void {
  relayed += n;
  if (relayed >= STEP_BYTES) {
    relayed = 0;
    // (getHeapStatistics costs about 0.7 µs, a few hundred times a second at most.)
    if (gc !== undefined && getHeapStatistics().external_memory - idleBodyBufferBytes() > EXTERNAL_LIMIT_BYTES) gc({ type: 'minor' });
  }
}
