// String hashing for the hash-based algorithms. It hashes a range of a string
// so keys can be read out of headers and paths without slicing (no garbage
// per request).

/**
 * FNV-1a over UTF-16 code units, then an avalanche mix: FNV alone leaves
 * similar keys (10.0.0.1, 10.0.0.2) in nearby buckets. `seed` gives
 * independent hash functions over the same input.
 */
export function hashString(text: string, seed = 0, start = 0, end = text.length): number {
  let h = (0x811c9dc5 ^ seed) | 0;
  for (let i = start; i < end; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** Scrambles all 32 bits so every input bit affects every output bit. */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}
