// Socket reads hand out fresh Buffers whose memory lives outside the V8 heap.
// V8 collects them only after about 64 MB of such memory has built up, so a
// large body streaming through would grow resident memory by that much in
// garbage. A young-generation collection (under a millisecond) every few MB
// of relayed body returns those buffers early. Small requests relay few
// bytes, so on ordinary traffic this almost never runs.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const STEP_BYTES = 4 * 1024 * 1024;

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

/** Counts body bytes relayed in either direction; collects young garbage every STEP_BYTES. */
export function noteRelayedBytes(n: number): void {
  relayed += n;
  if (relayed >= STEP_BYTES) {
    relayed = 0;
    gc?.({ type: 'minor' });
  }
}
