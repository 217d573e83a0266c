// Turns a failed listen() into one readable line instead of a stack trace.
// The admin server and the proxy listeners tag their errors with `listener`
// ('admin listener', 'proxy listener' for the one named web, 'listener NAME'
// for the others), so the line says which one failed.

// How to pick another address for each listener.
const REMEDY: Record<string, string> = {
  'proxy listener': 'choose another with --port, PORT or listen.port',
  'admin listener': 'choose another with --admin-port, ADMIN_PORT or admin.port, or set admin.enabled: false',
};

export function describeListenError(err: unknown, what: string): string {
  const e = err as Error & { code?: string; address?: string; port?: number; listener?: string };
  const where = e.address !== undefined ? `${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}` : what;
  const who = e.listener !== undefined ? `${e.listener}: ` : '';
  const named = e.listener?.startsWith('listener ') === true ? `choose another port for it in listeners (or --https-port for websecure)` : undefined;
  const fix = e.listener === undefined ? undefined : (REMEDY[e.listener] ?? named);
  const remedy = fix !== undefined ? `; ${fix}` : '';
  switch (e.code) {
    case 'EADDRINUSE':
      return `${who}${where} is already in use (EADDRINUSE); another fairway or server may be running there${remedy}`;
    case 'EACCES':
      return `${who}cannot listen on ${where}: permission denied (EACCES; ports below 1024 need privileges)${remedy}`;
    case 'EADDRNOTAVAIL':
      return `${who}cannot listen on ${where}: the address is not available on this machine (EADDRNOTAVAIL)`;
    default:
      return `${who}cannot listen on ${where}: ${e.message}`;
  }
}
