// Human durations for config, env and flags. Everything downstream works in
// milliseconds; this is the one place that knows the units.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

// A bare number (or numeric string) means seconds, as in `--interval 5`.
const BARE_SECONDS = /^(?:\d+(?:\.\d+)?|\.\d+)$/;
// One or more number+unit parts, e.g. `250ms`, `1.5s`, `1m30s`.
const WITH_UNITS = /^(?:(?:\d+(?:\.\d+)?|\.\d+)(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/g;

export const DURATION_HINT = 'expected e.g. 250ms, 5s, 1.5s, 2m, 1h, or a bare number of seconds';

/** Parses a duration into whole milliseconds; throws an Error with a readable message. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`${String(value)} is not a duration (${DURATION_HINT})`);
    }
    return Math.round(value * 1000);
  }
  if (typeof value !== 'string') {
    throw new Error(`${JSON.stringify(value)} is not a duration (${DURATION_HINT})`);
  }
  const text = value.trim();
  if (BARE_SECONDS.test(text)) return Math.round(Number(text) * 1000);
  if (!WITH_UNITS.test(text)) {
    throw new Error(`${JSON.stringify(value)} is not a duration (${DURATION_HINT})`);
  }
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) {
    ms += Number(amount) * UNIT_MS[unit as string];
  }
  return Math.round(ms);
}

/** Short human form of a millisecond duration, for messages: 250ms, 5s, 2m. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
