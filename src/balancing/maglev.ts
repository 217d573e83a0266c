// Maglev lookup table (Eisenbud et al., NSDI 2016): every backend walks its
// own pseudo-random permutation of the table slots and, in turns, claims the
// next free slot. Each backend ends up with an almost equal share, and when
// one backend leaves only its slots (about 1/N) plus a few others change
// owner. Built once per member set, then a lookup is one array read.
import { hashString } from './hash.js';

export interface MaglevTable {
  /** Member ids, in the order table entries refer to. */
  readonly ids: readonly string[];
  /** Slot → index into `ids`. Its length is a prime. */
  readonly slots: Int32Array;
}

/** `ids` must be distinct and non-empty. */
export function buildMaglevTable(ids: readonly string[]): MaglevTable {
  // Sorted, so the table depends on the set of ids, not on their order.
  const sorted = [...ids].sort();
  const n = sorted.length;
  // Far more slots than backends keeps shares within about 1% of equal and
  // the keys moved on a removal close to the ideal 1/N (with 10 backends:
  // ~12% moved at 1,009 slots, ~10% at 65,537). 256 KiB per pool.
  const size = nextPrime(Math.max(65537, 100 * n));
  const position = new Float64Array(n);
  const skip = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    position[i] = hashString(sorted[i]!, 0x6d61676c) % size;
    skip[i] = (hashString(sorted[i]!, 0x65763031) % (size - 1)) + 1;
  }
  const slots = new Int32Array(size).fill(-1);
  let filled = 0;
  while (filled < size) {
    for (let i = 0; i < n && filled < size; i++) {
      // Skip coprime with the prime size: the walk visits every slot.
      let p = position[i]!;
      while (slots[p] !== -1) p = (p + skip[i]!) % size;
      slots[p] = i;
      position[i] = (p + skip[i]!) % size;
      filled++;
    }
  }
  return { ids: sorted, slots };
}

function nextPrime(from: number): number {
  for (let candidate = from | 1; ; candidate += 2) {
    let prime = true;
    for (let d = 3; d * d <= candidate; d += 2) {
      if (candidate % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) return candidate;
  }
}
