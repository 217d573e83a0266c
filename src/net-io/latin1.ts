// Bytes as a latin1 string, one char per byte, so string offsets are byte
// offsets and the text writes back byte for byte. Buffer's latin1Slice is
// what toString('latin1') calls after checking its arguments and encoding
// name; the parsers call it per head, so they call it directly.
import { Buffer } from 'node:buffer';
interface Latin1Slicing {
  latin1Slice(start: number, end: number): string;
}

/** buf[start, end) as a latin1 string. */
export function latin1Text(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as Latin1Slicing).latin1Slice(start, end);
}
