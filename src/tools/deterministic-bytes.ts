// Deterministic pseudo-random bytes for /bytes/N and for tests that check them.
//
// A continuous xorshift32 stream with a fixed seed: the same N always gives the
// same bytes, a shorter stream is a prefix of a longer one, and the stream does
// not repeat within any practical length, so a proxy that drops, duplicates or
// reorders chunks changes the sha256 (a repeating pattern would hide that).
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';

/** Chunk size used by the test backend and by {@link deterministicBytes}. */
export const DETERMINISTIC_CHUNK_SIZE = 64 * 1024;

const SEED = 0x9e3779b9;

/** Produces the stream chunk by chunk; each chunk is a fresh Buffer. */
export class DeterministicByteSource {
  private state = SEED;
  // Bytes of the last 32-bit word not handed out yet, so that any chunk sizes
  // produce the same stream.
  private carry = 0;
  private carryBytes = 0;

  /** Returns the next `size` bytes of the stream. */
  next(size: number): Buffer {
    const out = Buffer.allocUnsafe(size);
    let i = 0;
    while (this.carryBytes > 0 && i < size) {
      out[i++] = this.carry & 0xff;
      this.carry >>>= 8;
      this.carryBytes--;
    }
    let x = this.state;
    const whole = i + ((size - i) & ~3);
    for (; i < whole; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      // Little-endian by hand so the stream is the same on every platform.
      out[i] = x & 0xff;
      out[i + 1] = (x >>> 8) & 0xff;
      out[i + 2] = (x >>> 16) & 0xff;
      out[i + 3] = (x >>> 24) & 0xff;
    }
    if (i < size) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      let word = x >>> 0;
      this.carryBytes = 4;
      while (i < size) {
        out[i++] = word & 0xff;
        word >>>= 8;
        this.carryBytes--;
      }
      this.carry = word;
    }
    this.state = x;
    return out;
  }
}

/** Yields the first `n` deterministic bytes in chunks of at most `chunkSize`. */
export function* deterministicBytes(n: number, chunkSize = DETERMINISTIC_CHUNK_SIZE): Generator<Buffer> {
  const source = new DeterministicByteSource();
  for (let left = n; left > 0; left -= chunkSize) yield source.next(Math.min(left, chunkSize));
}

/** sha256 (hex) of the first `n` deterministic bytes, computed chunk by chunk. */
export function deterministicSha256(n: number): string {
  const hash = createHash('sha256');
  for (const chunk of deterministicBytes(n)) hash.update(chunk);
  return hash.digest('hex');
}
