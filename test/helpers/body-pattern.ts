// Bodies whose every byte depends on a seed and its offset, and their hashes:
// a misplaced, reused or lost read of a buffer shows in the hash at the far end.
import { createHash } from 'node:crypto';

/** Bytes that differ by seed and by offset, so a misplaced or reused read shows in the hash. */
export function pattern(seed: number, bytes: number): Buffer {
  const body = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) body[i] = (seed * 131 + i * 7 + (i >> 9)) & 0xff;
  return body;
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
