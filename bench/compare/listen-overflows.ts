// The kernel's count of connections a full accept queue turned away
// (TcpExt ListenOverflows in /proc/net/netstat). Such a client's handshake
// completes only when it sends again, a second or more later, so a run in
// which the count grew had connections that waited. The counter is the whole
// network namespace's: on a shared machine another program's listener may
// add to it.
import { readFileSync } from 'node:fs';

/** ListenOverflows from a /proc/net/netstat text (a line of names, then a line of values, per group). */
export function parseListenOverflows(netstat: string): number | undefined {
  const lines = netstat.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.startsWith('TcpExt:') || !lines[i + 1]!.startsWith('TcpExt:')) continue;
    const names = lines[i]!.trim().split(/\s+/);
    const values = lines[i + 1]!.trim().split(/\s+/);
    const at = names.indexOf('ListenOverflows');
    return at === -1 ? undefined : Number(values[at]);
  }
  return undefined;
}

/** The count now, or undefined where /proc/net/netstat cannot be read. */
export function listenOverflows(): number | undefined {
  try {
    return parseListenOverflows(readFileSync('/proc/net/netstat', 'utf8'));
  } catch {
    return undefined;
  }
}
