// Read buffers a large body passes through, given back once its bytes are
// written on. Under 50 uploads of 1 MiB, fairway relayed about 1.1 GB a
// second, each 64 KiB read into a fresh buffer: 17,000 buffers a second,
// freed only by the garbage collector. V8 counts that memory and starts a
// full collection every 64 MB of it, so one ran every 60-80 ms at 8-13 ms
// each, and more often the longer the process ran. A buffer taken from here
// is lent with its read's bytes as one body chunk (lendChunk); the writer
// that sends the chunk to the next socket gives it back when the socket has
// taken the bytes (giveBackChunk). A chunk nobody gives back is simply
// garbage, as before, so only a writer that knows it holds the last
// reference gives one back.

/** The size of every pooled buffer: one socket read, up to four times what Node reads at once. */
export const POOLED_BUFFER_BYTES = 256 * 1024;
/** Idle buffers kept, at most (16 MiB); more are left to the collector. */
const MAX_IDLE = 64;
/** Idle buffers not taken for this long are dropped, so a burst of uploads leaves no memory behind. */
const IDLE_DROP_MS = 10_000;

const idle: Buffer[] = [];
/** A lent chunk → the whole buffer its bytes are in. */
const lent = new WeakMap<Buffer, Buffer>();
let takenSinceSweep = false;
let givenBack = 0;
let sweeper: NodeJS.Timeout | undefined;

function sweepIdle(): void {
  if (!takenSinceSweep) idle.length = 0;
  takenSinceSweep = false;
  if (idle.length === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/** A buffer for one read: an idle one, or a new one. */
export function takeBodyBuffer(): Buffer {
  takenSinceSweep = true;
  return idle.pop() ?? Buffer.allocUnsafeSlow(POOLED_BUFFER_BYTES);
}

/** `chunk` (a view of `whole`, taken from here) is the only view of its bytes handed on. */
export function lendChunk(chunk: Buffer, whole: Buffer): void {
  lent.set(chunk, whole);
}

/** Whether `chunk` is lent, so its writer should give it back once written. */
export function isLentChunk(chunk: Buffer): boolean {
  return lent.has(chunk);
}

/**
 * `chunk`'s bytes are written and nothing holds it any more: its buffer may
 * take another read. Anything else is ignored.
 */
export function giveBackChunk(chunk: Buffer): void {
  const whole = lent.get(chunk);
  if (whole === undefined) return;
  lent.delete(chunk);
  givenBack++;
  if (idle.length >= MAX_IDLE) return;
  idle.push(whole);
  if (sweeper === undefined) {
    sweeper = setInterval(sweepIdle, IDLE_DROP_MS);
    sweeper.unref();
  }
}

/** Buffers given back so far (for tests). */
export function bodyBuffersGivenBack(): number {
  return givenBack;
}
