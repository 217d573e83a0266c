// Turns a failed listen() into one readable line instead of a stack trace.
export function describeListenError(err: unknown, what: string): string {
  const e = err as Error & { code?: string; address?: string; port?: number };
  const where = e.address !== undefined ? `${e.address}:${e.port}` : what;
  switch (e.code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the address is already in use (is another fairway or server running there?)`;
    case 'EACCES':
      return `cannot listen on ${where}: permission denied (ports below 1024 need privileges)`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: the address is not available on this machine`;
    default:
      return `cannot listen on ${where}: ${e.message}`;
  }
}
