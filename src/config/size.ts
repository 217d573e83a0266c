// Byte sizes for config. A bare integer is bytes; k, KiB, m and MiB (any case)
// are binary multiples, as NGINX reads `64k`. Everything downstream works in
// bytes; this is the one place that knows the units.

const UNIT_BYTES: Record<string, number> = { '': 1, k: 1024, kib: 1024, m: 1024 * 1024, mib: 1024 * 1024 };
const SIZE = /^(\d+)\s*(k|kib|m|mib)?$/i;

export const SIZE_HINT = 'expected a number of bytes, or e.g. 64k, 64KiB, 1m, 1MiB';

/** Parses a size into bytes; throws an Error with a readable message. */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${String(value)} is not a size (${SIZE_HINT})`);
    return value;
  }
  const match = typeof value === 'string' ? SIZE.exec(value.trim()) : null;
  if (match === null) throw new Error(`${JSON.stringify(value)} is not a size (${SIZE_HINT})`);
  return Number(match[1]) * UNIT_BYTES[(match[2] ?? '').toLowerCase()]!;
}

/** Short human form of a byte count, for messages: 64KiB, 1MiB, 100 bytes. */
export function formatSize(bytes: number): string {
  if (bytes > 0 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}MiB`;
  if (bytes > 0 && bytes % 1024 === 0) return `${bytes / 1024}KiB`;
  return `${bytes} bytes`;
}
