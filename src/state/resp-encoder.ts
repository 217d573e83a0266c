// A Redis command in RESP2 (the protocol every Redis version speaks): an
// array of bulk strings, `*<count>\r\n` then `$<bytes>\r\n<arg>\r\n` per argument.
import { Buffer } from 'node:buffer';

export type RedisArgument = string | number;

/** One command, ready to write: built as one string and encoded once. */
export function encodeCommand(args: readonly RedisArgument[]): Buffer {
  let text = `*${args.length}\r\n`;
  for (const arg of args) {
    const value = String(arg);
    // Lengths count bytes, not characters.
    text += `$${Buffer.byteLength(value, 'utf8')}\r\n${value}\r\n`;
  }
  return Buffer.from(text, 'utf8');
}
