// The value of a sticky-session cookie: an opaque hash of pool and backend
// id, so it reveals no address and stays valid across restarts and reloads
// as long as the backend keeps its id.
import { createHash } from 'node:crypto';

export function stickyValue(pool: string, backendId: string): string {
  return createHash('sha256').update(pool).update('\0').update(backendId).digest('base64url').slice(0, 16);
}
