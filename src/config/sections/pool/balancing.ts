// A pool's `algorithm` and consistent-hash `hashKey`: how it picks a backend.
import { ALGORITHMS, type AlgorithmName } from '../../../balancing/algorithm-names.js';
import { HASH_KEY_FORMS, parseHashKey } from '../../../balancing/hash-key.js';

export { ALGORITHMS, type AlgorithmName };
import * as f from '../../fields.js';
import { field } from '../../schema-fields.js';


export const DEFAULT_ALGORITHM: AlgorithmName = 'round-robin';

export const algorithm: f.Validator<AlgorithmName> = (input) => {
  // Names are kebab-case; snake_case and upper case are accepted as spellings.
  const name = typeof input === 'string' ? input.trim().toLowerCase().replace(/_/g, '-') : undefined;
  const known: readonly string[] = ALGORITHMS;
  if (name === undefined || !known.includes(name)) {
    return { ok: false, message: `${f.show(input)} is not a known algorithm (accepted: ${ALGORITHMS.join(', ')})` };
  }
  return { ok: true, value: name as AlgorithmName };
};

/** A consistent-hash key: header:NAME, cookie:NAME, query:NAME, path or ip. */
export const hashKey: f.Validator<string> = (input) => {
  const bad = { ok: false as const, message: `${f.show(input)} is not a hash key (expected ${HASH_KEY_FORMS})` };
  if (typeof input !== 'string') return bad;
  try {
    parseHashKey(input.trim());
  } catch {
    return bad;
  }
  return { ok: true, value: input.trim() };
};

/** File keys, in a pool and at the top level. */
export const balancingShape = {
  algorithm: field(algorithm).optional(),
  hashKey: field(hashKey).optional(),
};

interface HashedPool {
  name: string;
  algorithm: AlgorithmName;
  hashKey?: string;
}

/**
 * A hashKey outside consistent-hash is harmless but suggests the author expected
 * hashing; ip-hash, for one, always hashes the client address. `ownHashKey[i]`
 * says whether pool i set its own hashKey (rather than inheriting the top level's).
 */
export function warnUnusedHashKeys(pools: readonly HashedPool[], ownHashKey: (i: number) => boolean, named: boolean, warn: (warning: string) => void): void {
  const ignored = (p: HashedPool): string =>
    `${JSON.stringify(p.hashKey)} is ignored because pool "${p.name}" uses ${p.algorithm} (hashKey applies only to consistent-hash)`;
  const inheriting: HashedPool[] = [];
  pools.forEach((p, i) => {
    if (p.hashKey === undefined) return;
    if (!ownHashKey(i)) inheriting.push(p);
    else if (p.algorithm !== 'consistent-hash') warn(`pools[${i}].hashKey: ${ignored(p)}`);
  });
  // A top-level default is fine as long as some pool that inherits it hashes.
  if (inheriting.length > 0 && !inheriting.some((p) => p.algorithm === 'consistent-hash')) {
    const p = inheriting[0]!;
    warn(
      named
        ? `hashKey: ${JSON.stringify(p.hashKey)} is ignored because no pool that inherits it uses consistent-hash`
        : `hashKey: ${ignored(p)}`,
    );
  }
}
