// Admin authentication: with a token configured, /api/* needs
// `Authorization: Bearer TOKEN`; /metrics, /healthz, /lb/stats and the
// dashboard stay readable unless protectReads is set. The dashboard page and
// its assets hold no data and are always served, so a browser can load them
// and then ask for the token. The token is compared in
// constant time (as digests, so its length does not leak either).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AdminConfig } from '../config/types.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

export class AdminAuth {
  private expected: Buffer | undefined;
  private protectReads = false;

  constructor(config: AdminConfig) {
    this.configure(config);
  }

  /** Reloads may change the token; the listener address needs a restart. */
  configure(config: AdminConfig): void {
    this.expected = config.token === undefined || config.token === '' ? undefined : digest(config.token);
    this.protectReads = config.protectReads === true;
  }

  get tokenRequired(): boolean {
    return this.expected !== undefined;
  }

  get readsProtected(): boolean {
    return this.tokenRequired && this.protectReads;
  }

  /** Whether this path needs the token at all. */
  guards(path: string): boolean {
    if (this.expected === undefined) return false;
    if (path === '/' || path.startsWith('/assets/')) return false;
    return path.startsWith('/api/') || path === '/api' || this.protectReads;
  }

  allows(req: IncomingMessage, path: string): boolean {
    if (!this.guards(path)) return true;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    return match !== null && timingSafeEqual(digest(match[1]!.trim()), this.expected!);
  }
}
