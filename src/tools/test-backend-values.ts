// Parsing and checking of the test backend's settings, shared by the command
// line, the /control endpoint and per-request query parameters so all three
// accept the same values and reject bad ones with the same message.
// Every function throws a RangeError whose message names `label`.

/** Longest delay a Node.js timer can express. */
export const MAX_DELAY_MS = 2_147_483_647;

function parseNumber(text: string): number {
  // Number('') and Number(' ') are 0; an empty value is a mistake, not zero.
  return text.trim() === '' ? Number.NaN : Number(text);
}

export function checkDelayMs(value: number, label: string): number {
  if (!Number.isFinite(value) || value < 0 || value > MAX_DELAY_MS) {
    throw new RangeError(`${label}: ${String(value)} is not a delay in milliseconds from 0 to ${MAX_DELAY_MS}`);
  }
  return value;
}

export function parseDelayMs(text: string, label: string): number {
  const value = parseNumber(text);
  if (!Number.isFinite(value) || value < 0 || value > MAX_DELAY_MS) {
    throw new RangeError(`${label}: "${text}" is not a delay in milliseconds from 0 to ${MAX_DELAY_MS}`);
  }
  return value;
}

export function checkFailureRate(value: number, label: string): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`${label}: ${String(value)} is not a failure rate from 0 to 1`);
  }
  return value;
}

export function parseFailureRate(text: string, label: string): number {
  const value = parseNumber(text);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`${label}: "${text}" is not a failure rate from 0 to 1 (for example 0.25)`);
  }
  return value;
}

export function parseBoolean(text: string, label: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new RangeError(`${label}: "${text}" is not true or false`);
}

export function checkPort(value: number, label: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new RangeError(`${label}: ${String(value)} is not a port from 0 to 65535`);
  }
  return value;
}

export function parsePort(text: string, label: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value > 65535) {
    throw new RangeError(`${label}: "${text}" is not a port from 0 to 65535 (0 picks a free port)`);
  }
  return value;
}

/** A final HTTP status the backend may answer with. */
export function parseStatus(text: string, label: string): number {
  const value = /^\d{3}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 200 && value <= 599)) {
    throw new RangeError(`${label}: "${text}" is not an HTTP status from 200 to 599`);
  }
  return value;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A byte count such as `512`, `64k`, `1m` or `2g` (binary units). */
export function parseByteSize(text: string, label: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(text);
  const value = match ? Number(match[1]) * (SIZE_UNITS[match[2]!.toLowerCase()] ?? Number.NaN) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${label}: "${text}" is not a byte count (digits with an optional k, m or g suffix)`);
  }
  return value;
}

/** Checks a latency range and fills in a missing end from the other one. */
export function checkLatencyRange(minMs: number | undefined, maxMs: number | undefined): { minMs: number; maxMs: number } {
  const min = checkDelayMs(minMs ?? 0, 'min latency');
  const max = checkDelayMs(maxMs ?? min, 'max latency');
  if (min > max) throw new RangeError(`min latency (${min} ms) is greater than max latency (${max} ms)`);
  return { minMs: min, maxMs: max };
}
