// A Redis command in RESP2 (the protocol every Redis version speaks): an
// array of bulk strings, `*<count>\r\n` then `$<bytes>\r\n<arg>\r\n` per argument.

export type RedisArgument = string | number | Buffer;

/** One command, ready to write. */
export function encodeCommand(args: readonly RedisArgument[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg), 'utf8');
    parts.push(Buffer.from(`$${bytes.length}\r\n`, 'latin1'), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

const CRLF = Buffer.from('\r\n', 'latin1');
