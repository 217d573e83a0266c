// A setting that is invalid or missing (a bad field, an unset ${VAR}, a bad flag)
// is left out, and its default stands in. A check comparing it with another
// setting would then compare the default and report a problem that is not
// there, so such checks are skipped while any setting they read is invalid.

/** Whether `path` is `base` or lies inside it (`pools[0].sticky.secure` inside `pools[0]`). */
export function isWithin(path: string, base: string): boolean {
  return path === base || path.startsWith(`${base}.`) || path.startsWith(`${base}[`);
}

/** Whether a check that reads `reads` touches any of the `invalid` paths (either inside the other). */
export function readsInvalid(reads: readonly string[], invalid: readonly string[]): boolean {
  return reads.some((r) => invalid.some((i) => isWithin(i, r) || isWithin(r, i)));
}
