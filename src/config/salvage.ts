// What is left of a config file with problems: the offending keys are dropped
// and the rest parsed again, so the checks that compare settings (admin port vs
// listen port, sticky sameSite vs secure, ...) can run in the same pass as the
// field errors. The dropped paths are returned so those checks can skip them.
import { formatPath } from './problems.js';
import { parseConfigData, type FileLayer } from './schema.js';

export type KeyPath = (string | number)[];

// Each pass drops at least one key, and the file schema nests only a few levels deep.
const MAX_PASSES = 10;

export interface Salvaged {
  /** The layer without the dropped keys, or undefined when nothing sensible is left. */
  layer: FileLayer | undefined;
  /** Formatted paths of what was dropped, e.g. `listen.port`. */
  dropped: string[];
}

/** Drops `paths` from `data` (and whatever else the schema then rejects) until it parses. */
export function salvageLayer(data: unknown, paths: readonly KeyPath[]): Salvaged {
  const dropped: KeyPath[] = [];
  let pending: readonly KeyPath[] = paths;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    for (const path of pending) {
      const key = keyToDrop(path, dropped);
      if (key === undefined) return { layer: undefined, dropped: dropped.map(formatPath) };
      if (!dropped.some((d) => samePath(d, key))) dropped.push(key);
    }
    const parsed = parseConfigData(without(data, dropped));
    if (parsed.ok) return { layer: parsed.layer, dropped: dropped.map(formatPath) };
    pending = parsed.at;
  }
  return { layer: undefined, dropped: dropped.map(formatPath) };
}

// The nearest object key at or above `path`. List items are never dropped one by
// one: later items would move up and problems would name the wrong index. When a
// path was dropped already and its problem remains (a required key), go one up.
function keyToDrop(path: KeyPath, dropped: readonly KeyPath[]): KeyPath | undefined {
  const key = [...path];
  for (;;) {
    while (typeof key[key.length - 1] === 'number') key.pop();
    if (key.length === 0) return undefined;
    if (!dropped.some((d) => samePath(d, key))) return key;
    key.pop();
  }
}

function samePath(a: KeyPath, b: KeyPath): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

/** A copy of `data` without the keys at `paths`. */
function without(data: unknown, paths: readonly KeyPath[]): unknown {
  const copy = structuredClone(data);
  for (const path of paths) {
    let node: unknown = copy;
    for (const part of path.slice(0, -1)) {
      node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[part] : undefined;
    }
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
      delete (node as Record<string, unknown>)[String(path[path.length - 1])];
    }
  }
  return copy;
}
